// SSO sessions judged from the cached token and `now`, with the login command.
import t from 'tap'
import { buildContext } from '../../../src/core/doctor/context.js'
import type { SsoSessionFacts, SsoTokenFacts } from '../../../src/core/doctor/facts.js'
import { ssoRules } from '../../../src/core/doctor/sso-rules.js'
import { makeFacts, NOW } from '../../helpers/doctor-facts.js'

const MIN = 60_000
const session = (token?: SsoTokenFacts, extra: Partial<SsoSessionFacts> = {}, profiles = ['dev']): SsoSessionFacts => ({
  info: {
    ssoSession: 'corp',
    label: 'corp',
    cacheKey: 'corp',
    startUrl: 'https://corp.awsapps.com/start',
    region: 'us-east-1',
    scopes: ['sso:account:access'],
    profiles,
  },
  cacheFile: '/home/u/.aws/sso/cache/abc.json',
  ...(token ? { token } : {}),
  ...extra,
})
const legacy = (expiresAt: number): SsoTokenFacts => ({ expiresAt, hasRefreshToken: false, hasClientRegistration: false })
const refreshable = (expiresAt: number, registrationExpiresAt = NOW + 80 * 24 * 60 * MIN): SsoTokenFacts => ({
  expiresAt,
  hasRefreshToken: true,
  hasClientRegistration: true,
  registrationExpiresAt,
})
const LOGIN = 'aws-credd login --sso-session corp (or aws sso login --sso-session corp)'

const cases: Array<[string, SsoSessionFacts, string, string, RegExp, boolean]> = [
  [
    'expired, no refresh token',
    session(legacy(NOW - 90 * MIN)),
    'error',
    'sso-login-required',
    /needs a login: the SSO access token expired and cannot be refreshed \(there is no refresh token\); the access token expired 90 min ago, at 2026-01-31T10:30:00Z \(used by dev\)/,
    true,
  ],
  [
    'expires in 20 minutes, no refresh token',
    session(legacy(NOW + 20 * MIN)),
    'warning',
    'sso-expiring',
    /a login is needed in 20 min, at 2026-01-31T12:20:00Z/,
    true,
  ],
  [
    'valid for hours, no refresh token',
    session(legacy(NOW + 6 * 60 * MIN)),
    'ok',
    'sso-session',
    /valid for 6 h .*then a login is needed/,
    false,
  ],
  ['expired but refreshable', session(refreshable(NOW - 5 * MIN)), 'info', 'sso-token-refreshable', /refresh token renews it/, false],
  [
    'registration expired',
    session(refreshable(NOW - 5 * MIN, NOW - MIN)),
    'error',
    'sso-login-required',
    /client registration expired/,
    true,
  ],
  [
    'registration expires in 10 minutes',
    session(refreshable(NOW + 50 * MIN, NOW + 10 * MIN)),
    'warning',
    'sso-expiring',
    /registration expires soon/,
    true,
  ],
  [
    'no token, used by a profile',
    session(),
    'error',
    'sso-not-logged-in',
    /not logged in: no cached token at \/home\/u\/.aws\/sso\/cache\/abc.json \(used by dev\)/,
    true,
  ],
  ['no token, used by nobody', session(undefined, {}, []), 'info', 'sso-not-logged-in', /not logged in/, true],
  [
    'cache unreadable',
    session(undefined, { unreadable: '/home/u/.aws/sso/cache/abc.json: the SSO token cache is not valid JSON' }),
    'error',
    'sso-cache-unreadable',
    /not valid JSON/,
    true,
  ],
]

for (const [name, s, severity, code, message, hasFix] of cases) {
  t.test(name, async (t) => {
    const findings = ssoRules(buildContext(makeFacts({ sessions: [s] }), NOW))
    t.equal(findings.length, 1)
    t.match(findings[0], { severity, code, scope: { ssoSession: 'corp' } })
    t.match(findings[0]!.message, message)
    t.equal(findings[0]!.fix, hasFix ? LOGIN : undefined)
  })
}

t.test('a legacy session logs in by profile', async (t) => {
  const s = session(legacy(NOW - MIN))
  s.info = { ...s.info, ssoSession: undefined, label: 'profile old', cacheKey: s.info.startUrl }
  const [f] = ssoRules(buildContext(makeFacts({ sessions: [s] }), NOW))
  t.equal(f?.fix, 'aws-credd login --profile old (or aws sso login --profile old)')
})
