// The metrics endpoint over real HTTP: /metrics in Prometheus text with the registry's content
// type, /healthz, /readyz (200 or 503 with the reason), and the same refusals as the credential
// endpoints (foreign Host, browsers, bodies), 404 for other paths and 405 for other methods.
// With metrics.tokenFile, /metrics needs `Authorization: Bearer <token>` (401/403) while the
// health checks stay open; a non-loopback address earns one warning saying what is exposed.
import t from 'tap'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreateAuthToken } from '../../src/serve/auth-token.js'
import type { StatusView } from '../../src/engine/ports.js'
import type { Listener } from '../../src/serve/listener.js'
import { bearerCheck, metricsExposureWarning, startMetricsEndpoint, type Readiness } from '../../src/serve/metrics-endpoint.js'
import { DaemonMetrics } from '../../src/serve/metrics.js'
import type { Logger } from '../../src/engine/ports.js'
import { raw, type RawAnswer } from '../helpers/serve.js'
import { assertClean, plantedText } from '../helpers/planted.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
let view: StatusView = {
  profiles: [{ profile: 'app', source: 'static', health: 'fresh', expiresAt: T0 + 1234_000 }],
  ssoSessions: [{ label: 'dev', ssoSession: 'dev', state: 'expiring', reason: 'soon', profiles: ['app'], tokenExpiresAt: T0 + 600_000 }],
}
let readiness: Readiness = { ready: false, reason: 'waiting for the first credentials of 1 of 1 profile' }
const logged: string[] = []
const logger: Logger = {
  error: (m) => logged.push(`error ${m}`),
  warn: (m) => logged.push(`warn ${m}`),
  info: (m) => logged.push(`info ${m}`),
  debug: (m) => logged.push(`debug ${m}`),
}
const metrics = new DaemonMetrics({ view: () => view, now: () => T0 })
const ep: Listener = await startMetricsEndpoint({ secrets, listen: { port: 0 }, metrics, ready: () => readiness, logger })
t.teardown(() => ep.close())
const port = (ep.address as { port: number }).port

const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawAnswer> =>
  raw({ port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } })

t.test('listens on loopback by default, without a warning', async (t) => {
  t.same(ep.address, { host: '127.0.0.1', port })
  t.equal(ep.url, `http://127.0.0.1:${port}`)
  t.equal(ep.warning, undefined)
})

t.test('GET /metrics answers the exposition text with the registry content type', async (t) => {
  metrics.onEngineEvent({ type: 'renewed', link: 'l', profile: 'app', kind: 'static', first: true })
  const a = await get('/metrics')
  t.equal(a.status, 200)
  t.equal(a.headers['content-type'], metrics.contentType)
  t.match(a.headers['content-type'], /^text\/plain; version=0\.0\.4; charset=utf-8$/)
  t.equal(a.headers['cache-control'], 'no-store')
  t.equal(a.headers['access-control-allow-origin'], undefined)
  const lines = a.body.split('\n')
  t.ok(lines.includes('aws_credd_credentials_expiry_seconds{profile="app"} 1234'))
  t.ok(lines.includes('aws_credd_sso_token_expiry_seconds{sso_session="dev"} 600'))
  t.ok(lines.includes('aws_credd_sso_session_state{sso_session="dev",state="expiring"} 1'))
  t.ok(lines.includes('aws_credd_profile_healthy{profile="app",health="fresh"} 1'))
  t.ok(lines.includes('aws_credd_renewals_total{profile="app"} 1'))
  t.ok(lines.includes('# TYPE aws_credd_renewals_total counter'))
  t.ok(
    lines.some((l) => l.startsWith('process_cpu_user_seconds_total ')),
    'process metrics too',
  )
  t.equal(a.headers['content-length'], String(Buffer.byteLength(a.body)))
  t.ok(a.body.endsWith('\n'))
  t.match((await get('/metrics?x=1')).body, /aws_credd_renewals_total/, 'a query string is ignored')
})

