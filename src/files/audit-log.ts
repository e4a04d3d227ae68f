// The audit log: who asked for which profile's credentials and what they got, on every
// listener, as JSON lines in the state folder (0600). Answers are counted per second and
// per (listener, consumer, profile, status), so a client polling hundreds of times a
// second costs one line a second, not one write per request; nothing is written while
// nobody asks. Never a token or a key: the consumer is a grant's name.
import { appendFile, chmod, rename, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { awsTimestamp } from '../core/aws-time.js'
import { ensureDir } from './atomic-write.js'

export interface AuditEvent {
  listener: 'container' | 'imds' | 'control'
  /** The grant's name; `anonymous` where no token is asked (IMDS) or none matched. */
  consumer: string
  profile?: string
  status: number
}

/** What a status means for the reader of the log. */
export const auditOutcome = (status: number): string =>
  status === 200 ? 'served' : status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : status === 404 ? 'not-found' : status === 429 ? 'rate-limited' : status === 503 ? 'unavailable' : status >= 500 ? 'error' : 'refused'

export interface AuditLogOptions {
  file: string
  now: () => number
  /** Rotated to FILE.1 past this size (default 10 MiB). */
  maxBytes?: number
  onError?: (e: unknown) => void
}

/** Distinct keys kept per second; past it, answers are counted under profile "(other)". */
const MAX_KEYS = 1000
/** How long after a second ends its lines are written when no later answer closes it. */
const WINDOW_SLACK_MS = 10
/** A profile name from a URL is a stranger's text: cut short (JSON escapes the rest). */
const MAX_PROFILE = 100

export class AuditLog {
  private window = 0
  private readonly counts = new Map<string, { e: AuditEvent; count: number }>()
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<void> = Promise.resolve()
  private size: number | undefined

  constructor(private readonly opts: AuditLogOptions) {}

  /** Counts one answer; cheap enough for every request. */
  record(e: AuditEvent): void {
    const second = Math.floor(this.opts.now() / 1000)
    if (second !== this.window) {
      this.flush()
      this.window = second
    }
    const profile = e.profile === undefined ? '' : e.profile.length > MAX_PROFILE ? e.profile.slice(0, MAX_PROFILE) : e.profile
    let key = `${e.listener}\0${e.consumer}\0${profile}\0${e.status}`
    let shown = profile
    let slot = this.counts.get(key)
    if (!slot && this.counts.size >= MAX_KEYS) {
      key = `${e.listener}\0${e.consumer}\0(other)\0${e.status}`
      shown = '(other)'
      slot = this.counts.get(key)
    }
    // The profile as counted, kept whole: a name from a URL may itself hold a NUL.
    if (slot) slot.count++
    else this.counts.set(key, { e: { ...e, ...(e.profile !== undefined ? { profile: shown } : {}) }, count: 1 })
    // One timer while there is something to write; none while idle.
    this.timer ??= this.armAtWindowEnd()
  }

  /**
   * A timer for just after the counted second ends, so a second nobody closes (no later
   * answer) is still written, and written once: flushing while the second is still open
   * would split it into two lines.
   */
  private armAtWindowEnd(): NodeJS.Timeout {
    return setTimeout(() => {
      this.timer = undefined
      if (this.counts.size === 0) return
      if (Math.floor(this.opts.now() / 1000) === this.window) this.timer = this.armAtWindowEnd()
      else this.flush()
    }, Math.max(0, (this.window + 1) * 1000 - this.opts.now()) + WINDOW_SLACK_MS).unref()
  }

  /** Writes what was counted so far. */
  flush(): void {
    if (this.counts.size === 0) return
    const time = awsTimestamp(this.window * 1000)
    let text = ''
    for (const { e, count } of this.counts.values())
      text += `${JSON.stringify({ time, listener: e.listener, consumer: e.consumer, ...(e.profile !== undefined ? { profile: e.profile } : {}), status: e.status, outcome: auditOutcome(e.status), count })}\n`
    this.counts.clear()
    this.writing = this.writing.then(() => this.append(text)).catch((err: unknown) => this.opts.onError?.(err))
  }

  /** Flushes and waits for the writes (on stop). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.flush()
    await this.writing
  }

  private async append(text: string): Promise<void> {
    const { file } = this.opts
    let opened = false
    if (this.size === undefined) {
      await ensureDir(dirname(file))
      this.size = (await stat(file).catch(() => undefined))?.size ?? 0
      opened = true
    }
    if (this.size > (this.opts.maxBytes ?? 10 * 1024 * 1024)) {
      await rename(file, `${file}.1`).catch(() => undefined)
      this.size = 0
    }
    await appendFile(file, text, { mode: 0o600 })
    // appendFile's mode applies only to a new file, through the umask; an old log left wider is narrowed once.
    if (opened || this.size === 0) await chmod(file, 0o600)
    this.size += Buffer.byteLength(text)
  }
}
