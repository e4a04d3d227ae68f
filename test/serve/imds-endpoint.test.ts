// The IMDSv2 emulation over real HTTP: the token dance, the two credential paths, and
// each refusal (no or expired session token, bad TTL, X-Forwarded-For, browser, Host,
// unknown/unavailable/expired credentials), with an injected clock.
import type { IncomingMessage } from 'node:http'
import t from 'tap'
import { ConfigError } from '../../src/core/errors.js'
import type { Lookup } from '../../src/engine/ports.js'
import { IMDS_TOKEN_RATE_LIMIT, imdsDecider, imdsExposureWarning, imdsRoleName, startImdsEndpoint } from '../../src/serve/imds-endpoint.js'
import { IMDS_TOKEN_LENGTH, ImdsSessions } from '../../src/serve/imds-sessions.js'
import type { Listener } from '../../src/serve/listener.js'
import { fakeCreds, raw, type RawAnswer } from '../helpers/serve.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'
import { assertClean, plantedText } from '../helpers/planted.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
let now = T0
const creds = fakeCreds(T0 + 3600_000, { accountId: '123456789012' })
let answer: Lookup = { kind: 'ok', creds }
const asked: string[] = []
const start = (extra: { allowV1?: boolean; roleName?: string } = {}): Promise<Listener> =>
  startImdsEndpoint({
    secrets,
    listen: { port: 0 },
    profile: 'ec2-app',
    lookup: { lookup: (p) => (asked.push(p), answer) },
    now: () => now,
    ...extra,
  })
const ep = await start()
t.teardown(() => ep.close())
const port = (ep.address as { port: number }).port

const call = (method: string, path: string, headers: Record<string, string> = {}, p = port): Promise<RawAnswer> =>
  raw({ port: p, method, path, headers })
const session = async (ttl = '21600', p = port): Promise<string> => {
  const a = await call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl }, p)
  if (a.status !== 200) throw new Error(`token request answered ${a.status}: ${a.body}`)
  return a.body
}
const noSecret = (a: RawAnswer): boolean => !a.body.includes(creds.secretAccessKey) && !a.body.includes(creds.sessionToken!)

t.beforeEach(() => {
  now = T0
  answer = { kind: 'ok', creds }
})

t.test('token, role list, credentials: what EC2 answers', async (t) => {
  const put = await call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '300' })
  t.equal(put.status, 200)
  t.equal(put.headers['content-type'], 'text/plain')
  t.equal(put.headers['x-aws-ec2-metadata-token-ttl-seconds'], '300')
  t.match(put.body, /^[A-Za-z0-9_-]{75}$/, 'expiry, nonce and MAC, base64url')
  const h = { 'x-aws-ec2-metadata-token': put.body }
  const list = await call('GET', '/latest/meta-data/iam/security-credentials/', h)
  t.equal(list.status, 200)
  t.equal(list.body, 'ec2-app', 'the role name (default: the profile)')
  t.equal((await call('GET', '/latest/meta-data/iam/security-credentials', h)).body, 'ec2-app', 'also without the slash')
  const got = await call('GET', '/latest/meta-data/iam/security-credentials/ec2-app', h)
  t.equal(got.status, 200)
  t.same(got.json, {
    Code: 'Success',
    LastUpdated: '2026-01-01T12:00:00Z',
    Type: 'AWS-HMAC',
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: '2026-01-01T13:00:00Z',
    AccountId: '123456789012',
  })
  t.equal(got.headers['cache-control'], 'no-store')
  t.ok(
    asked.every((p) => p === 'ec2-app'),
    'always the configured profile',
  )
  t.equal((await call('GET', '/latest/meta-data/iam/security-credentials/other-role', h)).status, 404, 'another role name')
  t.equal((await call('GET', '/latest/meta-data/instance-id', h)).status, 404, 'paths the SDKs do not need')
})

