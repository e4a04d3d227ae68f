// AwsUpstream against the emulator, with hand-built links and no daemon: each
// link kind makes its real SDK call, and failures come back as aws-credd's
// typed errors with the right kind, code and fix.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import t from 'tap'
import { AwsUpstream } from '../../src/aws/upstream.js'
import { ssoTokenFiles } from '../../src/files/sso-cache.js'
import type { Credentials } from '../../src/core/credentials.js'
import { externalCode, ProfileError, SsoTokenError, UpstreamError } from '../../src/core/errors.js'
import type { AssumeRoleLink, Link, ProcessLink, SsoLink, StaticLink, WebIdentityLink } from '../../src/core/links.js'
import { startEmulator, type Emulator } from '../../src/emulator/emulator.js'
import { guardUpstream } from '../../src/engine/guarded-upstream.js'
import type { Upstream } from '../../src/engine/ports.js'
import { awsTime, writeSsoToken } from '../helpers/aws-fixtures.js'
import { FakeClock } from '../helpers/fake-clock.js'

const emu: Emulator = await startEmulator()
t.teardown(() => emu.close())

const upstreamIn = (dir: string): AwsUpstream =>
  new AwsUpstream({
    configFile: join(dir, 'config'),
    credentialsFile: join(dir, 'credentials'),
    ssoTokens: ssoTokenFiles(join(dir, 'sso', 'cache')),
    now: Date.now,
  })

const whoAmI = async (c: Credentials): Promise<string | undefined> => {
  const client = new STSClient({ endpoint: emu.url, region: 'us-east-1', credentials: c, maxAttempts: 1 })
  try {
    return (await client.send(new GetCallerIdentityCommand({}))).Arn
  } finally {
    client.destroy()
  }
}

const staticOf = (profile: string, keys: { accessKeyId: string; secretAccessKey: string }): StaticLink => ({
  kind: 'static',
  id: `static:${profile}`,
  profile,
  accessKeyId: keys.accessKeyId,
  secretAccessKey: keys.secretAccessKey,
})
const roleOf = (profile: string, roleArn: string, source: string, extra: Partial<AssumeRoleLink> = {}): AssumeRoleLink => ({
  kind: 'assume-role',
  id: `assume-role:${profile}`,
  profile,
  roleArn,
  source,
  endpoint: emu.url,
  region: 'us-east-1',
  ...extra,
})

/** The rejection of `p`, which must reject. */
const failure = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a failure')
}

t.test('static link: the keys as written, without any call', async (t) => {
  const up = upstreamIn(t.testdir())
  const before = emu.calls.length
  const link: StaticLink = {
    ...staticOf('keys', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }),
    expiresAt: 1_800_000_000_000,
  }
  const c = await up.fetch(link, undefined)
  t.same(c, {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    sessionToken: undefined,
    expiresAt: 1_800_000_000_000,
  })
  t.equal(emu.calls.length, before, 'no request made')
})

t.test('assume-role with ExternalId, duration and a session name that says who assumed it', async (t) => {
  const up = upstreamIn(t.testdir())
  const user = emu.addUser('ar-user')
  const role = emu.addRole({ name: 'ar-role', trust: [user.arn], externalId: 'ext-1' })
  const c = await up.fetch(roleOf('app', role.arn, 'static:base', { externalId: 'ext-1', durationSeconds: 900 }), user)
  t.match(c.accessKeyId, /^ASIA/)
  t.ok(c.sessionToken, 'has a session token')
  t.equal(c.roleArn, role.arn)
  t.equal(c.expiresAt, emu.expiryOf(c.accessKeyId), 'expiry as issued')
  const life = c.expiresAt! - Date.now()
  t.ok(life > 890_000 && life <= 900_000, `DurationSeconds 900 sent (${life} ms)`)
  t.match(await whoAmI(c), /assumed-role\/ar-role\/aws-credd-app-\d+$/)
})

t.test('assume-role with the wrong ExternalId: permanent AccessDenied naming the profile', async (t) => {
  const up = upstreamIn(t.testdir())
  const user = emu.addUser('ext-user')
  const role = emu.addRole({ name: 'ext-role', trust: [user.arn], externalId: 'right' })
  const err = await failure(up.fetch(roleOf('ext', role.arn, 'static:base', { externalId: 'wrong' }), user))
  t.ok(err instanceof UpstreamError, 'an UpstreamError')
  t.match(err, { code: 'AccessDenied', kind: 'permanent', profile: 'ext' })
  t.match(err.message, /^profile "ext": AssumeRole arn:aws:iam::123456789012:role\/ext-role failed: AccessDenied: .*; fix: .*external_id/)
  t.notMatch(err.message, user.secretAccessKey)
})

