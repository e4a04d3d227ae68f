// What an SSO session's state means for a person (sessionCondition) and the alert
// text for it (sessionAlert), one named row per rule on a fake clock: the boundaries of
// "failing long enough" and "warn this long before", which condition wins, and that
// each alert names the session, the profiles and the fix, and never the device code.
import t from 'tap'
import type { Condition } from '../../src/core/alert-gate.js'
import type { SsoDecision, SsoFacts } from '../../src/core/sso-session-state.js'
import type { SsoSessionInfo } from '../../src/core/sso-sessions.js'
import { sessionAlert, sessionCondition, type AlertTiming } from '../../src/engine/sso-alerts.js'
import { FakeClock } from '../helpers/fake-clock.js'

const M = 60_000
const clock = new FakeClock()
const NOW = clock.now()
const T: AlertTiming = { warnBefore: 30 * M, repeat: 60 * M, failingAfter: 10 * M }
const fresh = (over: Partial<SsoDecision> = {}): SsoDecision => ({ state: 'fresh', reason: 'token fresh', ...over })
const failing = (since: number): SsoFacts => ({ failing: { since, attempts: 4, lastAt: NOW } })

t.test('sessionCondition: what the session needs from a person now', async (t) => {
  const rows: Array<[string, SsoDecision, SsoFacts, Condition]> = [
    ['a fresh session with nothing due needs nothing', fresh(), {}, 'ok'],
    ['a login in progress is reported as such', { state: 'logging-in', reason: 'waiting' }, {}, 'logging-in'],
    ['a login in progress wins over failing refreshes', { state: 'logging-in', reason: 'waiting' }, failing(NOW - 60 * M), 'logging-in'],
    ['relogin-required is reported as such', { state: 'relogin-required', reason: 'expired' }, {}, 'relogin-required'],
    [
      'relogin-required wins over failing refreshes',
      { state: 'relogin-required', reason: 'expired' },
      failing(NOW - 60 * M),
      'relogin-required',
    ],
    ['refreshes failing for exactly failingAfter (10 min) are announced', fresh(), failing(NOW - 10 * M), 'refresh-failing'],
    ['refreshes failing 1 ms less than failingAfter are not (yet)', fresh(), failing(NOW - 10 * M + 1), 'ok'],
    ['failing refreshes win over a login needed soon', fresh({ loginNeededAt: NOW + M }), failing(NOW - 10 * M), 'refresh-failing'],
    ['a login needed exactly warnBefore (30 min) from now: warn', fresh({ loginNeededAt: NOW + 30 * M }), {}, 'relogin-soon'],
    ['a login needed 1 ms later than warnBefore: not yet', fresh({ loginNeededAt: NOW + 30 * M + 1 }), {}, 'ok'],
    ['a login needed in the past (still fresh by state): warn', fresh({ loginNeededAt: NOW - M }), {}, 'relogin-soon'],
    [
      'an expiring session with the login far off: ok',
      { state: 'expiring', reason: 'legacy token', loginNeededAt: NOW + 2 * 60 * M },
      {},
      'ok',
    ],
  ]
  for (const [proves, d, f, want] of rows) t.equal(sessionCondition(d, f, clock.now(), T), want, proves)
})

