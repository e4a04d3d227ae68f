// The trust path between the built CLI and the daemon, against a planted impostor:
// another user (uid 65534) owns the client's runtime folder, or just the control socket
// in it, and answers fake credentials for everything. Every command must refuse in one
// line naming the path and the fix, print none of the impostor's keys, send it nothing
// (no MFA code) and start no program pointed at it. And without XDG_RUNTIME_DIR, a temp
// runtime folder another user made first sends the daemon and the commands to the same
// folder in the home instead of stopping `run`.
import t, { type Test as Tap } from 'tap'
import { chmodSync, chownSync, existsSync, lchownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isRoot, requireOrSkip } from '../helpers/prerequisites.js'
import { CLI, runCli, runTool, sandbox, type Sandbox } from '../helpers/sandbox.js'

const ME = process.getuid!()
const NOBODY = 65534

const IMPOSTOR_KEY = 'ASIAIMPOSTOREXAMPLE1'
const IMPOSTOR_SECRET = 'impostorSecretKeyEXAMPLEimpostorSecretKey'
const IMPOSTOR_TOKEN = 'impostorSessionTokenEXAMPLE'

const shortDir = (t: Tap): string => {
  const d = mkdtempSync(join(tmpdir(), 'credd-'))
  t.teardown(() => rmSync(d, { recursive: true, force: true }))
  return d
}

/** An HTTP server on `socket` that answers like a daemon with fake keys for everything, and records what reaches it. */
const impostor = async (t: Tap, socket: string): Promise<{ requests: Array<{ method: string; url: string; body: string }> }> => {
  const requests: Array<{ method: string; url: string; body: string }> = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body })
      const answer = req.url?.startsWith('/v1/credentials/')
        ? {
            Version: 1,
            AccessKeyId: IMPOSTOR_KEY,
            SecretAccessKey: IMPOSTOR_SECRET,
            SessionToken: IMPOSTOR_TOKEN,
            Expiration: new Date(Date.now() + 3600_000).toISOString(),
          }
        : req.url === '/v1/status'
          ? {
              pid: 4242,
              profiles: [{ profile: 'x', source: 'sso', health: 'fresh', expiresAt: Date.now() + 3600_000 }],
              ssoSessions: [],
              containerEndpoint: { url: 'http://127.0.0.1:9', tokenFile: '/tmp/impostor-token' },
            }
          : { message: 'code accepted' }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer))
    })
  })
  await new Promise<void>((r) => server.listen(socket, r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  return { requests }
}

/** Runs every command that talks to the daemon; each must refuse with `line`. */
const everyCommandRefuses = async (t: Tap, sb: Sandbox, line: RegExp, requests: unknown[]): Promise<void> => {
  const marker = join(sb.home, 'exec-ran')
  const commands: Array<[string, string[]]> = [
    ['process', ['process', 'x']],
    ['env', ['env', 'x']],
    [
      'exec',
      [
        'exec',
        'x',
        '--',
        process.execPath,
        '-e',
        'require("fs").writeFileSync(process.argv[1], process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI || "")',
        marker,
      ],
    ],
    ['status', ['status']],
    ['mfa', ['mfa', 'x', '123456']],
    // The grant commands: an impostor would otherwise receive a grant request, or hand out a token of its own.
    ['grant', ['grant', '--profile', 'x', '--name', 'agent']],
    ['grants', ['grants']],
    ['revoke', ['revoke', 'agent']],
  ]
  // Each command is its own process with nothing shared: two at a time (not all eight, so a
  // timing check in a test file running beside this one does not meet a burst), checked in order.
  const results: Array<Awaited<ReturnType<typeof runTool>>> = []
  for (let i = 0; i < commands.length; i += 2) {
    results.push(...(await Promise.all(commands.slice(i, i + 2).map(([, args]) => runTool(process.execPath, [CLI, ...args], sb.env)))))
  }
  for (const [i, [name]] of commands.entries()) {
    const r = results[i]!
    t.equal(r.code, 4, `${name}: exit 4 (${r.stderr.trim()})`)
    t.equal(r.stdout, '', `${name}: nothing on stdout`)
    const lines = r.stderr.split('\n').filter(Boolean)
    t.equal(lines.length, 1, `${name}: one line`)
    t.match(lines[0], line, `${name}: names the path and the fix`)
    for (const secret of [IMPOSTOR_KEY, IMPOSTOR_SECRET, IMPOSTOR_TOKEN, 'impostor-token'])
      t.notOk(`${r.stdout}${r.stderr}`.includes(secret), `${name}: none of the impostor's answers`)
  }
  t.notOk(existsSync(marker), 'exec never started the program')
  t.same(requests, [], 'nothing reached the impostor: no request, no MFA code')
}

t.test('another user owns the runtime folder and answers on control.sock: every command refuses', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const sb = sandbox(t.testdir({}))
  const dir = join(sb.env.XDG_RUNTIME_DIR!, 'aws-credd')
  mkdirSync(dir, { mode: 0o700 })
  const socket = join(dir, 'control.sock')
  const { requests } = await impostor(t, socket)
  lchownSync(socket, NOBODY, NOBODY)
  chownSync(dir, NOBODY, NOBODY)
  const line = new RegExp(
    `^aws-credd (process|env|exec|status|mfa|grant|grants|revoke): refusing the control socket ${socket}: ${dir} belongs to uid ${NOBODY}, not ${ME}, so another user could answer in the daemon's place; fix: .*XDG_RUNTIME_DIR`,
  )
  await everyCommandRefuses(t, sb, line, requests)
})