t.test('a scrape sees the current view', async (t) => {
  const before = view
  t.teardown(() => void (view = before))
  view = { profiles: [{ profile: 'other', source: 'sso', health: 'unavailable' }], ssoSessions: [] }
  const body = (await get('/metrics')).body
  t.match(body, /aws_credd_profile_healthy\{profile="other",health="unavailable"\} 1/)
  t.notMatch(body, /aws_credd_credentials_expiry_seconds\{/)
})

t.test('GET /healthz answers ok while the process serves, ready or not', async (t) => {
  const a = await get('/healthz')
  t.equal(a.status, 200)
  t.same(a.json, { status: 'ok' })
  t.equal(a.headers['content-type'], 'application/json')
})

t.test('GET /readyz is 503 with the reason until ready, then 200', async (t) => {
  readiness = { ready: false, reason: 'waiting for the first credentials of 1 of 1 profile' }
  let a = await get('/readyz')
  t.equal(a.status, 503)
  t.same(a.json, { status: 'not ready', reason: 'waiting for the first credentials of 1 of 1 profile' })
  readiness = { ready: false }
  a = await get('/readyz')
  t.equal(a.status, 503)
  t.same(a.json, { status: 'not ready', reason: 'not ready yet' })
  secrets.register('registered-source-secret-0123')
  readiness = { ready: false, reason: plantedText('registered-source-secret-0123') }
  a = await get('/readyz')
  t.equal(a.status, 503)
  assertClean(t, 'readyz 503', a.body, 'registered-source-secret-0123')
  readiness = { ready: true }
  a = await get('/readyz')
  t.equal(a.status, 200)
  t.same(a.json, { status: 'ready' })
})

t.test('refuses a foreign Host, browsers and bodies, as the credential endpoints do', async (t) => {
  for (const host of ['evil.example', 'evil.example:80', 'localhost.evil.example']) {
    const a = await get('/metrics', { host })
    t.equal(a.status, 403, host)
    t.match(a.json?.message, /Host header/)
    t.notMatch(a.body, /evil/, 'nothing sent is echoed')
  }
  t.equal((await get('/healthz', { host: `localhost:${port}` })).status, 200, 'localhost is this machine')
  t.equal((await get('/metrics', { origin: 'https://evil.example' })).status, 403)
  t.equal((await get('/readyz', { 'sec-fetch-site': 'cross-site' })).status, 403)
  const b = await raw({ port, path: '/metrics', headers: { host: '127.0.0.1', 'content-length': '2' }, body: '{}' })
  t.equal(b.status, 400)
})

t.test('other paths are 404, other methods 405', async (t) => {
  for (const path of ['/', '/metrics/', '/v1/credentials/app', '/healthz/x', '/METRICS']) {
    const a = await get(path)
    t.equal(a.status, 404, path)
    t.same(a.json, { message: 'no such path; served here: /metrics, /healthz, /readyz', code: 'NotFound' })
  }
  for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) {
    const a = await get('/metrics', {}, method)
    t.equal(a.status, 405, method)
    t.equal(a.headers.allow, 'GET')
  }
  t.ok(
    logged.some((l) => l === 'debug metrics endpoint answered 405'),
    'refusals are logged at debug level',
  )
})

t.test('a failure while answering is a bare 500 and an error log line', async (t) => {
  const broken = await startMetricsEndpoint({
    secrets,
    listen: { port: 0 },
    metrics,
    ready: () => {
      throw new Error('readiness bug')
    },
    logger,
  })
  t.teardown(() => broken.close())
  const a = await raw({ port: (broken.address as { port: number }).port, path: '/readyz', headers: { host: '127.0.0.1' } })
  t.equal(a.status, 500)
  t.same(a.json, { message: 'internal error; see the aws-credd log', code: 'InternalError' })
  t.ok(logged.includes('error metrics endpoint failed to answer: readiness bug'))
})

t.test('a non-loopback host carries one warning saying what is exposed, and accepts its own name as Host', async (t) => {
  const wide = await startMetricsEndpoint({ secrets, listen: { host: '0.0.0.0', port: 0 }, metrics, ready: () => readiness })
  t.teardown(() => wide.close())
  t.match(
    wide.warning,
    /^metrics endpoint on 0\.0\.0\.0:\d+, which other machines can reach, shows every kept profile and SSO session name, their expiry and health to anyone who can connect \(no authentication\); set metrics\.tokenFile to require a bearer token, or listen on 127\.0\.0\.1$/,
  )
  t.notMatch(wide.warning, /ask for credentials/, 'not the generic credentials warning of the listener')
  const p = (wide.address as { port: number }).port
  t.equal((await raw({ port: p, path: '/healthz', headers: { host: `192.0.2.7:${p}` } })).status, 200, 'an IP literal cannot be rebound')
  t.equal((await raw({ port: p, path: '/healthz', headers: { host: 'evil.example' } })).status, 403)
})

