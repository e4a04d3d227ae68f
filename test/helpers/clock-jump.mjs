// Preload (node --import) that moves this process's wall clock forward by
// CLOCK_JUMP_MS, CLOCK_JUMP_AFTER_MS after start, as a resume from suspend or an
// NTP step would: Date.now() and new Date() jump, the monotonic clock does not.
const RealDate = Date
let offset = 0
function JumpingDate(...args) {
  if (!new.target) return RealDate()
  return args.length > 0 ? new RealDate(...args) : new RealDate(RealDate.now() + offset)
}
JumpingDate.prototype = RealDate.prototype
JumpingDate.now = () => RealDate.now() + offset
JumpingDate.parse = RealDate.parse
JumpingDate.UTC = RealDate.UTC
globalThis.Date = JumpingDate
setTimeout(() => {
  offset = Number(process.env.CLOCK_JUMP_MS ?? 0)
  process.stderr.write(`clock-jump: wall clock moved ${offset} ms\n`)
}, Number(process.env.CLOCK_JUMP_AFTER_MS ?? 1000)).unref()
