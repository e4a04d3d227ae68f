// The running daemon serving real clients: zero-config serves every temporary
// profile on the container endpoint (nothing written to the credentials file),
// botocore and the JS SDK sign calls with what it serves, and the IMDSv2 endpoint
// serves the profile configured as the instance role.
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, statSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fromHttp } from '@aws-sdk/credential-providers'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { startEmulator, type Emulator } from '../../src/emulator/emulator.js'
import { askDaemon, controlSocketPath } from '../../src/cli/control-client.js'
import { awsTime, writeSsoToken } from '../helpers/aws-fixtures.js'
import { runCli, sandbox, until, writeAws, type Sandbox } from '../helpers/sandbox.js'
import { cleanPythonEnv } from '../helpers/python.js'

const START = 'https://example.awsapps.com/start'

const sample = (emu: Emulator, sb: Sandbox) => {
  const user = emu.addUser('dev-user')
  const role = emu.addRole({ name: 'Deploy', trust: [user.arn] })
  emu.addSsoAccountRole('123456789012', 'Dev')
  writeAws(
    sb,
    `[profile deploy]\nrole_arn = ${role.arn}\nsource_profile = keys\n\n[profile sso-dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\n[sso-session corp]\nsso_start_url = ${START}\nsso_region = us-east-1\n\n[profile settings-only]\nregion = eu-west-1\n`,
    `[keys]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  )
  const tok = emu.issueSsoAccessToken()
  writeSsoToken(sb.ssoCacheDir, 'corp', {
    startUrl: START,
    region: 'us-east-1',
    accessToken: tok.accessToken,
    expiresAt: awsTime(tok.expiresAt),
  })
}

const python = (script: string, env: NodeJS.ProcessEnv): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile('python3', ['-c', script], { env }, (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out.trim()),
    ),
  )

/** botocore with nothing but the given credential variables, calling the emulator's STS. */
const botocoreArn = (emu: Emulator, sb: Sandbox, vars: Record<string, string>): Promise<string> => {
  const env = cleanPythonEnv(sb.home, {
    AWS_CONFIG_FILE: join(sb.home, 'empty'),
    AWS_SHARED_CREDENTIALS_FILE: join(sb.home, 'empty'),
    ...vars,
  })
  writeFileSync(join(sb.home, 'empty'), '')
  return python(`import boto3\nprint(boto3.client('sts', endpoint_url='${emu.url}').get_caller_identity()['Arn'])`, env)
}

t.test('zero-config: every temporary profile on the container endpoint, credentials file untouched', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  sample(emu, sb)
  const credsBefore = readFileSync(sb.credentialsFile, 'utf8')
  const d = runCli(['run', '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  await d.waitFor(/container endpoint on http:\/\/127\.0\.0\.1:\d+: point an app at it with AWS_CONTAINER_CREDENTIALS_FULL_URI=/, 10_000)
  const socket = controlSocketPath(sb.env)
  let status: Record<string, unknown> = {}
  t.ok(
    await until(async () => {
      const a = await askDaemon(socket, 'GET', '/v1/status')
      if (a.status !== 200) return false
      status = a.body
      const profiles = a.body.profiles as Array<{ health: string }>
      return profiles.length > 0 && profiles.every((p) => p.health === 'fresh')
    }, 10_000),
    'all profiles fresh',
  )
  t.same((status.profiles as Array<{ profile: string }>).map((p) => p.profile).sort(), ['deploy', 'sso-dev'], 'temporary profiles only')
  const ep = status.containerEndpoint as { url: string; tokenFile: string }
  t.equal(statSync(ep.tokenFile).mode & 0o777, 0o600)
  const token = readFileSync(ep.tokenFile, 'utf8')
  t.notMatch(token, /\n/, 'no trailing newline')

  t.match(
    await botocoreArn(emu, sb, {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ep.url}/v1/credentials/deploy`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: ep.tokenFile,
    }),
    /assumed-role\/Deploy\//,
    'botocore, role chain',
  )
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: emu.url,
    credentials: fromHttp({ awsContainerCredentialsFullUri: `${ep.url}/v1/credentials/sso-dev`, awsContainerAuthorizationToken: token }),
  })
  t.match((await sts.send(new GetCallerIdentityCommand({}))).Arn, /assumed-role\/AWSReservedSSO_Dev/, 'JS SDK, SSO profile')

  const refused = await fetch(`${ep.url}/v1/credentials/deploy`, { headers: { authorization: 'wrong' } })
  t.equal(refused.status, 401, 'a token nobody issued is refused')
  const unknown = await fetch(`${ep.url}/v1/credentials/keys`, { headers: { authorization: token } })
  t.equal(unknown.status, 404, 'long-term keys are not a kept profile')
  t.equal(readFileSync(sb.credentialsFile, 'utf8'), credsBefore, 'credentials file untouched')
  t.notOk(existsSync(join(sb.home, '.aws', 'credentials.lock')))
})

