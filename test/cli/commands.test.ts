// status, process, env and exec against a stand-in daemon: the real control server
// (src/serve/control-server.ts) on a sandbox socket, answering what each test needs.
// Exit codes, stdout and the one stderr line are the contract scripts rely on.
// Signal forwarding runs exec in its own process (dist/cli/exec.js), so signals reach it alone.
import t, { type Test as Tap } from 'tap'
import { requireOrSkip } from '../helpers/prerequisites.js'
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { controlSocketPath } from '../../src/cli/control-client.js'
import { execute, type CommandIo } from '../../src/cli/command.js'
import { envCommand } from '../../src/cli/env.js'
import { execCommand } from '../../src/cli/exec.js'
import { NESTING_VAR, processCommand } from '../../src/cli/process.js'
import { statusCommand } from '../../src/cli/status.js'
import type { StatusAnswer } from '../../src/cli/status-format.js'
import { startControlServer, type ControlApi } from '../../src/serve/control-server.js'
import { ensureRuntimeDir } from '../../src/serve/runtime-dir.js'
import { tokenCodec } from '../../src/serve/auth-token.js'
import { GrantRegistry } from '../../src/engine/grant-registry.js'
import { grantControl } from '../../src/root/control-answers.js'
import { systemClock } from '../../src/runtime/clock.js'
import { runCli, sandbox, until, writeAws, type Sandbox } from '../helpers/sandbox.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const CREDS = {
  Version: 1,
  AccessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  SessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
  Expiration: '2026-01-31T13:00:00Z',
}
const ENDPOINT = { url: 'http://127.0.0.1:9911', tokenFile: '/run/user/1000/aws-credd/token' }
const FRESH: StatusAnswer = {
  profiles: [{ profile: 'dev', source: 'sso', health: 'fresh', expiresAt: Date.now() + 3600_000 }],
  ssoSessions: [],
  containerEndpoint: ENDPOINT,
  pid: 1,
}

const capture = () => {
  const out: string[] = []
  const err: string[] = []
  const io: CommandIo = { stdout: (s) => void out.push(s), stderr: (l) => void err.push(l) }
  return { io, out: () => out.join(''), err }
}

/** A control server on the sandbox's socket; `credentials` answers by profile (404 otherwise). */
const fakeDaemon = async (
  t: Tap,
  sb: Sandbox,
  opts: { status?: [number, unknown]; credentials?: Record<string, [number, unknown]> } = {},
): Promise<GrantRegistry> => {
  const socket = controlSocketPath(sb.env)
  await ensureRuntimeDir(dirname(socket))
  // The real grant registry and routes: env and exec get their tokens through them.
  const grants = new GrantRegistry({ secrets, clock: systemClock, codec: tokenCodec })
  const api: ControlApi = {
    status: () => opts.status ?? [200, FRESH],
    credentials: (p) =>
      opts.credentials?.[p] ?? [
        404,
        { message: `profile "${p}" is not kept by this daemon; known: ${Object.keys(opts.credentials ?? {}).join(', ') || 'none'}` },
      ],
    mfa: () => [400, { message: 'no' }],
    ...grantControl(grants, (p) => opts.credentials?.[p] !== undefined),
  }
  const l = await startControlServer(socket, api, secrets)
  t.teardown(() => l.close())
  return grants
}

const box = (t: Tap): Sandbox => sandbox(t.testdir({}))

