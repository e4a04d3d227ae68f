// `aws-credd doctor` as a person runs it: the built CLI in a throwaway HOME, for the
// five must-have diagnoses (cause, fix, exit status), a clean setup, --json,
// --profile, clock skew and dead endpoints against the emulator, file modes.
// Network checks run only where the endpoints point at the emulator or a closed
// port; everywhere else --no-network keeps the tests off real AWS.
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { controlSocketPath } from '../../src/cli/control-client.js'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { startEmulator } from '../../src/emulator/emulator.js'
import { startControlServer } from '../../src/serve/control-server.js'
import { ensureRuntimeDir } from '../../src/serve/runtime-dir.js'
import { runCli, sandbox, writeAws, type Sandbox } from '../helpers/sandbox.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE'
const SSO_TOKEN = 'aoaAAAAAGEXAMPLESSOACCESSTOKEN'
const ENV_KEY = 'AKIAENVKEY000000AAAA'
const PROFILE_KEY = 'AKIAPROFILEKEY00BBBB'
const TEMP_KEY = 'ASIAOLDKEY000000CCCC'
const keys = (id: string, extra = '') => `aws_access_key_id = ${id}\naws_secret_access_key = ${SECRET}\n${extra}`

const box = (t: Test): Sandbox => sandbox(t.testdir({}))

const doctor = async (
  t: Test,
  sb: Sandbox,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; out: string }> => {
  const merged: NodeJS.ProcessEnv = { ...sb.env, ...env }
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k]
  const run = runCli(['doctor', ...args], merged)
  const { code } = await run.exited
  const out = run.output()
  // Whatever the case: no secret, no token, no whole key id.
  for (const s of [SECRET, TOKEN, SSO_TOKEN]) t.notOk(out.includes(s), 'no secret in the output')
  t.notMatch(out, /A[KS]IA[A-Z0-9]{16}/, 'key ids are masked')
  return { code, out }
}

/** A port nothing listens on: bound once, then closed. */
const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

t.test('1. env keys shadowing AWS_PROFILE: warning, both behaviours, the fix; exit 1', async (t) => {
  const sb = box(t)
  writeAws(sb, '[profile dev]\nregion = us-east-1\n', `[dev]\n${keys(PROFILE_KEY)}`)
  const { code, out } = await doctor(t, sb, ['--no-network'], {
    AWS_PROFILE: 'dev',
    AWS_ACCESS_KEY_ID: ENV_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET,
  })
  t.equal(code, 1)
  t.match(
    out,
    /^ {2}warning +AWS_ACCESS_KEY_ID \(AKIA…AAAA\) and AWS_PROFILE=dev are both set: botocore and the AWS CLI use the environment keys unless given --profile dev \(boto3: profile_name\), while the JS SDK v3 skips them and uses profile dev \("Multiple credential sources detected"\)\n {11}fix: unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN to use profile dev everywhere, or unset AWS_PROFILE to use the keys everywhere$/m,
  )
  t.match(out, /info +the JS SDK v3 \(default chain\) uses profile dev \(AWS_PROFILE\): static keys AKIA…BBBB \(long-term\)/)
  t.match(out, /info +botocore \(the AWS CLI, boto3\) uses the environment keys AWS_ACCESS_KEY_ID=AKIA…AAAA/)
  t.match(out, /\n1 warning, 0 errors \(\d+ notes\)\n$/)
})

t.test('2. an expired session token in the credentials file: error; exit 2', async (t) => {
  const sb = box(t)
  writeAws(
    sb,
    '[profile old]\nregion = us-east-1\n',
    `[old]\n${keys(TEMP_KEY, `aws_session_token = ${TOKEN}\nx_security_token_expires = 2024-05-01T10:00:00+00:00\n`)}`,
  )
  const { code, out } = await doctor(t, sb, ['--no-network'])
  t.equal(code, 2)
  t.match(
    out,
    new RegExp(
      `^Profile old\n {2}error +temporary keys ASIA…CCCC in \\[old\\] of ${sb.credentialsFile} expired \\d+ days ago, at 2024-05-01T10:00:00\\+00:00 \\(x_security_token_expires\\)\n {11}fix: delete the keys from \\[old\\] of ${sb.credentialsFile} or renew them`,
      'm',
    ),
  )
})

