// Network rules: which endpoints are probed (endpoint precedence as the SDK applies
// it), and what answers mean: no answer, clock skew against a fake `now`, the daemon.
import t from 'tap'
import { buildContext } from '../../../src/core/doctor/context.js'
import type { ProbeResult, ProbeTarget, SsoSessionFacts } from '../../../src/core/doctor/facts.js'
import { networkRules, probeTargets } from '../../../src/core/doctor/network-rules.js'
import { makeFacts, NOW, PROFILE_KEY, TEMP_KEY, TOKEN, keys, type FactsInput } from '../../helpers/doctor-facts.js'

const sts: ProbeTarget = {
  url: 'https://sts.us-east-1.amazonaws.com',
  service: 'sts',
  via: 'the default for us-east-1',
  users: ['profile dev'],
}
/** An answer whose Date header says local time + skew, measured with a 200 ms round trip. */
const answer = (skewMs: number, target = sts): ProbeResult => {
  const serverDate = Math.floor((NOW + 100 + skewMs) / 1000) * 1000
  return { target, answered: true, status: 403, serverDate, sentAt: NOW, receivedAt: NOW + 200 }
}
const run = (probes: ProbeResult[], extra: FactsInput = {}, running = true) =>
  networkRules(
    buildContext(
      makeFacts({
        ...extra,
        network: {
          probes,
          daemon: running ? { running: true, pid: 7 } : { running: false, reason: 'no aws-credd daemon is running (nothing at /run/x)' },
        },
      }),
      NOW,
    ),
  )

t.test('clock skew', async (t) => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['in step', 0, 'ok', /the clock agrees with it within 1 s/],
    ['45 s behind', 45_000, 'ok', /within 4[56] s/],
    ['90 s behind', 90_000, 'warning', /clock is 90 s behind https:\/\/sts.us-east-1.amazonaws.com/],
    ['2 minutes ahead', -120_000, 'warning', /clock is 120 s ahead of/],
    ['6 minutes behind', 360_000, 'error', /360 s behind .*more than the 5 minutes SigV4 allows/],
    ['10 minutes ahead', -600_000, 'error', /600 s ahead of/],
  ]
  for (const [name, skew, severity, message] of cases) {
    const [f] = run([answer(skew)])
    t.match(f, { severity, code: 'clock-skew' }, name)
    t.match(f!.message, message, name)
    t.equal(f!.fix, severity === 'ok' ? undefined : 'sync the clock: sudo timedatectl set-ntp true (or chronyc makestep)', name)
  }
})

t.test('answers without a Date header: skew unknown', async (t) => {
  const [f] = run([{ target: sts, answered: true, status: 404, sentAt: NOW, receivedAt: NOW + 5 }])
  t.match(f, { severity: 'info', code: 'clock-skew-unknown' })
})

t.test('endpoints that do not answer', async (t) => {
  const cases: Array<[ProbeTarget, RegExp]> = [
    [sts, /^check the network connection/],
    [
      { ...sts, url: 'http://127.0.0.1:4566', via: 'AWS_ENDPOINT_URL_STS' },
      /^check that http:\/\/127.0.0.1:4566 is up, or correct AWS_ENDPOINT_URL_STS$/,
    ],
    [
      {
        url: 'http://127.0.0.1:9911/v1/credentials/app',
        service: 'container',
        via: 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
        users: ['the environment'],
      },
      /^start aws-credd \(aws-credd run\), or unset AWS_CONTAINER_CREDENTIALS_FULL_URI$/,
    ],
    [
      { url: 'http://127.0.0.1:9912', service: 'imds', via: 'AWS_EC2_METADATA_SERVICE_ENDPOINT', users: ['the environment'] },
      /imds.listen/,
    ],
  ]
  for (const [target, fix] of cases) {
    const [f] = run([{ target, answered: false, sentAt: NOW, receivedAt: NOW + 1, error: 'ECONNREFUSED' }])
    t.match(f, { severity: 'error', code: 'endpoint-no-answer' })
    t.match(f!.message, new RegExp(`${target.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .* does not answer: ECONNREFUSED`))
    t.match(f!.fix, fix)
  }
})

t.test('the daemon', async (t) => {
  t.match(run([], {}, true), [{ severity: 'ok', code: 'daemon', message: 'aws-credd is running (pid 7)' }])
  t.match(run([], {}, false), [{ severity: 'info', code: 'daemon-not-running' }])
  const managed = { credentials: { dev: keys(TEMP_KEY, { aws_session_token: TOKEN }) }, managed: ['dev'] }
  t.match(run([], managed, false), [{ severity: 'warning', code: 'daemon-not-running', message: /not renewed/, fix: /^aws-credd run/ }])
  t.match(run([], { writeTo: [{ profile: 'a', section: 'b' }] }, false), [{ severity: 'warning', code: 'daemon-not-running' }])
})

