// Runtime folder rules: which folder and why, whether it is private and ours, whether
// the control socket in it is ours, a temp folder another user made first, a socket path
// over the limit. Facts by hand; another owner is just another uid in them.
import t from 'tap'
import { buildContext } from '../../../src/core/doctor/context.js'
import type { RuntimeFacts } from '../../../src/core/doctor/facts.js'
import { runDoctor } from '../../../src/core/doctor/index.js'
import { runtimeRules } from '../../../src/core/doctor/runtime-rules.js'
import type { PathFacts } from '../../../src/core/runtime-trust.js'
import { makeFacts, NOW } from '../../helpers/doctor-facts.js'

const ME = 1000
const XDG = '/run/user/1000/aws-credd'
const dir = (mode = 0o700, uid = ME): PathFacts => ({ kind: 'dir', uid, mode })
const sock = (uid = ME): PathFacts => ({ kind: 'socket', uid, mode: 0o600 })
const MISSING: PathFacts = { kind: 'missing' }

const runtime = (over: Partial<RuntimeFacts> = {}): RuntimeFacts => ({
  uid: ME,
  choice: { dir: XDG, via: 'XDG_RUNTIME_DIR' },
  folder: dir(),
  parent: dir(),
  socket: sock(),
  ...over,
})
const run = (r: RuntimeFacts | undefined) =>
  runtimeRules(
    buildContext(
      makeFacts({
        patch: (f) => {
          if (r) f.runtime = r
        },
      }),
      NOW,
    ),
  )

t.test('no runtime facts (no uids on this platform): nothing', async (t) => {
  t.same(run(undefined), [])
})

t.test('private folder, our socket: ok for both, naming why the folder is there', async (t) => {
  const f = run(runtime())
  t.match(f, [
    {
      severity: 'ok',
      code: 'runtime-dir',
      message: `runtime folder ${XDG} (from XDG_RUNTIME_DIR) is yours and private (mode 700)`,
      data: { dir: XDG, via: 'XDG_RUNTIME_DIR' },
    },
    { severity: 'ok', code: 'control-socket', message: `control socket ${XDG}/control.sock is yours` },
  ])
  t.equal(f.length, 2)
})

t.test('not there yet: info, run creates it', async (t) => {
  const f = run(runtime({ choice: { dir: '/tmp/aws-credd-1000', via: 'temp' }, folder: MISSING, socket: MISSING }))
  t.match(f, [
    {
      severity: 'info',
      code: 'runtime-dir',
      message:
        'runtime folder /tmp/aws-credd-1000 (in the temp folder, as XDG_RUNTIME_DIR is unset) does not exist yet; aws-credd run creates it (mode 700)',
    },
  ])
  t.equal(f.length, 1)
})

t.test('folder no socket: only the folder', async (t) => {
  t.match(run(runtime({ socket: MISSING })), [{ code: 'runtime-dir', severity: 'ok' }])
  t.equal(run(runtime({ socket: MISSING })).length, 1)
})

const unsafe: Array<[string, Partial<RuntimeFacts>, RegExp, RegExp]> = [
  [
    "someone else's",
    { folder: dir(0o700, 65534) },
    /belongs to uid 65534, not 1000: aws-credd run refuses it, and the commands refuse to talk to a daemon there$/,
    /XDG_RUNTIME_DIR/,
  ],
  ['a symlink', { folder: { kind: 'symlink', uid: ME, mode: 0o777 } }, /is not a folder \(it is a symlink\)/, /^remove /],
  ['mode 0755', { folder: dir(0o755) }, /is open to others \(mode 755, expected 700\)/, /^chmod 700 \/run\/user\/1000\/aws-credd$/],
  ['mode 0770', { folder: dir(0o770) }, /is open to others \(mode 770, expected 700\)/, /^chmod 700 /],
]
for (const [name, over, message, fix] of unsafe) {
  t.test(`folder ${name}: error with the fix, and no word on the socket`, async (t) => {
    const f = run(runtime(over))
    t.equal(f.length, 1)
    t.match(f[0], { severity: 'error', code: 'runtime-dir-unsafe', message, fix })
    t.match(f[0]!.message, /^runtime folder \/run\/user\/1000\/aws-credd \(from XDG_RUNTIME_DIR\) /)
  })
}

