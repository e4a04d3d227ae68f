// Changes to ~/.aws and to the daemon's config are picked up while it runs; bad
// input is reported in one line and the last good state keeps serving.
import t from 'tap'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/emulator.js'
import { awsTime, readText, sectionOf, writeSsoToken } from '../helpers/aws-fixtures.js'
import { runCli, sandbox, until, writeAws } from '../helpers/sandbox.js'

const START = 'https://example.awsapps.com/start'
const ssoProfile = (name: string, role = 'Dev'): string =>
  `[profile ${name}]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ${role}\n\n[sso-session corp]\nsso_start_url = ${START}\nsso_region = us-east-1\n`

const chain = (emu: Awaited<ReturnType<typeof startEmulator>>) => {
  const user = emu.addUser('u')
  const role = emu.addRole({ name: 'R', trust: [user.arn] })
  return {
    config: `[profile r]\nrole_arn = ${role.arn}\nsource_profile = base\n`,
    credentials: `[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  }
}

t.test('zero-config: waits in one line for a temporary profile, then picks one up without writing the credentials file', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  emu.addSsoAccountRole('123456789012', 'Dev')
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  writeAws(sb, '[default]\nregion = us-east-1\n')
  const d = runCli(['run', '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  await d.waitFor(/no profiles with temporary credentials in .*config yet; watching it/)
  const tok = emu.issueSsoAccessToken()
  writeSsoToken(sb.ssoCacheDir, 'corp', {
    startUrl: START,
    region: 'us-east-1',
    accessToken: tok.accessToken,
    expiresAt: awsTime(tok.expiresAt),
  })
  writeAws(sb, ssoProfile('dev-sso'))
  await d.waitFor(/\[dev-sso\] obtained sso credentials/, 5000)
  t.notOk(existsSync(sb.credentialsFile), 'nothing written to the credentials file')
})

t.test('a broken ~/.aws/config keeps the last good state; a fixed one is picked up', async (t) => {
  // 6-second credentials: renewed every ~2.5 s, so each 'still renewed' below waits seconds.
  const emu = await startEmulator({ credentialLifetimeSeconds: 6 })
  t.teardown(() => emu.close())
  const c = chain(emu)
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  writeAws(sb, c.config, c.credentials)
  writeFileSync(join(sb.home, 'c.json'), JSON.stringify({ profiles: [{ profile: 'r', writeTo: 'app' }] }))
  const d = runCli(['run', '--config', join(sb.home, 'c.json'), '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  t.ok(await until(async () => (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id !== undefined), 'written')
  writeFileSync(sb.configFile, 'garbage\u0000\n[profile r]\n')
  await d.waitFor(/config.*keeping the last good state/, 3000)
  const before = (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id
  t.ok(
    await until(async () => (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id !== before, 8000),
    'still renewed while the file is broken',
  )

  // An edit that leaves the profile unresolvable: reported, the last good chain keeps working.
  writeFileSync(sb.configFile, '[profile r]\nsource_profile = base\n')
  await d.waitFor(/profile "r"/, 3000)
  const mid = (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id
  t.ok(
    await until(async () => (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id !== mid, 8000),
    'still renewed with the last good chain',
  )
})

t.test('the daemon config is re-read on change; a bad edit keeps the old one', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const c = chain(emu)
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  writeAws(sb, c.config, c.credentials)
  const cfg = join(sb.home, 'c.json')
  writeFileSync(cfg, JSON.stringify({ profiles: [{ profile: 'r' }] }))
  const d = runCli(['run', '--config', cfg, '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  await d.waitFor(/\[r\] obtained assume-role credentials/)
  t.equal(await sectionOf(sb.credentialsFile, 'app'), undefined)
  writeFileSync(cfg, JSON.stringify({ profiles: [{ profile: 'r', writeTo: 'app' }], refresh: { befor: '1m' } }))
  await d.waitFor(/refresh\.befor.*keeping the previous config/, 3000)
  writeFileSync(cfg, JSON.stringify({ profiles: [{ profile: 'r', writeTo: 'app' }] }))
  t.ok(await until(async () => (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id !== undefined, 3000), 'new writeTo applied')
})

t.test('a section holding long-term keys that aws-credd did not write is never overwritten', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const c = chain(emu)
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  const mine = '[mine]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n'
  writeAws(sb, c.config, c.credentials + '\n' + mine)
  const original = readText(sb.credentialsFile)
  writeFileSync(join(sb.home, 'c.json'), JSON.stringify({ profiles: [{ profile: 'r', writeTo: 'mine' }] }))
  const d = runCli(['run', '--config', join(sb.home, 'c.json'), '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  const line = await d.waitFor(/.*\[mine\].*long-term.*/)
  t.match(line, /credentials/, 'names the file')
  t.equal(readText(sb.credentialsFile), original, 'file untouched')
})

t.test('SIGTERM stops within 2 seconds and leaves no temporary files', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const c = chain(emu)
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  writeAws(sb, c.config, c.credentials)
  writeFileSync(join(sb.home, 'c.json'), JSON.stringify({ profiles: [{ profile: 'r', writeTo: 'app' }] }))
  const d = runCli(['run', '--config', join(sb.home, 'c.json')], sb.env)
  t.ok(await until(async () => (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id !== undefined), 'written')
  const started = Date.now()
  const { code } = await d.stop('SIGTERM')
  t.equal(code, 0)
  t.ok(Date.now() - started < 4000, `stopped in ${Date.now() - started}ms (requirement 2 s; bound loose for loaded CI)`)
  t.same(readdirSync(join(sb.home, '.aws')).sort(), ['config', 'credentials'], 'no temp or lock files left')
  t.equal(statSync(sb.credentialsFile).mode & 0o777, 0o600)
})
