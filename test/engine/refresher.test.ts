// Properties of the renewal engine, proven with a fake clock: hours of simulated
// time run in milliseconds, with no real sleeping.
import t from 'tap'
import type { Credentials } from '../../src/core/credentials.js'
import { defaultPolicy } from '../../src/core/renewal-plan.js'
import { expiryProblem } from '../../src/core/serve-floor.js'
import type { EngineEvent } from '../../src/engine/ports.js'
import { Refresher } from '../../src/engine/refresher.js'
import { FakeClock, seeded } from '../helpers/fake-clock.js'
import { FakeUpstream } from '../helpers/fake-upstream.js'
import { graphOf, roleLink, ssoLink, staticLink } from '../helpers/graphs.js'

const MIN = 60_000

const setup = (seed = 1, before = 20 * MIN) => {
  const clock = new FakeClock()
  const upstream = new FakeUpstream(clock)
  const outputs = new Map<string, Credentials | null>()
  const writes: Array<{ profile: string; at: number; creds: Credentials | null }> = []
  const events: EngineEvent[] = []
  const refresher = new Refresher({
    clock,
    upstream,
    policy: defaultPolicy(before),
    random: seeded(seed),
    onCredentials: (profile, creds) => {
      outputs.set(profile, creds)
      writes.push({ profile, at: clock.now(), creds })
    },
    onEvent: (e) => events.push(e),
  })
  return { clock, upstream, outputs, writes, events, refresher }
}

for (const lifetime of [60, 5 * 60, 15 * 60, 30 * 60, 3600, 12 * 3600]) {
  t.test(
    `lifetime ${lifetime}s: outputs never expired, ≥15m left when granted ≥30m, renewed at most once per third of a lifetime`,
    async (t) => {
      for (const seed of [1, 2, 3]) {
        const { clock, upstream, outputs, refresher } = setup(seed)
        upstream.lifetimes.set('sso:dev', lifetime)
        refresher.update(graphOf([ssoLink('dev')], { dev: 'sso:dev' }), ['dev'])
        const horizon = Math.min(200 * lifetime * 1000, 48 * 3600_000)
        let minLeft = Infinity
        let checks = 0
        await clock.advance(10, () => undefined) // first fetch
        const check = (now: number): void => {
          const c = outputs.get('dev')
          checks++
          if (!c || c.expiresAt === undefined) throw new Error(`no credentials served at ${now}`)
          minLeft = Math.min(minLeft, c.expiresAt - now)
        }
        // Checked right before every timer fires (where life left is lowest) and at regular samples.
        const step = (lifetime * 1000) / 7
        for (let elapsed = 0; elapsed < horizon; elapsed += step) await clock.advance(step, check)
        t.ok(checks > 10, 'invariant checked at every timer')
        t.ok(minLeft > 0, `never expired (min left ${minLeft}ms)`)
        if (lifetime >= 30 * 60) t.ok(minLeft >= 15 * MIN, `≥15m left (min ${Math.round(minLeft / 1000)}s)`)
        const at = upstream.callsFor('sso:dev')
        for (let i = 1; i < at.length; i++) {
          const gap = at[i]! - at[i - 1]!
          if (gap < (lifetime * 1000) / 3) t.fail(`renewed after ${gap}ms, less than a third of ${lifetime}s`)
        }
        const expected = horizon / (lifetime * 1000)
        t.ok(at.length <= expected * 3 + 2, `${at.length} fetches in ${expected} lifetimes`)
        refresher.stop()
      }
    },
  )
}

