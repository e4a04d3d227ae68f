// STS emulator driven by the real @aws-sdk/client-sts: if the SDK can sign for it
// and parse its XML, daemon code talking to it sees what it would see from AWS.
import t from 'tap'
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts'
import { startEmulator, type Emulator } from '../../src/emulator/emulator.js'

interface Keys {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

const client = (emu: Emulator, credentials: Keys): STSClient =>
  new STSClient({ endpoint: emu.url, region: 'us-east-1', credentials, maxAttempts: 1 })

const keysOf = (c: StsCredentials | undefined): Keys => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
})

const noCredentials = async (): Promise<never> => {
  throw new Error('this call must not need credentials')
}

const jwt = (claims: Record<string, unknown>): string =>
  [{ alg: 'RS256' }, claims].map((p) => Buffer.from(JSON.stringify(p)).toString('base64url')).join('.') + '.c2ln'

t.test('user → roleA → roleB chain with ExternalId', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('alice')
  const roleA = emu.addRole({ name: 'role-a', trust: [user.arn] })
  const roleB = emu.addRole({ name: 'role-b', trust: [roleA.arn], externalId: 'ext-123' })

  const me = await client(emu, user).send(new GetCallerIdentityCommand({}))
  t.equal(me.Arn, 'arn:aws:iam::123456789012:user/alice')
  t.equal(me.Account, '123456789012')
  t.match(me.UserId, /^AIDA/)

  const a = await client(emu, user).send(new AssumeRoleCommand({ RoleArn: roleA.arn, RoleSessionName: 'step-a' }))
  t.match(a.Credentials?.AccessKeyId, /^ASIA[A-Z2-7]{16}$/)
  t.equal(a.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/role-a/step-a')
  t.match(a.AssumedRoleUser?.AssumedRoleId, /^AROA[A-Z2-7]{16}:step-a$/)
  t.ok(a.Credentials?.Expiration instanceof Date, 'Expiration parses to a Date')
  const lifeMs = a.Credentials!.Expiration!.getTime() - Date.now()
  t.ok(lifeMs > 3590_000 && lifeMs <= 3600_000, `default lifetime is one hour (${lifeMs} ms)`)

  const b = await client(emu, keysOf(a.Credentials)).send(
    new AssumeRoleCommand({ RoleArn: roleB.arn, RoleSessionName: 'step-b', ExternalId: 'ext-123', DurationSeconds: 900 }),
  )
  const who = await client(emu, keysOf(b.Credentials)).send(new GetCallerIdentityCommand({}))
  t.equal(who.Arn, 'arn:aws:sts::123456789012:assumed-role/role-b/step-b')
  t.equal(who.UserId, b.AssumedRoleUser?.AssumedRoleId)
})

t.test('trust, ExternalId and durations are enforced', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('bob')
  const other = emu.addUser('mallory')
  const roleA = emu.addRole({ name: 'role-a', trust: [user.arn] })
  const roleB = emu.addRole({ name: 'role-b', trust: [roleA.arn], externalId: 'ext-123', maxSessionSeconds: 7200 })
  const sts = client(emu, user)

  await t.rejects(
    sts.send(new AssumeRoleCommand({ RoleArn: roleB.arn, RoleSessionName: 'ss', ExternalId: 'ext-123' })),
    {
      name: 'AccessDenied',
    },
    'user is not in role-b trust',
  )
  const a = await sts.send(new AssumeRoleCommand({ RoleArn: roleA.arn, RoleSessionName: 'ok-a' }))
  const fromA = client(emu, keysOf(a.Credentials))
  await t.rejects(fromA.send(new AssumeRoleCommand({ RoleArn: roleB.arn, RoleSessionName: 'bb', ExternalId: 'wrong' })), {
    name: 'AccessDenied',
    $metadata: { httpStatusCode: 403 },
  })
  await t.rejects(fromA.send(new AssumeRoleCommand({ RoleArn: roleB.arn, RoleSessionName: 'bb' })), { name: 'AccessDenied' })
  await t.rejects(client(emu, other).send(new AssumeRoleCommand({ RoleArn: roleA.arn, RoleSessionName: 'xx' })), {
    name: 'AccessDenied',
    message: /mallory is not authorized/,
  })
  await t.rejects(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/nope', RoleSessionName: 'xx' })), {
    name: 'AccessDenied',
  })
  // Role chaining caps at one hour even though role-b allows two.
  await t.rejects(
    fromA.send(new AssumeRoleCommand({ RoleArn: roleB.arn, RoleSessionName: 'bb', ExternalId: 'ext-123', DurationSeconds: 7200 })),
    { name: 'ValidationError', message: /role chaining/ },
  )
  await t.rejects(sts.send(new AssumeRoleCommand({ RoleArn: roleA.arn, RoleSessionName: 'xx', DurationSeconds: 7200 })), {
    name: 'ValidationError',
    message: /MaxSessionDuration/,
  })
  await t.rejects(sts.send(new AssumeRoleCommand({ RoleArn: roleA.arn, RoleSessionName: 'xx', DurationSeconds: 100 })), {
    name: 'ValidationError',
  })
})