t.test('3. an expired SSO session: error with the login commands; exit 2', async (t) => {
  const sb = box(t)
  writeAws(
    sb,
    '[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n',
  )
  mkdirSync(sb.ssoCacheDir, { recursive: true, mode: 0o700 })
  const file = join(sb.ssoCacheDir, `${createHash('sha1').update('corp').digest('hex')}.json`)
  writeFileSync(
    file,
    JSON.stringify({
      startUrl: 'https://corp.awsapps.com/start',
      region: 'us-east-1',
      accessToken: SSO_TOKEN,
      expiresAt: '2024-01-01T00:00:00Z',
    }),
    { mode: 0o600 },
  )
  const { code, out } = await doctor(t, sb, ['--no-network'])
  t.equal(code, 2)
  t.match(
    out,
    /^SSO session corp\n {2}error +needs a login: the SSO access token expired and cannot be refreshed \(there is no refresh token\); the access token expired \d+ days ago, at 2024-01-01T00:00:00Z \(used by dev\)\n {11}fix: aws-credd login --sso-session corp \(or aws sso login --sso-session corp\)$/m,
  )
})

t.test('4. a writeTo section botocore shadows: error naming the provider and the fix; exit 2', async (t) => {
  const sb = box(t)
  writeAws(
    sb,
    '[profile base]\nregion = us-east-1\n[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\nregion = us-east-1\n[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/other\nsource_profile = base\nregion = us-east-1\n',
    `[base]\n${keys(PROFILE_KEY)}`,
  )
  const config = join(sb.home, 'credd.json')
  writeFileSync(config, JSON.stringify({ profiles: [{ profile: 'app', writeTo: 'dev' }] }))
  const { code, out } = await doctor(t, sb, ['--no-network', '--config', config])
  t.equal(code, 2)
  t.match(
    out,
    new RegExp(
      `^ {2}error +aws-credd writes profile app's keys to \\[dev\\] of ${sb.credentialsFile}, but \\[profile dev\\] of ${sb.configFile} also sets role_arn, source_profile: botocore and the AWS CLI use the assume-role provider for "dev", which comes before the credentials-file keys in botocore's chain, and so does the JS SDK v3 \\(it assumes role_arn before using static keys\\)\n {11}fix: choose another "writeTo" than "dev" in ${config}, or remove role_arn, source_profile from \\[profile dev\\] of ${sb.configFile}$`,
      'm',
    ),
  )
})

t.test('5. a profile without a region: warning with aws configure set; exit 1', async (t) => {
  const sb = box(t)
  writeAws(sb, '[profile nr]\noutput = json\n', `[nr]\n${keys(PROFILE_KEY)}`)
  const { code, out } = await doctor(t, sb, ['--no-network'], { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined })
  t.equal(code, 1)
  t.match(
    out,
    /^Profile nr\n(?: .*\n)* {2}warning +no region: not in \[profile nr\], and neither AWS_REGION nor AWS_DEFAULT_REGION is set; the AWS CLI and botocore stop with NoRegionError, the JS SDK v3 with "Region is missing"\n {11}fix: aws configure set region REGION --profile nr$/m,
  )
})

