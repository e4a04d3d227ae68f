// Which credentials each default chain picks, on hand-built files and env. The same
// claims are checked against the real clients in test/cli/doctor-clients.test.ts.
import t, { type Test } from 'tap'
import { buildContext } from '../../../src/core/doctor/context.js'
import { credentialChoices, type CredentialChoice } from '../../../src/core/doctor/credential-chain.js'
import { ENV_KEY, makeFacts, NOW, PROFILE_KEY, SECRET, keys, type FactsInput } from '../../helpers/doctor-facts.js'

type Expect = Partial<Pick<CredentialChoice, 'source' | 'profile' | 'accessKeyId'>> & { failure?: RegExp; detail?: RegExp }
const envKeys = { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: SECRET }
const noImds = { AWS_EC2_METADATA_DISABLED: 'true' }

const cases: Array<[string, FactsInput, Expect, Expect]> = [
  [
    'AWS_PROFILE and env keys: JS takes the profile, botocore the keys',
    { env: { ...envKeys, AWS_PROFILE: 'dev' }, credentials: { dev: keys(PROFILE_KEY) } },
    { source: 'profile', profile: 'dev', accessKeyId: PROFILE_KEY },
    { source: 'env', accessKeyId: ENV_KEY },
  ],
  [
    'env keys alone beat [default] in both',
    { env: envKeys, credentials: { default: keys(PROFILE_KEY) } },
    { source: 'env', accessKeyId: ENV_KEY },
    { source: 'env', accessKeyId: ENV_KEY },
  ],
  [
    'AWS_PROFILE names no profile: JS passes on (never to the env keys), botocore fails',
    { env: { ...envKeys, ...noImds, AWS_PROFILE: 'nosuch' } },
    { source: 'none', detail: /profile nosuch is not defined/ },
    { failure: /^ProfileNotFound: The config profile \(nosuch\)/ },
  ],
  [
    'AWS_PROFILE empty: JS ignores it, botocore looks for profile ""',
    { env: { ...envKeys, AWS_PROFILE: '' } },
    { source: 'env', accessKeyId: ENV_KEY },
    { failure: /ProfileNotFound: The config profile \(\)/ },
  ],
  [
    'AWS_DEFAULT_PROFILE wins in botocore only',
    {
      env: { AWS_DEFAULT_PROFILE: 'a', AWS_PROFILE: 'b' },
      credentials: { a: keys('AKIAAAAAAAAAAAAA1111'), b: keys('AKIABBBBBBBBBBBB2222') },
    },
    { source: 'profile', profile: 'b', accessKeyId: 'AKIABBBBBBBBBBBB2222' },
    { source: 'profile', profile: 'a', accessKeyId: 'AKIAAAAAAAAAAAAA1111' },
  ],
  [
    'AWS_ACCESS_KEY_ID without a secret: botocore fails, JS skips the env',
    { env: { AWS_ACCESS_KEY_ID: ENV_KEY }, credentials: { default: keys(PROFILE_KEY) } },
    { source: 'profile', profile: 'default', accessKeyId: PROFILE_KEY },
    { failure: /PartialCredentialsError/ },
  ],
  [
    'static keys and sso_* in one profile: JS takes the keys, botocore SSO',
    {
      config: { default: { sso_session: 's', sso_account_id: '111111111111', sso_role_name: 'R' } },
      ssoSessions: { s: { sso_start_url: 'https://x/start', sso_region: 'us-east-1' } },
      credentials: { default: keys(PROFILE_KEY) },
    },
    { source: 'profile', profile: 'default', accessKeyId: PROFILE_KEY },
    { source: 'profile', profile: 'default', detail: /SSO session s/ },
  ],
  [
    'role_arn over keys at the start: both assume the role',
    {
      config: { default: { role_arn: 'arn:aws:iam::111111111111:role/r', source_profile: 'base' } },
      credentials: { default: keys(PROFILE_KEY), base: keys('AKIABASE000000003333') },
    },
    { source: 'profile', profile: 'default', detail: /assumes arn:aws:iam::111111111111:role\/r/ },
    { source: 'profile', profile: 'default', detail: /assumes arn:aws:iam::111111111111:role\/r/ },
  ],
  [
    '[default] with only a region falls through to the container endpoint',
    {
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9911/v1/credentials/app' },
      config: { default: { region: 'eu-west-1' } },
    },
    { source: 'container', detail: /has no credentials/ },
    { source: 'container' },
  ],
  [
    '[default] keys come before the container endpoint',
    {
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9911/v1/credentials/app' },
      credentials: { default: keys(PROFILE_KEY) },
    },
    { source: 'profile', accessKeyId: PROFILE_KEY },
    { source: 'profile', accessKeyId: PROFILE_KEY },
  ],
  [
    'env web identity: botocore before the credentials file, JS after it',
    {
      env: { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token', AWS_ROLE_ARN: 'arn:aws:iam::111111111111:role/w' },
      credentials: { default: keys(PROFILE_KEY) },
    },
    { source: 'profile', accessKeyId: PROFILE_KEY },
    { source: 'web-identity-env' },
  ],
  [
    'keys in the config file only',
    { config: { default: keys(PROFILE_KEY) } },
    { source: 'profile', accessKeyId: PROFILE_KEY, detail: /\[default\] of \/home\/u\/.aws\/config/ },
    { source: 'profile', accessKeyId: PROFILE_KEY, detail: /\[default\] of \/home\/u\/.aws\/config/ },
  ],
  ['nothing at all, IMDS allowed', {}, { source: 'imds' }, { source: 'imds' }],
  ['nothing at all, IMDS disabled', { env: noImds }, { source: 'none' }, { source: 'none' }],
]

const check = (t: Test, got: CredentialChoice, want: Expect, who: string): void => {
  const { failure, detail, ...rest } = want
  t.match(got, rest, who)
  if (failure) t.match(got.failure, failure, `${who} fails`)
  else t.equal(got.failure, undefined, `${who} does not fail`)
  if (detail) t.match(got.detail, detail, `${who} detail`)
}

for (const [name, input, js, py] of cases) {
  t.test(name, async (t) => {
    const [gotJs, gotPy] = credentialChoices(buildContext(makeFacts(input), NOW))
    check(t, gotJs!, js, 'JS SDK v3')
    check(t, gotPy!, py, 'botocore')
    t.notMatch(JSON.stringify([gotJs?.detail, gotPy?.detail]), SECRET, 'no secret in the words')
    t.notMatch(JSON.stringify([gotJs?.detail, gotPy?.detail]), /AKIA[A-Z0-9]{16}/, 'key ids masked in the words')
  })
}

t.test('a file botocore cannot parse: botocore stops before any provider, the JS SDK goes on', async (t) => {
  const facts = makeFacts({ credentials: { default: keys(PROFILE_KEY) } })
  facts.config.lint = [
    `${facts.config.path} line 7: section header "[profile b" has no closing ]; the AWS CLI and botocore refuse this file (the JS SDK skips the line)`,
  ]
  const [js, boto] = credentialChoices(buildContext(facts, NOW))
  t.match(boto, {
    source: 'none',
    failure: `ConfigParseError: Unable to parse config file: ${facts.config.path}`,
    fix: `fix line 7 of ${facts.config.path} (the warning above says what is wrong there)`,
  })
  t.match(js, { source: 'profile', profile: 'default' })
})

t.test('a container endpoint URL the SDKs refuse over plain HTTP', async (t) => {
  const choices = (url: string) =>
    credentialChoices(buildContext(makeFacts({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: url, AWS_EC2_METADATA_DISABLED: 'true' } }), NOW))
  for (const ok of [
    'http://127.0.0.1:9911/v1/credentials/a',
    'http://127.8.9.10/x',
    'http://localhost:1/x',
    'http://[::1]:9/x',
    'http://169.254.170.2/v2',
    'http://169.254.170.23/v1',
    'http://[fd00:ec2::23]/x',
    'https://creds.example.com/x',
  ]) {
    for (const c of choices(ok)) t.equal(c.failure, undefined, `${c.client} accepts ${ok}`)
  }
  const [js, boto] = choices('http://credd:9911/v1/credentials/app')
  t.match(boto, {
    source: 'container',
    failure:
      "Unsupported host 'credd'.  Can only retrieve metadata from a loopback address or one of these hosts: 169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost",
    fix: /http:\/\/127\.0\.0\.1:9911/,
  })
  t.match(js, {
    source: 'container',
    failure: /^Could not load credentials from any providers: its container provider refuses credd over plain HTTP/,
  })
})