t.test('MFA-protected role needs SerialNumber and a six-digit code', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('carol')
  const role = emu.addRole({ name: 'mfa-role', requireMfa: true })
  const sts = client(emu, user)
  await t.rejects(sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'm1' })), {
    name: 'AccessDenied',
    message: /MultiFactor/,
  })
  const serial = 'arn:aws:iam::123456789012:mfa/carol'
  await t.rejects(sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'm1', SerialNumber: serial, TokenCode: '12a' })), {
    name: 'AccessDenied',
  })
  const ok = await sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'm1', SerialNumber: serial, TokenCode: '123456' }))
  t.match(ok.Credentials?.AccessKeyId, /^ASIA/)
})

t.test('bad keys, bad signatures and expired credentials', async (t) => {
  let clock = Date.now()
  const emu = await startEmulator({ now: () => clock, credentialLifetimeSeconds: 60 })
  t.teardown(() => emu.close())
  const user = emu.addUser('dave')
  const role = emu.addRole({ name: 'short' })

  await t.rejects(
    client(emu, { ...user, secretAccessKey: user.secretAccessKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }).send(
      new GetCallerIdentityCommand({}),
    ),
    {
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    },
  )
  await t.rejects(
    client(emu, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }).send(
      new GetCallerIdentityCommand({}),
    ),
    {
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    },
  )

  const a = await client(emu, user).send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'short', DurationSeconds: 3600 }))
  t.equal(
    a.Credentials!.Expiration!.getTime(),
    Math.floor((clock + 60_000) / 1000) * 1000,
    'credentialLifetimeSeconds overrides DurationSeconds',
  )
  const temp = keysOf(a.Credentials)
  t.match((await client(emu, temp).send(new GetCallerIdentityCommand({}))).Arn, /assumed-role\/short\/short$/)
  await t.rejects(client(emu, { ...temp, sessionToken: 'forged' }).send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' })

  clock += 61_000
  await t.rejects(client(emu, temp).send(new GetCallerIdentityCommand({})), {
    name: 'ExpiredToken',
    message: 'The security token included in the request is expired',
    $metadata: { httpStatusCode: 403 },
  })
  t.ok((await client(emu, user).send(new GetCallerIdentityCommand({}))).Arn, 'long-term keys never expire')
})

t.test('a body changed after signing and a skewed clock are caught', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('grace')
  const role = emu.addRole({ name: 'any' })
  const tampered = client(emu, user)
  // The deserialize step runs after signing: rewrite the body, same length.
  tampered.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body?: unknown }
      if (typeof req.body === 'string') req.body = req.body.replace('RoleSessionName=aa', 'RoleSessionName=ab')
      return next(args)
    },
    { step: 'deserialize' },
  )
  await t.rejects(tampered.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'aa' })), { name: 'SignatureDoesNotMatch' })
  t.ok(await client(emu, user).send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'aa' })), 'untouched request passes')

  const skewed = new STSClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: user,
    maxAttempts: 1,
    systemClockOffset: -10 * 60_000,
  })
  await t.rejects(skewed.send(new GetCallerIdentityCommand({})), { name: 'SignatureDoesNotMatch', message: /Signature expired/ })
  t.equal((await skewed.send(new GetCallerIdentityCommand({}))).Arn, user.arn, 'the SDK took the server time from the Date header')
})

