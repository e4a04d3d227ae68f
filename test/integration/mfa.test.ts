// Roles with mfa_serial: the daemon alerts mfa-required, takes the code from
// `aws-credd mfa`, holds a GetSessionToken session for the device and assumes
// the role from it, so the next renewals need no new code.
import t from 'tap'
import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/emulator.js'
import { sectionOf } from '../helpers/aws-fixtures.js'
import { runCli, sandbox, until, writeAws } from '../helpers/sandbox.js'

t.test('mfa-required alert, a code via `aws-credd mfa`, then renewals from the MFA session', async (t) => {
  const emu = await startEmulator({ credentialLifetimeSeconds: 10 })
  t.teardown(() => emu.close())
  const user = emu.addUser('u')
  const role = emu.addRole({ name: 'Admin', trust: [user.arn], requireMfa: true })
  const bodies: Array<Record<string, unknown>> = []
  const hook = createServer((req, res) => {
    let d = ''
    req.on('data', (c) => (d += c))
    req.on('end', () => (bodies.push(JSON.parse(d) as Record<string, unknown>), res.end()))
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
  t.teardown(() => hook.close())
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  const serial = 'arn:aws:iam::123456789012:mfa/u'
  writeAws(
    sb,
    `[profile admin]\nrole_arn = ${role.arn}\nsource_profile = base\nmfa_serial = ${serial}\n`,
    `[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  )
  const cfg = join(sb.home, 'c.json')
  writeFileSync(
    cfg,
    JSON.stringify({
      profiles: [{ profile: 'admin', writeTo: 'app' }],
      alerts: { desktop: false, webhook: { url: `http://127.0.0.1:${(hook.address() as { port: number }).port}/h` } },
    }),
  )
  const d = runCli(['run', '--config', cfg, '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())

  t.ok(await until(async () => bodies.some((b) => b.event === 'mfa-required'), 10_000), d.output())
  t.match(
    bodies.find((b) => b.event === 'mfa-required')!,
    { profile: 'admin', fix: /aws-credd mfa admin CODE/ },
  )

  const bad = runCli(['mfa', 'admin', '12345'], sb.env)
  t.equal((await bad.exited).code, 2, 'five digits are refused before asking the daemon')
  const other = runCli(['mfa', 'base', '123456'], sb.env)
  t.equal((await other.exited).code, 1)
  t.match(other.output(), /profile "base" is not kept by this daemon/)

  const ok = runCli(['mfa', 'admin', '123456'], sb.env)
  t.equal((await ok.exited).code, 0, ok.output())
  t.ok(
    await until(async () => (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id?.startsWith('ASIA') === true, 5000),
    d.output(),
  )
  const gst = emu.calls.filter((c) => c.action === 'GetSessionToken' && c.status === 200).length
  t.equal(gst, 1, 'one MFA session')
  const first = (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id
  // 10-second credentials: a renewal comes within ~6 s, from the MFA session, without a new code.
  t.ok(
    await until(async () => (await sectionOf(sb.credentialsFile, 'app'))?.aws_access_key_id !== first, 20_000),
    'renewed without a new code',
  )
  t.ok(
    bodies.some((b) => b.event === 'recovered'),
    'recovered after the code',
  )
})

t.test('`aws-credd mfa` with no daemon running says so (exit 3)', async (t) => {
  const sb = sandbox(t.testdir({}))
  const r = runCli(['mfa', 'admin', '123456'], sb.env)
  t.equal((await r.exited).code, 3)
  t.match(r.output(), /no aws-credd daemon is running/)
})

t.test('a second daemon for the same user refuses to start', async (t) => {
  const sb = sandbox(t.testdir({}))
  writeAws(sb, '[default]\nregion = us-east-1\n')
  const first = runCli(['run', '--log-format', 'text'], sb.env)
  t.teardown(() => first.stop())
  await first.waitFor(/no profiles with temporary credentials/, 10_000)
  const second = runCli(['run', '--log-format', 'text'], sb.env)
  const done = await second.exited
  t.equal(done.code, 1)
  t.match(second.output(), new RegExp(`another aws-credd \\(pid ${first.child.pid}\\) is already running for this user`))
})
