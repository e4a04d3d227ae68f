// CredentialsFileOutput with a fake writer and a fake clock: batching, who wins,
// retry with backoff for transient failures, one log line for a refusal.
import t from 'tap'
import type { Credentials } from '../../src/core/credentials.js'
import { CredentialsFileError } from '../../src/core/errors.js'
import { defaultPolicy } from '../../src/core/renewal-plan.js'
import { CredentialsFileOutput } from '../../src/engine/credentials-output.js'
import type { SectionUpdate, SectionWriter } from '../../src/engine/ports.js'
import { recordingLogger } from '../helpers/fake-logger.js'
import { FakeClock, seeded, settle } from '../helpers/fake-clock.js'

const FILE = '/home/test/.aws/credentials'

/** A writer that records every batch and fails when told to. */
class FakeWriter implements SectionWriter {
  batches: SectionUpdate[][] = []
  /** Clock time of each apply() call. */
  at: number[] = []
  sections = new Map<string, Credentials | null>()
  /** Errors to throw, one per coming apply() call. */
  failures: Error[] = []
  /** When set, apply() waits for this before finishing. */
  gate: Promise<void> | undefined
  constructor(private readonly clock: FakeClock) {}

  async apply(updates: SectionUpdate[]): Promise<void> {
    this.batches.push(updates.map((u) => ({ ...u })))
    this.at.push(this.clock.now())
    if (this.gate) await this.gate
    const err = this.failures.shift()
    if (err) throw err
    for (const u of updates) this.sections.set(u.section, u.credentials)
  }
}

const transient = (): CredentialsFileError =>
  new CredentialsFileError(FILE, `${FILE}: another aws-credd holds the lock ${FILE}.lock`, {
    code: 'CredentialsFileLocked',
    kind: 'transient',
  })
const permanent = (): CredentialsFileError =>
  new CredentialsFileError(
    FILE,
    `${FILE}: section [app] holds long-term keys (AKIA...) that aws-credd did not write; not touching them for profile dev`,
    { code: 'UnmanagedLongTermKeys', kind: 'permanent' },
  )

const creds = (n: number): Credentials => ({
  accessKeyId: `ASIAOUTPUTEXAMPLE${String(n).padStart(3, '0')}`,
  secretAccessKey: `outputSecretExampleKey${n}`.padEnd(40, 'x'),
  sessionToken: `outputSessionToken${n}`,
  expiresAt: Date.UTC(2026, 0, 1, 1),
})

const setup = (targets: Record<string, string> = { dev: 'app', ops: 'ops-creds', qa: 'qa-creds' }) => {
  const clock = new FakeClock()
  const writer = new FakeWriter(clock)
  const logger = recordingLogger()
  const writeErrors: string[] = []
  const output = new CredentialsFileOutput({
    writer,
    clock,
    logger,
    policy: defaultPolicy(),
    random: seeded(1),
    onWriteError: (section) => writeErrors.push(section),
  })
  output.setTargets(new Map(Object.entries(targets)))
  return { clock, writer, logger, output, writeErrors }
}

t.test('updates arriving together become one apply; the later one for a section wins', async (t) => {
  const { clock, writer, output } = setup()
  output.onCredentials('dev', creds(1))
  output.onCredentials('ops', creds(2))
  output.onCredentials('dev', creds(3))
  output.onCredentials('qa', creds(4))
  t.equal(writer.batches.length, 0, 'nothing written synchronously')
  await clock.advance(0)
  t.equal(writer.batches.length, 1, 'one write for all of them')
  t.same(writer.batches[0]!.map((u) => [u.section, u.profile, u.credentials?.accessKeyId]).sort(), [
    ['app', 'dev', creds(3).accessKeyId],
    ['ops-creds', 'ops', creds(2).accessKeyId],
    ['qa-creds', 'qa', creds(4).accessKeyId],
  ])
  output.onCredentials('ops', creds(5))
  await clock.advance(0)
  t.equal(writer.batches.length, 2, 'a later update is a later write')
  t.same(
    writer.batches[1]!.map((u) => u.section),
    ['ops-creds'],
  )
})

