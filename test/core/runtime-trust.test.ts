// The trust check on the control socket and the runtime folder choice, from hand-made
// lstat facts: another user's folder is simulated by a caller uid that is not the
// owner's, so none of this needs root.
import t from 'tap'
import {
  chooseRuntimeDir,
  choiceNote,
  controlSocketProblem,
  folderProblem,
  maxSocketBytes,
  socketProblem,
  stateRuntimeDir,
  type PathFacts,
  type RuntimeDirInput,
  type SocketFacts,
} from '../../src/core/runtime-trust.js'

const ME = 1000
const OTHER = 65534
const DIR = '/run/user/1000/aws-credd'
const SOCK = `${DIR}/control.sock`

const dir = (mode = 0o700, uid = ME): PathFacts => ({ kind: 'dir', uid, mode })
const sock = (uid = ME): PathFacts => ({ kind: 'socket', uid, mode: 0o600 })
const PARENT = dir(0o700)
const ok = (over: Partial<SocketFacts> = {}): SocketFacts => ({ folder: dir(), parent: PARENT, socket: sock(), ...over })

t.test("a private folder of the caller's with the caller's socket passes", async (t) => {
  t.equal(controlSocketProblem(SOCK, DIR, ok(), ME), undefined)
  t.equal(controlSocketProblem(SOCK, DIR, ok({ socket: { kind: 'missing' } }), ME), undefined, 'no socket: no daemon, not a trust problem')
  t.equal(controlSocketProblem(SOCK, DIR, ok({ folder: { kind: 'missing' } }), ME), undefined, 'no folder: no daemon')
  t.equal(controlSocketProblem(SOCK, DIR, ok({ parent: dir(0o1777, 0) }), ME), undefined, 'a sticky shared parent (/tmp) is fine')
  t.equal(controlSocketProblem(SOCK, DIR, ok({ parent: dir(0o755, 0) }), ME), undefined, 'a root-owned parent is fine')
})

t.test('the folder is refused', async (t) => {
  const cases: Array<[string, SocketFacts, number, RegExp, RegExp]> = [
    [
      'a symlink',
      ok({ folder: { kind: 'symlink', uid: ME, mode: 0o777 } }),
      ME,
      /^is not a folder \(it is a symlink\)$/,
      /^remove \/run\/user\/1000\/aws-credd /,
    ],
    ['a file', ok({ folder: { kind: 'file', uid: ME, mode: 0o600 } }), ME, /^is not a folder \(it is a file\)$/, /^remove /],
    [
      "someone else's (caller 1000, owner 65534)",
      ok({ folder: dir(0o700, OTHER) }),
      ME,
      /^belongs to uid 65534, not 1000$/,
      /run aws-credd as uid 65534.*have root remove \/run\/user\/1000\/aws-credd.*XDG_RUNTIME_DIR/,
    ],
    [
      "someone else's from the owner's side (caller 0 under sudo)",
      ok(),
      0,
      /^belongs to uid 1000, not 0$/,
      /under sudo or su run aws-credd as uid 1000/,
    ],
    [
      'mode 0777',
      ok({ folder: dir(0o777) }),
      ME,
      /^is open to others \(mode 777, expected 700\)$/,
      /^chmod 700 \/run\/user\/1000\/aws-credd$/,
    ],
    ['mode 0770', ok({ folder: dir(0o770) }), ME, /^is open to others \(mode 770, expected 700\)$/, /^chmod 700 /],
    ['mode 0755 (readable by others)', ok({ folder: dir(0o755) }), ME, /^is open to others \(mode 755, expected 700\)$/, /^chmod 700 /],
    ['mode 0750 (readable by the group)', ok({ folder: dir(0o750) }), ME, /^is open to others \(mode 750, expected 700\)$/, /^chmod 700 /],
    ['unreadable (EACCES)', ok({ folder: { kind: 'error', code: 'EACCES' } }), ME, /^cannot be checked \(EACCES\)$/, /XDG_RUNTIME_DIR/],
    [
      'in a parent others can write without the sticky bit',
      ok({ parent: dir(0o777, 0) }),
      ME,
      /^is in a folder others can write without the sticky bit \(mode 777\), so they could swap it$/,
      /XDG_RUNTIME_DIR/,
    ],
    [
      "in a parent of another user's",
      ok({ parent: dir(0o700, OTHER) }),
      ME,
      /^is in a folder of uid 65534, who could swap it$/,
      /XDG_RUNTIME_DIR/,
    ],
  ]
  for (const [name, facts, uid, reason, fix] of cases) {
    const p = controlSocketProblem(SOCK, DIR, facts, uid)
    t.ok(p, name)
    t.equal(p?.path, DIR, `${name}: names the folder`)
    t.match(p?.reason, reason, `${name}: reason`)
    t.match(p?.fix, fix, `${name}: fix`)
  }
})

t.test('the socket is refused', async (t) => {
  const other = controlSocketProblem(SOCK, DIR, ok({ socket: sock(OTHER) }), ME)
  t.match(other, { path: SOCK, reason: 'belongs to uid 65534, not 1000', owner: OTHER })
  t.match(other?.fix, /have root remove \/run\/user\/1000\/aws-credd\/control.sock/)
  t.match(controlSocketProblem(SOCK, DIR, ok({ socket: { kind: 'file', uid: ME, mode: 0o600 } }), ME), {
    path: SOCK,
    reason: 'is not a socket (it is a file)',
  })
  t.match(controlSocketProblem(SOCK, DIR, ok({ socket: { kind: 'symlink', uid: ME, mode: 0o777 } }), ME), {
    path: SOCK,
    reason: 'is not a socket (it is a symlink)',
  })
  t.match(socketProblem(SOCK, { kind: 'error', code: 'EACCES' }, ME), { reason: 'cannot be checked (EACCES)' })
  t.match(
    controlSocketProblem(SOCK, DIR, ok({ folder: dir(0o700, OTHER), socket: sock(OTHER) }), ME),
    { path: DIR },
    'the folder is reported first',
  )
})

