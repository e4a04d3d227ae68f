// The serving floor: credentials with under 15 s left (a quarter of the lifetime for
// very short lifetimes) are refused by the endpoints, with a reason naming the profile,
// the time left, the floor and the fix; and the default renewal plan renews well before
// that floor for every lifetime, so the floor only bites while renewals fail.
import t from 'tap'
import { defaultPolicy, planRenewal } from '../../src/core/renewal-plan.js'
import { expiryProblem, SERVE_FLOOR_MS, serveFloor } from '../../src/core/serve-floor.js'

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const S = 1000
const MIN = 60 * S
const HOUR = 60 * MIN

t.test('the floor: 15 s, a quarter of short lifetimes, 15 s when the lifetime is unknown, 0 for long-term keys', async (t) => {
  const cases: Array<[string, { expiresAt?: number; obtainedAt?: number }, number]> = [
    ['1 h lifetime', { obtainedAt: T0, expiresAt: T0 + HOUR }, 15 * S],
    ['15 min lifetime (AssumeRole minimum)', { obtainedAt: T0, expiresAt: T0 + 15 * MIN }, 15 * S],
    ['60 s lifetime (the demo): exactly 15 s either way', { obtainedAt: T0, expiresAt: T0 + 60 * S }, 15 * S],
    ['30 s lifetime', { obtainedAt: T0, expiresAt: T0 + 30 * S }, 7.5 * S],
    ['10 s lifetime (emulator tests)', { obtainedAt: T0, expiresAt: T0 + 10 * S }, 2.5 * S],
    ['lifetime unknown (no obtainedAt)', { expiresAt: T0 + 10 * S }, 15 * S],
    ['obtainedAt after expiry (clock oddity): full floor', { obtainedAt: T0 + 20 * S, expiresAt: T0 + 10 * S }, 15 * S],
    ['long-term keys', {}, 0],
  ]
  for (const [name, c, floor] of cases) t.equal(serveFloor(c), floor, name)
  t.equal(SERVE_FLOOR_MS, 15_000)
})

t.test('refused just under the floor, served at and above it (fake now)', async (t) => {
  const cases: Array<[string, { expiresAt?: number; obtainedAt?: number }, number, RegExp | undefined]> = [
    // 1 h credentials: the full 15 s floor.
    ['1 h, 20 min left', { obtainedAt: T0, expiresAt: T0 + HOUR }, T0 + 40 * MIN, undefined],
    ['1 h, exactly 15 s left', { obtainedAt: T0, expiresAt: T0 + HOUR }, T0 + HOUR - 15 * S, undefined],
    ['1 h, 15.001 s left', { obtainedAt: T0, expiresAt: T0 + HOUR }, T0 + HOUR - 15 * S - 1, undefined],
    [
      '1 h, 14.999 s left',
      { obtainedAt: T0, expiresAt: T0 + HOUR },
      T0 + HOUR - 15 * S + 1,
      /^credentials of profile "app" expire in 14\.9 s, under the 15 s floor below which aws-credd stops serving them /,
    ],
    ['1 h, 1 ms left', { obtainedAt: T0, expiresAt: T0 + HOUR }, T0 + HOUR - 1, /expire in 0 s, under the 15 s floor/],
    [
      '1 h, at expiry',
      { obtainedAt: T0, expiresAt: T0 + HOUR },
      T0 + HOUR,
      /^credentials of profile "app" expired at 2026-01-01T13:00:00Z and no renewal has succeeded yet/,
    ],
    ['1 h, a day after expiry', { obtainedAt: T0, expiresAt: T0 + HOUR }, T0 + 25 * HOUR, /expired at/],
    // 10 s credentials: floor 2.5 s, so they are served for three quarters of their life.
    ['10 s, just obtained', { obtainedAt: T0, expiresAt: T0 + 10 * S }, T0, undefined],
    ['10 s, 2.5 s left', { obtainedAt: T0, expiresAt: T0 + 10 * S }, T0 + 7.5 * S, undefined],
    [
      '10 s, 2.499 s left',
      { obtainedAt: T0, expiresAt: T0 + 10 * S },
      T0 + 7.5 * S + 1,
      /expire in 2\.4 s, under the 2\.5 s floor \(a quarter of their 10 s lifetime\)/,
    ],
    // 60 s credentials (the demo): 15 s.
    ['60 s, 16 s left', { obtainedAt: T0, expiresAt: T0 + 60 * S }, T0 + 44 * S, undefined],
    ['60 s, 14 s left', { obtainedAt: T0, expiresAt: T0 + 60 * S }, T0 + 46 * S, /expire in 14 s, under the 15 s floor below/],
    // Lifetime unknown: the full floor, even for short credentials.
    ['unknown lifetime, 14 s left', { expiresAt: T0 + 14 * S }, T0, /under the 15 s floor below/],
    // Keys that never expire are not this rule's business (the endpoints refuse them elsewhere).
    ['long-term keys', {}, T0 + 100 * HOUR, undefined],
  ]
  for (const [name, c, now, expected] of cases) {
    const why = expiryProblem('app', c, now)
    if (expected === undefined) t.equal(why, undefined, name)
    else t.match(why, expected, name)
  }
})

t.test('the reason says what happens and what to do, in one line', async (t) => {
  const why = expiryProblem('app', { obtainedAt: T0, expiresAt: T0 + HOUR }, T0 + HOUR - 9_000)!
  t.equal(
    why,
    'credentials of profile "app" expire in 9 s, under the 15 s floor below which aws-credd stops serving them (a client would cache them and fail moments later); ' +
      'a renewal is under way: retry in a few seconds, and if this persists run aws-credd status and see the log for why renewals fail',
  )
  t.notMatch(why, /\n/)
})

t.test('the default renewal plan renews long before the floor, for every lifetime', async (t) => {
  const policy = defaultPolicy()
  for (const lifetime of [10 * S, 12 * S, 20 * S, 60 * S, 5 * MIN, 15 * MIN, HOUR, 12 * HOUR, 36 * HOUR]) {
    for (const random of [0, 0.5, 0.999999]) {
      const issued = { obtainedAt: T0, expiresAt: T0 + lifetime }
      const at = planRenewal(issued, policy, random)!
      const left = issued.expiresAt - at
      const floor = serveFloor(issued)
      // At least 0.35 of the lifetime separates the planned renewal from the floor (≤ 0.25 of it).
      t.ok(
        left - floor >= 0.35 * lifetime || left - floor >= 19 * MIN,
        `${lifetime / S} s, random ${random}: ${left / S} s left at renewal, floor ${floor / S} s`,
      )
      // Normal AWS lifetimes (15 minutes and up) renew with at least 5 minutes left.
      if (lifetime >= 15 * MIN) t.ok(left >= 5 * MIN, `${lifetime / S} s lifetime renews with ${left / S} s left`)
    }
  }
})