t.test('--no-network says what was skipped', async (t) => {
  t.match(networkRules(buildContext(makeFacts(), NOW)), [{ severity: 'info', code: 'network-skipped' }])
})

t.test('which STS endpoint each profile uses', async (t) => {
  const targets = (i: FactsInput, only?: string) =>
    probeTargets(makeFacts(i), only).map((x) => [x.service, x.url, x.via, x.users.join(',')])
  t.same(
    targets({ credentials: { a: keys(PROFILE_KEY), b: keys(PROFILE_KEY) }, config: { b: { region: 'eu-west-1' } } }),
    [
      ['sts', 'https://sts.eu-west-1.amazonaws.com', 'the default for eu-west-1', 'profile b'],
      ['sts', 'https://sts.us-east-1.amazonaws.com', 'the default for us-east-1', 'profile a'],
    ],
    'by region (config-file profiles first, as the SDK merges); us-east-1 without one',
  )
  t.same(
    targets({ env: { AWS_REGION: 'cn-north-1' }, config: { a: {} } }),
    [['sts', 'https://sts.cn-north-1.amazonaws.com.cn', 'the default for cn-north-1', 'profile a']],
    'China',
  )
  t.same(
    targets({
      env: { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1', AWS_ENDPOINT_URL: 'http://127.0.0.1:2' },
      config: { a: { endpoint_url: 'http://127.0.0.1:3' }, b: {} },
    }),
    [['sts', 'http://127.0.0.1:1', 'AWS_ENDPOINT_URL_STS', 'profile a,profile b']],
    'AWS_ENDPOINT_URL_STS first, one probe for both',
  )
  t.same(
    targets({
      config: { a: { endpoint_url: 'http://127.0.0.1:3' }, b: { services: 's' } },
      services: { s: { 'sts.endpoint_url': 'http://127.0.0.1:4' } },
    }),
    [
      ['sts', 'http://127.0.0.1:3', 'endpoint_url of [profile a]', 'profile a'],
      ['sts', 'http://127.0.0.1:4', 'services s → sts.endpoint_url', 'profile b'],
    ],
    'endpoint_url and [services]',
  )
  t.same(
    targets({ env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1' }, config: { a: {} } }),
    [['sts', 'https://sts.us-east-1.amazonaws.com', 'the default for us-east-1', 'profile a']],
    'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  )
  t.same(
    targets({ config: { a: {}, b: {} } }, 'b'),
    [['sts', 'https://sts.us-east-1.amazonaws.com', 'the default for us-east-1', 'profile b']],
    '--profile',
  )
  t.same(
    targets({
      env: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9911/v1/credentials/a',
        AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9912',
      },
    }),
    [
      ['sts', 'https://sts.us-east-1.amazonaws.com', 'the default for us-east-1', 'any program on this machine'],
      ['container', 'http://127.0.0.1:9911/v1/credentials/a', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'the environment'],
      ['imds', 'http://127.0.0.1:9912', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'the environment'],
    ],
    'the env endpoints; no env keys, so not "the environment keys" (regression)',
  )
  t.same(
    targets({ env: { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' } }),
    [['sts', 'https://sts.us-east-1.amazonaws.com', 'the default for us-east-1', 'the environment keys']],
    'env keys',
  )
})

t.test('SSO sessions: OIDC and portal', async (t) => {
  const s: SsoSessionFacts = {
    info: {
      ssoSession: 'corp',
      label: 'corp',
      cacheKey: 'corp',
      startUrl: 'https://x/start',
      region: 'eu-west-1',
      scopes: [],
      profiles: ['dev'],
    },
    cacheFile: '/c.json',
  }
  const got = probeTargets(makeFacts({ config: { dev: { region: 'eu-west-1' } }, sessions: [s] }))
    .filter((x) => x.service !== 'sts')
    .map((x) => [x.service, x.url])
  t.same(got, [
    ['sso-oidc', 'https://oidc.eu-west-1.amazonaws.com'],
    ['sso', 'https://portal.sso.eu-west-1.amazonaws.com'],
  ])
  t.same(
    probeTargets(makeFacts({ config: { dev: {}, other: {} }, sessions: [s] }), 'other').map((x) => x.service),
    ['sts'],
    'a session the profile does not use is not probed',
  )
})