t.test('status', async (t) => {
  t.test('no daemon: exit 3, one line', async (t) => {
    const c = capture()
    t.equal(await execute(statusCommand, {}, { io: c.io, env: box(t).env }), 3)
    t.equal(c.err.length, 1)
    t.match(c.err[0], /^aws-credd status: no aws-credd daemon is running .*start it with `aws-credd run`$/)
    t.equal(c.out(), '')
  })
  const cases: Array<[string, StatusAnswer, number]> = [
    ['all fresh', FRESH, 0],
    [
      'a session needs login',
      { ...FRESH, ssoSessions: [{ label: 'corp', state: 'relogin-required', reason: 'token expired', profiles: ['dev'] }] },
      1,
    ],
    [
      'renewals fail but credentials are served',
      { ...FRESH, profiles: [{ ...FRESH.profiles[0]!, health: 'renewing-failed', lastError: 'x' }] },
      1,
    ],
    [
      'a profile has nothing valid',
      { ...FRESH, profiles: [...FRESH.profiles, { profile: 'broken', source: '-', health: 'unavailable', lastError: 'bad' }] },
      2,
    ],
  ]
  for (const [name, view, code] of cases) {
    t.test(`${name}: exit ${code}`, async (t) => {
      const sb = box(t)
      await fakeDaemon(t, sb, { status: [200, view] })
      const c = capture()
      t.equal(await execute(statusCommand, {}, { io: c.io, env: sb.env, now: () => Date.now() }), code)
      t.match(c.out(), /^PROFILE +SOURCE +STATE +EXPIRES IN +NEXT RENEWAL +LAST ERROR\ndev +sso /)
      t.same(c.err, [])
    })
  }
  t.test('--json prints the daemon view as is', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb)
    const c = capture()
    t.equal(await execute(statusCommand, { json: true }, { io: c.io, env: sb.env }), 0)
    t.same(JSON.parse(c.out()), FRESH)
  })
  t.test('an answer that is not a status view: exit 1, one line', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { status: [500, { message: 'boom' }] })
    const c = capture()
    t.equal(await execute(statusCommand, {}, { io: c.io, env: sb.env }), 1)
    t.equal(c.err.length, 1)
    t.match(c.err[0], /500: boom/)
  })
})

t.test('process', async (t) => {
  t.test('the daemon has them: the JSON exactly, one line', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    const c = capture()
    t.equal(await execute(processCommand, { profile: 'dev' }, { io: c.io, env: sb.env }), 0)
    t.equal(c.out(), `${JSON.stringify(CREDS)}\n`)
    t.same(c.err, [])
  })
  t.test("the daemon keeps it but has nothing valid: exit 1 with the daemon's reason", async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, {
      credentials: { dev: [503, { message: 'SSO session corp needs login: run aws-credd login --sso-session corp' }] },
    })
    const c = capture()
    t.equal(await execute(processCommand, { profile: 'dev' }, { io: c.io, env: sb.env }), 1)
    t.equal(c.out(), '')
    t.same(c.err, [
      'aws-credd process: no valid credentials for profile "dev": SSO session corp needs login: run aws-credd login --sso-session corp',
    ])
  })
  t.test('the daemon says its reason names the profile (namesProfile): printed as is, the profile named once', async (t) => {
    const sb = box(t)
    const reason = 'profile "dev": AssumeRole failed: AccessDenied: no; fix: check the trust policy'
    await fakeDaemon(t, sb, { credentials: { dev: [503, { message: reason, namesProfile: true }] } })
    const c = capture()
    t.equal(await execute(processCommand, { profile: 'dev' }, { io: c.io, env: sb.env }), 1)
    t.same(c.err, [`aws-credd process: ${reason}`])
  })
  t.test('a profile the daemon does not keep is fetched here (static keys: no expiry)', async (t) => {
    const sb = box(t)
    writeAws(sb, '', '[keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n')
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    const c = capture()
    t.equal(await execute(processCommand, { profile: 'keys' }, { io: c.io, env: sb.env }), 0, c.err.join('\n'))
    t.equal(c.out(), '{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}\n')
  })
  t.test('no daemon and no such profile: exit 1, one line naming it and the fix', async (t) => {
    const sb = box(t)
    writeAws(sb, '[profile other]\nregion = us-east-1\n')
    const c = capture()
    t.equal(await execute(processCommand, { profile: 'ghost' }, { io: c.io, env: sb.env }), 1)
    t.equal(c.out(), '')
    t.equal(c.err.length, 1)
    t.match(
      c.err[0],
      /^aws-credd process: profile "ghost" is not defined in the AWS config or credentials file; fix: add \[profile ghost\]/,
    )
  })
  t.test('credential_process programs it starts know which profile is being resolved; a loop stops', async (t) => {
    const sb = box(t)
    // Echoes the marker back as the "secret", so the test sees what the child saw.
    const script = `process.stdout.write(JSON.stringify({Version:1,AccessKeyId:'AKIAIOSFODNN7EXAMPLE',SecretAccessKey:process.env.${NESTING_VAR}}))`
    writeAws(sb, `[profile p]\ncredential_process = ${process.execPath} -e "${script}"\n`)
    const c = capture()
    t.equal(await execute(processCommand, { profile: 'p' }, { io: c.io, env: sb.env }), 0, c.err.join('\n'))
    t.equal(JSON.parse(c.out()).SecretAccessKey, 'p')
    t.equal(process.env[NESTING_VAR], undefined, 'not left behind in this process')
    const again = capture()
    t.equal(await execute(processCommand, { profile: 'p' }, { io: again.io, env: { ...sb.env, [NESTING_VAR]: 'q\np' } }), 1)
    t.match(again.err, [/profile "p" gets its credentials from `aws-credd process p` itself; fix: /])
    t.equal(again.out(), '')
  })
})