t.test('an update arriving during a write is written right after it', async (t) => {
  const { clock, writer, output } = setup()
  let open!: () => void
  writer.gate = new Promise<void>((r) => (open = r))
  output.onCredentials('dev', creds(1))
  await clock.advance(0)
  output.onCredentials('dev', creds(2))
  await clock.advance(0)
  t.equal(writer.batches.length, 1, 'no second write while one is in flight')
  writer.gate = undefined
  open()
  await clock.advance(0)
  t.equal(writer.batches.length, 2)
  t.equal(writer.sections.get('app')?.accessKeyId, creds(2).accessKeyId, 'the newest credentials end up in the file')
})

t.test('only profiles with a target are written; null is passed through as a removal', async (t) => {
  const { clock, writer, output, logger } = setup({ dev: 'app' })
  output.onCredentials('unlisted', creds(1))
  await clock.advance(1000)
  t.equal(writer.batches.length, 0, 'a profile without writeTo is never written')
  output.onCredentials('dev', creds(2))
  await clock.advance(0)
  output.onCredentials('dev', null)
  await clock.advance(0)
  t.equal(writer.batches.length, 2)
  t.same(writer.batches[1], [{ section: 'app', profile: 'dev', credentials: null }])
  t.equal(writer.sections.get('app'), null)
  t.match(
    logger.entries.map((e) => e.msg),
    ['wrote credentials to [app]', 'cleared the keys in [app]'],
  )
  t.notMatch(JSON.stringify(logger.entries), creds(2).secretAccessKey, 'no secret in the log fields')
})

t.test('a transient failure is retried with backoff, never within a second, and eventually written', async (t) => {
  const { clock, writer, output, logger, writeErrors } = setup()
  writer.failures = [transient(), transient(), transient()]
  output.onCredentials('dev', creds(1))
  await clock.advance(0)
  t.equal(writer.batches.length, 1)
  await clock.advance(999)
  t.equal(writer.batches.length, 1, 'no retry within one second')
  await clock.advance(10 * 60_000)
  t.equal(writer.sections.get('app')?.accessKeyId, creds(1).accessKeyId, 'written in the end')
  t.equal(writer.batches.length, 4, 'three failures, then success: four writes, no loop')
  const gaps = writer.at.slice(1).map((at, i) => at - writer.at[i]!)
  t.ok(
    gaps.every((g) => g >= 1000),
    `retries at least a second apart (gaps ${gaps.join(', ')} ms)`,
  )
  t.ok(gaps.at(-1)! <= 4000, 'the third retry waits at most 4 s (full jitter below 2^(n-1) s)')
  t.equal(logger.entries.filter((e) => e.level === 'error').length, 1, 'the same failure is logged once')
  t.same(writeErrors, ['app', 'app', 'app'], 'every failure is reported to onWriteError')
  t.equal(clock.pending(), 0, 'nothing scheduled once written')
})

t.test('a permanent failure is logged once and not retried', async (t) => {
  const { clock, writer, output, logger } = setup()
  writer.failures = [permanent(), permanent()]
  output.onCredentials('dev', creds(1))
  await clock.advance(0)
  await clock.advance(3 * 3600_000)
  t.equal(writer.batches.length, 1, 'not retried by itself, even hours later')
  t.equal(clock.pending(), 0, 'no timer left waiting')
  const errors = logger.entries.filter((e) => e.level === 'error')
  t.equal(errors.length, 1)
  t.match(errors[0], { msg: /section \[app\] holds long-term keys/, fields: { profile: 'dev' } })
  // The next renewal tries again; the same refusal is not logged again.
  output.onCredentials('dev', creds(2))
  await clock.advance(0)
  t.equal(writer.batches.length, 2, 'the next renewal is written')
  t.equal(logger.entries.filter((e) => e.level === 'error').length, 1, 'same refusal, no second line')
  output.onCredentials('dev', creds(3))
  await clock.advance(0)
  t.equal(writer.sections.get('app')?.accessKeyId, creds(3).accessKeyId, 'written once the refusal is gone')
  output.onCredentials('dev', creds(4))
  writer.failures = [permanent()]
  await clock.advance(0)
  t.equal(logger.entries.filter((e) => e.level === 'error').length, 2, 'a refusal after a success is news again')
})