t.test('while renewals succeed, what the endpoints get is never under the serving floor (any lifetime)', async (t) => {
  for (const lifetime of [10, 20, 60, 15 * 60, 3600]) {
    const { clock, upstream, refresher } = setup(lifetime)
    upstream.lifetimes.set('sso:dev', lifetime)
    refresher.update(graphOf([ssoLink('dev')], { dev: 'sso:dev' }), ['dev'])
    await clock.advance(10)
    const first = refresher.current('dev')!
    t.equal(first.obtainedAt, upstream.callsFor('sso:dev')[0], `${lifetime} s: stamped with when they were fetched`)
    t.equal(first.expiresAt! - first.obtainedAt!, lifetime * 1000, 'so the lifetime is known')
    const problems: string[] = []
    const check = (now: number): void => {
      const c = refresher.current('dev')
      const why = c ? expiryProblem('dev', c, now) : 'nothing held'
      if (why) problems.push(why)
    }
    const step = (lifetime * 1000) / 11
    for (let elapsed = 0; elapsed < 30 * lifetime * 1000; elapsed += step) await clock.advance(step, check)
    t.same(problems, [], `${lifetime} s lifetime: never under the floor`)
    refresher.stop()
  }
})

t.test('obtainedAt is stamped on what the refresher holds, not on what it hands the file output', async (t) => {
  const { clock, outputs, refresher } = setup(1)
  refresher.update(graphOf([ssoLink('dev')], { dev: 'sso:dev' }), ['dev'])
  await clock.advance(10)
  const held = refresher.current('dev')!
  t.type(held.obtainedAt, 'number')
  t.equal(outputs.get('dev')?.obtainedAt, undefined, 'the credentials-file output gets the upstream answer as is')
  t.equal(outputs.get('dev')?.accessKeyId, held.accessKeyId)
})

t.test('renewals are spread with jitter across profiles', async (t) => {
  const { clock, upstream, refresher } = setup(7)
  const links = [...Array(20).keys()].map((i) => ssoLink(`p${i}`))
  refresher.update(
    graphOf(links, Object.fromEntries(links.map((l) => [l.profile, l.id]))),
    links.map((l) => l.profile),
  )
  await clock.advance(10)
  await clock.advance(3600_000)
  const second = links.map((l) => upstream.callsFor(l.id)[1]!)
  t.ok(new Set(second).size > 15, 'second renewals happen at distinct times')
  t.ok(Math.max(...second) - Math.min(...second) > MIN, 'spread over more than a minute')
})

t.test('a source shared by ten role profiles is fetched once per its own lifetime, not once per dependant', async (t) => {
  const { clock, upstream, outputs, refresher } = setup(3)
  const src = ssoLink('base')
  const roles = [...Array(10).keys()].map((i) => roleLink(`r${i}`, src.id))
  refresher.update(
    graphOf([src, ...roles], Object.fromEntries(roles.map((r) => [r.profile, r.id]))),
    roles.map((r) => r.profile),
  )
  await clock.advance(10)
  t.equal(upstream.callsFor(src.id).length, 1, 'first resolution fetched the source once')
  t.equal(outputs.size, 10)
  await clock.advance(6 * 3600_000)
  const srcCalls = upstream.callsFor(src.id).length
  const roleCalls = roles.reduce((n, r) => n + upstream.callsFor(r.id).length, 0)
  t.ok(srcCalls <= 6 * 3 + 1, `source fetched ${srcCalls} times in 6h`)
  t.ok(roleCalls >= 10 * 6, `roles renewed ${roleCalls} times`)
  t.ok(srcCalls * 3 < roleCalls, 'source fetched far less often than its dependants')
})

t.test('transient failures back off with jitter while the old credentials keep serving', async (t) => {
  const { clock, upstream, outputs, refresher, events } = setup(5)
  refresher.update(graphOf([ssoLink('dev')], { dev: 'sso:dev' }), ['dev'])
  await clock.advance(10)
  const first = outputs.get('dev')!
  upstream.fault.set('sso:dev', 'transient')
  await clock.advance(38 * MIN) // past the renewal time (≥ 37m after issue)
  const failing = upstream.calls.filter((c) => !c.ok)
  t.ok(failing.length >= 1, 'renewal attempted')
  t.same(outputs.get('dev'), first, 'old credentials still served')
  await clock.advance(10 * MIN)
  const attempts = upstream.callsFor('sso:dev').slice(1)
  for (let i = 1; i < attempts.length; i++) t.ok(attempts[i]! - attempts[i - 1]! >= 1000, 'never retried within a second')
  t.ok(attempts.length < 30, `${attempts.length} attempts in ~11 minutes of outage`)
  t.ok(events.some((e) => e.type === 'failed' && e.kind === 'transient'))
  await clock.advance(15 * MIN)
  t.equal(outputs.get('dev'), null, 'withdrawn before expiry when no renewal succeeded')
  upstream.fault.delete('sso:dev')
  await clock.advance(6 * MIN)
  t.ok(outputs.get('dev')?.accessKeyId, 'served again once the upstream answers')
  t.ok(events.some((e) => e.type === 'recovered'))
})

