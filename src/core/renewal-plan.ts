// When to renew a credential, when to retry after a failure, and when to stop
// serving one. Pure: every function takes `now` and a random number in [0, 1)
// from the caller, so tests drive it with a fake clock and a seeded generator.
//
// The numbers come from the readers we feed: botocore starts its own refresh at
// 15 minutes left (advisory) and the JS SDK at 5, so for upstream lifetimes of
// 30 minutes or more we renew with at least 18 minutes left (0.6 × 30m), and by
// default at 20 minutes (`refresh.before`).

export interface RenewalPolicy {
  /** Renew this long before expiry (capped at `leadFraction` of the lifetime). */
  before: number
  /** Largest share of a lifetime renewed ahead: short credentials renew at 40% of their life. */
  leadFraction: number
  /** Renewals are spread earlier by up to this share of the lifetime… */
  jitterFraction: number
  /** …and by no more than this, so a 12-hour credential is not renewed an hour early. */
  maxJitter: number
  /** Nothing is ever scheduled closer than this to the previous attempt: no tight loops. */
  minInterval: number
  /** Transient failures: full-jitter exponential backoff from `retryBase` up to `retryCap`. */
  retryBase: number
  retryCap: number
  /** Permanent failures wait for a file change, and re-check this rarely meanwhile. */
  permanentRecheck: number
  /** Outputs drop credentials this long before they expire (capped at 10% of the lifetime). */
  expiryMargin: number
}

export const defaultPolicy = (before = 20 * 60_000): RenewalPolicy => ({
  before,
  leadFraction: 0.6,
  jitterFraction: 0.05,
  maxJitter: 5 * 60_000,
  minInterval: 1_000,
  retryBase: 1_000,
  retryCap: 5 * 60_000,
  permanentRecheck: 10 * 60_000,
  expiryMargin: 5_000,
})

export interface Issued {
  obtainedAt: number
  /** Undefined for long-term keys: they are never renewed on a timer. */
  expiresAt?: number
}

/**
 * The moment to renew credentials obtained at `obtainedAt`. Never earlier than a
 * third of the lifetime after they were obtained (0.6 lead + 0.05 jitter leaves
 * 0.35), so a healthy profile is renewed at most once per third of its lifetime.
 */
export const planRenewal = (issued: Issued, policy: RenewalPolicy, random: number): number | undefined => {
  if (issued.expiresAt === undefined) return undefined
  const lifetime = issued.expiresAt - issued.obtainedAt
  if (lifetime <= 0) return issued.obtainedAt + policy.minInterval
  const lead = Math.min(policy.before, lifetime * policy.leadFraction)
  const jitter = Math.min(policy.maxJitter, lifetime * policy.jitterFraction) * clamp01(random)
  const at = issued.expiresAt - lead - jitter
  return Math.max(at, issued.obtainedAt + Math.max(lifetime / 3, policy.minInterval))
}

/** Delay before retry number `attempt` (1-based) of a transient failure: AWS's "full jitter". */
export const retryDelay = (
  attempt: number,
  policy: Pick<RenewalPolicy, 'retryBase' | 'retryCap' | 'minInterval'>,
  random: number,
): number => {
  const ceiling = Math.min(policy.retryCap, policy.retryBase * 2 ** Math.min(Math.max(attempt - 1, 0), 30))
  return Math.max(policy.minInterval, ceiling * clamp01(random))
}

/** The last moment an output may hold these credentials: a little before they expire. */
export const serveUntil = (issued: Issued, policy: RenewalPolicy): number | undefined => {
  if (issued.expiresAt === undefined) return undefined
  const lifetime = Math.max(0, issued.expiresAt - issued.obtainedAt)
  return issued.expiresAt - Math.min(policy.expiryMargin, lifetime / 10)
}

/** Credentials an output may hold at `now`. */
export const isServable = (issued: Issued, policy: RenewalPolicy, now: number): boolean => {
  const until = serveUntil(issued, policy)
  return until === undefined || now < until
}

/** Upstream answers shorter than this are treated as a failure rather than served. */
export const MIN_USEFUL_LIFETIME = 5_000

const clamp01 = (x: number): number => (x < 0 ? 0 : x >= 1 ? 0.999999 : x)
