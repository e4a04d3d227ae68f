// The container endpoint over real HTTP with every header under the test's control:
// what it answers, and each refusal (token, Host, browser, body, header size, method,
// path, unknown/unavailable/expired credentials). No secret ever appears in a refusal.
import type { IncomingMessage } from 'node:http'
import t, { type Test } from 'tap'
import type { Credentials } from '../../src/core/credentials.js'
import { containerDecider, startContainerEndpoint } from '../../src/serve/container-endpoint.js'
import type { CredentialLookup, Lookup } from '../../src/engine/ports.js'
import type { Listener } from '../../src/serve/listener.js'
import { fakeCreds, raw, rawBytes, type RawAnswer } from '../helpers/serve.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'
import { assertClean, plantedText } from '../helpers/planted.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const TOKEN = 'test-token-0123456789abcdef'
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
let now = T0
const creds = fakeCreds(T0 + 3600_500, { accountId: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/app' })
const profiles = new Map<string, Lookup>([
  ['app', { kind: 'ok', creds }],
  ['my app', { kind: 'ok', creds: fakeCreds(T0 + 900_000) }],
  ['sso-dev', { kind: 'unavailable', reason: 'SSO session dev needs login: run aws-credd login --sso-session dev' }],
  [
    'long-term',
    { kind: 'ok', creds: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } },
  ],
  ['upstream-broken', { kind: 'unavailable', reason: plantedText('registered-source-secret-0123') }],
])
const lookup: CredentialLookup = {
  lookup: (p) => {
    if (p === 'boom') throw new Error('lookup bug')
    return profiles.get(p) ?? { kind: 'unknown' }
  },
}
const statuses: number[] = []
const ep: Listener = await startContainerEndpoint({
  secrets,
  listen: { port: 0 },
  token: TOKEN,
  lookup,
  now: () => now,
  onRequest: (endpoint, status) => statuses.push(endpoint === 'container' ? status : -1),
})
t.teardown(() => ep.close())
const port = (ep.address as { port: number }).port

const get = (path: string, headers: Record<string, string> = { authorization: TOKEN }, method = 'GET', body?: string): Promise<RawAnswer> =>
  raw({ port, path, headers, method, ...(body !== undefined ? { body } : {}) })

/** No refusal or error may carry any part of the credentials or the token. */
const noSecrets = (t: Test, a: RawAnswer, c: Credentials = creds): void => {
  t.notOk(
    [c.secretAccessKey, c.sessionToken!, c.accessKeyId, TOKEN].some((s) => a.body.includes(s)),
    'no secret in the body',
  )
}

t.beforeEach(() => {
  now = T0
})

t.test('serves the credentials in the container format, never cached, no CORS', async (t) => {
  const a = await get('/v1/credentials/app')
  t.equal(a.status, 200)
  t.same(a.json, {
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: '2026-01-01T13:00:00Z', // whole seconds, rounded down, Z
    AccountId: '123456789012',
    RoleArn: 'arn:aws:iam::123456789012:role/app',
  })
  t.equal(a.headers['content-type'], 'application/json')
  t.equal(a.headers['cache-control'], 'no-store')
  t.notOk(
    Object.keys(a.headers).some((h) => h.startsWith('access-control-')),
    'no CORS header',
  )
  t.equal(ep.url, `http://127.0.0.1:${port}`)
})

t.test('the profile is URL-decoded; AccountId and RoleArn only when known; a query is ignored', async (t) => {
  const a = await get('/v1/credentials/my%20app?x=1')
  t.equal(a.status, 200)
  t.same(Object.keys(a.json), ['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'])
  t.equal(a.json.Expiration, '2026-01-01T12:15:00Z')
  t.equal((await get('/v1/credentials/%E0%A4%A')).status, 400, 'malformed percent-encoding')
})

t.test('token: missing 401, wrong 401 (a token nobody issued) (whatever its length), exact only', async (t) => {
  for (const [headers, status] of [
    [{}, 401],
    [{ authorization: 'nope' }, 401],
    [{ authorization: TOKEN + 'x' }, 401],
    [{ authorization: TOKEN.slice(0, -1) }, 401],
    [{ authorization: `Bearer ${TOKEN}` }, 401],
    [{ authorization: TOKEN.toUpperCase() }, 401],
  ] as const) {
    const a = await get('/v1/credentials/app', headers)
    t.equal(a.status, status, JSON.stringify(headers))
    t.type(a.json?.message, 'string')
    noSecrets(t, a)
  }
  t.equal((await get('/v1/credentials/nobody', {})).status, 401, 'no token: the profile is not even looked up')
})

t.test('Host must name this machine, even with the right token (DNS rebinding)', async (t) => {
  for (const host of [
    'localhost',
    `localhost:${port}`,
    'LocalHost',
    '127.0.0.1',
    `127.0.0.1:${port}`,
    '127.8.9.10:80',
    '[::1]',
    `[::1]:${port}`,
  ]) {
    t.equal((await get('/v1/credentials/app', { authorization: TOKEN, host })).status, 200, `Host: ${host}`)
  }
  for (const host of [
    'evil.example',
    `evil.example:${port}`,
    'localhost.evil.example',
    '127.0.0.1.nip.io',
    '0.0.0.0',
    '127.0.0.256',
    '[::2]',
    'localhost:port',
  ]) {
    const a = await get('/v1/credentials/app', { authorization: TOKEN, host })
    t.equal(a.status, 403, `Host: ${JSON.stringify(host)}`)
    t.match(a.json?.message, /Host/)
    noSecrets(t, a)
  }
  const noHost = await rawBytes(port, `GET /v1/credentials/app HTTP/1.0\r\nauthorization: ${TOKEN}\r\n\r\n`)
  t.match(noHost, /^HTTP\/1\.1 403 /, 'no Host at all (HTTP/1.0)')
  t.notOk(noHost.includes(creds.secretAccessKey))
})

t.test('browsers are refused: any Origin, or Sec-Fetch-* headers', async (t) => {
  const browserHeaders: Array<Record<string, string>> = [
    { origin: 'https://evil.example' },
    { origin: 'null' },
    { origin: `http://localhost:${port}` },
    { 'sec-fetch-site': 'same-origin' },
    { 'sec-fetch-dest': 'document' },
  ]
  for (const extra of browserHeaders) {
    const a = await get('/v1/credentials/app', { authorization: TOKEN, ...extra })
    t.equal(a.status, 403, JSON.stringify(extra))
    t.match(a.json?.message, /browser/)
    noSecrets(t, a)
  }
})

t.test('requests with a body are refused', async (t) => {
  const a = await get('/v1/credentials/app', { authorization: TOKEN, 'content-type': 'text/plain', 'content-length': '5' }, 'GET', 'hello')
  t.equal(a.status, 400)
  t.equal(a.headers.connection, 'close', 'the unread body ends the connection')
  t.match(a.json?.message, /body/)
  const chunked = await get('/v1/credentials/app', { authorization: TOKEN, 'transfer-encoding': 'chunked' }, 'GET', 'hello')
  t.equal(chunked.status, 400)
  noSecrets(t, chunked)
  t.equal((await get('/v1/credentials/app', { authorization: TOKEN, 'content-length': '0' })).status, 200, 'an empty body is fine')
})

t.test('oversized headers are refused with 431 before any handler runs', async (t) => {
  const a = await get('/v1/credentials/app', { authorization: TOKEN, 'x-padding': 'a'.repeat(9000) })
  t.equal(a.status, 431)
  t.match(a.json?.message, /headers over 8192 bytes/)
  t.equal(statuses.at(-1), 431, 'counted')
})

t.test('method, path, unknown and unavailable profiles', async (t) => {
  const post = await get('/v1/credentials/app', { authorization: TOKEN }, 'POST')
  t.equal(post.status, 405)
  t.equal(post.headers.allow, 'GET')
  for (const path of ['/', '/v1/credentials/', '/v1/credentials/app/x', '/v1/credentials', '/latest/meta-data/'])
    t.equal((await get(path)).status, 404, path)
  const unknown = await get('/v1/credentials/nobody')
  t.equal(unknown.status, 404)
  t.match(unknown.json, { message: /profile "nobody" is not served/ })
  const sso = await get('/v1/credentials/sso-dev')
  t.equal(sso.status, 503)
  t.same(sso.json, { message: 'SSO session dev needs login: run aws-credd login --sso-session dev', code: 'CredentialsUnavailable' })
})

t.test('a 503 quoting upstream text carries no secret and no raw escape; a hostile profile name is escaped too', async (t) => {
  secrets.register('registered-source-secret-0123')
  const a = await get('/v1/credentials/upstream-broken')
  t.equal(a.status, 503)
  assertClean(t, 'container 503', a.body, 'registered-source-secret-0123')
  t.match(a.json?.message, 'password=[redacted]', 'the text still says what failed')
  t.match(a.json?.message, '\\x1b[31mRED', 'escapes are visible')
  const named = await get(`/v1/credentials/${encodeURIComponent('x\x1b]0;t\x07\u009b')}`)
  t.equal(named.status, 404)
  assertClean(t, 'container 404', named.body, 'registered-source-secret-0123')
  t.match(named.json?.message, 'x\\u001b]0;t\\u0007\\x9b', 'visible: JSON-quoted C0, escaped C1')
})

t.test('expired credentials are never served, whatever the lookup says', async (t) => {
  now = creds.expiresAt! - 15_000
  t.equal((await get('/v1/credentials/app')).status, 200, '15 s before expiry: at the floor')
  now = creds.expiresAt! - 15_000 + 1
  const dying = await get('/v1/credentials/app')
  t.equal(dying.status, 503, 'under 15 s left: a client would cache them and fail moments later')
  t.equal(dying.json?.code, 'CredentialsUnavailable')
  t.match(
    dying.json?.message,
    /^credentials of profile "app" expire in 14\.9 s, under the 15 s floor .*a renewal is under way: retry in a few seconds/,
  )
  noSecrets(t, dying)
  now = creds.expiresAt! - 1
  t.equal((await get('/v1/credentials/app')).status, 503, 'one millisecond before expiry')
  now = creds.expiresAt!
  const a = await get('/v1/credentials/app')
  t.equal(a.status, 503, 'at expiry')
  t.match(a.json?.message, /profile "app" expired at 2026-01-01T13:00:00Z/)
  noSecrets(t, a)
  now = creds.expiresAt! + 86_400_000
  t.equal((await get('/v1/credentials/app')).status, 503, 'long after')
})

t.test('credentials with a very short lifetime: the floor is a quarter of it', async (t) => {
  // A source granting 10 s credentials (an emulator): served down to 2.5 s left, not refused outright.
  const short = fakeCreds(T0 + 10_000, { obtainedAt: T0 })
  profiles.set('short', { kind: 'ok', creds: short })
  t.teardown(() => void profiles.delete('short'))
  now = T0 + 7_500
  const a = await get('/v1/credentials/short')
  t.equal(a.status, 200, '2.5 s left of 10 s')
  t.same(Object.keys(a.json), ['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'], 'obtainedAt stays internal')
  now = T0 + 7_501
  const b = await get('/v1/credentials/short')
  t.equal(b.status, 503)
  t.match(b.json?.message, /expire in 2\.4 s, under the 2\.5 s floor \(a quarter of their 10 s lifetime\)/)
})

t.test('long-term keys are never served', async (t) => {
  const a = await get('/v1/credentials/long-term')
  t.equal(a.status, 503)
  t.match(a.json?.message, /long-term keys/)
  t.notOk(a.body.includes('wJalrXUtnFEMI'), 'no secret')
})

t.test('a failing lookup answers 500 without details', async (t) => {
  const a = await get('/v1/credentials/boom')
  t.equal(a.status, 500)
  t.notOk(a.body.includes('lookup bug'))
})

t.test('every answer is counted by status', async (t) => {
  statuses.length = 0
  await get('/v1/credentials/app')
  await get('/v1/credentials/app', {})
  await get('/nope')
  t.same(statuses, [200, 401, 404])
})

t.test('consumer grants: their profiles only; 403 outside the grant tells nothing of the profile; 401 once expired', async (t) => {
  const { GrantRegistry } = await import('../../src/engine/grant-registry.js')
  const { tokenCodec } = await import('../../src/serve/auth-token.js')
  let clock = T0
  const grants = new GrantRegistry({
    secrets,
    clock: { now: () => clock, setTimeout: () => undefined, clearTimeout: () => undefined },
    codec: tokenCodec,
  })
  grants.setOwner(TOKEN)
  const { token } = grants.mint({ name: 'agent', profiles: ['app'], ttlMs: 20_000 }, () => true)
  const notes: Array<[number, unknown]> = []
  const scoped = await startContainerEndpoint({
    secrets,
    listen: { port: 0 },
    authorize: (presented, profile) => grants.authorize(presented, profile),
    lookup,
    now: () => now,
    onRequest: (_e, status, note) => notes.push([status, { ...note }]),
  })
  t.teardown(() => scoped.close())
  const p = (scoped.address as { port: number }).port
  const ask = (path: string, auth: string): Promise<RawAnswer> => raw({ port: p, path, headers: { authorization: auth } })
  t.equal((await ask('/v1/credentials/app', token)).status, 200)
  // Outside the grant: a kept profile, an unavailable one and one that does not exist answer alike.
  const outside = await Promise.all(['my%20app', 'sso-dev', 'no-such-profile'].map((x) => ask(`/v1/credentials/${x}`, token)))
  t.same(
    outside.map((a) => a.status),
    [403, 403, 403],
  )
  t.same(new Set(outside.map((a) => a.body)).size, 1, 'the same bytes whatever the profile')
  t.equal((await ask('/v1/credentials/my%20app', TOKEN)).status, 200, "the owner's token still opens every profile")
  t.same(notes.slice(0, 2), [
    [200, { profile: 'app', consumer: 'agent', consumerLabel: 'agent' }],
    [403, { profile: 'my app', consumer: 'agent', consumerLabel: 'agent' }],
  ])
  clock = T0 + 20_000
  const expired = await ask('/v1/credentials/app', token)
  t.equal(expired.status, 401)
  t.match(expired.json?.message, /expired/)
  grants.revoke('agent')
  t.equal((await ask('/v1/credentials/app', token)).status, 401, 'revoked: unknown')
})

const fakeReq = (headers: Record<string, string>, url = '/v1/credentials/app'): IncomingMessage =>
  ({ method: 'GET', url, headers: { host: '127.0.0.1', ...headers }, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage

t.test('rate limit per consumer: 429 with Retry-After once the burst is spent, only for the valid token', async (t) => {
  let clock = T0
  const decide = containerDecider({ secrets, token: TOKEN, lookup, now: () => clock, guard: {}, rateLimit: { perSecond: 2, burst: 3 } })
  const ok = fakeReq({ authorization: TOKEN })
  t.same([decide(ok).status, decide(ok).status, decide(ok).status], [200, 200, 200], 'the burst')
  const limited = decide(ok)
  t.equal(limited.status, 429)
  t.equal(limited.headers['retry-after'], '1')
  t.match(JSON.parse(limited.body.toString()), { code: 'TooManyRequests' })
  t.notOk(limited.body.toString().includes(TOKEN), 'the token is not echoed')
  t.equal(decide(fakeReq({ authorization: 'wrong-token-0123456789' })).status, 401, 'a wrong token is refused as before, not counted')
  t.equal(decide(fakeReq({})).status, 401)
  clock += 500
  t.equal(decide(ok).status, 200, 'refilled at 2 a second')
  t.equal(decide(ok).status, 429)
  const unlimited = containerDecider({ secrets, token: TOKEN, lookup, now: () => T0, guard: {}, rateLimit: false })
  let served = 0
  for (let i = 0; i < 1000; i++) if (unlimited(ok).status === 200) served++
  t.equal(served, 1000, 'rateLimit false: no limit (the benchmark)')
  const byDefault = containerDecider({ secrets, token: TOKEN, lookup, now: () => T0, guard: {} })
  let first429 = 0
  for (let i = 1; i <= 1000 && first429 === 0; i++) if (byDefault(ok).status === 429) first429 = i
  t.equal(first429, 201, 'the default burst is 200')
})
