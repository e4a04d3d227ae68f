// Which keys doctor signs one GetCallerIdentity with, where it sends it, and what
// the STS answer means; the env rules' reading of the result.
import t from 'tap'
import { buildContext } from '../../../src/core/doctor/context.js'
import { envRules } from '../../../src/core/doctor/env-rules.js'
import { keyCheckOutcome, keyCheckTargets } from '../../../src/core/doctor/key-checks.js'
import { assertNoSecrets, makeFacts, NOW, PROFILE_KEY, SECRET, TEMP_KEY, TOKEN, keys } from '../../helpers/doctor-facts.js'

const temp = (extra: Record<string, string> = {}) => keys(TEMP_KEY, { aws_session_token: TOKEN, ...extra })
const envKeys = { AWS_ACCESS_KEY_ID: TEMP_KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN }

t.test('targets: temporary keys with a token and no recorded expiry, nothing else', async (t) => {
  const facts = makeFacts({
    env: { ...envKeys, AWS_REGION: 'eu-west-1' },
    credentials: {
      pasted: temp(),
      dated: temp({ x_security_token_expires: '2026-01-31T13:00:00Z' }),
      longterm: keys(PROFILE_KEY),
      notoken: keys(TEMP_KEY),
      mine: temp(),
    },
    config: { pasted: { region: 'ap-south-1' }, custom: { ...temp(), endpoint_url: 'http://127.0.0.1:4566' } },
    managed: ['mine'],
  })
  const targets = keyCheckTargets(facts)
  t.same(
    targets.map((x) => x.owner),
    [{ env: true }, { profile: 'pasted' }, { profile: 'custom' }],
  )
  t.match(targets[0], {
    region: 'eu-west-1',
    endpoint: 'https://sts.eu-west-1.amazonaws.com',
    accessKeyId: TEMP_KEY,
    secretAccessKey: SECRET,
    sessionToken: TOKEN,
  })
  t.match(targets[1], { region: 'ap-south-1', endpoint: 'https://sts.ap-south-1.amazonaws.com' }, "the profile's own region")
  t.match(targets[2], { endpoint: 'http://127.0.0.1:4566' }, "the profile's endpoint_url")
  t.same(
    keyCheckTargets(facts, 'pasted').map((x) => x.owner),
    [{ profile: 'pasted' }],
    '--profile: that one only (not the environment)',
  )
  t.same(
    keyCheckTargets(makeFacts({ env: { ...envKeys, AWS_CREDENTIAL_EXPIRATION: '2026-01-31T13:00:00Z' } })),
    [],
    'the environment says when: no call',
  )
  const china = keyCheckTargets(makeFacts({ env: envKeys, config: { default: { region: 'cn-north-1' } } }))
  t.match(
    china[0],
    { region: 'cn-north-1', endpoint: 'https://sts.cn-north-1.amazonaws.com.cn' },
    "environment keys sign in the active profile's region when the environment names none",
  )
  t.match(
    keyCheckTargets(makeFacts({ env: { ...envKeys, AWS_DEFAULT_REGION: 'eu-central-1' } }))[0],
    { region: 'eu-central-1' },
    'AWS_DEFAULT_REGION counts too',
  )
})

t.test('outcomes by STS error code', async (t) => {
  t.equal(keyCheckOutcome(undefined), 'valid')
  t.equal(keyCheckOutcome('ExpiredToken'), 'expired')
  t.equal(keyCheckOutcome('InvalidClientTokenId'), 'refused')
  t.equal(keyCheckOutcome('SignatureDoesNotMatch'), 'refused')
  t.equal(keyCheckOutcome('Throttling'), 'unknown')
  t.equal(
    keyCheckOutcome('SignatureDoesNotMatch', 'Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z'),
    'unknown',
    'clock skew says nothing about the keys',
  )
  t.equal(keyCheckOutcome('RequestExpired', 'Request has expired.'), 'unknown')
})

t.test('environment keys: expired, refused, accepted, unchecked', async (t) => {
  const run = (outcome?: 'expired' | 'refused' | 'valid') =>
    envRules(
      buildContext(
        makeFacts({
          env: envKeys,
          ...(outcome
            ? {
                network: {
                  probes: [],
                  daemon: { running: false as const, reason: 'x' },
                  keyChecks: [
                    {
                      owner: { env: true as const },
                      outcome,
                      ...(outcome === 'valid' ? {} : { code: outcome === 'expired' ? 'ExpiredToken' : 'InvalidClientTokenId' }),
                    },
                  ],
                },
              }
            : {}),
        }),
        NOW,
      ),
    )
  const expired = run('expired').find((f) => f.code === 'env-keys-expired')
  t.match(expired, {
    severity: 'error',
    message: /the environment keys ASIA…CCCC \(temporary\) have expired: STS answered ExpiredToken/,
    fix: /export fresh keys/,
  })
  t.match(
    run('refused').find((f) => f.code === 'env-keys-refused'),
    { severity: 'error', message: /\(InvalidClientTokenId\)/ },
  )
  t.match(
    run('valid').find((f) => f.code === 'env-key'),
    { severity: 'info', message: /no AWS_CREDENTIAL_EXPIRATION says when they expire \(STS accepts them now\)/ },
  )
  t.notMatch(run().find((f) => f.code === 'env-key')?.message, /STS/, 'not checked: no claim')
  assertNoSecrets(t, [run('expired'), run('refused'), run('valid')])
})