t.test('permanent failures are reported once and wait for a change', async (t) => {
  const { clock, upstream, refresher, events, outputs } = setup(9)
  upstream.fault.set('sso:dev', 'permanent')
  refresher.update(graphOf([ssoLink('dev')], { dev: 'sso:dev' }), ['dev'])
  await clock.advance(9 * MIN)
  t.equal(upstream.callsFor('sso:dev').length, 1, 'one call, no retry loop')
  t.equal(events.filter((e) => e.type === 'failed').length, 1)
  t.equal(outputs.get('dev'), null, 'whatever a previous run left is withdrawn')
  upstream.fault.delete('sso:dev')
  refresher.poke()
  await clock.advance(300)
  t.equal(upstream.callsFor('sso:dev').length, 2, 'a change retries within a quarter second')
  t.ok(outputs.get('dev'))
})

t.test('a permanent failure is rechecked rarely even without a change', async (t) => {
  const { clock, upstream, refresher } = setup(9)
  upstream.fault.set('sso:dev', 'permanent')
  refresher.update(graphOf([ssoLink('dev')], { dev: 'sso:dev' }), ['dev'])
  await clock.advance(60 * MIN)
  const n = upstream.callsFor('sso:dev').length
  t.ok(n >= 5 && n <= 7, `${n} checks in an hour`)
})

t.test('after a suspend longer than the credentials live, renewal follows within 30 seconds without any outside wake', async (t) => {
  const { clock, upstream, outputs, refresher, writes } = setup(12)
  upstream.lifetimes.set('sso:dev', 12 * 3600)
  refresher.update(graphOf([ssoLink('dev')], { dev: 'sso:dev' }), ['dev'])
  await clock.advance(10)
  const before = outputs.get('dev')!
  clock.jump(13 * 3600_000) // the laptop slept 13 hours: monotonic timers did not advance
  const woke = clock.now()
  await clock.advance(30_000)
  const after = outputs.get('dev')
  t.ok(after && after.accessKeyId !== before.accessKeyId, 'renewed')
  t.ok(after!.expiresAt! > clock.now(), 'with live credentials')
  const renewedAt = upstream.callsFor('sso:dev')[1]!
  t.ok(renewedAt - woke <= 30_000, `within ${renewedAt - woke}ms of waking`)
  t.ok(
    writes.every((w) => w.creds === null || w.creds.expiresAt! > w.at),
    'nothing expired was ever handed to an output',
  )
})

t.test('a wall-clock jump of two hours renews at once on wake', async (t) => {
  const { clock, upstream, outputs, refresher } = setup(11)
  refresher.update(graphOf([ssoLink('dev')], { dev: 'sso:dev' }), ['dev'])
  await clock.advance(10)
  const before = outputs.get('dev')!
  clock.jump(2 * 3600_000) // suspended: no timer fired
  refresher.wake()
  await clock.advance(10)
  const after = outputs.get('dev')!
  t.not(after.accessKeyId, before.accessKeyId)
  t.ok(after.expiresAt! > clock.now() + 50 * MIN)
  t.equal(upstream.callsFor('sso:dev').length, 2)
})

t.test('a chain renews its expired source before assuming the role', async (t) => {
  const { clock, upstream, outputs, refresher } = setup(13)
  const src = ssoLink('base')
  upstream.lifetimes.set(src.id, 600)
  upstream.lifetimes.set('assume-role:app', 3600)
  refresher.update(graphOf([src, roleLink('app', src.id)], { app: 'assume-role:app' }), ['app'])
  await clock.advance(6 * 3600_000)
  t.notOk(
    upstream.calls.some((c) => !c.ok),
    'never signed with expired source credentials',
  )
  t.ok(outputs.get('app'))
})

