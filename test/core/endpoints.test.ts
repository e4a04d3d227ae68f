import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { STSClient } from '@aws-sdk/client-sts'
import { SSOClient } from '@aws-sdk/client-sso'
import { SSOOIDCClient } from '@aws-sdk/client-sso-oidc'
import { endpointConfigKey, endpointEnvVar, explainEndpoint, resolveEndpoint, type EndpointService } from '../../src/core/endpoints.js'

// The SDK reads process.env; point it at a sandbox so the real ~/.aws is never read.
const sandbox = t.testdir({})
for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k]
process.env.HOME = sandbox
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true' // Node 20 warning noise
process.env.AWS_SHARED_CREDENTIALS_FILE = join(sandbox, 'no-credentials')

type Env = Record<string, string | undefined>
interface Row {
  name: string
  service: EndpointService
  profile?: Record<string, string>
  services?: Record<string, Record<string, string>>
  env?: Env
  want: string | undefined
  source: string
}

const P = 'http://127.0.0.1:1001/profile'
const S = 'http://127.0.0.1:1002/services-sts'
const O = 'http://127.0.0.1:1003/services-oidc'
const G = 'http://127.0.0.1:1004/env-global'
const E = 'http://127.0.0.1:1005/env-service'
const svc = { dev: { 'sts.endpoint_url': S, 'sso_oidc.endpoint_url': O } }

const rows: Row[] = [
  { name: 'nothing configured', service: 'sts', profile: { region: 'eu-west-1' }, want: undefined, source: 'none' },
  { name: 'no profile at all', service: 'sts', want: undefined, source: 'none' },
  { name: 'profile endpoint_url', service: 'sts', profile: { endpoint_url: P }, want: P, source: 'profile' },
  {
    name: 'services section beats profile endpoint_url',
    service: 'sts',
    profile: { services: 'dev', endpoint_url: P },
    services: svc,
    want: S,
    source: 'services-section',
  },
  {
    name: 'services section without this service falls back to endpoint_url',
    service: 'sso',
    profile: { services: 'dev', endpoint_url: P },
    services: svc,
    want: P,
    source: 'profile',
  },
  {
    name: 'sso-oidc uses the sso_oidc sub-key',
    service: 'sso-oidc',
    profile: { services: 'dev' },
    services: svc,
    want: O,
    source: 'services-section',
  },
  {
    name: 'missing services section drops config endpoints (SDK)',
    service: 'sts',
    profile: { services: 'nope', endpoint_url: P },
    services: svc,
    want: undefined,
    source: 'none',
  },
  {
    name: 'AWS_ENDPOINT_URL beats config',
    service: 'sts',
    profile: { services: 'dev', endpoint_url: P },
    services: svc,
    env: { AWS_ENDPOINT_URL: G },
    want: G,
    source: 'env-global',
  },
  {
    name: 'AWS_ENDPOINT_URL_STS beats AWS_ENDPOINT_URL',
    service: 'sts',
    env: { AWS_ENDPOINT_URL: G, AWS_ENDPOINT_URL_STS: E },
    want: E,
    source: 'env-service',
  },
  {
    name: 'AWS_ENDPOINT_URL_SSO_OIDC for sso-oidc',
    service: 'sso-oidc',
    env: { AWS_ENDPOINT_URL: G, AWS_ENDPOINT_URL_SSO_OIDC: E },
    want: E,
    source: 'env-service',
  },
  {
    name: 'AWS_ENDPOINT_URL_SSO is not for sso-oidc',
    service: 'sso-oidc',
    env: { AWS_ENDPOINT_URL_SSO: E },
    want: undefined,
    source: 'none',
  },
  { name: 'AWS_ENDPOINT_URL_SSO for sso', service: 'sso', env: { AWS_ENDPOINT_URL_SSO: E }, want: E, source: 'env-service' },
  {
    name: 'empty service var is unset',
    service: 'sts',
    env: { AWS_ENDPOINT_URL_STS: '', AWS_ENDPOINT_URL: G },
    want: G,
    source: 'env-global',
  },
  {
    name: 'env ignore=true ignores everything',
    service: 'sts',
    profile: { endpoint_url: P },
    env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_ENDPOINT_URL_STS: E },
    want: undefined,
    source: 'ignored',
  },
  {
    name: 'profile ignore=true ignores env too',
    service: 'sts',
    profile: { endpoint_url: P, ignore_configured_endpoint_urls: 'true' },
    env: { AWS_ENDPOINT_URL: G },
    want: undefined,
    source: 'ignored',
  },
  {
    name: 'env ignore=false beats profile ignore=true',
    service: 'sts',
    profile: { endpoint_url: P, ignore_configured_endpoint_urls: 'true' },
    env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false' },
    want: P,
    source: 'profile',
  },
  {
    name: 'env ignore=TRUE is not a JS boolean: next source decides',
    service: 'sts',
    profile: { endpoint_url: P },
    env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'TRUE' },
    want: P,
    source: 'profile',
  },
  {
    name: 'invalid env ignore falls to profile ignore',
    service: 'sts',
    profile: { endpoint_url: P, ignore_configured_endpoint_urls: 'true' },
    env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'yes' },
    want: undefined,
    source: 'ignored',
  },
  {
    name: 'empty env ignore falls to profile',
    service: 'sts',
    profile: { endpoint_url: P },
    env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: '' },
    want: P,
    source: 'profile',
  },
]