t.test('env', async (t) => {
  t.test('no daemon: exit 3', async (t) => {
    const c = capture()
    t.equal(await execute(envCommand, { profile: 'dev' }, { io: c.io, env: box(t).env }), 3)
    t.match(c.err, [/^aws-credd env: no aws-credd daemon is running/])
  })
  t.test('a daemon without the container endpoint: exit 1, one line', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { status: [200, { ...FRESH, containerEndpoint: undefined }], credentials: { dev: [200, CREDS] } })
    const c = capture()
    t.equal(await execute(envCommand, { profile: 'dev' }, { io: c.io, env: sb.env }), 1)
    t.equal(c.err.length, 1)
    t.match(c.err[0], /serves no container endpoint; set "server"/)
  })
  t.test('an unknown profile: exit 1 naming the known ones', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS], prod: [200, CREDS] } })
    const c = capture()
    t.equal(await execute(envCommand, { profile: 'ghost' }, { io: c.io, env: sb.env }), 1)
    t.equal(c.err.length, 1)
    t.match(c.err[0], /profile "ghost" is not kept by this daemon; known: dev, prod; fix: /)
    t.equal(c.out(), '')
  })
  t.test('sh, fish and json; no secret is printed', async (t) => {
    const sb = box(t)
    const grants = await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    const tokenFile = join(dirname(controlSocketPath(sb.env)), 'grants', 'env.dev.token')
    for (const [format, re] of [
      [
        undefined,
        new RegExp(
          `^export AWS_CONTAINER_CREDENTIALS_FULL_URI='http://127\\.0\\.0\\.1:9911/v1/credentials/dev'\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE='${tokenFile}'\nunset AWS_ACCESS_KEY_ID `,
        ),
      ],
      ['fish', /^set -gx AWS_CONTAINER_CREDENTIALS_FULL_URI 'http:\/\/127\.0\.0\.1:9911\/v1\/credentials\/dev'\n/],
      ['json', /^\{"AWS_CONTAINER_CREDENTIALS_FULL_URI":"http:\/\/127\.0\.0\.1:9911\/v1\/credentials\/dev",/],
    ] as const) {
      const c = capture()
      t.equal(await execute(envCommand, { profile: 'dev', format }, { io: c.io, env: sb.env }), 0)
      t.match(c.out(), re, format ?? 'sh')
      t.notMatch(c.out(), CREDS.SecretAccessKey)
      t.notMatch(c.out(), CREDS.SessionToken)
      t.same(c.err, [])
    }
    // One grant for the profile, made once and reused; its token opens dev and nothing else.
    t.same(
      grants
        .list()
        .filter((g) => g.kind === 'env')
        .map((g) => [g.name, g.profiles, g.tokenFile]),
      [['env.dev', ['dev'], tokenFile]],
    )
    const token = readFileSync(tokenFile, 'utf8')
    t.equal(statSync(tokenFile).mode & 0o777, 0o600)
    t.equal(grants.authorize(token, 'dev').outcome, 'allowed')
    t.equal(grants.authorize(token, 'prod').outcome, 'forbidden')
  })
  t.test('env makes its grant again when the token file is gone (the runtime folder is emptied at reboot)', async (t) => {
    const sb = box(t)
    const grants = await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    t.equal(await execute(envCommand, { profile: 'dev' }, { io: capture().io, env: sb.env }), 0)
    const tokenFile = join(dirname(controlSocketPath(sb.env)), 'grants', 'env.dev.token')
    const first = readFileSync(tokenFile, 'utf8')
    rmSync(tokenFile)
    t.equal(await execute(envCommand, { profile: 'dev' }, { io: capture().io, env: sb.env }), 0)
    const second = readFileSync(tokenFile, 'utf8')
    t.not(second, first)
    t.equal(grants.authorize(first, 'dev').outcome, 'unauthenticated', 'the old token is dead')
    t.equal(grants.authorize(second, 'dev').outcome, 'allowed')
  })
  t.test('known but without valid credentials now: printed anyway, with a note', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [503, { message: 'SSO session corp needs login' }] } })
    const c = capture()
    t.equal(await execute(envCommand, { profile: 'dev' }, { io: c.io, env: sb.env }), 0)
    t.match(c.out(), /^export /)
    t.same(c.err, ['aws-credd env: note: profile "dev" has no valid credentials right now: SSO session corp needs login'])
  })
  t.test('an unknown format: exit 2 before asking the daemon', async (t) => {
    const c = capture()
    t.equal(await execute(envCommand, { profile: 'dev', format: 'powershell' }, { io: c.io, env: box(t).env }), 2)
    t.match(c.err, [/--format "powershell" is not a format; use sh, fish or json/])
  })
})

