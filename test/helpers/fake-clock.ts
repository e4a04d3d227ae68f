// A clock for tests: time moves only when the test says so, timers fire in
// order, and promises settle between timers so async renewals complete.
import type { Clock, TimerHandle } from '../../src/engine/ports.js'

interface Timer {
  id: number
  at: number
  fn: () => void
}

export const settle = async (rounds = 8): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r))
}

export class FakeClock implements Clock {
  private timers: Timer[] = []
  private seq = 0
  constructor(public t = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.t
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: ++this.seq, at: this.t + Math.max(0, ms), fn }
    this.timers.push(timer)
    return timer.id
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((x) => x.id !== handle)
  }

  pending(): number {
    return this.timers.length
  }

  /** Move time forward by `ms`, firing due timers in order; `before` runs at each firing time first. */
  async advance(ms: number, before?: (now: number) => void): Promise<void> {
    const target = this.t + ms
    await settle()
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id)
      const next = this.timers[0]
      if (!next || next.at > target) break
      this.timers.shift()
      this.t = Math.max(this.t, next.at)
      before?.(this.t)
      next.fn()
      await settle()
    }
    this.t = target
    before?.(this.t)
  }

  /**
   * The wall clock jumps (suspend/resume, NTP) while Node's timers, which run on a
   * monotonic clock, do not see it: each pending timer still needs the same delay.
   */
  jump(ms: number): void {
    this.t += ms
    for (const timer of this.timers) timer.at += ms
  }
}

/** Deterministic uniform [0,1) generator (mulberry32) for reproducible jitter. */
export const seeded = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