t.test('against the emulator', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const clean = (sb: Sandbox): void =>
    writeAws(
      sb,
      '[default]\nregion = us-east-1\n[profile app]\nregion = us-east-1\n',
      `[default]\n${keys(PROFILE_KEY)}[app]\n${keys('AKIAAPPKEY0000002222')}`,
    )

  t.test('a clean setup: the endpoint answers, the clock agrees; exit 0', async (t) => {
    const sb = box(t)
    clean(sb)
    const { code, out } = await doctor(t, sb, [], { AWS_ENDPOINT_URL: emu.url })
    t.equal(code, 0, out)
    t.match(
      out,
      new RegExp(
        `ok +the STS endpoint ${emu.url} \\(AWS_ENDPOINT_URL; used by profile default, profile app\\) answers; the clock agrees with it within \\d s`,
      ),
    )
    t.match(out, /info +no aws-credd daemon is running/)
    t.match(out, /\n0 warnings, 0 errors \(\d+ notes\)\n$/)
  })

  t.test('--json parses, and its exitCode is the exit status', async (t) => {
    const sb = box(t)
    clean(sb)
    chmodSync(sb.credentialsFile, 0o644)
    const { code, out } = await doctor(t, sb, ['--json'], { AWS_ENDPOINT_URL_STS: emu.url })
    const report = JSON.parse(out) as {
      findings: Array<{ code: string; severity: string; fix?: string; data?: Record<string, unknown> }>
      summary: Record<string, number>
      exitCode: number
    }
    t.equal(report.exitCode, code)
    t.equal(code, 1)
    t.same(report.summary.warnings, 1)
    t.match(
      report.findings.find((f) => f.code === 'clock-skew'),
      { severity: 'ok', data: { url: emu.url, service: 'sts' } },
    )
    t.match(
      report.findings.find((f) => f.code === 'file-mode'),
      { severity: 'warning', fix: `chmod 600 ${sb.credentialsFile}` },
    )
  })

  t.test('--profile limits the output to that profile', async (t) => {
    const sb = box(t)
    clean(sb)
    const { code, out } = await doctor(t, sb, ['--profile', 'app'], { AWS_ENDPOINT_URL_STS: emu.url })
    t.equal(code, 0)
    t.match(out, /^Profile app$/m)
    t.notMatch(out, /^Profile default$/m)
    t.match(out, /used by profile app\)/, 'only its endpoint was probed')
  })
  t.test('keys aws-credd wrote: ok while a daemon runs, a warning when none does', async (t) => {
    const sb = box(t)
    writeAws(
      sb,
      '[profile dev]\nregion = us-east-1\n',
      `[dev]\n# managed by aws-credd: profile app; these keys are replaced on every refresh\n${keys(TEMP_KEY, `aws_session_token = ${TOKEN}\n`)}`,
    )
    const without = await doctor(t, sb, [], { AWS_ENDPOINT_URL_STS: emu.url })
    t.equal(without.code, 1)
    t.match(
      without.out,
      /warning +temporary keys ASIA…CCCC in \[dev\] of .* were written by aws-credd, but no aws-credd runs to renew them \(no aws-credd daemon is running/,
    )
    t.match(without.out, /warning +no aws-credd daemon is running .*: the sections it writes are not renewed\n +fix: aws-credd run/)
    // A stand-in daemon on the sandbox's control socket.
    const socket = controlSocketPath(sb.env)
    await ensureRuntimeDir(dirname(socket))
    const daemon = await startControlServer(
      socket,
      { status: () => [200, { profiles: [], ssoSessions: [], pid: 4242 }], credentials: () => [404, {}], mfa: () => [400, {}] },
      secrets,
    )
    t.teardown(() => daemon.close())
    const withDaemon = await doctor(t, sb, [], { AWS_ENDPOINT_URL_STS: emu.url })
    t.equal(withDaemon.code, 0, withDaemon.out)
    t.match(withDaemon.out, /ok +aws-credd is running \(pid 4242\)/)
    t.match(withDaemon.out, /ok +temporary keys ASIA…CCCC in \[dev\] of .*, kept fresh by the running aws-credd/)
  })
})

t.test('an STS endpoint that does not answer: error naming it and the override; exit 2', async (t) => {
  const sb = box(t)
  writeAws(sb, '[default]\nregion = us-east-1\n', `[default]\n${keys(PROFILE_KEY)}`)
  const url = `http://127.0.0.1:${await closedPort()}`
  const { code, out } = await doctor(t, sb, [], { AWS_ENDPOINT_URL_STS: url })
  t.equal(code, 2)
  t.match(
    out,
    new RegExp(
      `^ {2}error +the STS endpoint ${url} \\(AWS_ENDPOINT_URL_STS; used by profile default\\) does not answer: ECONNREFUSED\n {11}fix: check that ${url} is up, or correct AWS_ENDPOINT_URL_STS$`,
      'm',
    ),
  )
})