t.test('exec', async (t) => {
  t.test('the command sees the endpoint variables, not keys or AWS_PROFILE; its exit status is returned', async (t) => {
    const sb = box(t)
    const grants = await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    const out = join(sb.home, 'env.json')
    const c = capture()
    const env = {
      ...sb.env,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_SESSION_TOKEN: 'y',
      AWS_PROFILE: 'other',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/creds',
      KEEP_ME: 'kept',
    }
    const code = await execute(
      execCommand,
      {
        profile: 'dev',
        command: [
          process.execPath,
          '-e',
          'require("fs").writeFileSync(process.argv[1], JSON.stringify(process.env)); process.exit(7)',
          out,
        ],
      },
      { io: c.io, env },
    )
    t.equal(code, 7)
    t.same(c.err, [])
    const seen = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>
    t.equal(seen.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'http://127.0.0.1:9911/v1/credentials/dev')
    // By value: the AWS CLI 2.9 series reads no token file. It opened dev alone, and died with the command.
    const token = seen.AWS_CONTAINER_AUTHORIZATION_TOKEN!
    t.match(token, /^[A-Za-z0-9_-]{43}$/)
    t.equal(grants.authorize(token, 'dev').outcome, 'unauthenticated', 'revoked once the command exited')
    t.same(
      grants.list().filter((g) => g.kind === 'exec'),
      [],
    )
    for (const k of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    ])
      t.notOk(k in seen, `${k} removed`)
    t.equal(seen.KEEP_ME, 'kept')
    t.equal(seen.AWS_REGION, 'us-east-1')
  })
  t.test("the profile's region goes along unless the caller's environment names one", async (t) => {
    const sb = box(t)
    const withRegion: StatusAnswer = { ...FRESH, profiles: [{ ...FRESH.profiles[0]!, region: 'eu-west-3' }] }
    await fakeDaemon(t, sb, { status: [200, withRegion], credentials: { dev: [200, CREDS] } })
    const out = join(sb.home, 'env.json')
    const seen = async (env: NodeJS.ProcessEnv): Promise<Record<string, string>> => {
      t.equal(
        await execute(
          execCommand,
          {
            profile: 'dev',
            command: [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], JSON.stringify(process.env))', out],
          },
          { io: capture().io, env },
        ),
        0,
      )
      return JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>
    }
    const none = await seen({ ...sb.env, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined })
    t.same([none.AWS_REGION, none.AWS_DEFAULT_REGION], ['eu-west-3', 'eu-west-3'], 'both SDK families get it')
    const mine = await seen({ ...sb.env, AWS_REGION: undefined, AWS_DEFAULT_REGION: 'ap-south-1' })
    t.same([mine.AWS_REGION, mine.AWS_DEFAULT_REGION], [undefined, 'ap-south-1'], "the caller's own choice stands")
    const c = capture()
    t.equal(
      await execute(envCommand, { profile: 'dev' }, { io: c.io, env: { ...sb.env, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined } }),
      0,
    )
    t.match(
      c.out(),
      /^export AWS_REGION='eu-west-3'\nexport AWS_DEFAULT_REGION='eu-west-3'\nexport AWS_CREDD_REGION='eu-west-3'$/m,
      'env prints it too, with the mark',
    )
    // A shell that ran `eval "$(aws-credd env other)"` before: that region was ours, so it is replaced.
    const after = await seen({ ...sb.env, AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2', AWS_CREDD_REGION: 'us-west-2' })
    t.same(
      [after.AWS_REGION, after.AWS_DEFAULT_REGION, after.AWS_CREDD_REGION],
      ['eu-west-3', 'eu-west-3', 'eu-west-3'],
      'a region aws-credd set for another profile is replaced',
    )
  })
  t.test('switching to a profile without a region drops the region aws-credd set for the previous one', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    const c = capture()
    t.equal(
      await execute(
        envCommand,
        { profile: 'dev' },
        { io: c.io, env: { ...sb.env, AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2', AWS_CREDD_REGION: 'us-west-2' } },
      ),
      0,
    )
    t.match(c.out(), /^unset .* AWS_REGION AWS_DEFAULT_REGION AWS_CREDD_REGION$/m)
  })
  t.test('[default] with credentials would win over the endpoint: a note says so, the command still runs', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    writeAws(
      sb,
      '[default]\nregion = us-east-1\n',
      '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
    )
    const c = capture()
    t.equal(
      await execute(execCommand, { profile: 'dev', command: [process.execPath, '-e', 'process.exit(4)'] }, { io: c.io, env: sb.env }),
      4,
    )
    t.equal(c.err.length, 1)
    t.match(
      c.err[0],
      /^aws-credd exec: note: \[default\] of .*credentials holds static keys; the AWS CLI, boto3 and the JS SDK use it before the container endpoint, so the command would not run as profile "dev"; fix: move it to a named profile/,
    )
    t.notMatch(c.err[0], /wJalr/, 'no secret')
    writeAws(sb, '[default]\nregion = us-east-1\n', '')
    const quiet = capture()
    t.equal(
      await execute(execCommand, { profile: 'dev', command: [process.execPath, '-e', 'process.exit(0)'] }, { io: quiet.io, env: sb.env }),
      0,
    )
    t.same(quiet.err, [], 'a [default] with settings only: nothing to say')
  })
  t.test('from the command line: `exec dev -- CMD -opts` runs CMD with its options, the `--` is not the command', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    const out = join(sb.home, 'argv.json')
    const script =
      'require("fs").writeFileSync(process.argv[1], JSON.stringify({ argv: process.argv.slice(2), env: process.env })); process.exit(5)'
    for (const args of [
      ['exec', 'dev', '--', process.execPath, '-e', script, out, '--flag', '--'],
      ['exec', 'dev', process.execPath, '-e', script, out, '--flag', '--'],
    ]) {
      const r = runCli(args, { ...sb.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined })
      t.same(await r.exited, { code: 5, signal: null }, `${args.join(' ')}: ${r.output()}`)
      const seen = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; env: Record<string, string> }
      t.same(seen.argv, ['--flag', '--'], "the command's own options and `--` reach it")
      t.equal(seen.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'http://127.0.0.1:9911/v1/credentials/dev')
      t.notOk('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED' in seen.env, "aws-credd's own SDK setting does not leak into the command")
    }
  })
  t.test('command not found: exit 127, one line', async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    const c = capture()
    t.equal(await execute(execCommand, { profile: 'dev', command: ['no-such-command-credd-test'] }, { io: c.io, env: sb.env }), 127)
    t.same(c.err, ['aws-credd exec: command not found: no-such-command-credd-test; fix: check its spelling, or give its full path'])
  })
  t.test('no command: exit 2; no daemon: exit 3; no endpoint: exit 1', async (t) => {
    const sb = box(t)
    const c = capture()
    t.equal(await execute(execCommand, { profile: 'dev', command: [] }, { io: c.io, env: sb.env }), 2)
    t.equal(await execute(execCommand, { profile: 'dev', command: ['true'] }, { io: c.io, env: sb.env }), 3)
    await fakeDaemon(t, sb, { status: [200, { ...FRESH, containerEndpoint: undefined }], credentials: { dev: [200, CREDS] } })
    t.equal(await execute(execCommand, { profile: 'dev', command: ['true'] }, { io: c.io, env: sb.env }), 1)
    t.equal(c.err.length, 3, 'one line each')
  })

  // exec in a process of its own (from dist), so a signal can be sent to it alone.
  const EXEC = join(process.cwd(), 'dist', 'cli', 'exec.js')
  const distProblem = (): string | undefined =>
    !existsSync(EXEC) || statSync(EXEC).mtimeMs < statSync(join(process.cwd(), 'src', 'cli', 'exec.ts')).mtimeMs
      ? 'dist/cli/exec.js is missing or older than src: run `npm run build` first'
      : undefined
  const wrapperFile = (sb: Sandbox, child: string): string => {
    const file = join(sb.home, 'exec-wrapper.mjs')
    writeFileSync(
      file,
      `const { execCommand } = await import(${JSON.stringify(EXEC)})\nconst { execute } = await import(${JSON.stringify(join(dirname(EXEC), 'command.js'))})\nprocess.exit(await execute(execCommand, { profile: 'dev', command: [${JSON.stringify(process.execPath)}, '-e', ${JSON.stringify(child)}] }))\n`,
    )
    return file
  }
  const started = (t: Tap, cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    // A session of its own: no controlling terminal (as under a supervisor), and one group to clean up.
    const w = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    let out = ''
    w.stdout.on('data', (d) => (out += d))
    w.stderr.on('data', (d) => (out += d))
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => w.on('exit', (code, signal) => r({ code, signal })))
    t.teardown(() => {
      try {
        process.kill(-w.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    })
    return { w, out: () => out, exited }
  }

  t.test('signals sent to aws-credd alone reach the command', async (t) => {
    const problem = distProblem()
    if (problem) return t.fail(problem)
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    const trapping = `for (const s of ['SIGINT','SIGHUP','SIGQUIT','SIGUSR1','SIGUSR2']) process.on(s, () => console.log('got ' + s)); process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42) }); setInterval(() => {}, 1000); console.log('ready')`
    const a = started(t, process.execPath, [wrapperFile(sb, trapping)], sb.env)
    t.ok(await until(() => a.out().includes('ready'), 10_000), a.out())
    for (const s of ['SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) {
      a.w.kill(s)
      t.ok(await until(() => a.out().includes(`got ${s}`), 5000), `${s} forwarded; output: ${a.out()}`)
    }
    a.w.kill('SIGTERM')
    t.same(await a.exited, { code: 42, signal: null }, "the command's own exit status")
    t.notMatch(a.out(), /Debugger listening/, 'SIGUSR1 went to the command, not to the inspector of aws-credd')

    const b = started(t, process.execPath, [wrapperFile(sb, `setInterval(() => {}, 1000); console.log('ready')`)], sb.env)
    t.ok(await until(() => b.out().includes('ready'), 10_000), b.out())
    b.w.kill('SIGHUP')
    t.same(await b.exited, { code: 129, signal: null }, 'killed by SIGHUP: 128 + 1, as a shell reports it')
  })

  const hasScript = spawnSync('script', ['--version']).status === 0
  t.test('Ctrl-C in a terminal reaches the command once (terraform aborts its graceful stop on a second)', async (t) => {
    if (!requireOrSkip(t, '`script` (util-linux) for a pseudo-terminal', hasScript)) return
    const problem = distProblem()
    if (problem) return t.fail(problem)
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    // Counts SIGINTs for a second after the first: a forwarded copy arrives within milliseconds.
    const counting = `let n = 0; process.on('SIGINT', () => { if (n++ === 0) setTimeout(() => { console.log('SIGINTS=' + n); process.exit(0) }, 1000) }); setInterval(() => {}, 1000); console.log('ready')`
    const wrapper = wrapperFile(sb, counting)
    // `exec`: aws-credd itself leads the terminal's foreground group, as when typed at a prompt.
    const p = started(t, 'script', ['-qec', `exec ${process.execPath} ${wrapper}`, '/dev/null'], { ...sb.env, SHELL: '/bin/sh' })
    t.ok(await until(() => p.out().includes('ready'), 10_000), p.out())
    p.w.stdin.write('\x03') // what the Ctrl-C key sends: the terminal signals its foreground group
    t.equal((await p.exited).code, 0, p.out())
    t.match(p.out(), /SIGINTS=1\b/)
  })
})

