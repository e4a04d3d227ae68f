// The renewal policy at the heart of the daemon, one named row per rule: when a
// credential is renewed (lead, jitter and its bounds, the floors), how long a
// transient failure waits (full-jitter backoff), and when an output stops serving.
// Every expected value is worked out by hand from the rule the row names, never by
// calling the function under test, so each row can fail. A snapshot pins the default
// numbers and what they mean for common lifetimes: changing a default shows up in review.
import t from 'tap'
import {
  defaultPolicy,
  isServable,
  MIN_USEFUL_LIFETIME,
  planRenewal,
  retryDelay,
  serveUntil,
  type Issued,
  type RenewalPolicy,
} from '../../src/core/renewal-plan.js'
import { seeded } from '../helpers/fake-clock.js'

const S = 1_000
const M = 60 * S
const H = 60 * M
const T0 = Date.UTC(2026, 0, 1)
const P = defaultPolicy()
/** The clamp for a random number of 1 or more: just under 1, so the full jitter is never quite reached. */
const ALMOST_1 = 0.999999

const issued = (lifetime: number | undefined, obtainedAt = T0): Issued => ({
  obtainedAt,
  expiresAt: lifetime === undefined ? undefined : obtainedAt + lifetime,
})

t.test('planRenewal: when to renew, one rule per row', async (t) => {
  const rows: Array<{
    proves: string
    lifetime: number | undefined
    random: number
    policy?: RenewalPolicy
    obtainedAt?: number
    want: number | undefined
  }> = [
    { proves: 'long-term keys (no expiry) are never renewed on a timer', lifetime: undefined, random: 0.5, want: undefined },
    {
      proves: 'an expiry already in the past is retried after minInterval (1 s), not in a tight loop',
      lifetime: -H,
      random: 0.5,
      want: T0 + S,
    },
    { proves: 'a zero lifetime (expires as obtained) is retried after minInterval', lifetime: 0, random: 0, want: T0 + S },
    { proves: '1 h, random 0: renewed with `before` (20 min) left, no jitter', lifetime: H, random: 0, want: T0 + 40 * M },
    { proves: '1 h, random 0.5: earlier by half of 5% of the lifetime (90 s)', lifetime: H, random: 0.5, want: T0 + 40 * M - 90 * S },
    {
      proves: '1 h, random 1 is clamped below 1: earlier by just under the full 3 min jitter',
      lifetime: H,
      random: 1,
      want: T0 + 40 * M - 3 * M * ALMOST_1,
    },
    { proves: 'a random above 1 acts as just under 1', lifetime: H, random: 2, want: T0 + 40 * M - 3 * M * ALMOST_1 },
    { proves: 'a negative random acts as 0 (no jitter)', lifetime: H, random: -1, want: T0 + 40 * M },
    {
      proves: '12 h: jitter capped at maxJitter (5 min), not 5% of 12 h (36 min)',
      lifetime: 12 * H,
      random: 0.5,
      want: T0 + 12 * H - 20 * M - 150 * S,
    },
    {
      proves: "30 min: lead capped at 60% (18 min left), ahead of botocore's own 15 min refresh",
      lifetime: 30 * M,
      random: 0,
      want: T0 + 12 * M,
    },
    { proves: '15 min: lead capped at 60% of the lifetime (9 min), not `before` (20 min)', lifetime: 15 * M, random: 0, want: T0 + 6 * M },
    { proves: '15 min, random 0.5: jitter is 5% of the lifetime (45 s), halved', lifetime: 15 * M, random: 0.5, want: T0 + 6 * M - 22_500 },
    { proves: '2 s: floored at minInterval (1 s) after obtaining, not at 0.8 s', lifetime: 2 * S, random: 0, want: T0 + S },
    {
      proves: '`before` passed to defaultPolicy (5 min) moves the renewal: 1 h renews at 55 min',
      lifetime: H,
      random: 0,
      policy: defaultPolicy(5 * M),
      want: T0 + 55 * M,
    },
    {
      proves: 'a policy leading by 90% is floored at a third of the lifetime (renewed at most 3 times per lifetime)',
      lifetime: H,
      random: 0,
      policy: { ...defaultPolicy(2 * H), leadFraction: 0.9 },
      want: T0 + 20 * M,
    },
    {
      proves: 'everything counts from obtainedAt: the same 1 h credential obtained 1 h later renews 1 h later',
      lifetime: H,
      random: 0,
      obtainedAt: T0 + H,
      want: T0 + H + 40 * M,
    },
  ]
  for (const r of rows) t.equal(planRenewal(issued(r.lifetime, r.obtainedAt), r.policy ?? P, r.random), r.want, r.proves)
})

