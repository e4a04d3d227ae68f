// Token buckets keyed by a string (today a digest of the presented token; later the consumer's
// name), so one client looping on the endpoint gets 429 instead of taking the daemon's whole
// CPU from the others. Time comes from an injected clock; the map of buckets is bounded and
// forgets the least recently used key first (a forgotten key starts again with a full bucket).

export interface RateLimit {
  /** Sustained requests per second per key. */
  perSecond: number
  /** Requests a key may make at once after being quiet. */
  burst: number
}

/** Generous for real SDKs, which ask once per credential refresh (minutes apart), even hundreds of processes starting together. */
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 100, burst: 200 }
/** Most keys remembered at once. */
export const MAX_RATE_KEYS = 10_000

interface Bucket {
  tokens: number
  at: number
}

/** A map of token buckets. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
    private readonly maxKeys = MAX_RATE_KEYS,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new Error('RateLimiter: perSecond must be > 0 and burst >= 1')
  }

  get size(): number {
    return this.buckets.size
  }

  /** Takes one request for `key`: 0 when allowed, else the whole seconds to wait (Retry-After, at least 1). */
  take(key: string): number {
    const now = this.now()
    let b = this.buckets.get(key)
    if (b === undefined) {
      b = { tokens: this.limit.burst, at: now }
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string)
    } else {
      this.buckets.delete(key) // re-inserted below as the most recently used
      // A clock that went back refills nothing (and takes nothing away).
      b.tokens = Math.min(this.limit.burst, b.tokens + (Math.max(0, now - b.at) * this.limit.perSecond) / 1000)
      b.at = now
    }
    this.buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.limit.perSecond))
  }
}
