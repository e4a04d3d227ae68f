// The audit log: answers counted per second and per (listener, consumer, profile, status)
// into one JSON line each; a stranger's profile text cut and escaped; a flood of distinct
// names bounded; 0600; rotated past its size; flushed on close. Time is injected (`now`);
// the 1 s flush timer is real, so the tests flush and close explicitly instead of waiting.
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { mock } from 'node:test'
import t, { type Test as Tap } from 'tap'
import { isRoot, requireOrSkip } from '../helpers/prerequisites.js'
import { AuditLog, auditOutcome, type AuditEvent } from '../../src/files/audit-log.js'

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const mode = (p: string): number => statSync(p).mode & 0o777

interface Line {
  time: string
  listener: string
  consumer: string
  profile?: string
  status: number
  outcome: string
  count: number
}

const lines = (file: string): Line[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Line)
    : []

/** The writes queued so far, settled (the class queues them on a private promise chain). */
const written = async (log: AuditLog): Promise<void> => {
  await (log as unknown as { writing: Promise<void> }).writing
}

const setup = (t: Tap, opts: { maxBytes?: number } = {}) => {
  const clock = { t: T0 }
  const file = join(t.testdir(), 'state', 'audit.log')
  const errors: unknown[] = []
  const log = new AuditLog({ file, now: () => clock.t, onError: (e) => errors.push(e), ...opts })
  t.teardown(() => log.close())
  return { clock, file, log, errors }
}

const ev = (profile: string | undefined, status = 200, consumer = 'agent', listener: AuditEvent['listener'] = 'container'): AuditEvent => ({
  listener,
  consumer,
  status,
  ...(profile !== undefined ? { profile } : {}),
})

t.test('many answers in one second: one line per key, with its count', async (t) => {
  const { clock, file, log } = setup(t)
  for (let i = 0; i < 500; i++) {
    clock.t = T0 + (i % 1000) // all within the same second
    log.record(ev('dev'))
  }
  for (let i = 0; i < 7; i++) log.record(ev('prod', 403))
  for (let i = 0; i < 3; i++) log.record(ev('dev', 401, 'anonymous'))
  log.record(ev(undefined, 404, 'anonymous', 'imds'))
  log.record(ev('dev', 200, 'owner', 'control'))
  await log.close()
  t.same(lines(file), [
    { time: '2026-01-01T12:00:00Z', listener: 'container', consumer: 'agent', profile: 'dev', status: 200, outcome: 'served', count: 500 },
    {
      time: '2026-01-01T12:00:00Z',
      listener: 'container',
      consumer: 'agent',
      profile: 'prod',
      status: 403,
      outcome: 'forbidden',
      count: 7,
    },
    { time: '2026-01-01T12:00:00Z', listener: 'container', consumer: 'anonymous', status: 401, outcome: 'unauthenticated', count: 3 },
    { time: '2026-01-01T12:00:00Z', listener: 'imds', consumer: 'anonymous', status: 404, outcome: 'not-found', count: 1 },
    { time: '2026-01-01T12:00:00Z', listener: 'control', consumer: 'owner', profile: 'dev', status: 200, outcome: 'served', count: 1 },
  ])
  t.notOk('profile' in lines(file)[3]!, 'no profile field when none was asked for')
})

t.test('a new second writes the previous one, stamped with its own second', async (t) => {
  const { clock, file, log } = setup(t)
  log.record(ev('dev'))
  clock.t = T0 + 999
  log.record(ev('dev'))
  await written(log)
  t.same(lines(file), [], 'nothing written while the second is open')
  clock.t = T0 + 1000
  log.record(ev('dev'))
  await written(log)
  t.same(
    lines(file).map((l) => [l.time, l.count]),
    [['2026-01-01T12:00:00Z', 2]],
    'the first second is written when the next one starts',
  )
  clock.t = T0 + 5500
  log.record(ev('dev'))
  log.record(ev('ci'))
  await log.close()
  t.same(
    lines(file).map((l) => [l.time, l.profile, l.count]),
    [
      ['2026-01-01T12:00:00Z', 'dev', 2],
      ['2026-01-01T12:00:01Z', 'dev', 1],
      ['2026-01-01T12:00:05Z', 'dev', 1],
      ['2026-01-01T12:00:05Z', 'ci', 1],
    ],
  )
})

t.test('nothing recorded: nothing written, no file made', async (t) => {
  const { file, log } = setup(t)
  log.flush()
  await log.close()
  t.notOk(existsSync(file))
})

