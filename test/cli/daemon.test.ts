// status, process, env and exec against the built daemon (`node dist/cli/main.js run`)
// keeping an emulator-backed role: what a user sees with a daemon, after a profile
// breaks, and once the daemon is gone. exec runs boto3 as the command, which must end
// up as the role through the container endpoint even with user keys in its environment.
import t from 'tap'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { askDaemon, controlSocketPath } from '../../src/cli/control-client.js'
import { execute, type CommandIo } from '../../src/cli/command.js'
import { envCommand } from '../../src/cli/env.js'
import { execCommand } from '../../src/cli/exec.js'
import { processCommand } from '../../src/cli/process.js'
import { statusCommand } from '../../src/cli/status.js'
import { startEmulator } from '../../src/emulator/emulator.js'
import { runCli, runTool, sandbox, until, writeAws } from '../helpers/sandbox.js'

const capture = () => {
  const out: string[] = []
  const err: string[] = []
  const io: CommandIo = { stdout: (s) => void out.push(s), stderr: (l) => void err.push(l) }
  return { io, out: () => out.join(''), err }
}

/** The command in a process of its own, from dist (as `aws-credd process` would run). */
const processInChild = (profile: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  runTool(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      'const m = await import(process.argv[1]); const c = await import(process.argv[2]); process.exit(await c.execute(m.processCommand, { profile: process.argv[3] }))',
      join(process.cwd(), 'dist', 'cli', 'process.js'),
      join(process.cwd(), 'dist', 'cli', 'command.js'),
      profile,
    ],
    env,
  )

