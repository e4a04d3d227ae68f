// A frame redrawn in place at the bottom of a terminal, with log lines scrolling
// above it: before each log line the frame is erased (cursor up over the lines it
// took, clear to the end of the screen), the line is written, and the frame is
// drawn again below it. Redrawn every second so the countdowns move.
import { Writable } from 'node:stream'

export interface TerminalOut {
  write(s: string): unknown
  columns?: number
  on?(event: 'resize', fn: () => void): unknown
  off?(event: 'resize', fn: () => void): unknown
}

export interface LiveTerminalOptions {
  out: TerminalOut
  /** The frame's lines, each already cut to the width (see cli/live-frame.ts). */
  render: (columns: number) => string[]
  /** Redraw period; 0 = only on log lines and explicit redraws (tests). */
  intervalMs?: number
}

export class LiveTerminal {
  private drawn = 0
  private running = false
  private timer?: NodeJS.Timeout
  private partial = ''
  private readonly onResize = (): void => this.redraw()

  constructor(private readonly opts: LiveTerminalOptions) {}

  /** A stream for the logger: each complete line goes above the frame. */
  readonly logStream = new Writable({
    write: (chunk: Buffer | string, _enc, done): void => {
      this.printAbove(chunk.toString())
      done()
    },
  })

  start(): void {
    if (this.running) return
    this.running = true
    this.draw()
    const every = this.opts.intervalMs ?? 1000
    if (every > 0) {
      this.timer = setInterval(() => this.redraw(), every)
      this.timer.unref()
    }
    this.opts.out.on?.('resize', this.onResize)
  }

  /** Leaves the last frame on screen: it is the final state. The cursor is never hidden, so a crash cannot lose it. */
  stop(): void {
    if (!this.running) return
    this.running = false
    clearInterval(this.timer)
    this.opts.out.off?.('resize', this.onResize)
  }

  /** Writes text above the frame; an unfinished line waits for its end. */
  printAbove(text: string): void {
    const all = this.partial + text
    const cut = all.lastIndexOf('\n')
    if (cut < 0) {
      this.partial = all
      return
    }
    this.partial = all.slice(cut + 1)
    this.opts.out.write(this.erase() + all.slice(0, cut + 1) + this.frame())
  }

  redraw(): void {
    if (this.running) this.opts.out.write(this.erase() + this.frame())
  }

  private draw(): void {
    this.opts.out.write(this.frame())
  }

  private erase(): string {
    const n = this.drawn
    this.drawn = 0
    return n > 0 ? `\x1b[${n}A\r\x1b[J` : ''
  }

  private frame(): string {
    if (!this.running) return ''
    const lines = this.opts.render(this.opts.out.columns ?? 80)
    this.drawn = lines.length
    return lines.map((l) => `${l}\n`).join('')
  }
}
