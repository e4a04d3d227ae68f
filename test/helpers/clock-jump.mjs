// Preload (node --import) that moves this process's wall clock forward by
// CLOCK_JUMP_MS, as a resume from suspend or an NTP step would: Date.now() and
// new Date() jump, the monotonic clock does not. The jump comes CLOCK_JUMP_AFTER_MS
// after start, and (with CLOCK_JUMP_ON, a regular expression) not before the process
// wrote a matching line plus half a second, so the code that runs right after that
// line has taken its readings of the old clock.
// CLOCK_SLOT_MS shifts the wall clock at start (by under 30 s, before anything reads
// it) so the next 30-second boundary, where a '*/30 * * * * *' cron looks, falls that
// long after start: a test then waits seconds, not up to half a minute, for the look.
const RealDate = Date
const SLOT = 30_000
const slotAfter = Number(process.env.CLOCK_SLOT_MS ?? 0)
const startedReal = RealDate.now()
let offset = slotAfter > 0 ? (SLOT - ((startedReal + slotAfter) % SLOT)) % SLOT : 0
function JumpingDate(...args) {
  if (!new.target) return RealDate()
  return args.length > 0 ? new RealDate(...args) : new RealDate(RealDate.now() + offset)
}
JumpingDate.prototype = RealDate.prototype
JumpingDate.now = () => RealDate.now() + offset
JumpingDate.parse = RealDate.parse
JumpingDate.UTC = RealDate.UTC
globalThis.Date = JumpingDate

const jump = () => {
  const by = Number(process.env.CLOCK_JUMP_MS ?? 0)
  offset += by
  process.stderr.write(`clock-jump: wall clock moved ${by} ms\n`)
}
const after = Number(process.env.CLOCK_JUMP_AFTER_MS ?? 1000)
const on = process.env.CLOCK_JUMP_ON ? new RegExp(process.env.CLOCK_JUMP_ON) : undefined
if (!on) {
  setTimeout(jump, after).unref()
} else {
  let seen = false
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write
    stream.write = function (chunk, ...rest) {
      if (!seen && on.test(String(chunk))) {
        seen = true
        const wait = Math.max(500, after - (RealDate.now() - startedReal))
        setTimeout(jump, wait).unref()
      }
      return write.call(this, chunk, ...rest)
    }
  }
}