t.test('sessionAlert: the words and fields a person gets', async (t) => {
  const corp: SsoSessionInfo = {
    ssoSession: 'corp',
    startUrl: 'https://a.awsapps.com/start',
    region: 'eu-west-1',
    cacheKey: 'corp',
    label: 'corp',
    scopes: ['sso:account:access'],
    profiles: ['dev', 'admin'],
  }
  const legacy: SsoSessionInfo = {
    startUrl: 'https://b.awsapps.com/start',
    region: 'us-east-1',
    cacheKey: 'https://b.awsapps.com/start',
    label: 'profile old',
    scopes: ['sso:account:access'],
    profiles: ['old'],
  }
  const auth = {
    deviceCode: 'DEVICE-CODE-SECRET-123',
    userCode: 'ABCD-EFGH',
    verificationUri: 'https://device.sso.example/',
    verificationUriComplete: 'https://device.sso.example/?user_code=ABCD-EFGH',
    expiresAt: NOW + 10 * M,
    interval: 5,
  }
  const loginFix = 'aws-credd login --sso-session corp (or aws sso login --sso-session corp)'
  const needed = fresh({ reason: 'the refresh token expires', loginNeededAt: Date.UTC(2026, 0, 1, 12, 30, 15, 999) })
  const rows: Array<[string, Parameters<typeof sessionAlert>, Record<string, unknown>]> = [
    [
      'login started: the code to approve and the link, with the login fix',
      ['logging-in', corp, fresh(), auth, false, NOW],
      {
        event: 'login-started',
        message: 'SSO session "corp" needs login: open the link and approve code ABCD-EFGH',
        userCode: 'ABCD-EFGH',
        verificationUriComplete: auth.verificationUriComplete,
        fix: loginFix,
      },
    ],
    [
      'login started without an authorization: no dangling "code", no link',
      ['logging-in', corp, fresh(), undefined, false, NOW],
      {
        event: 'login-started',
        message: 'SSO session "corp" needs login: open the link and approve code',
        userCode: undefined,
        verificationUriComplete: undefined,
      },
    ],
    [
      'relogin required: the reason from the decision',
      ['relogin-required', corp, { state: 'relogin-required', reason: 'the token expired' }, undefined, false, NOW],
      { event: 'relogin-required', message: 'SSO session "corp" needs login: the token expired', fix: loginFix },
    ],
    [
      'a reminder says so',
      ['relogin-required', corp, { state: 'relogin-required', reason: 'the token expired' }, undefined, true, NOW],
      { message: 'SSO session "corp" needs login: the token expired (reminder)' },
    ],
    [
      'relogin soon: when, as AWS writes times (whole seconds, never late), and why',
      ['relogin-soon', corp, needed, undefined, false, NOW],
      {
        event: 'relogin-soon',
        message: 'SSO session "corp" will need login at 2026-01-01T12:30:15Z: the refresh token expires',
        fix: loginFix,
      },
    ],
    [
      'relogin soon without a time says "soon"',
      ['relogin-soon', corp, fresh({ reason: 'r' }), undefined, false, NOW],
      { message: 'SSO session "corp" will need login at soon: r' },
    ],
    [
      'refresh failing: the network fix, not a login',
      ['refresh-failing', corp, fresh(), undefined, false, NOW],
      {
        event: 'refresh-failing',
        message: 'SSO session "corp": refreshing the token keeps failing; the current token is used until it expires',
        fix: 'check network access to SSO-OIDC (and AWS_ENDPOINT_URL_SSO_OIDC)',
      },
    ],
    [
      'MFA required: the login fix',
      ['mfa-required', corp, fresh(), undefined, false, NOW],
      { event: 'mfa-required', message: 'SSO session "corp": MFA required', fix: loginFix },
    ],
    [
      'recovered: no fix',
      ['recovered', corp, fresh(), undefined, false, NOW],
      { event: 'recovered', message: 'SSO session "corp" is fresh again', fix: undefined },
    ],
    [
      'a legacy session is named by its profile, and logged in through it',
      ['relogin-required', legacy, { state: 'relogin-required', reason: 'x' }, undefined, false, NOW],
      {
        ssoSession: 'profile old',
        message: 'SSO session "profile old" needs login: x',
        fix: 'aws-credd login --profile old (or aws sso login --profile old)',
        profiles: ['old'],
      },
    ],
  ]
  for (const [proves, args, want] of rows) {
    const a = sessionAlert(...args)
    t.match(a, { ssoSession: args[1].label, profiles: args[1].profiles, at: NOW, ...want }, proves)
    // t.match finds strings inside strings: the words and the fix are compared whole.
    for (const k of ['message', 'fix'] as const) if (typeof want[k] === 'string') t.equal(a[k], want[k], `${proves}: the exact ${k}`)
    for (const [k, v] of Object.entries(want))
      if (v === undefined) t.notOk(k in a && a[k as keyof typeof a] !== undefined, `${proves}: no ${k}`)
    t.notOk(JSON.stringify(a).includes(auth.deviceCode), `${proves}: the device code (the poller's secret) is not in the alert`)
  }
  const a = sessionAlert('recovered', corp, fresh(), undefined, false, NOW)
  corp.profiles.push('late')
  t.same(a.profiles, ['dev', 'admin'], 'the alert holds a copy of the profiles, not the live list')
})