t.test('the runtime folder is ours but the socket in it belongs to another user: every command refuses', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const sb = sandbox(t.testdir({}))
  const dir = join(sb.env.XDG_RUNTIME_DIR!, 'aws-credd')
  mkdirSync(dir, { mode: 0o700 })
  chmodSync(dir, 0o700)
  const socket = join(dir, 'control.sock')
  const { requests } = await impostor(t, socket)
  lchownSync(socket, NOBODY, NOBODY)
  const line = new RegExp(
    `^aws-credd (process|env|exec|status|mfa|grant|grants|revoke): refusing the control socket ${socket}: ${socket} belongs to uid ${NOBODY}, not ${ME}, so another user could answer in the daemon's place; fix: have root remove ${socket}`,
  )
  await everyCommandRefuses(t, sb, line, requests)
  // `run` finds the socket in use and, instead of asking it for a pid to name, says whose it is.
  const run = await runTool(process.execPath, [CLI, 'run', '--log-format', 'text'], sb.env)
  t.equal(run.code, 1)
  t.match(
    run.stderr,
    new RegExp(
      `^aws-credd: refusing the control socket ${socket}: ${socket} belongs to uid ${NOBODY}, not ${ME}, .*; fix: have root remove ${socket}`,
      'm',
    ),
  )
  t.same(requests, [], 'run asked the impostor nothing')
})

t.test('a runtime folder open to others (no root needed): every command refuses', async (t) => {
  const sb = sandbox(t.testdir({}))
  const dir = join(sb.env.XDG_RUNTIME_DIR!, 'aws-credd')
  mkdirSync(dir)
  chmodSync(dir, 0o777)
  const socket = join(dir, 'control.sock')
  const { requests } = await impostor(t, socket)
  const line = new RegExp(
    `^aws-credd (process|env|exec|status|mfa|grant|grants|revoke): refusing the control socket ${socket}: ${dir} is open to others \\(mode 777, expected 700\\), so another user could answer in the daemon's place; fix: chmod 700 ${dir}$`,
  )
  await everyCommandRefuses(t, sb, line, requests)
})

/** The sandbox without XDG_RUNTIME_DIR, its temp folder (TMPDIR) a fresh 1777 folder, HOME short enough for the socket. */
const withoutXdg = (t: Tap): { sb: Sandbox; temp: string; state: string } => {
  const base = shortDir(t)
  const sb = sandbox(join(base, 'h'), { TMPDIR: join(base, 'tmp') })
  delete sb.env.XDG_RUNTIME_DIR
  delete sb.env.XDG_STATE_HOME
  mkdirSync(join(base, 'tmp'), { mode: 0o1777 })
  chmodSync(join(base, 'tmp'), 0o1777)
  return { sb, temp: join(base, 'tmp', `aws-credd-${ME}`), state: join(base, 'h', '.local', 'state', 'aws-credd', 'run') }
}

const squats: Array<[string, boolean, (temp: string) => void, RegExp]> = [
  [
    'another user made the temp runtime folder first',
    true,
    (temp) => (mkdirSync(temp, { mode: 0o700 }), chownSync(temp, NOBODY, NOBODY)),
    new RegExp(`belongs to uid ${NOBODY}, not ${ME} \\(another user made it first\\)`),
  ],
  [
    'the temp runtime folder is open to others',
    false,
    (temp) => (mkdirSync(temp), chmodSync(temp, 0o777)),
    /is open to others \(mode 777, expected 700\)/,
  ],
]
for (const [name, needsRoot, plant, why] of squats) {
  t.test(`${name}: run starts in ~/.local/state/aws-credd/run with a warning, and status finds it there`, async (t) => {
    if (needsRoot && !requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
    const { sb, temp, state } = withoutXdg(t)
    plant(temp)
    const d = runCli(['run', '--log-format', 'text'], sb.env)
    t.teardown(() => void d.stop('SIGKILL'))
    const warning = await d.waitFor(/warn.*the temp runtime folder .*/)
    t.match(warning, `the temp runtime folder ${temp} `)
    t.match(warning, why)
    t.match(warning, `: using ${state} instead; set XDG_RUNTIME_DIR to a private folder to choose another`)
    await d.waitFor(/aws-credd starting/)
    const status = await runTool(process.execPath, [CLI, 'status', '--json'], sb.env)
    t.equal(status.code, 0, status.stderr)
    const view = JSON.parse(status.stdout) as { pid: number; containerEndpoint?: { tokenFile: string } }
    t.equal(view.pid, d.child.pid, 'status reached this daemon')
    t.equal(view.containerEndpoint?.tokenFile, join(state, 'token'), 'the token file follows the runtime folder')
    const stop = await d.stop('SIGTERM')
    t.equal(stop.code, 0)
    const none = await runTool(process.execPath, [CLI, 'status'], sb.env)
    t.equal(none.code, 3)
    t.match(
      none.stderr,
      `no aws-credd daemon is running (nothing at ${join(state, 'control.sock')}; ${temp} `,
      'no daemon: the message names both folders',
    )
  })
}