t.test('GETs need a session token: missing, unknown or expired → 401', async (t) => {
  const path = '/latest/meta-data/iam/security-credentials/ec2-app'
  const none = await call('GET', path)
  t.equal(none.status, 401)
  t.match(none.json?.message, /X-aws-ec2-metadata-token/)
  t.equal((await call('GET', '/latest/meta-data/iam/security-credentials/')).status, 401, 'the role list too')
  t.equal(
    (await call('GET', path, { 'x-aws-ec2-metadata-token': 'made-up-token-made-up-token-made-up-token00'.padEnd(75, 'x') })).status,
    401,
  )
  const token = await session('60')
  t.equal((await call('GET', path, { 'x-aws-ec2-metadata-token': token })).status, 200, 'within its TTL')
  now = T0 + 59_999
  t.equal((await call('GET', path, { 'x-aws-ec2-metadata-token': token })).status, 200, 'just before its TTL ends')
  now = T0 + 60_000
  const late = await call('GET', path, { 'x-aws-ec2-metadata-token': token })
  t.equal(late.status, 401, 'expired with the injected clock')
  t.ok(noSecret(late))
})

t.test('TTL must be a whole number of seconds from 1 to 21600', async (t) => {
  for (const ttl of ['0', '21601', 'abc', '-5', '1.5', '', '1e3', '0x10', '999999']) {
    const a = await call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl })
    t.equal(a.status, 400, `ttl ${JSON.stringify(ttl)}`)
  }
  t.equal((await call('PUT', '/latest/api/token')).status, 400, 'missing')
  for (const ttl of ['1', '21600', '00060'])
    t.equal((await call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl })).status, 200, `ttl ${ttl}`)
})

t.test('a token PUT through a proxy (X-Forwarded-For) is refused', async (t) => {
  const a = await call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '10.0.0.9' })
  t.equal(a.status, 403)
  t.match(a.json?.message, /X-Forwarded-For/)
})

t.test('methods: token only by PUT, the rest only by GET', async (t) => {
  const token = await session()
  const getToken = await call('GET', '/latest/api/token')
  t.equal(getToken.status, 405)
  t.equal(getToken.headers.allow, 'PUT')
  const put = await call('PUT', '/latest/meta-data/iam/security-credentials/ec2-app', { 'x-aws-ec2-metadata-token': token })
  t.equal(put.status, 405)
  t.equal(put.headers.allow, 'GET')
})

t.test('the shared guards apply: Host, browsers, bodies', async (t) => {
  const token = await session()
  const path = '/latest/meta-data/iam/security-credentials/ec2-app'
  for (const [headers, status] of [
    [{ host: 'evil.example', 'x-aws-ec2-metadata-token': token }, 403],
    [{ origin: 'https://evil.example', 'x-aws-ec2-metadata-token': token }, 403],
    [{ 'sec-fetch-dest': 'empty', 'x-aws-ec2-metadata-token': token }, 403],
  ] as Array<[Record<string, string>, number]>) {
    const a = await call('GET', path, headers)
    t.equal(a.status, status, JSON.stringify(Object.keys(headers)))
    t.ok(noSecret(a))
  }
  const rebound = await call('PUT', '/latest/api/token', { host: 'evil.example', 'x-aws-ec2-metadata-token-ttl-seconds': '60' })
  t.equal(rebound.status, 403, 'a rebinding page cannot even get a session token')
  const withBody = await raw({
    port,
    method: 'PUT',
    path: '/latest/api/token',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'content-length': '2' },
    body: 'hi',
  })
  t.equal(withBody.status, 400)
})

t.test('unknown profile 404, unavailable 503 with the reason, expired never served', async (t) => {
  const h = { 'x-aws-ec2-metadata-token': await session() }
  const path = '/latest/meta-data/iam/security-credentials/ec2-app'
  answer = { kind: 'unknown' }
  t.equal((await call('GET', path, h)).status, 404)
  t.equal((await call('GET', '/latest/meta-data/iam/security-credentials/', h)).status, 404, 'no role listed')
  answer = { kind: 'unavailable', reason: 'SSO session dev needs login: run aws-credd login --sso-session dev' }
  const down = await call('GET', path, h)
  t.equal(down.status, 503)
  t.equal(down.json?.message, 'SSO session dev needs login: run aws-credd login --sso-session dev')
  answer = { kind: 'ok', creds }
  now = creds.expiresAt! - 15_000
  t.equal((await call('GET', path, { 'x-aws-ec2-metadata-token': await session() })).status, 200, 'at the 15 s floor')
  now = creds.expiresAt! - 14_000
  const dying = await call('GET', path, { 'x-aws-ec2-metadata-token': await session() })
  t.equal(dying.status, 503, 'under the floor')
  t.match(dying.json?.message, /expire in 14 s, under the 15 s floor/)
  t.ok(noSecret(dying))
  now = creds.expiresAt!
  const expired = await call('GET', path, { 'x-aws-ec2-metadata-token': await session() })
  t.equal(expired.status, 503)
  t.match(expired.json?.message, /expired/)
  t.ok(noSecret(expired))
})