t.test('planRenewal: every seeded draw lands in the window the rules allow', async (t) => {
  // [lifetime, earliest, latest] after obtaining, worked out from lead, jitter cap and floor.
  const windows: Array<[string, number, number, number]> = [
    ['15 min: between 5 min 15 s and 6 min', 15 * M, 6 * M - 45 * S, 6 * M],
    ['1 h: between 37 and 40 min', H, 37 * M, 40 * M],
    ['12 h: between 11 h 35 min and 11 h 40 min', 12 * H, 12 * H - 25 * M, 12 * H - 20 * M],
  ]
  const random = seeded(42)
  for (const [proves, lifetime, earliest, latest] of windows) {
    const at = Array.from({ length: 500 }, () => planRenewal(issued(lifetime), P, random())! - T0)
    t.ok(
      at.every((x) => x >= earliest && x <= latest),
      `${proves} (500 draws; seen ${Math.min(...at)}..${Math.max(...at)} ms)`,
    )
    t.ok(Math.max(...at) - Math.min(...at) > (latest - earliest) / 2, `${proves}: the draws are actually spread (jitter applied)`)
  }
  const lifetimes = [1, 10, 999, S, 3 * S, M, 15 * M, H, 12 * H, 36 * H]
  const floorsHeld = lifetimes.every((l) => [0, 0.3, ALMOST_1, 5].every((r) => planRenewal(issued(l), P, r)! >= T0 + Math.max(l / 3, S)))
  t.ok(floorsHeld, 'never sooner than a third of the lifetime or minInterval after obtaining, for lifetimes from 1 ms to 36 h')
  const beforeExpiry = lifetimes
    .filter((l) => l >= 3 * S)
    .every((l) => [0, 0.5, ALMOST_1].every((r) => planRenewal(issued(l), P, r)! < T0 + l))
  t.ok(beforeExpiry, 'always before expiry when the lifetime allows (3 s and more)')
})

t.test('retryDelay: full-jitter exponential backoff', async (t) => {
  const slow = { ...P, retryBase: 10 * S }
  const rows: Array<{
    proves: string
    attempt: number
    random: number
    policy?: Pick<RenewalPolicy, 'retryBase' | 'retryCap' | 'minInterval'>
    want: number
  }> = [
    { proves: 'first retry: the ceiling is retryBase (1 s), and never sooner than minInterval (1 s)', attempt: 1, random: 0.5, want: S },
    { proves: 'random 0 waits minInterval, never 0 (no tight loop)', attempt: 3, random: 0, want: S },
    { proves: 'third retry: the ceiling doubles twice (4 s), the delay is random × ceiling', attempt: 3, random: 0.5, want: 2 * S },
    { proves: 'ninth retry: 256 s ceiling, still under the cap', attempt: 9, random: 0.5, want: 128 * S },
    { proves: 'tenth retry: the ceiling is capped at retryCap (5 min)', attempt: 10, random: 0.5, want: 150 * S },
    { proves: 'a random of 1 is clamped below 1: the delay stays under retryCap', attempt: 10, random: 1, want: 5 * M * ALMOST_1 },
    { proves: 'a huge attempt count stays finite (the exponent stops at 30) and capped', attempt: 1_000_000, random: 0.5, want: 150 * S },
    { proves: 'attempt 0 counts as the first retry (ceiling retryBase = 10 s)', attempt: 0, random: 0.5, policy: slow, want: 5 * S },
    { proves: 'a negative attempt counts as the first retry', attempt: -4, random: 0.5, policy: slow, want: 5 * S },
    { proves: 'second retry doubles the base (20 s ceiling)', attempt: 2, random: 0.5, policy: slow, want: 10 * S },
  ]
  for (const r of rows) t.equal(retryDelay(r.attempt, r.policy ?? P, r.random), r.want, r.proves)
  const random = seeded(7)
  const delays = Array.from({ length: 200 }, (_, i) => retryDelay(1 + (i % 40), P, random()))
  t.ok(
    delays.every((d) => d >= P.minInterval && d < P.retryCap),
    'every seeded delay lies in [minInterval, retryCap)',
  )
})