t.test('names', async (t) => {
  t.same((['sts', 'sso', 'sso-oidc'] as const).map(endpointEnvVar), [
    'AWS_ENDPOINT_URL_STS',
    'AWS_ENDPOINT_URL_SSO',
    'AWS_ENDPOINT_URL_SSO_OIDC',
  ])
  t.same((['sts', 'sso', 'sso-oidc'] as const).map(endpointConfigKey), ['sts', 'sso', 'sso_oidc'])
})

t.test('precedence table', async (t) => {
  for (const r of rows) {
    const got = explainEndpoint(r.service, r.profile, r.services ?? {}, r.env ?? {})
    t.equal(got.url, r.want, r.name)
    t.equal(got.source, r.source, `${r.name}: source`)
    t.equal(resolveEndpoint(r.service, r.profile, r.services ?? {}, r.env ?? {}), r.want, `${r.name}: resolveEndpoint`)
  }
  t.equal(explainEndpoint('sts', { services: 'nope' }, svc, {}).missingServicesSection, 'nope', 'missing section is reported')
})

const toIni = (r: Row): string => {
  let ini = ''
  if (r.profile)
    ini += `[profile p]\n${Object.entries(r.profile)
      .map(([k, v]) => `${k} = ${v}\n`)
      .join('')}`
  for (const [name, keys] of Object.entries(r.services ?? {})) {
    ini += `[services ${name}]\n`
    for (const [k, v] of Object.entries(keys)) {
      const [sub, key] = k.split('.')
      ini += `${sub} =\n  ${key} = ${v}\n`
    }
  }
  return ini
}

const CLIENTS = { sts: STSClient, sso: SSOClient, 'sso-oidc': SSOOIDCClient } as const

// The SDK client itself, asked for its configured endpoint, must agree on every row.
t.test('agrees with the SDK clients', async (t) => {
  let n = 0
  for (const r of rows) {
    const file = join(sandbox, `config-${n++}`) // a fresh path: the SDK caches file reads by path
    writeFileSync(file, toIni(r))
    const saved = { ...process.env }
    Object.assign(process.env, { AWS_CONFIG_FILE: file, AWS_PROFILE: 'p' }, r.env ?? {})
    try {
      const client = new CLIENTS[r.service]({ region: 'us-east-1' })
      const config = client.config as unknown as { serviceConfiguredEndpoint?: () => Promise<string | undefined> }
      t.ok(config.serviceConfiguredEndpoint, 'the SDK still exposes serviceConfiguredEndpoint')
      const sdk = await config.serviceConfiguredEndpoint?.()
      t.equal(sdk, r.want, `SDK: ${r.name}`)
      client.destroy()
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
      Object.assign(process.env, saved)
    }
  }
})