t.test('a credentials file readable by others: warning with chmod 600 FILE; exit 1', async (t) => {
  const sb = box(t)
  writeAws(sb, '[default]\nregion = us-east-1\n', `[default]\n${keys(PROFILE_KEY)}`)
  chmodSync(sb.credentialsFile, 0o644)
  const { code, out } = await doctor(t, sb, ['--no-network'])
  t.equal(code, 1)
  t.match(
    out,
    new RegExp(
      `^ {2}warning +${sb.credentialsFile} is mode 644: other users can read your keys\n {11}fix: chmod 600 ${sb.credentialsFile}$`,
      'm',
    ),
  )
})

t.test('temporary keys with no recorded expiry: one signed GetCallerIdentity tells whether AWS still takes them', async (t) => {
  let now = Date.now()
  const emu = await startEmulator({ now: () => now, credentialLifetimeSeconds: 900 })
  t.teardown(() => emu.close())
  const user = emu.addUser('u')
  const role = emu.addRole({ name: 'R', trust: [user.arn] })
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: emu.url,
    credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
  })
  t.teardown(() => sts.destroy())
  const issued = async () => (await sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'pasted' }))).Credentials!
  const stale = await issued()
  const pasted = (c: typeof stale) =>
    `aws_access_key_id = ${c.AccessKeyId}\naws_secret_access_key = ${c.SecretAccessKey}\naws_session_token = ${c.SessionToken}\n`
  const run = async (sb: Sandbox, env: Record<string, string | undefined> = {}) => {
    const r = await doctor(t, sb, [], { AWS_ENDPOINT_URL: emu.url, ...env })
    for (const c of [stale])
      t.notOk(r.out.includes(c.SecretAccessKey!) || r.out.includes(c.SessionToken!), 'the pasted secrets stay out of the output')
    return r
  }

  const sb = box(t)
  writeAws(sb, '[profile old]\nregion = us-east-1\n', `[old]\n${pasted(stale)}`)
  const valid = await run(sb)
  t.match(
    valid.out,
    /warning +temporary keys ASIA…\w{4} in \[old\] of .*: STS accepts them now, but nothing says until when; once they expire/,
    'still good: a warning',
  )

  now += 3600_000 // the keys' 15 minutes are long gone
  const expired = await run(sb)
  t.equal(expired.code, 2)
  t.match(
    expired.out,
    /^Profile old\n {2}error +temporary keys ASIA…\w{4} in \[old\] of .* have expired: STS answered ExpiredToken \("The security token included in the request is expired"\)\n {11}fix: delete the keys from \[old\]/m,
  )

  // (one sandbox folder per test: each box below replaces the files of the one before)
  const envBox = box(t)
  writeAws(envBox, '[default]\nregion = us-east-1\n', '')
  const inEnv = await run(envBox, {
    AWS_ACCESS_KEY_ID: stale.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: stale.SecretAccessKey,
    AWS_SESSION_TOKEN: stale.SessionToken,
  })
  t.equal(inEnv.code, 2)
  t.match(inEnv.out, /error +the environment keys ASIA…\w{4} \(temporary\) have expired: STS answered ExpiredToken/)

  const made = box(t)
  writeAws(made, '[profile typo]\nregion = us-east-1\n', `[typo]\n${keys(TEMP_KEY, `aws_session_token = ${TOKEN}\n`)}`)
  const refused = await run(made)
  t.match(refused.out, /error +STS refuses the temporary keys ASIA…CCCC in \[typo\] of .* \(InvalidClientTokenId\)/)

  const offline = await doctor(t, made, ['--no-network'], { AWS_ENDPOINT_URL: emu.url })
  t.match(
    offline.out,
    /warning +temporary keys ASIA…CCCC in \[typo\] of .*: no expiry recorded with them/,
    '--no-network: no call, only the warning',
  )
  t.equal(
    emu.calls.filter((c) => c.action === 'GetCallerIdentity').length,
    4,
    'one call per run that had keys to check, none with --no-network',
  )
})

