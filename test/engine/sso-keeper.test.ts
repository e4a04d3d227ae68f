// The SSO token keeper against a fake clock, an in-memory cache and a scripted
// SSO-OIDC: every state change, its alert and its deduplication, and the calls
// it makes (or does not make) while a person is needed.
import t, { type Test as Tap } from 'tap'
import type { Alert } from '../../src/core/alert.js'
import { defaultSsoPolicy } from '../../src/core/sso-session-state.js'
import type { SsoSessionInfo } from '../../src/core/sso-sessions.js'
import { SsoKeeper } from '../../src/engine/sso-keeper.js'
import { recordingLogger } from '../helpers/fake-logger.js'
import { FakeClock, seeded, settle } from '../helpers/fake-clock.js'
import { cachedToken, FakeSsoOidc, MemorySsoCache } from '../helpers/fake-sso.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const MIN = 60_000
const HOUR = 60 * MIN

const dev: SsoSessionInfo = {
  ssoSession: 'dev',
  startUrl: 'https://example.awsapps.com/start',
  region: 'us-east-1',
  cacheKey: 'dev',
  label: 'dev',
  scopes: ['sso:account:access'],
  profiles: ['app', 'ops'],
}

const setup = async (
  t: Tap,
  token: ReturnType<typeof cachedToken> | undefined,
  deviceLogin: 'off' | 'alert' = 'off',
  session: SsoSessionInfo = dev,
) => {
  const clock = new FakeClock()
  const cache = new MemorySsoCache()
  if (token) cache.files.set('dev', token)
  const oidc = new FakeSsoOidc(clock)
  const alerts: Alert[] = []
  const changed: string[] = []
  const logger = recordingLogger()
  const keeper = new SsoKeeper({
    secrets,
    clock,
    logger,
    random: seeded(1),
    oidc,
    cache,
    policy: defaultSsoPolicy(),
    alerting: { warnBefore: 30 * MIN, repeat: HOUR, failingAfter: 10 * MIN, deviceLogin },
    alert: (a) => alerts.push(a),
    onTokenChanged: (s) => changed.push(s.label),
  })
  t.teardown(() => keeper.stop())
  await keeper.setSessions([session])
  await settle()
  const events = () => alerts.map((a) => a.event)
  const state = () => keeper.view()[0]!.state
  return { clock, cache, oidc, alerts, events, changed, keeper, logger, state }
}

t.test('a token with 60 seconds left is refreshed at once and written back', async (t) => {
  const before = cachedToken(Date.UTC(2026, 0, 1), 60)
  const { clock, cache, oidc, state, changed } = await setup(t, before)
  t.equal(oidc.count('refresh'), 1)
  const after = cache.files.get('dev')!
  t.not(after.accessToken, before.accessToken)
  t.equal(Date.parse(after.expiresAt), Math.floor((clock.now() + HOUR) / 1000) * 1000)
  t.equal(after.clientSecret, before.clientSecret, 'registration kept')
  t.equal(state(), 'fresh')
  t.ok(changed.length >= 2, 'dependent profiles are told (initial read and refresh)')
  await clock.advance(44 * MIN)
  t.equal(oidc.count('refresh'), 1, 'nothing until 15 minutes before the new expiry')
  await clock.advance(2 * MIN)
  t.equal(oidc.count('refresh'), 2, 'then refreshed again')
})

t.test('a revoked refresh token: relogin-required once, few calls, recovered on a new token', async (t) => {
  const { clock, cache, oidc, events, state, alerts, keeper } = await setup(t, cachedToken(Date.UTC(2026, 0, 1), 20 * 60))
  oidc.refuseAll = 'invalid_grant'
  await clock.advance(6 * MIN)
  t.equal(state(), 'relogin-required')
  t.same(events(), ['relogin-required'])
  t.match(alerts[0]!, { ssoSession: 'dev', profiles: ['app', 'ops'], fix: /aws-credd login --sso-session dev/ })
  const calls = oidc.count('refresh')
  await clock.advance(10 * MIN)
  const during = oidc.count('refresh') - calls
  t.ok(during <= 3, `at most a recheck every few minutes while waiting (${during} in 10 minutes)`)
  t.same(events(), ['relogin-required'], 'no repeat before an hour')
  await clock.advance(50 * MIN)
  t.same(events(), ['relogin-required', 'relogin-required'], 'one reminder after an hour')
  t.equal(alerts[1]!.message.includes('reminder'), true)
  oidc.refuseAll = undefined
  cache.files.set('dev', cachedToken(clock.now(), 8 * 3600))
  await keeper.reload()
  await settle()
  t.equal(state(), 'fresh')
  t.same(events().at(-1), 'recovered')
})