t.test('updating the graph keeps unchanged links and refetches changed ones', async (t) => {
  const { clock, upstream, refresher, writes } = setup(17)
  const g = graphOf([staticLink('base'), roleLink('app', 'static:base')], { app: 'assume-role:app' })
  refresher.update(g, ['app'])
  await clock.advance(10)
  refresher.update(graphOf([staticLink('base'), roleLink('app', 'static:base')], { app: 'assume-role:app' }), ['app'])
  await clock.advance(10)
  t.equal(upstream.callsFor('assume-role:app').length, 1, 'same definition: no new call')
  refresher.update(
    graphOf([staticLink('base'), roleLink('app', 'static:base', { externalId: 'x' } as never)], { app: 'assume-role:app' }),
    ['app'],
  )
  t.notOk(
    writes.some((w) => w.creds === null),
    'same role: its valid credentials keep serving meanwhile',
  )
  await clock.advance(10)
  t.equal(upstream.callsFor('assume-role:app').length, 2, 'changed definition: fetched again')
  refresher.update(
    graphOf([staticLink('base'), roleLink('app', 'static:base', { roleArn: 'arn:aws:iam::123456789012:role/other' } as never)], {
      app: 'assume-role:app',
    }),
    ['app'],
  )
  t.ok(
    writes.some((w) => w.creds === null),
    'another role: the old identity is withdrawn at once',
  )
  await clock.advance(10)
  t.equal(upstream.callsFor('assume-role:app').length, 3)
})

t.test('a change retries only the chains it can affect, spread out', async (t) => {
  const { clock, upstream, refresher } = setup(19)
  upstream.fault.set('sso:a', 'permanent')
  upstream.fault.set('assume-role:b', 'permanent')
  refresher.update(graphOf([ssoLink('a'), staticLink('s'), roleLink('b', 'static:s')], { a: 'sso:a', b: 'assume-role:b' }), ['a', 'b'])
  await clock.advance(10)
  refresher.poke('sso')
  await clock.advance(1000)
  t.equal(upstream.callsFor('sso:a').length, 2, 'the SSO chain retried')
  t.equal(upstream.callsFor('assume-role:b').length, 1, 'the role chain was not')
})

t.test('a permanent failure before anything was obtained withdraws what a previous run left', async (t) => {
  const { clock, upstream, refresher, writes } = setup(23)
  upstream.fault.set('sso:dev', 'permanent')
  refresher.update(graphOf([ssoLink('dev')], { dev: 'sso:dev' }), ['dev'])
  await clock.advance(10)
  t.same(
    writes.map((w) => w.creds),
    [null],
  )
})

t.test('profile errors are reported once per distinct message', async (t) => {
  const { refresher, events } = setup()
  const { ProfileError } = await import('../../src/core/errors.js')
  const g = graphOf([], {})
  g.errors.set('bad', new ProfileError('bad', 'profile "bad" not found', 'add it'))
  refresher.update(g, ['bad'])
  refresher.update(g, ['bad'])
  t.equal(events.filter((e) => e.type === 'profile-error').length, 1)
})

t.test('regression: after a poke, a role waiting on its failed source recovers at once (not after the 10-minute recheck)', async (t) => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const { clock, upstream, outputs, refresher } = setup(seed)
    upstream.fault.set('sso:base', 'permanent')
    refresher.update(graphOf([ssoLink('base'), roleLink('app', 'sso:base')], { app: 'assume-role:app' }), ['app'])
    await clock.advance(1000)
    t.notOk(outputs.get('app'), 'nothing while the source is refused')
    upstream.fault.delete('sso:base')
    refresher.poke('sso')
    await clock.advance(1000)
    t.ok(outputs.get('app'), `served within a second of the poke (seed ${seed})`)
  }
})
