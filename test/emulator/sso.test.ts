// SSO portal and SSO-OIDC driven by the real SDK clients, so error names and
// field types are the ones the daemon's SSO code will meet.
import t from 'tap'
import { GetRoleCredentialsCommand, ListAccountRolesCommand, SSOClient } from '@aws-sdk/client-sso'
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { startEmulator, type Emulator } from '../../src/emulator/emulator.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
const noCredentials = async (): Promise<never> => {
  throw new Error('this call must not need AWS credentials')
}
const sso = (emu: Emulator): SSOClient =>
  new SSOClient({ endpoint: emu.url, region: 'us-east-1', credentials: noCredentials, maxAttempts: 1 })
const oidc = (emu: Emulator): SSOOIDCClient =>
  new SSOOIDCClient({ endpoint: emu.url, region: 'us-east-1', credentials: noCredentials, maxAttempts: 1 })

t.test('GetRoleCredentials: ok, unknown role, expired and unknown token', async (t) => {
  let clock = Date.now()
  const emu = await startEmulator({ now: () => clock })
  t.teardown(() => emu.close())
  emu.addSsoAccountRole('111122223333', 'ReadOnly')
  const { accessToken, expiresAt } = emu.issueSsoAccessToken({ expiresInSeconds: 600 })
  t.equal(expiresAt, clock + 600_000)

  const out = await sso(emu).send(new GetRoleCredentialsCommand({ accessToken, accountId: '111122223333', roleName: 'ReadOnly' }))
  const rc = out.roleCredentials!
  t.match(rc.accessKeyId, /^ASIA/)
  t.equal(typeof rc.expiration, 'number', 'expiration is epoch ms')
  t.ok(rc.expiration! > clock + 3500_000 && rc.expiration! <= clock + 3600_000)

  // The keys work against STS, as real portal credentials do.
  const sts = new STSClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: rc.accessKeyId!, secretAccessKey: rc.secretAccessKey!, sessionToken: rc.sessionToken! },
  })
  const who = await sts.send(new GetCallerIdentityCommand({}))
  t.equal(who.Account, '111122223333')
  t.match(who.Arn, /^arn:aws:sts::111122223333:assumed-role\/AWSReservedSSO_ReadOnly_[0-9a-f]+\//)

  const roles = await sso(emu).send(new ListAccountRolesCommand({ accessToken, accountId: '111122223333' }))
  t.same(roles.roleList, [{ accountId: '111122223333', roleName: 'ReadOnly' }])

  await t.rejects(sso(emu).send(new GetRoleCredentialsCommand({ accessToken, accountId: '111122223333', roleName: 'Admin' })), {
    name: 'ForbiddenException',
    $metadata: { httpStatusCode: 403 },
  })
  await t.rejects(
    sso(emu).send(new GetRoleCredentialsCommand({ accessToken: 'aoa-made-up', accountId: '111122223333', roleName: 'ReadOnly' })),
    {
      name: 'UnauthorizedException',
      message: 'Session token not found or invalid',
      $metadata: { httpStatusCode: 401 },
    },
  )
  clock += 601_000
  await t.rejects(sso(emu).send(new GetRoleCredentialsCommand({ accessToken, accountId: '111122223333', roleName: 'ReadOnly' })), {
    name: 'UnauthorizedException',
  })
})

t.test('refresh_token grant: ok, rotated, revoked, bad client', async (t) => {
  const emu = await startEmulator({ accessTokenLifetimeSeconds: 900 })
  t.teardown(() => emu.close())
  emu.addSsoAccountRole('111122223333', 'ReadOnly')
  const client = emu.registerOidcClient()
  const refreshToken = emu.issueRefreshToken(client.clientId)
  const base = { clientId: client.clientId, clientSecret: client.clientSecret, grantType: 'refresh_token' }

  const out = await oidc(emu).send(new CreateTokenCommand({ ...base, refreshToken }))
  t.equal(out.tokenType, 'Bearer')
  t.equal(out.expiresIn, 900)
  t.ok(out.refreshToken && out.refreshToken !== refreshToken, 'a new refresh token is returned')
  const creds = await sso(emu).send(
    new GetRoleCredentialsCommand({ accessToken: out.accessToken!, accountId: '111122223333', roleName: 'ReadOnly' }),
  )
  t.match(creds.roleCredentials?.accessKeyId, /^ASIA/, 'the new access token works at the portal')

  await t.rejects(
    oidc(emu).send(new CreateTokenCommand({ ...base, refreshToken })),
    { name: 'InvalidGrantException', $metadata: { httpStatusCode: 400 } },
    'the used token was rotated out',
  )
  emu.revokeRefreshToken(out.refreshToken!)
  await t.rejects(oidc(emu).send(new CreateTokenCommand({ ...base, refreshToken: out.refreshToken! })), {
    name: 'InvalidGrantException',
    error: 'invalid_grant',
  })
  await t.rejects(oidc(emu).send(new CreateTokenCommand({ ...base, clientSecret: 'wrong', refreshToken })), {
    name: 'InvalidClientException',
    $metadata: { httpStatusCode: 401 },
  })
})