t.test("a socket of another user's or not a socket: error", async (t) => {
  const other = run(runtime({ socket: sock(65534) }))
  t.match(other[1], {
    severity: 'error',
    code: 'control-socket-untrusted',
    message: `control socket ${XDG}/control.sock belongs to uid 65534, not 1000: the commands refuse to talk to it`,
    data: { owner: 65534 },
  })
  t.match(other[1]!.fix, /have root remove .*control.sock/)
  t.match(run(runtime({ socket: { kind: 'file', uid: ME, mode: 0o644 } }))[1], {
    severity: 'error',
    code: 'control-socket-untrusted',
    message: /is not a socket \(it is a file\)/,
  })
})

t.test('the temp folder taken by another user: a warning naming it and its owner, and the state folder in use', async (t) => {
  const state = '/home/u/.local/state/aws-credd/run'
  const f = run(
    runtime({
      choice: {
        dir: state,
        via: 'state',
        squatted: { path: '/tmp/aws-credd-1000', reason: 'belongs to uid 65534, not 1000', owner: 65534, fix: 'x' },
      },
      folder: MISSING,
      socket: MISSING,
    }),
  )
  t.match(f, [
    {
      severity: 'warning',
      code: 'runtime-dir-squatted',
      message: `the temp runtime folder /tmp/aws-credd-1000 belongs to uid 65534, not 1000 (another user made it first): aws-credd uses ${state} instead`,
      fix: 'have root remove /tmp/aws-credd-1000 (and find out why uid 65534 made it), or set XDG_RUNTIME_DIR to a private folder of yours (mode 700)',
      data: { path: '/tmp/aws-credd-1000', owner: 65534 },
    },
    {
      severity: 'info',
      code: 'runtime-dir',
      message: `runtime folder ${state} (in the state folder, as XDG_RUNTIME_DIR is unset and the temp folder is not usable) does not exist yet; aws-credd run creates it (mode 700)`,
    },
  ])
  const ours = run(
    runtime({
      choice: {
        dir: state,
        via: 'state',
        squatted: {
          path: '/tmp/aws-credd-1000',
          reason: 'is open to others (mode 777, expected 700)',
          fix: 'chmod 700 /tmp/aws-credd-1000',
        },
      },
    }),
  )
  t.match(ours[0], {
    code: 'runtime-dir-squatted',
    message: /^the temp runtime folder \/tmp\/aws-credd-1000 is open to others \(mode 777, expected 700\): aws-credd uses/,
    fix: 'chmod 700 /tmp/aws-credd-1000',
  })
  const gone = run(runtime({ choice: { dir: state, via: 'state' } }))
  t.match(gone[0]!.message, /\(in the state folder, where a daemon's socket is, as XDG_RUNTIME_DIR is unset and the temp folder is gone\)/)
})

t.test('a socket path over the limit: error with the XDG_RUNTIME_DIR fix', async (t) => {
  const f = run(
    runtime({
      choice: {
        dir: '/home/x/.local/state/aws-credd/run',
        via: 'state',
        tooLong: { socket: '/home/x/.local/state/aws-credd/run/control.sock', bytes: 130, max: 107 },
      },
      folder: MISSING,
    }),
  )
  t.match(f[0], {
    severity: 'error',
    code: 'runtime-dir-too-long',
    message: /control.sock would be 130 bytes, over the 107 a unix socket path may have: aws-credd run cannot start there$/,
    fix: /^set XDG_RUNTIME_DIR to a short private folder/,
  })
})

t.test('in the whole report: an untrusted socket is an error (exit 2), and the daemon finding gives way to it', async (t) => {
  const facts = makeFacts({
    network: { probes: [], daemon: { running: false, reason: 'refusing the control socket …', untrusted: true } },
    patch: (f) => {
      f.runtime = runtime({ socket: sock(65534) })
    },
  })
  const report = runDoctor(facts, NOW)
  t.equal(report.exitCode, 2)
  t.ok(report.findings.some((f) => f.code === 'control-socket-untrusted'))
  t.notOk(
    report.findings.some((f) => f.code === 'daemon-not-running'),
    'not also reported as no daemon',
  )
})