t.test('serveUntil and isServable: outputs drop credentials a little before expiry', async (t) => {
  const rows: Array<{ proves: string; issued: Issued; want: number | undefined }> = [
    { proves: 'long-term keys are served without an end', issued: issued(undefined), want: undefined },
    { proves: '1 h: dropped expiryMargin (5 s) before expiry', issued: issued(H), want: T0 + H - 5 * S },
    { proves: '20 s: the margin is capped at 10% of the lifetime (2 s)', issued: issued(20 * S), want: T0 + 18 * S },
    {
      proves: 'an expiry before obtainedAt: no margin (lifetime counted as 0), served until the expiry at most',
      issued: issued(-M),
      want: T0 - M,
    },
  ]
  for (const r of rows) t.equal(serveUntil(r.issued, P), r.want, r.proves)

  const hour = issued(H)
  const servable: Array<[string, Issued, number, boolean]> = [
    ['long-term keys are servable at any time', issued(undefined), T0 + 100 * 365 * 24 * H, true],
    ['servable right after being obtained', hour, T0, true],
    ['servable 1 ms before the margin', hour, T0 + H - 5 * S - 1, true],
    ['not servable at the margin itself (the bound is exclusive)', hour, T0 + H - 5 * S, false],
    ['not servable between the margin and the expiry', hour, T0 + H - 1, false],
    ['not servable after expiry', hour, T0 + 2 * H, false],
  ]
  for (const [proves, i, now, want] of servable) t.equal(isServable(i, P, now), want, proves)
})

t.test('the default policy and what it means (snapshot: a changed default shows up in review)', async (t) => {
  const p = defaultPolicy()
  const min = (ms: number): string => `${+(ms / M).toFixed(2)} min`
  const meaning = Object.fromEntries(
    (
      [
        ['15 min', 15 * M],
        ['1 h', H],
        ['12 h', 12 * H],
      ] as const
    ).map(([name, lifetime]) => {
      const i = issued(lifetime)
      return [
        name,
        {
          renewAfterEarliest: min(planRenewal(i, p, ALMOST_1)! - T0),
          renewAfterLatest: min(planRenewal(i, p, 0)! - T0),
          servedUntilBeforeExpiry: `${(lifetime - (serveUntil(i, p)! - T0)) / S} s`,
        },
      ]
    }),
  )
  const retries = Array.from({ length: 10 }, (_, i) => `retry ${i + 1}: up to ${Math.round(retryDelay(i + 1, p, ALMOST_1) / S)} s`)
  t.matchSnapshot({ policy: p, MIN_USEFUL_LIFETIME, meaning, retries }, 'defaultPolicy()')
  t.equal(defaultPolicy(7 * M).before, 7 * M, 'defaultPolicy(before) sets `before` (refresh.before in the config) and nothing else')
  t.same({ ...defaultPolicy(7 * M), before: p.before }, p, 'the other fields stay the defaults')
  t.not(defaultPolicy(), defaultPolicy(), 'a fresh object each call: a caller changing its copy cannot change the defaults')
})
