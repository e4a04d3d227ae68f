// The SSO token keeper end to end: the built daemon against the project's
// emulator (SSO, SSO-OIDC, STS on loopback), alerts caught by a local webhook,
// and botocore reading the cache file aws-credd wrote.
import t, { type Test as Tap } from 'tap'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../src/emulator/emulator.js'
import { awsTime, writeSsoToken } from '../helpers/aws-fixtures.js'
import { runCli, sandbox, until, writeAws, type Sandbox } from '../helpers/sandbox.js'

const START = 'https://example.awsapps.com/start'
const CONFIG = `[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = ${START}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n`

interface Hook {
  url: string
  bodies: Array<Record<string, unknown>>
  close: () => Promise<void>
}
const webhook = async (): Promise<Hook> => {
  const bodies: Array<Record<string, unknown>> = []
  const server = createServer((req, res) => {
    let data = ''
    req.on('data', (c) => (data += c))
    req.on('end', () => {
      bodies.push(JSON.parse(data) as Record<string, unknown>)
      res.end('ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}/hooks/T000/B000/XXXX`, bodies, close: () => new Promise((r) => server.close(() => r())) }
}

/** A token from the emulator's OIDC with a refresh token, as `aws sso login` would leave it. */
const loggedIn = (emu: Emulator, sb: Sandbox, expiresInSeconds: number) => {
  const client = emu.registerOidcClient()
  const refreshToken = emu.issueRefreshToken(client.clientId)
  const tok = emu.issueSsoAccessToken({ expiresInSeconds })
  writeSsoToken(sb.ssoCacheDir, 'corp', {
    startUrl: START,
    region: 'us-east-1',
    accessToken: tok.accessToken,
    expiresAt: awsTime(expiresInSeconds > 0 ? tok.expiresAt : Date.now() + expiresInSeconds * 1000),
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    registrationExpiresAt: awsTime(client.expiresAt),
    refreshToken,
  })
  return { refreshToken }
}

const cacheFile = (sb: Sandbox): string => join(sb.ssoCacheDir, `${createHash('sha1').update('corp').digest('hex')}.json`)

const botocoreCallerIdentity = (sb: Sandbox, emu: Emulator): Promise<string> =>
  new Promise((resolve, reject) => {
    const script = `import boto3\ns = boto3.Session(profile_name='dev')\nprint(s.client('sts', endpoint_url='${emu.url}').get_caller_identity()['Arn'])`
    execFile(
      'python3',
      ['-c', script],
      { env: { ...sb.env, AWS_ENDPOINT_URL_SSO: emu.url, AWS_ENDPOINT_URL_SSO_OIDC: emu.url } },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim())),
    )
  })

const setup = async (t: Tap, config: Record<string, unknown> = {}) => {
  const emu = await startEmulator({ accessTokenLifetimeSeconds: 3600 })
  t.teardown(() => emu.close())
  emu.addSsoAccountRole('123456789012', 'Dev')
  const hook = await webhook()
  t.teardown(() => hook.close())
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  writeAws(sb, CONFIG)
  const cfg = join(sb.home, 'c.json')
  writeFileSync(cfg, JSON.stringify({ ...config, alerts: { desktop: false, webhook: { url: hook.url }, ...(config.alerts as object) } }))
  return { emu, hook, sb, cfg }
}

t.test('a token with 60 s left is refreshed, written back as the CLI writes it, and botocore uses it', async (t) => {
  const { emu, sb, cfg } = await setup(t)
  loggedIn(emu, sb, 60)
  const before = readFileSync(cacheFile(sb), 'utf8')
  const d = runCli(['run', '--config', cfg, '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  await d.waitFor(/SSO session "corp": token refreshed/, 10_000)
  const text = readFileSync(cacheFile(sb), 'utf8')
  t.not(text, before)
  const tok = JSON.parse(text) as Record<string, string>
  t.match(
    text,
    /^\{"startUrl": "https:\/\/example\.awsapps\.com\/start", "region": "us-east-1", "accessToken": "/,
    'python json.dumps layout, CLI key order',
  )
  t.match(tok.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'no fractional seconds')
  t.ok(Date.parse(tok.expiresAt) - Date.now() > 50 * 60_000, 'an hour-long token now')
  t.equal(statSync(cacheFile(sb)).mode & 0o777, 0o600)
  t.match(await botocoreCallerIdentity(sb, emu), /^arn:aws:sts::123456789012:assumed-role\/AWSReservedSSO_Dev/)
  t.notMatch(d.output(), tok.accessToken, 'the token is never logged')
  t.notMatch(d.output(), tok.refreshToken)
})

t.test('revoked refresh token: relogin-required webhook, then a fresh login recovers within 2 s', async (t) => {
  const { emu, sb, cfg, hook } = await setup(t)
  const { refreshToken } = loggedIn(emu, sb, -60)
  emu.revokeRefreshToken(refreshToken)
  const d = runCli(['run', '--config', cfg, '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  t.ok(await until(async () => hook.bodies.some((b) => b.event === 'relogin-required'), 20_000), 'relogin-required arrives')
  const alert = hook.bodies.find((b) => b.event === 'relogin-required')!
  t.match(alert, { ssoSession: 'corp', profiles: ['dev'], text: /corp/ })
  t.match(String(alert.text), /aws-credd login --sso-session corp/)
  const oidcCalls = () => emu.calls.filter((c) => c.service === 'oidc').length
  const refusedAt = oidcCalls()
  await new Promise((r) => setTimeout(r, 3000))
  t.equal(oidcCalls(), refusedAt, 'no hammering while waiting for a person')
  t.match(d.output(), /profile "dev"/, 'the profile says why it has no credentials')
  const t0 = Date.now()
  loggedIn(emu, sb, 3600)
  await d.waitFor(/\[dev\] (obtained|renewed|recovered)/, 5000)
  t.ok(Date.now() - t0 < 2000, `credentials back in ${Date.now() - t0} ms`)
  t.ok(await until(async () => hook.bodies.some((b) => b.event === 'recovered'), 3000), 'recovered sent')
})

t.test('sso.deviceLogin "alert": the webhook gets a link; approving it restores credentials with no command typed', async (t) => {
  const { emu, sb, cfg, hook } = await setup(t, { sso: { deviceLogin: 'alert' } })
  const d = runCli(['run', '--config', cfg, '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  t.ok(await until(async () => hook.bodies.some((b) => b.event === 'login-started'), 10_000), 'login-started arrives')
  const alert = hook.bodies.find((b) => b.event === 'login-started')!
  t.match(alert.verificationUriComplete, new RegExp(`^${emu.url}/device\\?user_code=`))
  t.match(String(alert.text), String(alert.verificationUriComplete), 'the link is in the text Slack shows')
  // The person taps the link on a phone (the emulator approves on GET).
  const res = await fetch(String(alert.verificationUriComplete))
  t.equal(res.status, 200)
  await d.waitFor(/\[dev\] (obtained|recovered)/, 10_000)
  t.ok(await until(async () => hook.bodies.some((b) => b.event === 'recovered'), 3000), 'recovered sent')
  const tok = JSON.parse(readFileSync(cacheFile(sb), 'utf8')) as Record<string, string>
  t.ok(tok.refreshToken && tok.clientId, 'the token is kept alive from now on')
})

t.test('aws-credd login writes a cache file botocore accepts (browser opened through $BROWSER)', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  emu.addSsoAccountRole('123456789012', 'Dev')
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  writeAws(sb, CONFIG)
  // A "browser" that approves the code by opening the link, as a person would.
  const browser = join(sb.home, 'browser.sh')
  writeFileSync(browser, '#!/bin/sh\nexec curl -s -o /dev/null "$1"\n', { mode: 0o755 })
  const login = runCli(['login', '--sso-session', 'corp'], { ...sb.env, BROWSER: browser })
  const done = await login.exited
  t.equal(done.code, 0, login.output())
  t.match(login.output(), /Attempting to open your default browser/)
  t.match(login.output(), /Successfully logged into Start URL: https:\/\/example\.awsapps\.com\/start/)
  t.equal(statSync(cacheFile(sb)).mode & 0o777, 0o600)
  t.match(await botocoreCallerIdentity(sb, emu), /assumed-role\/AWSReservedSSO_Dev/)
  const text = readFileSync(cacheFile(sb), 'utf8')
  const tok = JSON.parse(text) as Record<string, string>
  t.same(Object.keys(tok), [
    'startUrl',
    'region',
    'accessToken',
    'expiresAt',
    'clientId',
    'clientSecret',
    'registrationExpiresAt',
    'refreshToken',
  ])
  t.notMatch(login.output(), tok.accessToken, 'the token is not printed')

  // A second login reuses the cached registration (no RegisterClient).
  const registers = () => emu.calls.filter((c) => c.action === 'RegisterClient').length
  const before = registers()
  const again = runCli(['login', '--profile', 'dev'], { ...sb.env, BROWSER: browser })
  t.equal((await again.exited).code, 0, again.output())
  t.equal(registers(), before, 'registration reused')
})

t.test('aws-credd login names the sessions it knows when asked for another', async (t) => {
  const sb = sandbox(t.testdir({}))
  writeAws(sb, CONFIG)
  const login = runCli(['login', '--sso-session', 'nope'], sb.env)
  t.equal((await login.exited).code, 2)
  t.match(login.output(), /cannot find SSO session "nope"; known: --sso-session corp/)
})
