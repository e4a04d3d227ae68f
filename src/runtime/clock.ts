// The real clock. Everything else takes a Clock so tests can move time.
import type { Clock } from '../engine/ports.js'

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    // Timers alone never keep the process alive: listeners and watchers do.
    t.unref()
    return t
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
}

/** The real clock for a command that only waits on timers (`login` polling): they keep it alive. */
export const foregroundClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
}
