// The trust check on real folders and sockets (another owner simulated by passing a
// caller uid that is not ours, or by chown when root), askDaemon sending nothing to a
// socket that fails it, and the daemon's and the clients' runtime folder when the
// temp one is taken. Paths live under a short temp folder: unix sockets max 107 bytes.
import t, { type Test as Tap } from 'tap'
import { isRoot, requireOrSkip } from '../helpers/prerequisites.js'
import { chmodSync, chownSync, existsSync, lchownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { askDaemon, controlSocket, UNTRUSTED_EXIT } from '../../src/cli/control-client.js'
import type { PathFacts } from '../../src/core/runtime-trust.js'
import { pathFacts, runtimeDirChoice } from '../../src/serve/runtime-paths.js'
import { controlTarget, prepareRuntimeDir, verifyControlSocket } from '../../src/serve/runtime-dir.js'

const ME = process.getuid!()
const NOBODY = 65534
const asRoot = ME === 0

const short = (t: Tap): string => {
  const d = mkdtempSync(join(tmpdir(), 'credd-'))
  t.teardown(() => rmSync(d, { recursive: true, force: true }))
  return d
}

/** A folder 0700 with an HTTP server on control.sock that counts what reaches it. */
const server = async (t: Tap, dir: string): Promise<{ socket: string; hits: () => number }> => {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  const socket = join(dir, 'control.sock')
  let hits = 0
  const s: Server = createServer((_req, res) => {
    hits++
    res.end(JSON.stringify({ profiles: [], ssoSessions: [], pid: 1 }))
  })
  await new Promise<void>((r) => s.listen(socket, r))
  t.teardown(() => new Promise<void>((r) => s.close(() => r())))
  return { socket, hits: () => hits }
}

t.test('verifyControlSocket on real paths', async (t) => {
  const base = short(t)
  const { socket } = await server(t, join(base, 'run'))
  t.equal(verifyControlSocket(socket, ME), undefined, 'our private folder, our socket')
  t.match(
    verifyControlSocket(socket, ME + 1),
    { path: join(base, 'run'), reason: `belongs to uid ${ME}, not ${ME + 1}` },
    'another caller: the folder is not theirs',
  )
  for (const mode of [0o777, 0o770, 0o755]) {
    chmodSync(join(base, 'run'), mode)
    t.match(
      verifyControlSocket(socket, ME),
      { reason: `is open to others (mode ${mode.toString(8)}, expected 700)` },
      `mode ${mode.toString(8)}`,
    )
  }
  chmodSync(join(base, 'run'), 0o700)
  symlinkSync(join(base, 'run'), join(base, 'link'))
  t.match(
    verifyControlSocket(join(base, 'link', 'control.sock'), ME),
    { path: join(base, 'link'), reason: 'is not a folder (it is a symlink)' },
    'a symlinked folder',
  )
  mkdirSync(join(base, 'plain'), { mode: 0o700 })
  writeFileSync(join(base, 'plain', 'control.sock'), '')
  t.match(
    verifyControlSocket(join(base, 'plain', 'control.sock'), ME),
    { reason: 'is not a socket (it is a file)' },
    'a file where the socket should be',
  )
  t.equal(verifyControlSocket(join(base, 'absent', 'control.sock'), ME), undefined, 'nothing there: no daemon, not a trust problem')
  // The socket owned by someone else, through the facts: needs no root.
  const otherSocket = (p: string, follow?: boolean): PathFacts => {
    const f = pathFacts(p, follow)
    return p === socket && f.kind === 'socket' ? { ...f, uid: NOBODY } : f
  }
  t.match(verifyControlSocket(socket, ME, otherSocket), { path: socket, reason: `belongs to uid ${NOBODY}, not ${ME}` })
})

t.test('askDaemon sends nothing to a socket that fails the check, and says why in one line', async (t) => {
  const base = short(t)
  const { socket, hits } = await server(t, join(base, 'run'))
  const fine = await askDaemon(socket, 'GET', '/v1/status')
  t.equal(fine.status, 200, 'the check passes for our own')
  t.equal(hits(), 1)
  chmodSync(join(base, 'run'), 0o777)
  const open = await askDaemon(socket, 'POST', '/v1/mfa', { profile: 'p', code: '123456' })
  t.equal(open.status, 'untrusted')
  t.equal(hits(), 1, 'the MFA code never reached the socket')
  const reason = open.status === 'untrusted' ? open.reason : ''
  t.notMatch(reason, /\n/, 'one line')
  t.match(
    reason,
    `refusing the control socket ${socket}: ${join(base, 'run')} is open to others (mode 777, expected 700), so another user could answer in the daemon's place; fix: chmod 700 ${join(base, 'run')}`,
  )
  chmodSync(join(base, 'run'), 0o700)
  const other = await askDaemon(socket, 'GET', '/v1/status', undefined, { uid: ME + 1 })
  t.match(other, { status: 'untrusted', reason: new RegExp(`belongs to uid ${ME}, not ${ME + 1}`) }, "a caller uid that is not the owner's")
  t.equal(hits(), 1)
  t.equal(UNTRUSTED_EXIT, 4)
})

t.test('real other owners (chown)', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const base = short(t)
  const { socket, hits } = await server(t, join(base, 'run'))
  lchownSync(socket, NOBODY, NOBODY)
  t.match(
    await askDaemon(socket, 'GET', '/v1/status'),
    { status: 'untrusted', reason: new RegExp(`${socket} belongs to uid ${NOBODY}, not ${ME}`) },
    'the socket',
  )
  lchownSync(socket, ME, ME)
  chownSync(join(base, 'run'), NOBODY, NOBODY)
  t.match(
    await askDaemon(socket, 'GET', '/v1/status'),
    { status: 'untrusted', reason: new RegExp(`${join(base, 'run')} belongs to uid ${NOBODY}, not ${ME}`) },
    'the folder',
  )
  t.equal(hits(), 0)
})

