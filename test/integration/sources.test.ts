// Each kind of source a profile can name, through the built daemon, against
// the emulator: SSO (session and legacy), web identity, credential_process.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/emulator.js'
import { awsTime, sectionOf, writeSsoToken } from '../helpers/aws-fixtures.js'
import { runCli, runTool, sandbox, until, writeAws } from '../helpers/sandbox.js'

const START = 'https://example.awsapps.com/start'

const ssoConfig = `[profile dev-sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Dev
region = us-east-1

[sso-session corp]
sso_start_url = ${START}
sso_region = us-east-1
`

t.test(
  'an sso_session profile is served from the token cache; an expired login is a permanent error until the cache changes',
  async (t) => {
    const emu = await startEmulator({ credentialLifetimeSeconds: 30 })
    t.teardown(() => emu.close())
    emu.addSsoAccountRole('123456789012', 'Dev')
    const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
    writeAws(sb, ssoConfig)
    writeSsoToken(sb.ssoCacheDir, 'corp', {
      startUrl: START,
      region: 'us-east-1',
      accessToken: 'expired-token-value-000',
      expiresAt: awsTime(Date.now() - 60_000),
    })
    const config = join(sb.home, 'c.json')
    writeFileSync(config, JSON.stringify({ profiles: [{ profile: 'dev-sso', writeTo: 'dev' }] }))

    const d = runCli(['run', '--config', config, '--log-format', 'text'], sb.env)
    t.teardown(() => d.stop())
    await d.waitFor(/SSO session "corp" expired.*aws sso login --sso-session corp/)
    await new Promise((r) => setTimeout(r, 1500))
    t.equal(emu.calls.filter((c) => c.service === 'sso').length, 0, 'no portal call with an expired token')
    t.equal((d.output().match(/SSO session "corp" expired/g) ?? []).length, 1, 'reported once')

    // The user runs `aws sso login`: a new token lands in the cache.
    const fresh = emu.issueSsoAccessToken({ expiresInSeconds: 3600 })
    const wrote = Date.now()
    writeSsoToken(sb.ssoCacheDir, 'corp', {
      startUrl: START,
      region: 'us-east-1',
      accessToken: fresh.accessToken,
      expiresAt: awsTime(fresh.expiresAt),
    })
    t.ok(await until(async () => (await sectionOf(sb.credentialsFile, 'dev'))?.aws_session_token !== undefined, 5000), '[dev] written')
    t.ok(Date.now() - wrote < 4000, `credentials back ${Date.now() - wrote}ms after the login (requirement 2 s; bound loose for loaded CI)`)

    const cli = await runTool('aws', ['sts', 'get-caller-identity', '--profile', 'dev'], sb.env)
    t.equal(cli.code, 0, cli.stderr)
    t.notOk(d.output().includes(fresh.accessToken), 'the SSO token is never logged')
  },
)

t.test('a legacy sso_start_url profile reads the cache keyed by the start URL', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  emu.addSsoAccountRole('123456789012', 'Legacy')
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  writeAws(sb, `[profile old]\nsso_start_url = ${START}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Legacy\n`)
  const tok = emu.issueSsoAccessToken()
  writeSsoToken(sb.ssoCacheDir, START, {
    startUrl: START,
    region: 'us-east-1',
    accessToken: tok.accessToken,
    expiresAt: awsTime(tok.expiresAt),
  })
  writeFileSync(join(sb.home, 'c.json'), JSON.stringify({ profiles: [{ profile: 'old', writeTo: 'old-keys' }] }))
  const d = runCli(['run', '--config', join(sb.home, 'c.json')], sb.env)
  t.teardown(() => d.stop())
  t.ok(await until(async () => (await sectionOf(sb.credentialsFile, 'old-keys'))?.aws_access_key_id !== undefined), 'written')
})

t.test('web_identity_token_file is re-read at every renewal', async (t) => {
  const emu = await startEmulator({ credentialLifetimeSeconds: 8 })
  t.teardown(() => emu.close())
  const role = emu.addRole({ name: 'Pod' })
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  const tokenFile = join(sb.home, 'token')
  writeFileSync(tokenFile, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJvbmUifQ.sig1')
  writeAws(sb, `[profile pod]\nrole_arn = ${role.arn}\nweb_identity_token_file = ${tokenFile}\n`)
  writeFileSync(join(sb.home, 'c.json'), JSON.stringify({ profiles: [{ profile: 'pod', writeTo: 'pod-keys' }] }))
  const d = runCli(['run', '--config', join(sb.home, 'c.json')], sb.env)
  t.teardown(() => d.stop())
  t.ok(await until(() => emu.webIdentityTokens.length === 1), 'first token used')
  writeFileSync(tokenFile, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0d28ifQ.sig2') // Kubernetes rotated it
  t.ok(await until(() => emu.webIdentityTokens.length >= 2, 10_000), 'renewed')
  t.equal(emu.webIdentityTokens.at(-1), 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0d28ifQ.sig2', 'with the rotated token')
})

t.test('credential_process output is cached until near its Expiration, then run again', async (t) => {
  const sb = sandbox(t.testdir({}))
  const counter = join(sb.home, 'count')
  const script = join(sb.home, 'proc.mjs')
  writeFileSync(
    script,
    `import { readFileSync, writeFileSync } from 'node:fs'
let n = 0; try { n = Number(readFileSync(${JSON.stringify(counter)}, 'utf8')) } catch {}
writeFileSync(${JSON.stringify(counter)}, String(n + 1))
console.log(JSON.stringify({ Version: 1, AccessKeyId: 'ASIAPROCESS' + String(n).padStart(9, '0'), SecretAccessKey: 'processSecret' + n + 'xxxxxxxxxxxxxxxxxxxxxxxxx', SessionToken: 'processToken' + n + 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyy', Expiration: new Date(Date.now() + 10000).toISOString() }))
`,
  )
  writeAws(sb, `[profile proc]\ncredential_process = ${process.execPath} ${script}\n`)
  writeFileSync(join(sb.home, 'c.json'), JSON.stringify({ profiles: [{ profile: 'proc', writeTo: 'proc-keys' }] }))
  const d = runCli(['run', '--config', join(sb.home, 'c.json')], sb.env)
  t.teardown(() => d.stop())
  t.ok(
    await until(async () => (await sectionOf(sb.credentialsFile, 'proc-keys'))?.aws_access_key_id === 'ASIAPROCESS000000000'),
    'first run written',
  )
  t.ok(
    await until(async () => (await sectionOf(sb.credentialsFile, 'proc-keys'))?.aws_access_key_id === 'ASIAPROCESS000000001', 10_000),
    'run again before expiry',
  )
  await d.stop()
  t.notOk(/processSecret|processToken/.test(d.output()), 'process secrets never logged')
})
