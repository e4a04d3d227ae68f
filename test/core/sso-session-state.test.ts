// Each SSO session state and when the keeper acts, from facts and a clock value only.
import t from 'tap'
import { decideSsoSession, defaultSsoPolicy, type SsoFacts } from '../../src/core/sso-session-state.js'

const MIN = 60_000
const NOW = 1_800_000_000_000
const policy = defaultSsoPolicy()
const decide = (f: SsoFacts, now = NOW) => decideSsoSession(f, now, policy, 0.5)

t.test('states', async (t) => {
  const cases: Array<[string, SsoFacts, string]> = [
    ['no token', {}, 'relogin-required'],
    ['unreadable cache', { unreadable: 'x.json: not JSON' }, 'relogin-required'],
    ['refreshable, 8h left', { token: { expiresAt: NOW + 480 * MIN, refreshable: true } }, 'fresh'],
    ['refreshable but expired', { token: { expiresAt: NOW - MIN, refreshable: true } }, 'fresh'],
    ['legacy, 2h left', { token: { expiresAt: NOW + 120 * MIN, refreshable: false } }, 'fresh'],
    ['legacy, 20m left', { token: { expiresAt: NOW + 20 * MIN, refreshable: false } }, 'expiring'],
    ['legacy, expired', { token: { expiresAt: NOW - 1, refreshable: false } }, 'relogin-required'],
    [
      'refused',
      { token: { expiresAt: NOW + 30 * MIN, refreshable: true }, refused: { code: 'invalid_grant', at: NOW - MIN } },
      'relogin-required',
    ],
    [
      'registration expiring',
      { token: { expiresAt: NOW + 60 * MIN, refreshable: true, registrationExpiresAt: NOW + 10 * MIN } },
      'expiring',
    ],
    ['logging in', { login: { startedAt: NOW - MIN, expiresAt: NOW + 9 * MIN } }, 'logging-in'],
    ['login expired, no token', { login: { startedAt: NOW - 11 * MIN, expiresAt: NOW - MIN } }, 'relogin-required'],
  ]
  for (const [name, facts, state] of cases) t.equal(decide(facts).state, state, name)
})

t.test('refresh timing', async (t) => {
  t.equal(decide({ token: { expiresAt: NOW + 480 * MIN, refreshable: true } }).refreshAt, NOW + 465 * MIN, '15 minutes ahead')
  t.equal(decide({ token: { expiresAt: NOW + 60_000, refreshable: true } }).refreshAt, NOW, 'a token with 60 s left is refreshed now')
  t.equal(
    decide({ token: { expiresAt: NOW + 2 * MIN, refreshable: true, obtainedAt: NOW } }).refreshAt,
    NOW + MIN,
    'short tokens it obtained: at half their life, not in a loop',
  )
  t.equal(decide({ token: { expiresAt: NOW + 20 * MIN, refreshable: false } }).refreshAt, undefined, 'no refresh token: nothing to call')
  const refused = decide({ token: { expiresAt: NOW + 30 * MIN, refreshable: true }, refused: { code: 'invalid_grant', at: NOW } })
  t.equal(refused.refreshAt, NOW + policy.recheck, 'after a refusal: one recheck every few minutes')
  const failing = decide({
    token: { expiresAt: NOW + 10 * MIN, refreshable: true },
    failing: { since: NOW - MIN, attempts: 3, lastAt: NOW },
  })
  t.ok(failing.refreshAt! > NOW && failing.refreshAt! <= NOW + 4_000, 'backoff after transient failures')
})

t.test('when a login will be needed', async (t) => {
  t.equal(decide({ token: { expiresAt: NOW + 120 * MIN, refreshable: false } }).loginNeededAt, NOW + 120 * MIN)
  t.equal(
    decide({ token: { expiresAt: NOW + 120 * MIN, refreshable: false } }).reviewAt,
    NOW + 90 * MIN,
    'look again when the warning is due',
  )
  t.equal(
    decide({ token: { expiresAt: NOW + 120 * MIN, refreshable: true } }).loginNeededAt,
    undefined,
    'unknown for refreshable sessions without a registration expiry',
  )
})