t.test('assume-role with mfa_serial: a ProfileError, not an SDK error', async (t) => {
  const up = upstreamIn(t.testdir())
  const user = emu.addUser('mfa-user')
  const role = emu.addRole({ name: 'mfa-role', requireMfa: true })
  const err = await failure(up.fetch(roleOf('mfa', role.arn, 'static:base', { mfaSerial: 'arn:aws:iam::123456789012:mfa/me' }), user))
  t.ok(err instanceof ProfileError)
  t.match(err, { code: 'MfaRequired', kind: 'permanent' })
})

t.test('a chain of two roles, fed by hand', async (t) => {
  const up = upstreamIn(t.testdir())
  const user = emu.addUser('chain-user')
  const a = emu.addRole({ name: 'chain-a', trust: [user.arn] })
  const b = emu.addRole({ name: 'chain-b', trust: [a.arn] })
  const linkA = roleOf('a', a.arn, 'static:base')
  const linkB = roleOf('b', b.arn, linkA.id)
  const credsA = await up.fetch(linkA, await up.fetch(staticOf('base', user), undefined))
  const credsB = await up.fetch(linkB, credsA)
  t.match(await whoAmI(credsA), /assumed-role\/chain-a\//)
  t.match(await whoAmI(credsB), /assumed-role\/chain-b\//)
  t.not(credsA.accessKeyId, credsB.accessKeyId)
})

t.test('the same link fetched twice calls STS twice (one provider, fresh credentials)', async (t) => {
  const up = upstreamIn(t.testdir())
  const user = emu.addUser('twice-user')
  const role = emu.addRole({ name: 'twice-role', trust: [user.arn] })
  const link = roleOf('twice', role.arn, 'static:base')
  const before = emu.calls.filter((c) => c.action === 'AssumeRole').length
  const one = await up.fetch(link, user)
  const two = await up.fetch(link, user)
  t.not(one.accessKeyId, two.accessKeyId, 'a renewal is a new session, not a cached one')
  t.equal(emu.calls.filter((c) => c.action === 'AssumeRole').length - before, 2)
})

// The refresher hands in the source's current credentials at every call: a key
// the user just fixed in ~/.aws/credentials, or a renewed source session.
// Regression: a provider kept across calls memoized the first source credentials
// inside its STS client, so a fixed or renewed source was ignored.
t.test('a renewal signs with the NEW source credentials', async (t) => {
  const up = upstreamIn(t.testdir())
  const good = emu.addUser('fixed-user')
  const other = emu.addUser('other-user')
  const role = emu.addRole({ name: 'fixed-role', trust: [good.arn, other.arn] })
  const link = roleOf('fixed', role.arn, 'static:base')
  const bad = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
  t.match(await failure(up.fetch(link, bad)), { code: 'InvalidClientTokenId', kind: 'permanent' }, 'a wrong key is refused')
  // The person runs `aws configure` with the right key; the same link is renewed.
  const c = await up.fetch(link, good).catch((e: Error) => e)
  t.notOk(c instanceof Error, `the fixed key is used (got ${c instanceof Error ? c.message : 'credentials'})`)
  const d = await up.fetch(link, other).catch((e: Error) => e)
  t.match(d instanceof Error ? '' : await whoAmI(d), /assumed-role\/fixed-role\//, 'a second good key works too')
  // Seen from STS: each AssumeRole above was answered by what its own source deserved.
  const answers = emu.calls
    .filter((x) => x.action === 'AssumeRole')
    .slice(-3)
    .map((x) => x.status)
  t.same(answers, [403, 200, 200], 'STS saw the wrong key once, then the right ones')
})

t.test('a link whose definition changed gets a new provider', async (t) => {
  const up = upstreamIn(t.testdir())
  const user = emu.addUser('redef-user')
  const r1 = emu.addRole({ name: 'redef-1', trust: [user.arn] })
  const r2 = emu.addRole({ name: 'redef-2', trust: [user.arn] })
  t.match(await whoAmI(await up.fetch(roleOf('redef', r1.arn, 'static:base'), user)), /assumed-role\/redef-1\//)
  t.match(
    await whoAmI(await up.fetch(roleOf('redef', r2.arn, 'static:base'), user)),
    /assumed-role\/redef-2\//,
    'same id, new role_arn: the new role',
  )
})

const jwt = (claims: Record<string, unknown>): string =>
  [{ alg: 'RS256' }, claims].map((p) => Buffer.from(JSON.stringify(p)).toString('base64url')).join('.') + '.c2ln'

t.test('web identity: the token file is re-read at every call', async (t) => {
  const dir = t.testdir()
  const up = upstreamIn(dir)
  const role = emu.addRole({ name: 'wi-role' })
  const file = join(dir, 'token')
  const link: WebIdentityLink = {
    kind: 'web-identity',
    id: 'web-identity:wi',
    profile: 'wi',
    roleArn: role.arn,
    webIdentityTokenFile: file,
    endpoint: emu.url,
    region: 'us-east-1',
  }
  const first = jwt({ sub: 'pod-1', n: 1 })
  writeFileSync(file, first)
  const c = await up.fetch(link, undefined)
  t.equal(c.roleArn, role.arn)
  t.match(await whoAmI(c), /assumed-role\/wi-role\/aws-credd-wi-/)
  t.equal(emu.webIdentityTokens.at(-1), first)
  const second = jwt({ sub: 'pod-1', n: 2 })
  writeFileSync(file, second) // Kubernetes rotated it
  await up.fetch(link, undefined)
  t.equal(emu.webIdentityTokens.at(-1), second, 'the rotated token was sent')

  writeFileSync(file, 'expired')
  const err = await failure(up.fetch(link, undefined))
  t.match(err, { code: 'ExpiredTokenException', kind: 'permanent', profile: 'wi' })
  t.match((err as UpstreamError).fix, /web_identity_token_file/)
})

t.test('credential_process: runs the command of the profile', async (t) => {
  const dir = t.testdir()
  const up = upstreamIn(dir)
  const expires = new Date(Date.now() + 3600_000).toISOString()
  const script = join(dir, 'creds.mjs')
  writeFileSync(
    script,
    `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'ASIAPROCESSEXAMPLE01', SecretAccessKey: 'processSecretExampleKeyForTestsOnly01234', SessionToken: 'processSessionTokenExample', Expiration: ${JSON.stringify(expires)} }))`,
  )
  const failing = join(dir, 'fail.mjs')
  writeFileSync(failing, `process.stderr.write('no luck'); process.exit(3)`)
  const command = `"${process.execPath}" "${script}"`
  writeFileSync(
    join(dir, 'config'),
    `[profile proc]\ncredential_process = ${command}\n\n[profile broken]\ncredential_process = "${process.execPath}" "${failing}"\n`,
  )
  const link: ProcessLink = { kind: 'process', id: 'process:proc', profile: 'proc', command }
  const c = await up.fetch(link, undefined)
  t.equal(c.accessKeyId, 'ASIAPROCESSEXAMPLE01')
  t.equal(c.sessionToken, 'processSessionTokenExample')
  t.equal(c.expiresAt, Date.parse(expires))

  const err = await failure(up.fetch({ kind: 'process', id: 'process:broken', profile: 'broken', command: 'x' }, undefined))
  t.ok(err instanceof UpstreamError)
  t.match(err.message, /^profile "broken": credential_process failed: /)
})

// ---- SSO -------------------------------------------------------------------------

const SSO_ACCOUNT = '111122223333'
emu.addSsoAccountRole(SSO_ACCOUNT, 'Dev')

const ssoOf = (profile: string, session: string | undefined, extra: Partial<SsoLink> = {}): SsoLink => ({
  kind: 'sso',
  id: `sso:${profile}`,
  profile,
  ssoSession: session,
  startUrl: 'https://example.awsapps.com/start',
  ssoRegion: 'us-east-1',
  accountId: SSO_ACCOUNT,
  roleName: 'Dev',
  cacheKey: session ?? 'https://example.awsapps.com/start',
  endpoint: emu.url,
  region: 'us-east-1',
  ...extra,
})
const cacheToken = (dir: string, key: string, accessToken: string, expiresAt: number): void =>
  void writeSsoToken(join(dir, 'sso', 'cache'), key, {
    startUrl: 'https://example.awsapps.com/start',
    region: 'us-east-1',
    accessToken,
    expiresAt: awsTime(expiresAt),
  })

t.test('sso: GetRoleCredentials with the cached token', async (t) => {
  const dir = t.testdir()
  const up = upstreamIn(dir)
  const token = emu.issueSsoAccessToken()
  cacheToken(dir, 'corp', token.accessToken, token.expiresAt)
  const c = await up.fetch(ssoOf('dev', 'corp'), undefined)
  t.match(c.accessKeyId, /^ASIA/)
  t.equal(c.accountId, SSO_ACCOUNT)
  t.equal(c.expiresAt, emu.expiryOf(c.accessKeyId))
  t.match(await whoAmI(c), /assumed-role\/AWSReservedSSO_Dev_/)
})

t.test('sso: missing, expired and refused tokens say how to log in again', async (t) => {
  const dir = t.testdir()
  const up = upstreamIn(dir)

  const missing = await failure(up.fetch(ssoOf('dev', 'nobody'), undefined))
  t.ok(missing instanceof SsoTokenError)
  t.match(missing, { code: 'SsoTokenMissing', kind: 'permanent', fix: 'aws sso login --sso-session nobody', ssoSession: 'nobody' })
  t.match(missing.message, /profile "dev"/)

  const legacy = await failure(up.fetch(ssoOf('old', undefined), undefined))
  t.match(legacy, { code: 'SsoTokenMissing', fix: 'aws sso login --profile old' })

  cacheToken(dir, 'stale', emu.issueSsoAccessToken().accessToken, Date.now() - 60_000)
  const expired = await failure(up.fetch(ssoOf('dev', 'stale'), undefined))
  t.ok(expired instanceof SsoTokenError)
  t.match(expired, { code: 'SsoTokenExpired', kind: 'permanent', fix: 'aws sso login --sso-session stale' })

  cacheToken(dir, 'forged', 'aoa' + 'x'.repeat(60), Date.now() + 3600_000)
  const refused = await failure(up.fetch(ssoOf('dev', 'forged'), undefined))
  t.ok(refused instanceof SsoTokenError)
  t.match(refused, { code: 'SsoTokenRefused', kind: 'permanent', fix: 'aws sso login --sso-session forged' })
  t.notMatch(refused.message, /aoaxxxx/, 'the token is not in the message')
})

t.test('network down: transient, for SSO and STS alike', async (t) => {
  const dir = t.testdir()
  const up = upstreamIn(dir)
  const token = emu.issueSsoAccessToken()
  cacheToken(dir, 'corp', token.accessToken, token.expiresAt)
  const user = emu.addUser('down-user')
  const role = emu.addRole({ name: 'down-role', trust: [user.arn] })
  emu.faults.down('sso', true)
  emu.faults.down('sts', true)
  try {
    const sso = await failure(up.fetch(ssoOf('dev', 'corp'), undefined))
    t.ok(sso instanceof UpstreamError)
    t.match(sso, { kind: 'transient', profile: 'dev' })
    const sts = await failure(up.fetch(roleOf('down', role.arn, 'static:base'), user))
    t.match(sts, { kind: 'transient', profile: 'down' })
  } finally {
    emu.faults.down('sso', false)
    emu.faults.down('sts', false)
  }
  t.ok(await up.fetch(roleOf('down', role.arn, 'static:base'), user), 'works again once the network is back')
})

// ---- guardUpstream ------------------------------------------------------------------

const link: Link = {
  kind: 'sso',
  id: 'sso:hung',
  profile: 'hung',
  startUrl: 'https://x',
  ssoRegion: 'us-east-1',
  accountId: '1',
  roleName: 'r',
  cacheKey: 'k',
}

t.test('guardUpstream: a hung call times out with a transient Timeout', async (t) => {
  const clock = new FakeClock()
  const hung: Upstream = { fetch: () => new Promise<Credentials>(() => undefined) }
  const guarded = guardUpstream(hung, clock, { register: () => undefined }, 60_000)
  let settled: unknown
  const p = guarded.fetch(link, undefined).then(
    () => (settled = 'resolved'),
    (e: unknown) => (settled = e),
  )
  await clock.advance(59_999)
  t.equal(settled, undefined, 'still waiting just before the limit')
  await clock.advance(1)
  await p
  t.ok(settled instanceof UpstreamError)
  t.match(settled, { code: 'Timeout', kind: 'transient', profile: 'hung' })
  t.match((settled as Error).message, /profile "hung": no answer within 60s/)
  t.equal(clock.pending(), 0, 'no timer left behind')
})

t.test('guardUpstream: registers every secret, clears its timer, passes failures through', async (t) => {
  const clock = new FakeClock()
  const registered: string[] = []
  const creds: Credentials = {
    accessKeyId: 'ASIAGUARDEXAMPLE0001',
    secretAccessKey: 'guardSecretExampleKey0123456789abcdefXYZ',
    sessionToken: 'guardSessionTokenExample',
    expiresAt: clock.now() + 3600_000,
  }
  const ok = guardUpstream({ fetch: async () => creds }, clock, { register: (s) => void registered.push(s) })
  t.equal(await ok.fetch(link, undefined), creds)
  t.same(registered.sort(), [creds.secretAccessKey, creds.sessionToken].sort(), 'secret key and session token, not the key id')
  t.equal(clock.pending(), 0, 'timer cleared after success')

  const refusal = new UpstreamError('hung', 'AccessDenied', { code: externalCode('AccessDenied'), kind: 'permanent' })
  const bad = guardUpstream({ fetch: async () => Promise.reject(refusal) }, clock, { register: (s) => void registered.push(s) })
  t.equal(await failure(bad.fetch(link, undefined)), refusal, 'the same error')
  t.equal(clock.pending(), 0, 'timer cleared after failure')
  t.equal(registered.length, 2, 'nothing registered for a failure')
})