t.test('a 503 quoting upstream text carries no secret and no raw escape (IMDS needs no client token)', async (t) => {
  secrets.register('registered-source-secret-0123')
  answer = { kind: 'unavailable', reason: plantedText('registered-source-secret-0123') }
  const down = await call('GET', '/latest/meta-data/iam/security-credentials/ec2-app', { 'x-aws-ec2-metadata-token': await session() })
  t.equal(down.status, 503)
  assertClean(t, 'imds 503', down.body, 'registered-source-secret-0123')
  t.match(down.json?.message, 'password=[redacted]')
})

t.test('allowV1 serves requests without a token, but still refuses a wrong one', async (t) => {
  const v1 = await start({ allowV1: true, roleName: 'WebRole' })
  t.teardown(() => v1.close())
  const p = (v1.address as { port: number }).port
  t.equal((await call('GET', '/latest/meta-data/iam/security-credentials/', {}, p)).body, 'WebRole')
  const got = await call('GET', '/latest/meta-data/iam/security-credentials/WebRole', {}, p)
  t.equal(got.status, 200)
  t.equal(got.json.AccessKeyId, creds.accessKeyId)
  t.equal((await call('GET', '/latest/meta-data/iam/security-credentials/ec2-app', {}, p)).status, 404, 'only the configured role name')
  t.equal((await call('GET', '/latest/meta-data/iam/security-credentials/WebRole', { 'x-aws-ec2-metadata-token': 'wrong' }, p)).status, 401)
})

t.test('role names must be valid IAM role names', async (t) => {
  t.equal(imdsRoleName({ profile: 'dev' }), 'dev')
  t.equal(imdsRoleName({ profile: 'my profile', roleName: 'Dev+Role@x' }), 'Dev+Role@x')
  t.throws(() => imdsRoleName({ profile: 'my profile' }), ConfigError)
  t.throws(() => imdsRoleName({ profile: 'x', roleName: 'a/b' }), /set "roleName"/)
})