t.test('a profile name is cut at 100 characters and control characters are escaped by JSON', async (t) => {
  const { file, log } = setup(t)
  const long = 'p'.repeat(250)
  const nasty = 'a\u0000b\nc\r"d\u001b[31m\u2028e\\'
  const nul = 'dev\u0000403\u0000x'
  log.record(ev(long, 404))
  log.record(ev(`${'p'.repeat(100)}different-tail`, 404))
  log.record(ev(nasty, 404))
  log.record(ev(nul, 404))
  await log.close()
  const text = readFileSync(file, 'utf8')
  const got = lines(file)
  t.equal(text.split('\n').length, got.length + 1, 'no line was broken by the profile text')
  t.equal(got[0]!.profile, 'p'.repeat(100), 'cut at 100')
  t.equal(got[0]!.count, 2, 'names equal in their first 100 characters count together')
  t.equal(got[1]!.profile, nasty, 'control characters survive the round trip, escaped')
  t.ok(text.includes('a\\u0000b\\nc\\r\\"d\\u001b[31m'), 'escaped in the file')
  t.notOk(/[\u0000\r\u001b]/.test(text), 'no raw control character in the file')
  t.equal(got[2]!.profile, nul, 'a NUL in the name is kept whole, not cut at the NUL')
  t.equal(got[2]!.status, 404)
})

t.test('past 1000 distinct keys in a second, the rest are counted under "(other)"', async (t) => {
  const { clock, file, log } = setup(t)
  for (let i = 0; i < 1000; i++) log.record(ev(`profile-${i}`, 404, 'anonymous'))
  for (let i = 1000; i < 1250; i++) log.record(ev(`profile-${i}`, 404, 'anonymous'))
  log.record(ev('profile-7', 404, 'anonymous')) // a key already counted keeps counting under its name
  await written(log)
  clock.t = T0 + 1000
  log.record(ev('dev')) // the next second starts with room again
  await log.close()
  const got = lines(file)
  const first = got.filter((l) => l.time === '2026-01-01T12:00:00Z')
  t.equal(first.length, 1001, '1000 named keys and one "(other)"')
  t.same(
    first.find((l) => l.profile === '(other)'),
    {
      time: '2026-01-01T12:00:00Z',
      listener: 'container',
      consumer: 'anonymous',
      profile: '(other)',
      status: 404,
      outcome: 'not-found',
      count: 250,
    },
  )
  t.equal(first.find((l) => l.profile === 'profile-7')?.count, 2)
  t.notOk(first.some((l) => l.profile === 'profile-1000'))
  t.same(
    got.filter((l) => l.time === '2026-01-01T12:00:01Z').map((l) => l.profile),
    ['dev'],
  )
})

t.test('the file is made 0600 in a 0700 folder, and a later run appends to it', async (t) => {
  const { file, log } = setup(t)
  log.record(ev('dev'))
  await log.close()
  t.equal(mode(file), 0o600)
  t.equal(mode(join(file, '..')), 0o700, 'its folder is made 0700')

  // A second daemon run appends.
  const again = new AuditLog({ file, now: () => T0 + 60_000 })
  again.record(ev('ci'))
  await again.close()
  t.same(
    lines(file).map((l) => l.profile),
    ['dev', 'ci'],
  )
  t.equal(mode(file), 0o600)
})

t.test('past maxBytes the file is rotated to FILE.1 and a new 0600 file started (FILE.1 to FILE.3 kept)', async (t) => {
  const { clock, file, log } = setup(t, { maxBytes: 300 })
  for (let s = 0; s < 2; s++) {
    clock.t = T0 + s * 1000
    log.record(ev(`second-${s}`))
    log.record(ev(`second-${s}`, 403))
    log.flush()
    await written(log)
    t.notOk(existsSync(`${file}.1`), `not rotated while the file was within 300 bytes before the write (${statSync(file).size} now)`)
  }
  const before = lines(file).length
  t.ok(Buffer.byteLength(readFileSync(file)) > 300, `past 300 bytes (${before} lines)`)
  clock.t = T0 + 10_000
  log.record(ev('after'))
  await log.close()
  t.ok(existsSync(`${file}.1`), 'rotated')
  t.equal(lines(`${file}.1`).length, before, 'the old lines moved whole')
  t.same(
    lines(file).map((l) => l.profile),
    ['after'],
    'the new file starts afresh',
  )
  t.equal(mode(file), 0o600)
  t.equal(mode(`${file}.1`), 0o600)
})

t.test('the size of an existing file counts towards rotation', async (t) => {
  const { file, log } = setup(t, { maxBytes: 100 })
  log.record(ev('first'))
  await log.close()
  writeFileSync(file, `${'x'.repeat(200)}\n`, { flag: 'a' })
  const again = new AuditLog({ file, now: () => T0 + 60_000, maxBytes: 100 })
  again.record(ev('second'))
  await again.close()
  t.ok(existsSync(`${file}.1`), 'rotated on the first write after a restart')
  t.same(
    lines(file).map((l) => l.profile),
    ['second'],
  )
})

