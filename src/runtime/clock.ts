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