const fakeReq = (method: string, url: string, headers: Record<string, string> = {}): IncomingMessage =>
  ({ method, url, headers: { host: '127.0.0.1', ...headers }, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage
const ROLE_PATH = '/latest/meta-data/iam/security-credentials/ec2-app'

t.test('session tokens are stateless: 5,000 more PUTs leave the first session working', async (t) => {
  let clock = T0
  const decide = imdsDecider({
    secrets,
    profile: 'ec2-app',
    lookup: { lookup: () => ({ kind: 'ok', creds }) },
    now: () => clock,
    guard: {},
    tokenRateLimit: false,
  })
  const put = (ttl = '600') => decide(fakeReq('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl }))
  const first = put()
  t.equal(first.status, 200)
  t.equal(first.headers['x-aws-ec2-metadata-token-ttl-seconds'], '600', 'the TTL is echoed')
  const token = first.body.toString()
  t.equal(token.length, IMDS_TOKEN_LENGTH)
  const seen = new Set([token])
  for (let i = 0; i < 5000; i++) seen.add(put('21600').body.toString())
  t.equal(seen.size, 5001, 'every token is different')
  t.equal(decide(fakeReq('GET', ROLE_PATH, { 'x-aws-ec2-metadata-token': token })).status, 200, 'the first session still works')
  clock = T0 + 600_000
  t.equal(decide(fakeReq('GET', ROLE_PATH, { 'x-aws-ec2-metadata-token': token })).status, 401, 'until its TTL ends')
})

t.test('a tampered, truncated, re-spelt or foreign token is refused', async (t) => {
  const clock = T0
  const sessions = new ImdsSessions(() => clock)
  const token = sessions.issue(3600)
  t.ok(sessions.isValid(token))
  const bytes = Buffer.from(token, 'base64url')
  // One bit flipped in the expiry, the nonce and the MAC.
  for (const at of [0, 7, 8, 23, 24, bytes.length - 1]) {
    const bad = Buffer.from(bytes)
    bad[at]! ^= 1
    t.notOk(sessions.isValid(bad.toString('base64url')), `byte ${at} changed`)
  }
  // A later expiry written in by hand does not carry a valid MAC.
  const extended = Buffer.from(bytes)
  extended.writeBigUInt64BE(BigInt(T0 + 21600_000 * 100), 0)
  t.notOk(sessions.isValid(extended.toString('base64url')), 'expiry extended')
  t.notOk(sessions.isValid(token.slice(0, -1)), 'truncated')
  t.notOk(sessions.isValid(`${token}A`), 'lengthened')
  t.notOk(sessions.isValid(''), 'empty')
  // The last character carries 2 spare bits: a different spelling of the same bytes is not the token.
  const last = token.at(-1)!
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const respelt = token.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]
  t.same(Buffer.from(respelt, 'base64url'), bytes, 'the same bytes')
  t.notOk(sessions.isValid(respelt), 'not the canonical spelling')
  t.notOk(new ImdsSessions(() => clock).isValid(token), 'another process (a restart) has another key')
})

t.test('an expired token is refused at its expiry, by the injected clock', async (t) => {
  let clock = T0
  const sessions = new ImdsSessions(() => clock)
  const token = sessions.issue(1)
  clock = T0 + 999
  t.ok(sessions.isValid(token))
  clock = T0 + 1000
  t.notOk(sessions.isValid(token))
})

t.test('token issuance is bounded for all clients together: 429 with Retry-After', async (t) => {
  let clock = T0
  const decide = imdsDecider({
    secrets,
    profile: 'ec2-app',
    lookup: { lookup: () => ({ kind: 'ok', creds }) },
    now: () => clock,
    guard: {},
    tokenRateLimit: { perSecond: 2, burst: 3 },
  })
  const put = () => decide(fakeReq('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }))
  const first = put()
  t.same([put().status, put().status], [200, 200], 'the burst')
  const refused = put()
  t.equal(refused.status, 429)
  t.equal(refused.headers['retry-after'], '1')
  t.notOk(refused.body.toString().includes(first.body.toString()), 'no token in the refusal')
  t.equal(
    decide(fakeReq('GET', ROLE_PATH, { 'x-aws-ec2-metadata-token': first.body.toString() })).status,
    200,
    'issued sessions keep working',
  )
  clock += 500
  t.equal(put().status, 200, 'refilled at 2 a second')
  t.ok(IMDS_TOKEN_RATE_LIMIT.burst >= 100, 'the default lets many processes start together')
})

t.test('starting on TCP carries ONE warning: who can read which profile (IMDS has no authentication)', async (t) => {
  t.equal(
    ep.warning,
    `IMDS endpoint on 127.0.0.1:${port} serves profile "ec2-app" to ANY local user or process that can connect (IMDS has no authentication); use the container endpoint with its token where that matters`,
  )
  const wide = await startImdsEndpoint({
    secrets,
    listen: { host: '0.0.0.0', port: 0 },
    profile: 'ec2-app',
    lookup: { lookup: () => answer },
    now: () => now,
  })
  t.teardown(() => wide.close())
  const p = (wide.address as { port: number }).port
  t.equal(
    wide.warning,
    `IMDS endpoint on 0.0.0.0:${p} serves profile "ec2-app" to ANY user, process or other machine that can connect to 0.0.0.0:${p} (IMDS has no authentication); listen on 127.0.0.1, and use the container endpoint with its token where that matters`,
    "one warning replaces the listener's generic one",
  )
  t.match(imdsExposureWarning({ host: '::1', port: 1 }, 'x'), /to ANY local user or process/)
})
