// Node timers run on a monotonic clock that stops while a machine is suspended, so
// after a laptop wakes a renewal timer may fire long after the credentials died.
// A wall-clock cron (node-cron, every 30 seconds) re-takes every timed decision, and
// reports a jump (resume, NTP step) when wall time moved far more than the interval.
import cron from 'node-cron'

export interface WallClockCheck {
  stop(): void
}

/** Seconds of wall-clock drift beyond the interval that count as a jump. */
const JUMP_SLACK_MS = 10_000

/** How far the wall clock jumped between two ticks `interval` apart, or undefined if it did not. */
export const jumpOf = (previous: number, now: number, interval: number): number | undefined => {
  const moved = now - previous
  return moved > interval + JUMP_SLACK_MS || moved < -JUMP_SLACK_MS ? moved : undefined
}

export const startWallClockCheck = (
  onTick: (jumpedMs: number | undefined) => void,
  deps: { now?: () => number; expression?: string; intervalMs?: number } = {},
): WallClockCheck => {
  const now = deps.now ?? Date.now
  const interval = deps.intervalMs ?? 30_000
  let last = now()
  const task = cron.schedule(deps.expression ?? '*/30 * * * * *', () => {
    const t = now()
    const jumped = jumpOf(last, t, interval)
    last = t
    onTick(jumped)
  })
  return { stop: () => void task.stop() }
}