t.test('the folder check alone: the same verdicts', async (t) => {
  t.equal(folderProblem(DIR, dir(), PARENT, ME), undefined)
  t.match(folderProblem(DIR, dir(0o700, OTHER), PARENT, ME), { owner: OTHER })
})

const TMP = '/tmp'
const HOME = '/home/u'
const input = (over: Partial<RuntimeDirInput> = {}): RuntimeDirInput => ({
  env: {},
  uid: ME,
  tmp: TMP,
  home: HOME,
  tempFolder: { kind: 'missing' },
  tempParent: dir(0o1777, 0),
  maxSocketBytes: 107,
  ...over,
})

t.test('runtime folder choice', async (t) => {
  t.same(
    chooseRuntimeDir(input({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, tempFolder: dir(0o777, OTHER) })),
    { dir: '/run/user/1000/aws-credd', via: 'XDG_RUNTIME_DIR' },
    'XDG_RUNTIME_DIR wins, whatever the temp folder is',
  )
  t.same(
    chooseRuntimeDir(input({ env: { XDG_RUNTIME_DIR: 'relative' } })),
    { dir: '/tmp/aws-credd-1000', via: 'temp' },
    'a relative XDG_RUNTIME_DIR is ignored',
  )
  t.same(chooseRuntimeDir(input()), { dir: '/tmp/aws-credd-1000', via: 'temp' }, 'absent: the temp folder (the daemon makes it)')
  t.same(chooseRuntimeDir(input({ tempFolder: dir() })), { dir: '/tmp/aws-credd-1000', via: 'temp' }, 'ours and private: the temp folder')

  const squats: Array<[string, PathFacts, RegExp]> = [
    ['another user made it', dir(0o700, OTHER), /^belongs to uid 65534, not 1000$/],
    ['a symlink', { kind: 'symlink', uid: OTHER, mode: 0o777 }, /^is not a folder \(it is a symlink\)$/],
    ['ours but open (0777)', dir(0o777), /^is open to others \(mode 777, expected 700\)$/],
    ['ours but readable (0755)', dir(0o755), /^is open to others/],
    ['a file', { kind: 'file', uid: OTHER, mode: 0o644 }, /^is not a folder/],
  ]
  for (const [name, tempFolder, reason] of squats) {
    const c = chooseRuntimeDir(input({ tempFolder }))
    t.equal(c.dir, '/home/u/.local/state/aws-credd/run', `${name}: the state folder in the home`)
    t.equal(c.via, 'state')
    t.equal(c.squatted?.path, '/tmp/aws-credd-1000')
    t.match(c.squatted?.reason, reason, name)
  }
  t.equal(
    chooseRuntimeDir(input({ tempFolder: dir(0o700, OTHER), env: { XDG_STATE_HOME: '/srv/state' } })).dir,
    '/srv/state/aws-credd/run',
    'XDG_STATE_HOME when set',
  )
  t.equal(
    stateRuntimeDir({ XDG_STATE_HOME: 'relative' }, HOME),
    '/home/u/.local/state/aws-credd/run',
    'a relative XDG_STATE_HOME is ignored',
  )
  t.equal(
    chooseRuntimeDir(input({ tempFolder: dir(), tempParent: dir(0o777, 0) })).via,
    'state',
    'a temp dir others can write without the sticky bit: the state folder',
  )
  t.equal(chooseRuntimeDir(input({ tempFolder: dir(0o700, OTHER) })).squatted?.owner, OTHER, 'the owner is kept for the log line')
})

t.test('runtime folder choice: the clients follow a daemon in the state folder when the temp one is gone', async (t) => {
  t.same(chooseRuntimeDir(input({ stateSocket: sock() })), { dir: '/home/u/.local/state/aws-credd/run', via: 'state' })
  t.equal(chooseRuntimeDir(input({ stateSocket: { kind: 'missing' } })).via, 'temp', 'no socket there: the temp folder')
  t.equal(
    chooseRuntimeDir(input({ tempFolder: dir(), stateSocket: sock() })).via,
    'temp',
    'the temp folder is ours: it, whatever the state folder holds',
  )
})

t.test('runtime folder choice: a socket path over the limit says so, with the fix', async (t) => {
  const home = `/home/${'x'.repeat(80)}`
  const c = chooseRuntimeDir(input({ home, tempFolder: dir(0o700, OTHER) }))
  t.equal(c.via, 'state')
  t.match(c.tooLong, { socket: `${home}/.local/state/aws-credd/run/control.sock`, max: 107 })
  t.ok(c.tooLong!.bytes > 107)
  t.match(
    choiceNote(c),
    /^\/tmp\/aws-credd-1000 belongs to uid 65534, not 1000, so aws-credd uses \/home\/x+\/.local\/state\/aws-credd\/run instead; .*control.sock is \d+ bytes, over the 107 .*fix: set XDG_RUNTIME_DIR/,
  )
  t.equal(chooseRuntimeDir(input({ tempFolder: dir(0o700, OTHER) })).tooLong, undefined, 'a short home: no complaint')
  t.equal(choiceNote(chooseRuntimeDir(input())), '', 'the usual case: nothing to say')
  t.equal(maxSocketBytes('linux'), 107)
  t.equal(maxSocketBytes('darwin'), 103)
})