t.test('transient failures: retried with backoff, refresh-failing after the threshold, then recovered', async (t) => {
  const { clock, oidc, events, state } = await setup(t, cachedToken(Date.UTC(2026, 0, 1), 2 * 3600))
  oidc.refuseAll = 'other'
  await clock.advance(HOUR + 45 * MIN + 1000)
  t.ok(oidc.count('refresh') >= 1)
  t.equal(state(), 'fresh', 'still fresh: the token is valid and the failure transient')
  await clock.advance(11 * MIN)
  t.same(events(), ['refresh-failing'])
  oidc.refuseAll = undefined
  await clock.advance(6 * MIN)
  t.same(events(), ['refresh-failing', 'recovered'])
})

t.test('a session no kept profile uses: kept alive, but its lapse alerts nobody and starts no login', async (t) => {
  const unused = { ...dev, profiles: [] }
  const { clock, oidc, events, state, logger } = await setup(t, cachedToken(Date.UTC(2026, 0, 1), 20 * 60), 'alert', unused)
  t.equal(oidc.count('refresh'), 0, 'not due yet')
  oidc.refuseAll = 'invalid_grant'
  await clock.advance(2 * HOUR)
  t.ok(oidc.count('refresh') >= 1, 'it was still refreshed (kept alive)')
  t.equal(state(), 'relogin-required')
  t.same(events(), [], 'no alert, no device login, no reminder')
  t.equal(oidc.count('start'), 0, 'no device authorization started')
  const line = logger.entries.find((e) => /relogin-required/.test(e.msg))
  t.match(line, { level: 'info', msg: /no profile aws-credd keeps uses it, so no alert/ })
})

t.test('a legacy token: relogin-soon ahead of expiry, relogin-required at it', async (t) => {
  const { clock, events, state, oidc } = await setup(t, cachedToken(Date.UTC(2026, 0, 1), 2 * 3600, { refreshable: false }))
  await clock.advance(HOUR)
  t.same(events(), [])
  await clock.advance(31 * MIN)
  t.equal(state(), 'expiring')
  t.same(events(), ['relogin-soon'])
  await clock.advance(30 * MIN)
  t.equal(state(), 'relogin-required')
  t.same(events(), ['relogin-soon', 'relogin-required'])
  t.equal(oidc.calls.length, 0, 'nothing to call without a refresh token')
})

t.test('a login written while a refresh was in flight wins', async (t) => {
  const { cache, keeper } = await setup(t, cachedToken(Date.UTC(2026, 0, 1), 8 * 3600))
  const theirs = cachedToken(Date.UTC(2026, 0, 1), 8 * 3600)
  const write = cache.write.bind(cache)
  cache.write = async (k, tok, replacing) => {
    cache.files.set('dev', theirs)
    return write(k, tok, replacing)
  }
  cache.files.set('dev', cachedToken(Date.UTC(2026, 0, 1), 30))
  await keeper.reload()
  await settle()
  t.equal(cache.files.get('dev')!.accessToken, theirs.accessToken)
})

t.test('deviceLogin "alert": the link goes out, approval restores the session', async (t) => {
  const { clock, oidc, alerts, events, state, cache } = await setup(t, undefined, 'alert')
  t.equal(state(), 'logging-in')
  t.same(events(), ['login-started'], 'no separate relogin-required: the link is the alert')
  t.match(alerts[0]!.verificationUriComplete, /^https:\/\/device\.example\/\?user_code=CODE-/)
  oidc.pollFailures.push('slow_down')
  await clock.advance(5_000)
  const polls = oidc.count('poll')
  await clock.advance(5_000)
  t.ok(oidc.count('poll') - polls <= 1, 'slow_down stretches the interval to at least 6 s')
  oidc.approved = true
  await clock.advance(10_000)
  t.equal(state(), 'fresh')
  t.ok(cache.files.get('dev')?.refreshToken, 'token written with its refresh token')
  t.same(events(), ['login-started', 'recovered'])
})

t.test('deviceLogin "alert": an unapproved link expires; a new one no sooner than the repeat', async (t) => {
  const { clock, oidc, events } = await setup(t, undefined, 'alert')
  await clock.advance(11 * MIN)
  t.same(events(), ['login-started', 'relogin-required'])
  t.equal(oidc.count('start'), 1)
  await clock.advance(HOUR - 11 * MIN + 1000)
  t.equal(oidc.count('start'), 2, 'a new link after an hour')
  t.same(events().at(-1), 'login-started')
})
