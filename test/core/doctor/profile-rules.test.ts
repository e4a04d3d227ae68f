// The per-profile rules, table-driven: keys and where they are, expired or
// undated session tokens, regions as each SDK finds them, the JS SDK v2's blind spot.
import t from 'tap'
import { buildContext } from '../../../src/core/doctor/context.js'
import type { Finding, Severity } from '../../../src/core/doctor/findings.js'
import { parseExpiry, profileRules } from '../../../src/core/doctor/profile-rules.js'
import { assertNoSecrets, makeFacts, NOW, PROFILE_KEY, SECRET, TEMP_KEY, TOKEN, keys, type FactsInput } from '../../helpers/doctor-facts.js'

const run = (i: FactsInput): Finding[] => profileRules(buildContext(makeFacts(i), NOW))
const temp = (extra: Record<string, string> = {}) => keys(TEMP_KEY, { aws_session_token: TOKEN, ...extra })
const running = { probes: [], daemon: { running: true as const, pid: 42 } }
const stopped = { probes: [], daemon: { running: false as const, reason: 'no aws-credd daemon is running (nothing at /run/x)' } }

interface Want {
  profile: string
  code: string
  severity: Severity
  message?: RegExp
  fix?: RegExp
}
const cases: Array<[string, FactsInput, Want | { absent: string }]> = [
  [
    'expired x_security_token_expires',
    { credentials: { old: temp({ x_security_token_expires: '2026-01-31T10:00:00+00:00' }) } },
    {
      profile: 'old',
      code: 'session-token-expired',
      severity: 'error',
      message:
        /temporary keys ASIA…CCCC in \[old\] of \/home\/u\/.aws\/credentials expired 2 h ago, at 2026-01-31T10:00:00\+00:00 \(x_security_token_expires\)/,
      fix: /delete the keys from \[old\]/,
    },
  ],
  [
    'expired aws_expiration in epoch seconds',
    { credentials: { old: temp({ aws_expiration: String(Math.floor(NOW / 1000) - 3600) }) } },
    { profile: 'old', code: 'session-token-expired', severity: 'error', message: /\(aws_expiration\)/ },
  ],
  [
    'aws_credential_expiration 10 minutes ahead',
    { credentials: { soon: temp({ aws_credential_expiration: '2026-01-31T12:10:00Z' }) } },
    { profile: 'soon', code: 'session-token-expiring', severity: 'warning', message: /expire in 10 min/ },
  ],
  [
    'session token valid for hours',
    { credentials: { ok: temp({ aws_credential_expiration: '2026-01-31T18:00:00Z' }) } },
    { profile: 'ok', code: 'keys', severity: 'ok', message: /valid for 6 h more/ },
  ],
  [
    'temporary keys with no known expiry, not managed',
    { credentials: { x: temp() } },
    {
      profile: 'x',
      code: 'temporary-keys-no-expiry',
      severity: 'warning',
      message: /^temporary keys ASIA…CCCC in \[x\] .*: no expiry recorded with them; once they expire/,
      fix: /"writeTo": "x"/,
    },
  ],
  [
    'no known expiry, and STS answered ExpiredToken',
    {
      credentials: { x: temp() },
      network: { ...stopped, keyChecks: [{ owner: { profile: 'x' }, outcome: 'expired', code: 'ExpiredToken' }] },
    },
    {
      profile: 'x',
      code: 'session-token-expired',
      severity: 'error',
      message: /^temporary keys ASIA…CCCC in \[x\] of .* have expired: STS answered ExpiredToken/,
      fix: /delete the keys from \[x\]/,
    },
  ],
  [
    'no known expiry, and STS refused them',
    {
      credentials: { x: temp() },
      network: { ...stopped, keyChecks: [{ owner: { profile: 'x' }, outcome: 'refused', code: 'InvalidClientTokenId' }] },
    },
    { profile: 'x', code: 'keys-refused', severity: 'error', message: /\(InvalidClientTokenId\)/ },
  ],
  [
    'no known expiry, STS accepts them',
    { credentials: { x: temp() }, network: { ...stopped, keyChecks: [{ owner: { profile: 'x' }, outcome: 'valid' }] } },
    { profile: 'x', code: 'temporary-keys-no-expiry', severity: 'warning', message: /STS accepts them now, but nothing says until when/ },
  ],
  [
    "another profile's check does not apply",
    {
      credentials: { x: temp() },
      network: { ...stopped, keyChecks: [{ owner: { profile: 'y' }, outcome: 'expired', code: 'ExpiredToken' }] },
    },
    { profile: 'x', code: 'temporary-keys-no-expiry', severity: 'warning' },
  ],
  [
    'managed keys, daemon running',
    { credentials: { m: temp() }, managed: ['m'], network: running },
    { profile: 'm', code: 'keys', severity: 'ok', message: /kept fresh by the running aws-credd/ },
  ],
  [
    'managed keys, no daemon',
    { credentials: { m: temp() }, managed: ['m'], network: stopped },
    { profile: 'm', code: 'managed-keys-not-renewed', severity: 'warning', fix: /aws-credd run/ },
  ],
  [
    'managed keys, not checked',
    { credentials: { m: temp() }, managed: ['m'] },
    { profile: 'm', code: 'keys', severity: 'info', message: /--no-network/ },
  ],
  [
    'managed but expired by its recorded expiry',
    { credentials: { m: temp({ aws_credential_expiration: '2026-01-31T11:00:00Z' }) }, managed: ['m'] },
    { profile: 'm', code: 'session-token-expired', severity: 'error', fix: /^start aws-credd/ },
  ],
  [
    'temporary key without a token',
    { credentials: { x: keys(TEMP_KEY) } },
    { profile: 'x', code: 'temporary-key-without-token', severity: 'error' },
  ],
  [
    'long-term key with a token',
    { credentials: { x: keys(PROFILE_KEY, { aws_session_token: TOKEN }) } },
    { profile: 'x', code: 'long-term-key-with-token', severity: 'warning' },
  ],
  [
    'long-term key in the config file',
    { config: { x: keys(PROFILE_KEY) } },
    { profile: 'x', code: 'keys', severity: 'info', message: /^key AKIA…BBBB \(long-term\) in \[profile x\] of \/home\/u\/.aws\/config$/ },
  ],
  [
    'different keys in both files',
    { config: { x: keys('AKIACONFIGKEY0001111') }, credentials: { x: keys(PROFILE_KEY) } },
    { profile: 'x', code: 'keys-in-both-files', severity: 'warning', message: /AKIA…BBBB .* wins over AKIA…1111/ },
  ],
  [
    'no region anywhere',
    { config: { x: {} }, credentials: { x: keys(PROFILE_KEY) } },
    {
      profile: 'x',
      code: 'region-missing',
      severity: 'warning',
      message: /NoRegionError/,
      fix: /^aws configure set region REGION --profile x$/,
    },
  ],
  [
    'no region, only a source_profile',
    {
      config: { x: { role_arn: 'arn:aws:iam::1:role/r', source_profile: 'base', region: 'eu-west-1' } },
      credentials: { base: keys(PROFILE_KEY) },
    },
    { profile: 'base', code: 'region-missing', severity: 'info' },
  ],
  [
    'region from AWS_REGION only',
    { env: { AWS_REGION: 'eu-west-1' }, credentials: { x: keys(PROFILE_KEY) } },
    { profile: 'x', code: 'region-js-only', severity: 'info', fix: /^aws configure set region eu-west-1 --profile x$/ },
  ],
  [
    'region from AWS_DEFAULT_REGION only',
    { env: { AWS_DEFAULT_REGION: 'eu-west-1' }, credentials: { x: keys(PROFILE_KEY) } },
    { profile: 'x', code: 'region-botocore-only', severity: 'info' },
  ],
  [
    'own region',
    { config: { x: { region: 'eu-west-1' } } },
    { profile: 'x', code: 'region', severity: 'ok', message: /^region eu-west-1$/ },
  ],
  [
    'config-only profile and the JS SDK v2',
    { config: { x: { region: 'eu-west-1' } } },
    { profile: 'x', code: 'sdk-v2-config-only', severity: 'info', fix: /^export AWS_SDK_LOAD_CONFIG=1/ },
  ],
  [
    'config-only profile with AWS_SDK_LOAD_CONFIG',
    { env: { AWS_SDK_LOAD_CONFIG: '1' }, config: { x: { region: 'eu-west-1' } } },
    { absent: 'sdk-v2-config-only' },
  ],
  [
    'a cycle is an error with its fix',
    {
      config: {
        a: { role_arn: 'arn:aws:iam::1:role/a', source_profile: 'b' },
        b: { role_arn: 'arn:aws:iam::1:role/b', source_profile: 'a' },
      },
    },
    { profile: 'a', code: 'profile-invalid', severity: 'error', message: /cycle: a → b → a/, fix: /source_profile/ },
  ],
  [
    'a region-only [default] is no error',
    { config: { default: { region: 'eu-west-1' } } },
    { profile: 'default', code: 'profile-no-credentials', severity: 'info' },
  ],
]

