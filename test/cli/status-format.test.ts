// `aws-credd status` tables from a fixed view and a fixed `now`: relative times,
// long-term keys, failures, a session waiting for its login link, the endpoint footer.
import t from 'tap'
import { dueIn, expiresIn, formatStatus, table, type StatusAnswer } from '../../src/cli/status-format.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0)
const min = 60_000

t.test('relative times', async (t) => {
  t.equal(expiresIn(NOW + 59 * min + 30_000, NOW), '59m 30s')
  t.equal(expiresIn(NOW - 3 * min, NOW), 'expired 3m ago')
  t.equal(expiresIn(NOW, NOW), 'expired 0s ago', 'the very moment counts as expired')
  t.equal(expiresIn(undefined, NOW), '-')
  t.equal(expiresIn(undefined, NOW, true), 'never')
  t.equal(dueIn(NOW + 44 * min + 10_000, NOW), 'in 44m 10s')
  t.equal(dueIn(NOW - 1000, NOW), 'due now')
  t.equal(dueIn(undefined, NOW), '-')
})

t.test('columns are aligned; the last one is not padded', async (t) => {
  t.equal(
    table(
      ['A', 'BB', 'C'],
      [
        ['xxx', 'y', 'long message'],
        ['x', 'yyyy', '-'],
      ],
      secrets,
    ),
    'A    BB    C\nxxx  y     long message\nx    yyyy  -',
  )
})

t.test('profiles and SSO sessions, every state', async (t) => {
  const view: StatusAnswer = {
    profiles: [
      {
        profile: 'dev',
        source: 'sso',
        health: 'fresh',
        expiresAt: NOW + 59 * min + 30_000,
        nextRenewalAt: NOW + 44 * min,
        ssoSession: 'corp',
      },
      {
        profile: 'admin',
        source: 'assume-role ← static',
        health: 'renewing-failed',
        expiresAt: NOW + 5 * min,
        nextRenewalAt: NOW + 30_000,
        lastError: 'profile "admin": AssumeRole throttled; fix: none needed',
      },
      { profile: 'keys', source: 'static', health: 'fresh' },
      { profile: 'broken', source: '-', health: 'unavailable', lastError: 'profile "broken" is not defined\nsecond line' },
      { profile: 'new', source: 'web-identity', health: 'pending' },
    ],
    ssoSessions: [
      { label: 'corp', ssoSession: 'corp', state: 'fresh', reason: 'token valid', profiles: ['dev'], tokenExpiresAt: NOW + 8 * 3600_000 },
      {
        label: 'old',
        ssoSession: 'old',
        state: 'logging-in',
        reason: 'waiting for login',
        profiles: ['a', 'b'],
        tokenExpiresAt: NOW - 2 * min,
        verificationUriComplete: 'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
      },
      {
        label: 'profile legacy',
        state: 'relogin-required',
        reason: 'refresh token revoked',
        profiles: [],
        lastError: 'InvalidGrantException',
      },
    ],
    pid: 4242,
    containerEndpoint: { url: 'http://127.0.0.1:9911', tokenFile: '/run/user/1000/aws-credd/token' },
  }
  t.equal(
    formatStatus(view, NOW, secrets),
    [
      'PROFILE  SOURCE                STATE            EXPIRES IN  NEXT RENEWAL  LAST ERROR',
      'dev      sso                   fresh            59m 30s     in 44m        -',
      'admin    assume-role ← static  renewing-failed  5m          in 30s        profile "admin": AssumeRole throttled; fix: none needed',
      'keys     static                fresh            never       -             -',
      'broken   -                     unavailable      -           -             profile "broken" is not defined second line',
      'new      web-identity          pending          -           -             -',
      '',
      'SESSION         STATE             TOKEN EXPIRES IN  PROFILES  REASON/LINK',
      'corp            fresh             8h                dev       token valid',
      'old             logging-in        expired 2m ago    a,b       open https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
      'profile legacy  relogin-required  -                 -         refresh token revoked; last error: InvalidGrantException',
      '',
      'container endpoint: http://127.0.0.1:9911/v1/credentials/PROFILE (token file /run/user/1000/aws-credd/token)',
      'daemon pid 4242',
      '',
    ].join('\n'),
  )
})

t.test('a daemon keeping nothing says where profiles come from; no session table', async (t) => {
  const text = formatStatus({ profiles: [], ssoSessions: [] }, NOW, secrets)
  t.match(text, /^No profiles kept: /)
  t.notMatch(text, /SESSION/)
  t.equal(text.split('\n').length, 2, 'one line')
})

t.test('upstream text in any cell is redacted and escaped: no escape sequence reaches the terminal', async (t) => {
  const { assertClean, plantedText } = await import('../helpers/planted.js')
  secrets.register('registered-source-secret-0123')
  const planted = plantedText('registered-source-secret-0123')
  const view: StatusAnswer = {
    profiles: [{ profile: 'r\x1b[2J', source: 'assume-role ← static', health: 'unavailable', lastError: planted }],
    ssoSessions: [{ label: 'corp', state: 'relogin-required', reason: planted, profiles: ['r'], lastError: planted }],
    containerEndpoint: { url: 'http://127.0.0.1:9911', tokenFile: '/tmp/\x1b]0;x\x07/token' },
  }
  const out = formatStatus(view, NOW, secrets)
  assertClean(t, 'status table', out, 'registered-source-secret-0123')
  t.match(out, 'password=[redacted]')
  t.match(out, 'r\\x1b[2J')
  t.match(out, '\\x1b[31mRED')
})