t.test('GetSessionToken is for users only', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('erin')
  const s = await client(emu, user).send(
    new GetSessionTokenCommand({ DurationSeconds: 900, SerialNumber: 'arn:aws:iam::123456789012:mfa/erin', TokenCode: '000000' }),
  )
  const temp = keysOf(s.Credentials)
  t.match(temp.accessKeyId, /^ASIA/)
  t.equal((await client(emu, temp).send(new GetCallerIdentityCommand({}))).Arn, user.arn, 'session-token creds act as the user')
  await t.rejects(client(emu, temp).send(new GetSessionTokenCommand({})), { name: 'AccessDenied' })
})

t.test('AssumeRoleWithWebIdentity is unsigned and records every token', async (t) => {
  const clock = Date.now()
  const emu = await startEmulator({ now: () => clock })
  t.teardown(() => emu.close())
  const role = emu.addRole({ name: 'web' })
  const sts = new STSClient({ endpoint: emu.url, region: 'us-east-1', credentials: noCredentials, maxAttempts: 1 })
  const token1 = jwt({ sub: 'system:serviceaccount:ns:app', aud: 'sts.amazonaws.com', exp: Math.floor(clock / 1000) + 600 })
  const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.arn, RoleSessionName: 'pod', WebIdentityToken: token1 }))
  t.equal(out.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/web/pod')
  t.equal(out.SubjectFromWebIdentityToken, 'system:serviceaccount:ns:app')
  await t.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.arn, RoleSessionName: 'pod', WebIdentityToken: 'expired' })),
    {
      name: 'ExpiredTokenException',
      $metadata: { httpStatusCode: 400 },
    },
  )
  const stale = jwt({ sub: 'x', exp: Math.floor(clock / 1000) - 1 })
  await t.rejects(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.arn, RoleSessionName: 'pod', WebIdentityToken: stale })), {
    name: 'ExpiredTokenException',
  })
  await t.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.arn, RoleSessionName: 'pod', WebIdentityToken: 'not-a-jwt' })),
    {
      name: 'InvalidIdentityTokenException',
    },
  )
  t.same(emu.webIdentityTokens, [token1, 'expired', stale, 'not-a-jwt'])
})

t.test('faults, outages and the call log', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('frank')
  const sts = client(emu, user)

  emu.faults.next('sts', { status: 400, code: 'Throttling', message: 'Rate exceeded' }, 2)
  await t.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'Throttling', message: 'Rate exceeded' })
  await t.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'Throttling' })
  t.ok(await sts.send(new GetCallerIdentityCommand({})), 'third call succeeds')

  emu.faults.down('sts', true)
  await t.rejects(sts.send(new GetCallerIdentityCommand({})), { code: /ECONNRESET|EPIPE|socket hang up/ })
  emu.faults.down('sts', false)
  t.ok(await sts.send(new GetCallerIdentityCommand({})))

  t.same(
    emu.calls.map((c) => [c.service, c.action, c.status]),
    [
      ['sts', 'GetCallerIdentity', 400],
      ['sts', 'GetCallerIdentity', 400],
      ['sts', 'GetCallerIdentity', 200],
      ['sts', 'GetCallerIdentity', 0],
      ['sts', 'GetCallerIdentity', 200],
    ],
  )
})

t.test('a lasting fault for one action, with any message text, until cleared', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('grace')
  const role = emu.addRole({ name: 'r', trust: [user.arn] })
  const sts = client(emu, user)
  const message = 'boom password=x \x1b[31mRED\x1b[0m cr\rhere \u009b2J <&>"\''
  emu.faults.always('sts', { status: 500, code: 'InternalFailure', message }, 'AssumeRole')
  for (let i = 0; i < 3; i++)
    await t.rejects(sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'session' })), {
      name: 'InternalFailure',
      message,
    })
  t.ok(await sts.send(new GetCallerIdentityCommand({})), 'other actions unaffected')
  emu.faults.always('sts', undefined, 'AssumeRole')
  t.ok(await sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'session' })), 'cleared')
  emu.faults.always('sts', { status: 503, code: 'ServiceUnavailable' })
  await t.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'ServiceUnavailable' })
  emu.faults.next('sts', { status: 400, code: 'Throttling', message: 'queued first' })
  await t.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'Throttling' }, 'a queued fault comes before a lasting one')
})

t.test('unsigned or foreign requests are refused', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const res = await fetch(emu.url + '/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
  })
  t.equal(res.status, 403)
  t.match(await res.text(), /<Code>MissingAuthenticationToken<\/Code>/)
  const other = await fetch(emu.url + '/nothing-here')
  t.equal(other.status, 404)
})
