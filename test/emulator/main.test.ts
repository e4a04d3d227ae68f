// The standalone entry point: its printed line must be enough to use the emulator.
import t from 'tap'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { runEmulatorMain } from '../../src/emulator/main.js'

interface Line {
  url: string
  user: { accessKeyId: string; secretAccessKey: string; arn: string }
  roles: { a: string; b: { arn: string; externalId: string } }
  sso: { accountId: string; roleName: string; accessToken: string; expiresAt: string }
  oidc: { clientId: string; clientSecret: string; refreshToken: string }
}

t.test('prints one JSON line whose identities work, with the lifetime applied', async (t) => {
  const { emulator, line } = await runEmulatorMain(['--port', '0', '--lifetime', '120'])
  t.teardown(() => emulator.close())
  t.notMatch(line, /\n/)
  const info = JSON.parse(line) as Line
  t.equal(info.url, emulator.url)
  t.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/)

  const sts = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    new STSClient({ endpoint: info.url, region: 'us-east-1', credentials, maxAttempts: 1 })
  const a = await sts(info.user).send(new AssumeRoleCommand({ RoleArn: info.roles.a, RoleSessionName: 'demo' }))
  const keysA = {
    accessKeyId: a.Credentials!.AccessKeyId!,
    secretAccessKey: a.Credentials!.SecretAccessKey!,
    sessionToken: a.Credentials!.SessionToken!,
  }
  const life = a.Credentials!.Expiration!.getTime() - Date.now()
  t.ok(life > 110_000 && life <= 120_000, `--lifetime 120 applies (${life} ms)`)
  const b = await sts(keysA).send(
    new AssumeRoleCommand({ RoleArn: info.roles.b.arn, RoleSessionName: 'demo', ExternalId: info.roles.b.externalId }),
  )
  const keysB = {
    accessKeyId: b.Credentials!.AccessKeyId!,
    secretAccessKey: b.Credentials!.SecretAccessKey!,
    sessionToken: b.Credentials!.SessionToken!,
  }
  t.match((await sts(keysB).send(new GetCallerIdentityCommand({}))).Arn, /assumed-role\/emulator-role-b\/demo$/)
  t.ok(info.sso.accessToken && info.oidc.refreshToken && info.oidc.clientSecret)
})

t.test('rejects bad arguments with a one-line message', async (t) => {
  await t.rejects(runEmulatorMain(['--port', 'x']), /--port x: expected 0-65535/)
  await t.rejects(runEmulatorMain(['--lifetime', '0']), /--lifetime 0: expected a positive number/)
})