t.test('IMDSv2 endpoint: botocore as on an instance; v1 requests refused', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  sample(emu, sb)
  const cfg = join(sb.home, 'c.json')
  writeFileSync(
    cfg,
    JSON.stringify({
      profiles: [{ profile: 'deploy' }],
      imds: { listen: '127.0.0.1:0', profile: 'deploy' },
      metrics: { listen: '127.0.0.1:0' },
      alerts: { desktop: false },
    }),
  )
  const d = runCli(['run', '--config', cfg, '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  const line = await d.waitFor(/IMDSv2 endpoint on (http:\/\/127\.0\.0\.1:\d+)/, 10_000)
  const url = /IMDSv2 endpoint on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1]!
  await d.waitFor(/\[deploy\] obtained/, 10_000)
  t.match(
    await botocoreArn(emu, sb, { AWS_EC2_METADATA_SERVICE_ENDPOINT: url, AWS_EC2_METADATA_V1_DISABLED: 'true' }),
    /assumed-role\/Deploy\//,
  )
  // Node's fetch: a program that uses it is served like the SDKs (no token here: refused as IMDSv1).
  const v1 = await fetch(`${url}/latest/meta-data/iam/security-credentials/`)
  t.equal(v1.status, 401)
  const browser = await fetch(`${url}/latest/meta-data/iam/security-credentials/`, { headers: { 'sec-fetch-site': 'cross-site' } })
  t.equal(browser.status, 403, 'a browser is refused')

  const metricsUrl = /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(d.output())![1]!
  t.equal((await fetch(`${metricsUrl}/readyz`)).status, 200, 'ready: the one profile was resolved')
  const text = await (await fetch(`${metricsUrl}/metrics`)).text()
  t.match(text, /aws_credd_credentials_expiry_seconds\{profile="deploy"\} \d+/)
  t.match(text, /aws_credd_endpoint_requests_total\{endpoint="imds",status="401"\} 1/)
  t.match(text, /aws_credd_renewals_total\{profile="deploy"\} [1-9]/)
})

t.test('the AWS CLI authenticates through credential_process = aws-credd process PROFILE', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  sample(emu, sb)
  const d = runCli(['run', '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  await d.waitFor(/\[deploy\] obtained/, 10_000)
  const cli = join(process.cwd(), 'dist', 'cli', 'main.js')
  const config =
    readFileSync(sb.configFile, 'utf8') +
    `\n[profile via-process]\ncredential_process = ${process.execPath} ${cli} process deploy\nregion = us-east-1\n`
  writeFileSync(sb.configFile, config)
  const env: NodeJS.ProcessEnv = { ...sb.env, AWS_PROFILE: 'via-process' }
  delete env.AWS_ENDPOINT_URL // the CLI v1 does not read it: pass the emulator explicitly
  const arn = await new Promise<string>((resolve, reject) =>
    execFile(
      'aws',
      ['sts', 'get-caller-identity', '--endpoint-url', emu.url, '--query', 'Arn', '--output', 'text'],
      { env },
      (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out.trim())),
    ),
  )
  t.match(arn, /assumed-role\/Deploy\//)
  const served = emu.calls.filter((c) => c.action === 'AssumeRole').length
  t.equal(served, 1, 'the credentials came from the daemon: no second AssumeRole')
})

t.test('what is exposed is said once; /metrics behind a bearer token file, health checks open and name-free', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  sample(emu, sb)
  const cfg = join(sb.home, 'c.json')
  const tokenFile = join(sb.home, 'metrics-token')
  writeFileSync(
    cfg,
    JSON.stringify({
      profiles: [{ profile: 'deploy' }],
      imds: { listen: '127.0.0.1:0', profile: 'deploy' },
      // 0.0.0.0: reachable from other machines, so one warning saying what they can read.
      metrics: { listen: '0.0.0.0:0', tokenFile },
      alerts: { desktop: false },
    }),
  )
  const d = runCli(['run', '--config', cfg, '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  const metricsLine = await d.waitFor(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/, 10_000)
  const metricsUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(metricsLine)![1]!
  await d.waitFor(/\[deploy\] obtained/, 10_000)
  const out = d.output()
  const imdsWarnings = out
    .split('\n')
    .filter((l) =>
      /IMDS endpoint on 127\.0\.0\.1:\d+ serves profile "deploy" to ANY local user or process that can connect \(IMDS has no authentication\); use the container endpoint with its token where that matters/.test(
        l,
      ),
    )
  t.equal(imdsWarnings.length, 1, 'one IMDS warning')
  t.match(imdsWarnings[0], /warn/i)
  const metricsWarnings = out.split('\n').filter((l) => /metrics endpoint on 0\.0\.0\.0:\d+, which other machines can reach/.test(l))
  t.equal(metricsWarnings.length, 1, 'one metrics warning')
  t.match(
    metricsWarnings[0],
    new RegExp(
      `/metrics \\(every kept profile and SSO session name, their expiry and health\\) needs the bearer token in ${tokenFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`,
    ),
  )
  t.notMatch(
    out,
    /which other machines can reach: anyone who can connect there can ask for credentials/,
    'not also the generic listener warning',
  )

  t.equal(statSync(tokenFile).mode & 0o777, 0o600, 'the missing token file was created 0600')
  const token = readFileSync(tokenFile, 'utf8')
  t.equal((await fetch(`${metricsUrl}/metrics`)).status, 401, 'no token')
  t.equal(
    (await fetch(`${metricsUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status,
    403,
    'wrong token',
  )
  // Prometheus' scrape config `authorization: { credentials_file: FILE }` sends "Bearer <file content>".
  const scrape = await fetch(`${metricsUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(scrape.status, 200)
  t.match(await scrape.text(), /aws_credd_credentials_expiry_seconds\{profile="deploy"\} \d+/)
  const ready = await fetch(`${metricsUrl}/readyz`)
  t.equal(ready.status, 200, '/readyz open without a token')
  t.notMatch(await ready.text(), /deploy|corp|sso-dev/)
  const health = await fetch(`${metricsUrl}/healthz`)
  t.equal(health.status, 200, '/healthz open without a token')
  t.notMatch(await health.text(), /deploy|corp|sso-dev/)
})