t.test('the commands against a running daemon, a broken profile, then no daemon', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('u')
  const role = emu.addRole({ name: 'Admin', trust: [user.arn] })
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  writeAws(
    sb,
    `[profile admin]\nrole_arn = ${role.arn}\nsource_profile = base\n`,
    `[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  )
  const d = runCli(['run', '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  const socket = controlSocketPath(sb.env)
  const served = async (): Promise<boolean> => (await askDaemon(socket, 'GET', '/v1/credentials/admin')).status === 200
  t.ok(await until(served, 15_000), d.output())

  t.test('status: exit 0 with the role fresh', async (t) => {
    const c = capture()
    t.equal(await execute(statusCommand, {}, { io: c.io, env: sb.env }), 0, c.out())
    t.match(c.out(), /^admin +assume-role ← static +fresh +\d+m/m)
  })

  t.test('process: the JSON the daemon holds, one line', async (t) => {
    const c = capture()
    t.equal(await execute(processCommand, { profile: 'admin' }, { io: c.io, env: sb.env }), 0)
    const body = JSON.parse(c.out()) as Record<string, unknown>
    t.match(body, {
      Version: 1,
      AccessKeyId: /^ASIA/,
      SecretAccessKey: /./,
      SessionToken: /./,
      Expiration: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    })
    const held = await askDaemon(socket, 'GET', '/v1/credentials/admin')
    t.same(body, 'body' in held ? held.body : held, "the daemon's credentials, not new ones")
    t.equal(c.out().split('\n').length, 2, 'one line')
    t.same(c.err, [])
  })

  t.test('botocore takes the output as credential_process', async (t) => {
    // A config only python sees, so the daemon does not keep `viaproc` itself.
    const entry = join(sb.home, 'credd-process.mjs')
    writeFileSync(
      entry,
      `const m = await import(${JSON.stringify(join(process.cwd(), 'dist', 'cli', 'process.js'))}); const c = await import(${JSON.stringify(join(process.cwd(), 'dist', 'cli', 'command.js'))}); process.exit(await c.execute(m.processCommand, { profile: process.argv[2] }))\n`,
    )
    const alt = join(sb.home, 'python-config')
    writeFileSync(alt, `[profile viaproc]\ncredential_process = ${process.execPath} ${entry} admin\n`)
    const script = `import boto3\nprint(boto3.Session(profile_name='viaproc').client('sts').get_caller_identity()['Arn'])`
    const r = await runTool('python3', ['-c', script], { ...sb.env, AWS_CONFIG_FILE: alt })
    t.equal(r.code, 0, r.stderr)
    t.match(r.stdout, /^arn:aws:sts::\d+:assumed-role\/Admin\//)
  })

  t.test('process: a profile the daemon does not keep (long-term keys) is read here', async (t) => {
    const c = capture()
    t.equal(await execute(processCommand, { profile: 'base' }, { io: c.io, env: sb.env }), 0, c.err.join('\n'))
    t.match(JSON.parse(c.out()), { Version: 1, AccessKeyId: user.accessKeyId })
  })

  t.test('process: an undefined profile is exit 1 with one line', async (t) => {
    const c = capture()
    t.equal(await execute(processCommand, { profile: 'ghost' }, { io: c.io, env: sb.env }), 1)
    t.equal(c.err.length, 1)
    t.match(c.err[0], /profile "ghost" is not defined .*; fix: /)
  })

  const status = await askDaemon(socket, 'GET', '/v1/status')
  const endpoint = status.status === 200 ? (status.body.containerEndpoint as { url: string; tokenFile: string } | undefined) : undefined
  t.ok(endpoint, 'the daemon serves the container endpoint')

  t.test('env: the endpoint the daemon serves, with a token that opens the profile alone', async (t) => {
    const c = capture()
    t.equal(await execute(envCommand, { profile: 'admin', format: 'json' }, { io: c.io, env: sb.env }), 0, c.err.join('\n'))
    const tokenFile = join(dirname(socket), 'grants', 'env.admin.token')
    t.same(JSON.parse(c.out()), {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint?.url}/v1/credentials/admin`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      unset: [
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'AWS_PROFILE',
        'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
        'AWS_CONTAINER_AUTHORIZATION_TOKEN',
      ],
    })
    const token = readFileSync(tokenFile, 'utf8')
    t.not(token, readFileSync(endpoint!.tokenFile, 'utf8'), "not the owner's token")
    t.equal((await fetch(`${endpoint?.url}/v1/credentials/admin`, { headers: { authorization: token } })).status, 200)
  })

  t.test('exec: boto3 as the command is the role, though user keys were in the environment', async (t) => {
    const out = join(sb.home, 'arn.txt')
    const script = `import boto3, sys\nopen(sys.argv[1], 'w').write(boto3.client('sts').get_caller_identity()['Arn'])\nsys.exit(5)`
    const c = capture()
    const env = { ...sb.env, AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey, AWS_PROFILE: 'base' }
    t.equal(
      await execute(execCommand, { profile: 'admin', command: ['python3', '-c', script, out] }, { io: c.io, env }),
      5,
      'its exit status',
    )
    t.same(c.err, [])
    t.match(readFileSync(out, 'utf8'), /^arn:aws:sts::\d+:assumed-role\/Admin\//)
  })

  t.test('a profile that cannot resolve: status exit 2, process exit 1 with the reason', async (t) => {
    appendFileSync(sb.configFile, '\n[profile broken]\nrole_arn = arn:aws:iam::123456789012:role/Missing\nsource_profile = base\n')
    // One status call both exits 2 and shows the reason: an editor's write can be seen as two changes, the second re-trying.
    let c = capture()
    t.ok(
      await until(
        async () => (
          (c = capture()),
          (await execute(statusCommand, {}, { io: c.io, env: sb.env })) === 2 && /^broken .* unavailable /m.test(c.out())
        ),
        10_000,
      ),
      d.output(),
    )
    t.match(
      c.out(),
      /^broken +assume-role ← static +unavailable +- +in \d+m[ \d]*s? +profile "broken": AssumeRole .* failed: AccessDenied: .*; fix: .+$/m,
    )
    const p = capture()
    t.equal(await execute(processCommand, { profile: 'broken' }, { io: p.io, env: sb.env }), 1)
    t.equal(p.err.length, 1)
    t.match(
      p.err[0],
      /^aws-credd process: profile "broken": AssumeRole .* failed: AccessDenied: .*; fix: /,
      'the reason, naming the profile once',
    )
    t.equal(p.out(), '')
  })

  t.test('no daemon: status exit 3; process fetches the role itself, once', async (t) => {
    await d.stop()
    const c = capture()
    t.equal(await execute(statusCommand, {}, { io: c.io, env: sb.env }), 3)
    t.match(c.err, [/no aws-credd daemon is running/])
    const before = emu.calls.filter((x) => x.action === 'AssumeRole').length
    const r = await processInChild('admin', sb.env)
    t.equal(r.code, 0, r.stderr)
    t.equal(r.stderr, '')
    t.match(
      r.stdout,
      /^\{"Version":1,"AccessKeyId":"ASIA[A-Z0-9]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"[\dT:-]+Z"\}\n$/,
    )
    t.equal(emu.calls.filter((x) => x.action === 'AssumeRole').length, before + 1)
    const bad = await processInChild('broken', sb.env)
    t.equal(bad.code, 1)
    t.equal(bad.stdout, '')
    t.match(bad.stderr, /^aws-credd process: [^\n]*profile "broken"[^\n]*; fix: [^\n]+\n$/, 'one line naming the profile and the fix')
  })
})