t.test('a long report reaches a slow pipe whole (the exit waits for stdout)', async (t) => {
  const sb = box(t)
  let config = ''
  for (let i = 0; i < 600; i++) config += `[profile p${i}]\nrole_arn = arn:aws:iam::123456789012:role/r${i}\nsource_profile = base\n`
  writeAws(sb, config, `[base]\n${keys(PROFILE_KEY)}`)
  const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'cli', 'main.js'), 'doctor', '--no-network', '--json'], {
    env: sb.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  child.stdout.pause() // nobody reads for a while: the pipe fills at 64 KiB
  await new Promise((r) => setTimeout(r, 1500))
  const chunks: Buffer[] = []
  child.stdout.on('data', (c: Buffer) => chunks.push(c))
  child.stdout.resume()
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)))
  const text = Buffer.concat(chunks).toString()
  t.ok(text.length > 65536, `more than one pipe's worth (${text.length} bytes)`)
  const report = JSON.parse(text) as { exitCode: number }
  t.equal(report.exitCode, code)
})

t.test('the runtime folder: which one and why, a temp folder open to others, an unsafe folder', async (t) => {
  type Report = {
    findings: Array<{ code: string; severity: string; message: string; fix?: string; data?: Record<string, unknown> }>
    exitCode: number
  }
  const uid = process.getuid!()
  // Short paths: a unix socket path has at most 107 bytes.
  const base = mkdtempSync(join(tmpdir(), 'credd-'))
  t.teardown(() => rmSync(base, { recursive: true, force: true }))
  const sb = box(t)
  writeAws(sb, '[default]\nregion = us-east-1\n')

  const clean = await doctor(t, sb, ['--no-network', '--json'])
  const dir = join(sb.env.XDG_RUNTIME_DIR!, 'aws-credd')
  t.match(
    (JSON.parse(clean.out) as Report).findings.find((f) => f.code === 'runtime-dir'),
    { severity: 'info', message: `runtime folder ${dir} (from XDG_RUNTIME_DIR) does not exist yet; aws-credd run creates it (mode 700)` },
  )

  mkdirSync(join(base, 'tmp'), { mode: 0o1777 })
  chmodSync(join(base, 'tmp'), 0o1777)
  const temp = join(base, 'tmp', `aws-credd-${uid}`)
  mkdirSync(temp)
  chmodSync(temp, 0o777)
  const state = join(base, 'state', 'aws-credd', 'run')
  const squat = await doctor(t, sb, ['--no-network', '--json'], {
    XDG_RUNTIME_DIR: undefined,
    TMPDIR: join(base, 'tmp'),
    XDG_STATE_HOME: join(base, 'state'),
  })
  const r = JSON.parse(squat.out) as Report
  t.equal(r.exitCode, 1, 'a warning')
  t.match(
    r.findings.find((f) => f.code === 'runtime-dir-squatted'),
    {
      severity: 'warning',
      message: `the temp runtime folder ${temp} is open to others (mode 777, expected 700): aws-credd uses ${state} instead`,
      fix: `chmod 700 ${temp}`,
    },
  )
  t.match(
    r.findings.find((f) => f.code === 'runtime-dir'),
    {
      message: `runtime folder ${state} (in the state folder, as XDG_RUNTIME_DIR is unset and the temp folder is not usable) does not exist yet; aws-credd run creates it (mode 700)`,
    },
  )

  mkdirSync(dir, { mode: 0o755 })
  chmodSync(dir, 0o755)
  const open = await doctor(t, sb, ['--no-network'])
  t.equal(open.code, 2)
  t.match(
    open.out,
    new RegExp(
      `^ {2}error +runtime folder ${dir} \\(from XDG_RUNTIME_DIR\\) is open to others \\(mode 755, expected 700\\): aws-credd run refuses it, and the commands refuse to talk to a daemon there\n {11}fix: chmod 700 ${dir}$`,
      'm',
    ),
  )
})
