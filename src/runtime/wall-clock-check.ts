// Node timers run on a monotonic clock that stops while a machine is suspended, so
// after a laptop wakes a renewal timer may fire long after the credentials died.
// A wall-clock cron (node-cron, every 30 seconds) re-takes every timed decision.
// A jump is the wall clock moving differently from the monotonic one between two
// looks (suspended time, an NTP step); a busy event loop delays both alike, so it
// is not one. node-cron notices a jump as "missed" slots: those trigger a look at
// once (one per burst), instead of a console warning per slot.
import cron from 'node-cron'

export interface WallClockCheck {
  stop(): void
}

/** Difference between wall and monotonic time that counts as a jump. */
const JUMP_SLACK_MS = 10_000
/** A slot this late still runs (GC pauses, a busy loop): node-cron's default is 1 s. */
const LATE_TOLERANCE_MS = 10_000

export interface ClockReading {
  wall: number
  monotonic: number
}

/** How far the wall clock jumped between two readings, beyond what really elapsed, or undefined. */
export const jumpOf = (previous: ClockReading, now: ClockReading): number | undefined => {
  const drift = now.wall - previous.wall - (now.monotonic - previous.monotonic)
  return Math.abs(drift) > JUMP_SLACK_MS ? drift : undefined
}

export const startWallClockCheck = (
  onTick: (jumpedMs: number | undefined) => void,
  deps: { now?: () => number; monotonic?: () => number; expression?: string } = {},
): WallClockCheck => {
  const read = (): ClockReading => ({ wall: (deps.now ?? Date.now)(), monotonic: (deps.monotonic ?? (() => performance.now()))() })
  let last = read()
  const look = (): void => {
    const reading = read()
    const jumped = jumpOf(last, reading)
    last = reading
    onTick(jumped)
  }
  const task = cron.schedule(deps.expression ?? '*/30 * * * * *', look, { missedExecutionTolerance: LATE_TOLERANCE_MS })
  // Missed slots arrive in a burst (one per 30 s skipped): look once, right after it.
  let queued = false
  task.on('execution:missed', () => {
    if (queued) return
    queued = true
    setImmediate(() => {
      queued = false
      look()
    })
  })
  return { stop: () => void task.stop() }
}