/** An env without XDG_RUNTIME_DIR, its temp folder and state home under `base`. */
const noXdg = (base: string): NodeJS.ProcessEnv => {
  mkdirSync(join(base, 'tmp'), { mode: 0o1777 })
  chmodSync(join(base, 'tmp'), 0o1777)
  return { HOME: join(base, 'home'), TMPDIR: join(base, 'tmp') }
}

t.test('without XDG_RUNTIME_DIR: the temp folder, made 0700 by the daemon', async (t) => {
  const base = short(t)
  const env = noXdg(base)
  const temp = join(base, 'tmp', `aws-credd-${ME}`)
  t.same(await prepareRuntimeDir(env), { dir: temp })
  t.equal(statSync(temp).mode & 0o777, 0o700)
  t.equal(controlTarget(env).path, join(temp, 'control.sock'), 'the clients agree')
  t.equal(controlTarget(env).note, undefined, 'and say nothing of it')
})

t.test('without XDG_RUNTIME_DIR, a temp folder open to others: daemon and clients both use the state folder', async (t) => {
  const base = short(t)
  const env = noXdg(base)
  const temp = join(base, 'tmp', `aws-credd-${ME}`)
  mkdirSync(temp)
  chmodSync(temp, 0o777)
  const state = join(base, 'home', '.local', 'state', 'aws-credd', 'run')
  const prepared = await prepareRuntimeDir(env)
  t.equal(prepared.dir, state)
  t.equal(
    prepared.warning,
    `the temp runtime folder ${temp} is open to others (mode 777, expected 700): using ${state} instead; set XDG_RUNTIME_DIR to a private folder to choose another`,
  )
  t.equal(statSync(state).mode & 0o777, 0o700)
  t.equal(controlSocket(env).path, join(state, 'control.sock'), 'the clients agree')
  const answer = await askDaemon(controlSocket(env), 'GET', '/v1/status')
  t.match(
    answer,
    {
      status: 'no-daemon',
      reason: `no aws-credd daemon is running (nothing at ${join(state, 'control.sock')}; ${temp} is open to others (mode 777, expected 700), so aws-credd uses ${state} instead)`,
    },
    'when something fails, the message names both',
  )
  t.equal(
    runtimeDirChoice({ ...env, XDG_STATE_HOME: join(base, 'xs') }).dir,
    join(base, 'xs', 'aws-credd', 'run'),
    'XDG_STATE_HOME when set',
  )
})

t.test('without XDG_RUNTIME_DIR, a temp folder another user made first: the state folder, the warning names the owner', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const base = short(t)
  const env = noXdg(base)
  const temp = join(base, 'tmp', `aws-credd-${ME}`)
  mkdirSync(temp, { mode: 0o700 })
  chownSync(temp, NOBODY, NOBODY)
  const prepared = await prepareRuntimeDir(env)
  t.equal(prepared.dir, join(base, 'home', '.local', 'state', 'aws-credd', 'run'))
  t.match(prepared.warning, `the temp runtime folder ${temp} belongs to uid ${NOBODY}, not ${ME} (another user made it first): using `)
})

t.test('the clients follow a daemon into the state folder after the temp one is gone', async (t) => {
  const base = short(t)
  const env = noXdg(base)
  const state = join(base, 'home', '.local', 'state', 'aws-credd', 'run')
  t.equal(controlTarget(env).path, join(base, 'tmp', `aws-credd-${ME}`, 'control.sock'), 'nothing anywhere: the temp folder')
  const { socket } = await server(t, state)
  t.equal(controlTarget(env).path, socket)
  t.equal((await askDaemon(controlSocket(env), 'GET', '/v1/status')).status, 200)
  t.same(await prepareRuntimeDir(env), { dir: state }, 'a daemon starting now makes the same choice (and so finds the first one)')
  t.notOk(existsSync(join(base, 'tmp', `aws-credd-${ME}`)), 'and makes no temp folder')
})

t.test('a state folder too long for a unix socket: the daemon refuses with the fix', async (t) => {
  const base = short(t)
  const env = { ...noXdg(base), HOME: join(base, 'h'.repeat(100)) }
  const temp = join(base, 'tmp', `aws-credd-${ME}`)
  mkdirSync(temp)
  chmodSync(temp, 0o755)
  await t.rejects(prepareRuntimeDir(env), {
    code: 'UnsafeRuntimeDir',
    message:
      /^the control socket .*control.sock would be \d+ bytes, over the 107 .* \(.* is open to others .*\); fix: set XDG_RUNTIME_DIR to a short private folder/,
  })
  t.notOk(existsSync(join(base, 'h'.repeat(100))), 'nothing made')
  t.match(controlTarget(env).note, /control.sock is \d+ bytes, over the 107 a unix socket path may have \(fix: set XDG_RUNTIME_DIR/)
})