for (const [name, input, want] of cases) {
  t.test(name, async (t) => {
    const findings = run(input)
    assertNoSecrets(t, findings)
    if ('absent' in want)
      return void t.notOk(
        findings.some((f) => f.code === want.absent),
        `no ${want.absent}`,
      )
    const f = findings.find(
      (x) =>
        x.code === want.code &&
        x.severity === want.severity &&
        typeof x.scope === 'object' &&
        'profile' in x.scope &&
        x.scope.profile === want.profile,
    )
    if (!f)
      return t.fail(
        `${want.severity} ${want.code} for ${want.profile} missing; got ${findings.map((x) => `${x.severity} ${x.code} ${JSON.stringify(x.scope)}`).join(', ')}`,
      )
    if (want.message) t.match(f.message, want.message)
    if (want.fix) t.match(f.fix, want.fix)
  })
}

t.test('expiry formats', async (t) => {
  t.equal(parseExpiry('2026-01-31T12:00:00Z'), NOW)
  t.equal(parseExpiry('2026-01-31T12:00:00+00:00'), NOW)
  t.equal(parseExpiry(String(NOW / 1000)), NOW, 'epoch seconds')
  t.equal(parseExpiry(String(NOW)), NOW, 'epoch ms')
  t.equal(parseExpiry('tomorrow'), undefined)
})