t.test('close() flushes what is pending and clears the timer; a write failure goes to onError', async (t) => {
  const { file, log } = setup(t)
  log.record(ev('dev'))
  t.ok((log as unknown as { timer?: unknown }).timer, 'a timer while something is pending')
  await log.close()
  t.equal((log as unknown as { timer?: unknown }).timer, undefined, 'none after close')
  t.equal(lines(file).length, 1)

  const dir = join(file, '..', 'broken')
  mkdirSync(join(dir, 'audit.log'), { recursive: true }) // a folder where the file should be
  const errors: unknown[] = []
  const broken = new AuditLog({ file: join(dir, 'audit.log'), now: () => T0, onError: (e) => errors.push(e) })
  broken.record(ev('dev'))
  await broken.close()
  t.equal(errors.length, 1, 'reported, not thrown')
  t.match(errors[0], { code: 'EISDIR' })
})

t.test('auditOutcome names each status', async (t) => {
  const rows: Array<[number, string]> = [
    [200, 'served'],
    [401, 'unauthenticated'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [429, 'rate-limited'],
    [503, 'unavailable'],
    [500, 'error'],
    [502, 'error'],
    [400, 'refused'],
    [405, 'refused'],
  ]
  for (const [status, want] of rows) t.equal(auditOutcome(status), want, String(status))
})

t.test('under steady load each second is written once per key: the timer waits for the second to end', async (t) => {
  // The flush timer is a real setTimeout: Node's mock timers drive it, with `now` moved alongside.
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  t.teardown(() => mock.timers.reset())
  const file = join(t.testdir(), 'audit.log')
  const log = new AuditLog({ file, now: () => Date.now() })
  t.teardown(() => log.close())
  const at = async (ms: number): Promise<void> => {
    mock.timers.tick(T0 + ms - Date.now())
    await written(log)
  }
  // Ten requests a second, for three and a half seconds, starting 300 ms into a second.
  for (let ms = 300; ms < 3800; ms += 100) {
    await at(ms)
    log.record(ev('dev'))
  }
  await at(3800)
  t.same(
    lines(file).map((l) => [l.time, l.count]),
    [
      ['2026-01-01T12:00:00Z', 7],
      ['2026-01-01T12:00:01Z', 10],
      ['2026-01-01T12:00:02Z', 10],
    ],
    'one line per second, each whole',
  )
  // Then nobody asks: the last second is written soon after it ends, and no timer is left.
  await at(4100)
  t.same(lines(file).at(-1), {
    time: '2026-01-01T12:00:03Z',
    listener: 'container',
    consumer: 'agent',
    profile: 'dev',
    status: 200,
    outcome: 'served',
    count: 8,
  })
  t.equal(lines(file).length, 4)
  t.equal((log as unknown as { timer?: unknown }).timer, undefined, 'no timer while idle')
})

t.test('unauthenticated answers are counted under one key without the profile: random names cannot flood the log', async (t) => {
  const { clock, file, log } = setup(t)
  for (let i = 0; i < 5000; i++) log.record(ev(`random-${i}-${'x'.repeat(i % 50)}`, 401, 'anonymous'))
  log.record(ev('dev', 401, 'anonymous', 'imds'))
  log.record(ev('dev', 403, 'agent')) // a known consumer keeps its profile
  log.record(ev('nope', 404, 'anonymous', 'imds')) // and so does a not-found: IMDS asks for no token
  clock.t = T0 + 1000
  await log.close()
  t.same(lines(file), [
    { time: '2026-01-01T12:00:00Z', listener: 'container', consumer: 'anonymous', status: 401, outcome: 'unauthenticated', count: 5000 },
    { time: '2026-01-01T12:00:00Z', listener: 'imds', consumer: 'anonymous', status: 401, outcome: 'unauthenticated', count: 1 },
    { time: '2026-01-01T12:00:00Z', listener: 'container', consumer: 'agent', profile: 'dev', status: 403, outcome: 'forbidden', count: 1 },
    { time: '2026-01-01T12:00:00Z', listener: 'imds', consumer: 'anonymous', profile: 'nope', status: 404, outcome: 'not-found', count: 1 },
  ])
  t.ok(readFileSync(file).length < 1000, 'a few hundred bytes for 5000 unauthenticated requests')
})

t.test('three rotations are kept: FILE.1 (newest) to FILE.3; the oldest is dropped', async (t) => {
  const { clock, file, log } = setup(t, { maxBytes: 100 })
  // Each second's line is ~130 bytes, so every write after the first finds the file past 100 bytes and rotates it.
  for (let s = 0; s < 6; s++) {
    clock.t = T0 + s * 1000
    log.record(ev(`second-${s}`))
    log.flush()
    await written(log)
  }
  await log.close()
  t.same(
    lines(file).map((l) => l.profile),
    ['second-5'],
  )
  t.same(
    lines(`${file}.1`).map((l) => l.profile),
    ['second-4'],
  )
  t.same(
    lines(`${file}.2`).map((l) => l.profile),
    ['second-3'],
  )
  t.same(
    lines(`${file}.3`).map((l) => l.profile),
    ['second-2'],
  )
  t.notOk(existsSync(`${file}.4`), 'no fourth')
  for (const f of [file, `${file}.1`, `${file}.2`, `${file}.3`]) t.equal(mode(f), 0o600, f)
})

// Run as root (as the daemon may be), with audit.file in a folder others can write: another user's planted link or file.
const NOBODY = 65534
const VICTIM = 'root data, not a log\n'

const sharedSetup = (t: Tap) => {
  const dir = t.testdir({})
  const shared = join(dir, 'shared')
  mkdirSync(shared)
  chmodSync(shared, 0o1777)
  const victim = join(dir, 'victim')
  writeFileSync(victim, VICTIM)
  chmodSync(victim, 0o644)
  const file = join(shared, 'audit.log')
  const errors: unknown[] = []
  const clock = { t: T0 }
  const log = new AuditLog({ file, now: () => clock.t, onError: (e) => errors.push(e) })
  t.teardown(() => log.close())
  const untouched = (): void => {
    t.equal(readFileSync(victim, 'utf8'), VICTIM, "the victim's bytes are unchanged")
    t.equal(statSync(victim).mode & 0o777, 0o644, 'its mode is unchanged')
  }
  /** Records one answer in the next second and waits for its write. */
  const tick = async (): Promise<void> => {
    log.record(ev('dev'))
    clock.t += 1000
    log.flush()
    await written(log)
  }
  return { dir, shared, victim, file, errors, log, clock, untouched, tick }
}

t.test(
  'a symlink another user planted at the log path is not appended to or chmodded through; reported once, counting goes on',
  async (t) => {
    if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
    const s = sharedSetup(t)
    symlinkSync(s.victim, s.file)
    lchownSync(s.file, NOBODY, NOBODY)
    for (let i = 0; i < 3; i++) await s.tick()
    s.untouched()
    t.equal(s.errors.length, 1, 'reported once, not once a second')
    t.match(s.errors[0], { code: 'ForeignSymlinkTarget', message: new RegExp(`${s.file} is a symlink that belongs to uid ${NOBODY}`) })
    t.ok(lstatSync(s.file).isSymbolicLink(), 'the link is left alone')
    // Once the link is gone, logging resumes in a file of our own.
    rmSync(s.file)
    s.log.record(ev('after'))
    await s.log.close()
    t.same(
      lines(s.file).map((l) => l.profile),
      ['after'],
    )
    t.equal(statSync(s.file).uid, 0)
    t.equal(mode(s.file), 0o600)
    t.equal(s.errors.length, 1)
  },
)

t.test("a symlink of root's to a file of root's is written through (a log kept elsewhere)", async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const s = sharedSetup(t)
  const real = join(s.dir, 'real.log')
  symlinkSync(real, s.file)
  await s.tick()
  t.equal(lines(real).length, 1)
  t.ok(lstatSync(s.file).isSymbolicLink())
  t.same(s.errors, [])
})

t.test('a plain file another user made at the log path, or a hard link to a root file, is refused', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const s = sharedSetup(t)
  writeFileSync(s.file, 'theirs\n')
  chmodSync(s.file, 0o666)
  chownSync(s.file, NOBODY, NOBODY)
  await s.tick()
  await s.tick()
  t.equal(readFileSync(s.file, 'utf8'), 'theirs\n', 'their file is not appended to')
  t.equal(mode(s.file), 0o666, 'nor chmodded')
  t.equal(s.errors.length, 1)
  t.match(s.errors[0], { code: 'UnsafeAuditLog', message: new RegExp(`belongs to uid ${NOBODY}`) })

  rmSync(s.file)
  chownSync(s.victim, 0, 0)
  linkSync(s.victim, s.file) // as if another user hard-linked root's file there (protected_hardlinks off)
  const s2 = new AuditLog({ file: s.file, now: () => T0, onError: (e) => s.errors.push(e) })
  s2.record(ev('dev'))
  await s2.close()
  s.untouched()
  t.match(s.errors[1], { code: 'UnsafeAuditLog', message: /has 2 hard links/ })
  t.same(readdirSync(s.shared), ['audit.log'])
})