t.test(
  'a control socket that fails the trust check: every command refuses in one line, exit 4, and nothing it answers is used',
  async (t) => {
    const sb = box(t)
    await fakeDaemon(t, sb, { credentials: { dev: [200, CREDS] } })
    const dir = dirname(controlSocketPath(sb.env))
    // Trusted first, so the refusals below are the check's doing, not a missing daemon.
    t.equal(await execute(processCommand, { profile: 'dev' }, { io: capture().io, env: sb.env }), 0)
    chmodSync(dir, 0o755)
    const line = new RegExp(
      `^aws-credd (status|process|env|exec): refusing the control socket ${controlSocketPath(sb.env)}: ${dir} is open to others \\(mode 755, expected 700\\), so another user could answer in the daemon's place; fix: chmod 700 ${dir}$`,
    )

    const status = capture()
    t.equal(await execute(statusCommand, {}, { io: status.io, env: sb.env }), 4, 'status')
    t.equal(status.out(), '')
    t.match(status.err, [line])
    t.equal(status.err.length, 1)

    const proc = capture()
    t.equal(await execute(processCommand, { profile: 'dev' }, { io: proc.io, env: sb.env }), 4, 'process')
    t.equal(proc.out(), '', 'process prints nothing')
    t.match(proc.err, [line])
    t.equal(proc.err.length, 1)

    const env = capture()
    t.equal(await execute(envCommand, { profile: 'dev' }, { io: env.io, env: sb.env }), 4, 'env')
    t.equal(env.out(), '')
    t.match(env.err, [line])

    const marker = join(sb.home, 'ran')
    const exec = capture()
    t.equal(
      await execute(
        execCommand,
        { profile: 'dev', command: [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], "")', marker] },
        { io: exec.io, env: sb.env },
      ),
      4,
      'exec',
    )
    t.notOk(existsSync(marker), 'exec did not start the command')
    t.match(exec.err, [line])
    chmodSync(dir, 0o700)
  },
)
