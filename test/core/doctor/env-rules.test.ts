// The environment rules, table-driven: which variables shadow what, keys that cannot
// work as set, and that no secret ever reaches a finding.
import t from 'tap'
import { buildContext } from '../../../src/core/doctor/context.js'
import { envRules } from '../../../src/core/doctor/env-rules.js'
import type { Finding, Severity } from '../../../src/core/doctor/findings.js'
import {
  assertNoSecrets,
  ENV_KEY,
  makeFacts,
  NOW,
  PROFILE_KEY,
  SECRET,
  TEMP_KEY,
  TOKEN,
  keys,
  type FactsInput,
} from '../../helpers/doctor-facts.js'

const run = (i: FactsInput): Finding[] => envRules(buildContext(makeFacts(i), NOW))
const envKeys = { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: SECRET }
const FULL_URI = 'http://127.0.0.1:9911/v1/credentials/app'

interface Want {
  code: string
  severity: Severity
  message?: RegExp
  fix?: RegExp
}
const cases: Array<[string, FactsInput, Want | { absent: string }]> = [
  [
    'env keys with AWS_PROFILE naming a profile',
    { env: { ...envKeys, AWS_PROFILE: 'dev' }, credentials: { dev: keys(PROFILE_KEY) } },
    {
      code: 'env-keys-shadow-profile',
      severity: 'warning',
      message: /AKIA…AAAA.*botocore and the AWS CLI use the environment keys unless given --profile dev.*JS SDK v3 skips them/,
      fix: /^unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN to use profile dev everywhere, or unset AWS_PROFILE/,
    },
  ],
  [
    'env keys with AWS_PROFILE naming nothing: no shadow warning, botocore fails instead',
    { env: { ...envKeys, AWS_PROFILE: 'nosuch' } },
    { absent: 'env-keys-shadow-profile' },
  ],
  [
    'AWS_PROFILE naming nothing: botocore fails, with the fix',
    { env: { AWS_PROFILE: 'nosuch' }, config: { dev: { region: 'x' } } },
    {
      code: 'credential-source',
      severity: 'error',
      message: /^botocore .* fails .*ProfileNotFound/,
      fix: /set AWS_PROFILE to a defined profile \(dev\), or add \[profile nosuch\] to \/home\/u\/.aws\/config/,
    },
  ],
  [
    'nothing at all: a warning with the first commands to run',
    {},
    {
      code: 'nothing-configured',
      severity: 'warning',
      message: /no credentials are configured.*Could not load credentials from any providers.*Unable to locate credentials/,
      fix: /^aws configure sso/,
    },
  ],
  ['a profile defined: not "nothing configured"', { config: { dev: { region: 'x' } } }, { absent: 'nothing-configured' }],
  ['env keys only: not "nothing configured"', { env: envKeys }, { absent: 'nothing-configured' }],
  [
    'env keys shadow [default] quietly',
    { env: envKeys, credentials: { default: keys(PROFILE_KEY) } },
    { code: 'env-keys-shadow-default', severity: 'info' },
  ],
  ['AWS_PROFILE set but empty', { env: { AWS_PROFILE: '' } }, { code: 'aws-profile-empty', severity: 'error', fix: /^unset AWS_PROFILE$/ }],
  [
    'AWS_DEFAULT_PROFILE differs',
    { env: { AWS_DEFAULT_PROFILE: 'a', AWS_PROFILE: 'b' }, config: { a: {}, b: {} } },
    { code: 'aws-default-profile', severity: 'warning', message: /botocore and the AWS CLI use it before AWS_PROFILE \(b\)/ },
  ],
  [
    'AWS_DEFAULT_PROFILE equal to AWS_PROFILE',
    { env: { AWS_DEFAULT_PROFILE: 'a', AWS_PROFILE: 'a' }, config: { a: {} } },
    { absent: 'aws-default-profile' },
  ],
  [
    'temporary env key without a token',
    { env: { AWS_ACCESS_KEY_ID: TEMP_KEY, AWS_SECRET_ACCESS_KEY: SECRET } },
    { code: 'env-temporary-without-token', severity: 'error', message: /ASIA…CCCC/ },
  ],
  [
    'long-term env key with a token',
    { env: { ...envKeys, AWS_SESSION_TOKEN: TOKEN } },
    { code: 'env-long-term-with-token', severity: 'warning', fix: /^unset AWS_SESSION_TOKEN$/ },
  ],
  [
    'env keys past AWS_CREDENTIAL_EXPIRATION',
    {
      env: {
        AWS_ACCESS_KEY_ID: TEMP_KEY,
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_SESSION_TOKEN: TOKEN,
        AWS_CREDENTIAL_EXPIRATION: '2026-01-31T11:00:00Z',
      },
    },
    { code: 'env-keys-expired', severity: 'error', message: /expired at 2026-01-31T11:00:00Z/ },
  ],
  [
    'env keys 10 minutes from AWS_CREDENTIAL_EXPIRATION',
    {
      env: {
        AWS_ACCESS_KEY_ID: TEMP_KEY,
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_SESSION_TOKEN: TOKEN,
        AWS_CREDENTIAL_EXPIRATION: '2026-01-31T12:10:00Z',
      },
    },
    { code: 'env-keys-expiring', severity: 'warning' },
  ],
  [
    'temporary env keys with no expiry',
    { env: { AWS_ACCESS_KEY_ID: TEMP_KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN } },
    { code: 'env-key', severity: 'info', message: /temporary\); no AWS_CREDENTIAL_EXPIRATION/ },
  ],
  ['a secret key alone', { env: { AWS_SECRET_ACCESS_KEY: SECRET } }, { code: 'env-secret-without-id', severity: 'warning' }],
  [
    'container endpoint shadowed by [default] keys',
    { env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: FULL_URI }, credentials: { default: keys(PROFILE_KEY) } },
    {
      code: 'endpoint-shadowed',
      severity: 'warning',
      message: /AWS_CONTAINER_CREDENTIALS_FULL_URI is set, but .* never asks it/,
      fix: /remove the credentials from profile default/,
    },
  ],
  [
    'container endpoint shadowed by env keys',
    { env: { ...envKeys, AWS_CONTAINER_CREDENTIALS_FULL_URI: FULL_URI } },
    { code: 'endpoint-shadowed', severity: 'warning', fix: /^unset AWS_ACCESS_KEY_ID/ },
  ],
  ['container endpoint used by both', { env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: FULL_URI } }, { absent: 'endpoint-shadowed' }],
  [
    'IMDS endpoint set but disabled',
    { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9912', AWS_EC2_METADATA_DISABLED: 'true' } },
    { code: 'imds-disabled', severity: 'warning' },
  ],
  [
    'container token file missing',
    {
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/run/x/token' },
      patch: (f) => {
        f.containerTokenFile = { path: '/run/x/token', exists: false }
      },
    },
    { code: 'container-token-file', severity: 'error', message: /does not exist/ },
  ],
  [
    'SDK v2 and AWS_SHARED_CREDENTIALS_FILE',
    { env: { AWS_SHARED_CREDENTIALS_FILE: '/tmp/creds' } },
    { code: 'sdk-v2-credentials-file', severity: 'info', fix: /export AWS_SDK_LOAD_CONFIG=1/ },
  ],
  [
    'SDK v2 with AWS_SDK_LOAD_CONFIG',
    { env: { AWS_SHARED_CREDENTIALS_FILE: '/tmp/creds', AWS_SDK_LOAD_CONFIG: '1' } },
    { absent: 'sdk-v2-credentials-file' },
  ],
]

for (const [name, input, want] of cases) {
  t.test(name, async (t) => {
    const findings = run(input)
    assertNoSecrets(t, findings)
    if ('absent' in want) {
      t.notOk(
        findings.some((f) => f.code === want.absent),
        `no ${want.absent}`,
      )
      return
    }
    const f = findings.find((x) => x.code === want.code && x.severity === want.severity)
    if (!f) return t.fail(`${want.severity} ${want.code} missing; got ${findings.map((x) => `${x.severity} ${x.code}`).join(', ')}`)
    if (want.message) t.match(f.message, want.message)
    if (want.fix) t.match(f.fix, want.fix)
    t.same(f.scope, 'environment')
  })
}

t.test('the two credential-source findings name each client and its key, masked', async (t) => {
  const findings = run({ env: { ...envKeys, AWS_PROFILE: 'dev' }, credentials: { dev: keys(PROFILE_KEY) } }).filter(
    (f) => f.code === 'credential-source',
  )
  t.same(
    findings.map((f) => f.data),
    [
      { client: 'js-sdk-v3', source: 'profile', profile: 'dev', accessKeyId: 'AKIA…BBBB' },
      { client: 'botocore', source: 'env', accessKeyId: 'AKIA…AAAA' },
    ],
  )
})
