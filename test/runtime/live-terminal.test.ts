// The in-place redraw: log lines go above the frame, the frame is erased by
// moving up exactly the lines it took, partial lines wait for their end, and
// nothing is drawn before start or after stop.
import t from 'tap'
import { LiveTerminal } from '../../src/runtime/live-terminal.js'

const fakeOut = () => {
  const writes: string[] = []
  return { writes, columns: 80, write: (s: string) => void writes.push(s) }
}

t.test('log lines scroll above a frame that is redrawn in place', async (t) => {
  const out = fakeOut()
  let n = 0
  const live = new LiveTerminal({ out, render: () => [`frame ${++n}`, 'second line'], intervalMs: 0 })
  live.printAbove('before start\n')
  t.same(out.writes, ['before start\n'], 'no frame before start')
  live.start()
  t.equal(out.writes[1], 'frame 1\nsecond line\n')
  live.printAbove('an event\n')
  t.equal(out.writes[2], '\x1b[2A\r\x1b[Jan event\nframe 2\nsecond line\n', 'erase 2 lines, the event, the new frame')
  live.redraw()
  t.equal(out.writes[3], '\x1b[2A\r\x1b[Jframe 3\nsecond line\n')
  live.stop()
  live.printAbove('after stop\n')
  live.redraw()
  t.equal(out.writes[4], '\x1b[2A\r\x1b[Jafter stop\n', 'the last frame is erased once for the line, not drawn again')
  t.equal(out.writes.length, 5)
})

t.test('a line written in pieces is shown once complete; the erase follows the frame height', async (t) => {
  const out = fakeOut()
  let rows = ['a', 'b', 'c']
  const live = new LiveTerminal({ out, render: () => rows, intervalMs: 0 })
  live.start()
  live.printAbove('half ')
  t.equal(out.writes.length, 1, 'nothing until the newline')
  rows = ['a']
  live.logStream.write('line\nnext ')
  await new Promise((r) => setImmediate(r))
  t.equal(out.writes[1], '\x1b[3A\r\x1b[Jhalf line\na\n')
  live.printAbove('part\n')
  t.equal(out.writes[2], '\x1b[1A\r\x1b[Jnext part\na\n')
})

t.test('the frame gets the terminal width and is redrawn on resize', async (t) => {
  const listeners: Array<() => void> = []
  const out = {
    ...fakeOut(),
    on: (_e: 'resize', fn: () => void) => void listeners.push(fn),
    off: (_e: 'resize', fn: () => void) => void listeners.splice(listeners.indexOf(fn), 1),
  }
  const widths: number[] = []
  const live = new LiveTerminal({ out, render: (c) => (widths.push(c), ['x']), intervalMs: 0 })
  live.start()
  out.columns = 50
  listeners[0]!()
  t.same(widths, [80, 50])
  live.stop()
  t.equal(listeners.length, 0, 'the resize listener is removed on stop')
})