t.test('the exposure warning: none on loopback; with a token it says what stays open', async (t) => {
  t.equal(metricsExposureWarning({ host: '127.0.0.1', port: 9 }), undefined)
  t.equal(metricsExposureWarning({ host: '::1', port: 9 }), undefined)
  t.equal(metricsExposureWarning({ host: 'localhost', port: 9 }), undefined)
  t.equal(
    metricsExposureWarning({ host: '10.0.0.5', port: 9100 }, '/etc/aws-credd/metrics-token'),
    'metrics endpoint on 10.0.0.5:9100, which other machines can reach: /metrics (every kept profile and SSO session name, their expiry and health) needs the bearer token in /etc/aws-credd/metrics-token; /healthz and /readyz answer anyone who can connect, without names',
  )
})

t.test('bearerCheck (decider level): 401 without a header, 403 for anything but "Bearer <token>"', async (t) => {
  const TOKEN = 'metrics-token-0123456789abcdef'
  const check = bearerCheck(TOKEN)
  t.equal(check(`Bearer ${TOKEN}`), undefined, 'what Prometheus sends')
  t.equal(check(`bearer ${TOKEN}`), undefined, 'the scheme is case-insensitive (RFC 6750)')
  t.equal(check(`BEARER ${TOKEN}`), undefined)
  const missing = check(undefined)!
  t.equal(missing.status, 401)
  t.equal(missing.headers['www-authenticate'], 'Bearer realm="aws-credd metrics"')
  for (const wrong of [
    '',
    TOKEN,
    `Bearer ${TOKEN}x`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Bearer  ${TOKEN}`,
    `Basic ${TOKEN}`,
    `Bearer`,
    `Bearer ${TOKEN} `,
    'Bearer x',
  ]) {
    const a = check(wrong)
    t.equal(a?.status, 403, JSON.stringify(wrong))
    t.notOk(a?.body.toString().includes(TOKEN), 'the token is never echoed')
  }
  t.throws(() => bearerCheck('short'), /bearer token is shorter than 16 characters/)
})

t.test(
  'with a token file: /metrics needs the bearer token (as Prometheus sends it from credentials_file); health checks stay open',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'credd-metrics-'))
    const tokenFile = join(dir, 'metrics-token')
    const token = await loadOrCreateAuthToken(tokenFile)
    t.equal(statSync(tokenFile).mode & 0o777, 0o600, 'a missing token file is created 0600')
    const ep2 = await startMetricsEndpoint({ secrets, listen: { port: 0 }, metrics, ready: () => readiness, logger, token, tokenFile })
    t.teardown(() => ep2.close())
    t.equal(ep2.warning, undefined, 'loopback: nothing to warn about')
    const p = (ep2.address as { port: number }).port
    const ask = (path: string, headers: Record<string, string> = {}): Promise<RawAnswer> =>
      raw({ port: p, path, headers: { host: `127.0.0.1:${p}`, ...headers } })

    const none = await ask('/metrics')
    t.equal(none.status, 401)
    t.equal(none.json?.code, 'Unauthorized')
    t.equal(none.headers['www-authenticate'], 'Bearer realm="aws-credd metrics"')
    t.notMatch(none.body, /aws_credd_|"app"|dev/, 'no metric, profile or session name without the token')
    const wrong = await ask('/metrics', { authorization: 'Bearer not-the-token-at-all-0123' })
    t.equal(wrong.status, 403)
    t.equal(wrong.json?.code, 'Forbidden')
    t.equal((await ask('/metrics', { authorization: token })).status, 403, 'the bare token without the Bearer scheme')
    // What Prometheus does with `authorization: { credentials_file: FILE }`: reads the file (trimmed) and sends "Bearer <content>".
    const fromFile = readFileSync(tokenFile, 'utf8').trim()
    const ok = await ask('/metrics', { authorization: `Bearer ${fromFile}` })
    t.equal(ok.status, 200)
    t.match(ok.body, /aws_credd_profile_healthy\{profile="app"/)

    t.equal((await ask('/healthz')).status, 200, '/healthz needs no token (probes send none)')
    readiness = { ready: true }
    t.equal((await ask('/readyz')).status, 200, '/readyz needs no token')
    t.equal((await ask('/nope', { authorization: `Bearer ${fromFile}` })).status, 404)
    t.equal(
      (await ask('/metrics', { origin: 'https://evil.example', authorization: `Bearer ${fromFile}` })).status,
      403,
      'a browser is refused even with the token',
    )
  },
)