t.test('expired client registration → InvalidClientException; no rotation when disabled', async (t) => {
  let clock = Date.now()
  const emu = await startEmulator({ now: () => clock, rotateRefreshTokens: false })
  t.teardown(() => emu.close())
  const client = emu.registerOidcClient({ expiresInSeconds: 60 })
  const refreshToken = emu.issueRefreshToken(client.clientId)
  const input = { clientId: client.clientId, clientSecret: client.clientSecret, grantType: 'refresh_token', refreshToken }
  const first = await oidc(emu).send(new CreateTokenCommand(input))
  t.equal(first.refreshToken, refreshToken, 'same refresh token kept')
  t.ok(await oidc(emu).send(new CreateTokenCommand(input)), 'and it still works')
  clock += 61_000
  await t.rejects(oidc(emu).send(new CreateTokenCommand(input)), { name: 'InvalidClientException', error_description: /expired/ })
})

t.test('device flow: pending, slow_down, approved, then consumed', async (t) => {
  let clock = Date.now()
  const emu = await startEmulator({ now: () => clock })
  t.teardown(() => emu.close())
  emu.addSsoAccountRole('111122223333', 'ReadOnly')
  const reg = await oidc(emu).send(
    new RegisterClientCommand({
      clientName: 'aws-credd-test',
      clientType: 'public',
      scopes: ['sso:account:access'],
      grantTypes: [DEVICE_GRANT, 'refresh_token'],
    }),
  )
  t.equal(typeof reg.clientSecretExpiresAt, 'number')
  t.equal(reg.clientSecretExpiresAt! - reg.clientIdIssuedAt!, 90 * 24 * 3600)
  const dev = await oidc(emu).send(
    new StartDeviceAuthorizationCommand({
      clientId: reg.clientId!,
      clientSecret: reg.clientSecret!,
      startUrl: 'https://example.awsapps.com/start',
    }),
  )
  t.match(dev.userCode, /^[A-Z]{4}-[A-Z]{4}$/)
  t.equal(dev.verificationUriComplete, `${emu.url}/device?user_code=${dev.userCode}`)
  t.equal(dev.interval, 1)
  t.equal(dev.expiresIn, 600)

  const poll = () =>
    oidc(emu).send(
      new CreateTokenCommand({
        clientId: reg.clientId!,
        clientSecret: reg.clientSecret!,
        grantType: DEVICE_GRANT,
        deviceCode: dev.deviceCode!,
      }),
    )
  await t.rejects(poll(), { name: 'AuthorizationPendingException', error: 'authorization_pending' })
  await t.rejects(poll(), { name: 'SlowDownException', error: 'slow_down' }, 'second poll in the same second')
  clock += 1000
  await t.rejects(poll(), { name: 'AuthorizationPendingException' })
  emu.approveDevice(dev.userCode!)
  clock += 1000
  const tok = await poll()
  t.ok(tok.accessToken && tok.refreshToken, 'access and refresh token issued')
  const creds = await sso(emu).send(
    new GetRoleCredentialsCommand({ accessToken: tok.accessToken!, accountId: '111122223333', roleName: 'ReadOnly' }),
  )
  t.ok(creds.roleCredentials?.sessionToken)
  await t.rejects(poll(), { name: 'InvalidGrantException' }, 'a device code is good for one token')
  t.throws(() => emu.approveDevice('NOPE-NOPE'), /no pending device authorization/)
})

t.test('device flow: expiry, browser approval link, faults', async (t) => {
  let clock = Date.now()
  const emu = await startEmulator({ now: () => clock })
  t.teardown(() => emu.close())
  const reg = await oidc(emu).send(new RegisterClientCommand({ clientName: 'c', clientType: 'public' }))
  const start = () =>
    oidc(emu).send(
      new StartDeviceAuthorizationCommand({
        clientId: reg.clientId!,
        clientSecret: reg.clientSecret!,
        startUrl: 'https://example.awsapps.com/start',
      }),
    )
  const d1 = await start()
  const poll = (deviceCode: string) =>
    oidc(emu).send(
      new CreateTokenCommand({ clientId: reg.clientId!, clientSecret: reg.clientSecret!, grantType: DEVICE_GRANT, deviceCode }),
    )
  clock += 601_000
  await t.rejects(poll(d1.deviceCode!), { name: 'ExpiredTokenException', error: 'expired_token' })

  const d2 = await start()
  const page = await fetch(d2.verificationUriComplete!)
  t.equal(page.status, 200, 'opening the link approves')
  const tok = await poll(d2.deviceCode!)
  t.ok(tok.accessToken)
  t.notOk(tok.refreshToken, 'no refresh token for a client registered without the refresh_token grant')

  emu.faults.next('oidc', { status: 500, code: 'InternalServerException' })
  await t.rejects(start(), { name: 'InternalServerException', $metadata: { httpStatusCode: 500 } })
  emu.faults.next('sso', { status: 429, code: 'TooManyRequestsException' })
  await t.rejects(sso(emu).send(new GetRoleCredentialsCommand({ accessToken: tok.accessToken!, accountId: '1', roleName: 'x' })), {
    name: 'TooManyRequestsException',
  })
  t.same(
    emu.calls.map((c) => `${c.service}:${c.action}:${c.status}`),
    [
      'oidc:RegisterClient:200',
      'oidc:StartDeviceAuthorization:200',
      'oidc:CreateToken:400',
      'oidc:StartDeviceAuthorization:200',
      'oidc:ApproveDevice:200',
      'oidc:CreateToken:200',
      'oidc:StartDeviceAuthorization:500',
      'sso:GetRoleCredentials:429',
    ],
  )
})