// BUG (reported): a permanent failure deletes from `pending` every section of
// the failed batch, including a newer update queued while the write ran.
t.test('an update queued during a write that is refused is not lost', async (t) => {
  const { clock, writer, output } = setup()
  let open!: () => void
  writer.gate = new Promise<void>((r) => (open = r))
  writer.failures = [permanent()]
  output.onCredentials('dev', creds(1))
  await clock.advance(0)
  output.onCredentials('dev', creds(2)) // a renewal while the refused write is in flight
  writer.gate = undefined
  open()
  await clock.advance(0)
  await clock.advance(1000)
  t.equal(writer.batches.length, 2, 'the newer credentials are written after the refusal')
  t.equal(writer.sections.get('app')?.accessKeyId, creds(2).accessKeyId, 'and end up in the file')
})

t.test('drain() resolves only after the write finished', async (t) => {
  const { writer, output } = setup()
  let open!: () => void
  writer.gate = new Promise<void>((r) => (open = r))
  output.onCredentials('dev', creds(1))
  output.onCredentials('ops', creds(2))
  let drained = false
  const d = output.drain().then(() => (drained = true))
  await settle()
  t.equal(writer.batches.length, 1, 'drain writes without waiting for the timer')
  t.notOk(drained, 'not before the write finished')
  open()
  await d
  t.ok(drained)
  t.equal(writer.sections.size, 2, 'both written when drain resolves')
  await output.drain()
  t.equal(writer.batches.length, 1, 'draining with nothing queued writes nothing')
})

t.test('drain() does not hang on a failing writer', async (t) => {
  const { writer, output } = setup()
  writer.failures = [transient()]
  output.onCredentials('dev', creds(1))
  await output.drain()
  t.equal(writer.batches.length, 1, 'tried once, then drain returned')
  output.stop()
})

t.test('stop() during a failing write: no retry afterwards', async (t) => {
  const { clock, writer, output } = setup()
  let open!: () => void
  writer.gate = new Promise<void>((r) => (open = r))
  writer.failures = [transient()]
  output.onCredentials('dev', creds(1))
  await clock.advance(0)
  output.stop() // shutting down while the write runs
  writer.gate = undefined
  open()
  await clock.advance(10 * 60_000)
  t.equal(writer.batches.length, 1, 'nothing written after stop()')
})

t.test('setTargets replaces the targets; stop() cancels a pending write', async (t) => {
  const { clock, writer, output } = setup({ dev: 'app' })
  t.same([...output.targets()], [['dev', 'app']])
  output.setTargets(new Map([['ops', 'ops-creds']]))
  output.onCredentials('dev', creds(1))
  output.onCredentials('ops', creds(2))
  output.stop()
  await clock.advance(10_000)
  t.equal(writer.batches.length, 0, 'stopped before the timer fired')
  await output.drain()
  t.same(
    writer.batches[0]?.map((u) => u.section),
    ['ops-creds'],
    'dev lost its target; ops was added',
  )
})

// Review finding: a writer that never settles blocked every later write, withdrawals included.
t.test('a write that never settles times out and later writes still happen', async (t) => {
  const { CredentialsFileOutput, WRITE_TIMEOUT_MS } = await import('../../src/engine/credentials-output.js')
  const { defaultPolicy } = await import('../../src/core/renewal-plan.js')
  const { FakeClock, seeded } = await import('../helpers/fake-clock.js')
  const { recordingLogger } = await import('../helpers/fake-logger.js')
  const clock = new FakeClock()
  const applied: unknown[] = []
  let hang = true
  const out = new CredentialsFileOutput({
    writer: {
      apply: async (u) => {
        if (hang) return new Promise<void>(() => undefined)
        applied.push(u)
      },
    },
    clock,
    logger: recordingLogger(),
    policy: defaultPolicy(),
    random: seeded(1),
  })
  out.setTargets(new Map([['dev', 'app']]))
  out.onCredentials('dev', { accessKeyId: 'ASIAFIRSTFIRSTFIRST1', secretAccessKey: 's'.repeat(40), expiresAt: clock.now() + 3600_000 })
  await clock.advance(10)
  hang = false
  await clock.advance(WRITE_TIMEOUT_MS + 10 * 60_000)
  t.equal(applied.length, 1, 'retried after the timeout and written')
})
