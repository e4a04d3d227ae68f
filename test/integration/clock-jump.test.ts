// The built daemon under a wall clock that jumps two hours forward (a preload moves
// Date, not the monotonic clock, as a resume from suspend does): the 30-second
// node-cron look notices it, logs one line (no node-cron warning per missed slot),
// and the role, now past its expiry, is renewed at once. Waits on real time (under
// 30 s until the next cron slot: the preload puts the first slot 6 s after start); the deadlines below are hang guards only.
import t from 'tap'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startEmulator } from '../../src/emulator/emulator.js'
import { runCli, sandbox, writeAws } from '../helpers/sandbox.js'

const PRELOAD = pathToFileURL(join(process.cwd(), 'test', 'helpers', 'clock-jump.mjs')).href

t.test('a two-hour jump of the wall clock: one log line, renewals at once', { timeout: 120_000 }, async (t) => {
  const emu = await startEmulator({ credentialLifetimeSeconds: 3600 })
  t.teardown(() => emu.close())
  const user = emu.addUser('u')
  const role = emu.addRole({ name: 'R', trust: [user.arn] })
  const sb = sandbox(t.testdir({}), {
    AWS_ENDPOINT_URL: emu.url,
    NODE_OPTIONS: `--import=${PRELOAD}`,
    CLOCK_JUMP_MS: String(2 * 3600_000),
    CLOCK_JUMP_AFTER_MS: '3000',
    // The jump waits for the first renewal (and the cron's start right after it); the first
    // cron slot is put 6 s after start, so the look comes seconds after the jump, not up to 30.
    CLOCK_JUMP_ON: 'obtained assume-role credentials',
    CLOCK_SLOT_MS: '6000',
  })
  writeAws(
    sb,
    `[profile r]\nrole_arn = ${role.arn}\nsource_profile = base\n`,
    `[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  )
  const d = runCli(['run', '--log-format', 'json'], sb.env)
  t.teardown(() => d.stop())
  await d.waitFor(/"msg":"obtained assume-role credentials/)
  const assumes = () => emu.calls.filter((c) => c.action === 'AssumeRole').length
  const before = assumes()
  await d.waitFor(/clock-jump: wall clock moved 7200000 ms/, 10_000)
  const jumpedAt = Date.now()
  await d.waitFor(/the wall clock jumped 7200 s \(resume from suspend, or an NTP step\)/, 45_000)
  const noticedAfter = Date.now() - jumpedAt
  // The credentials (1 h) are two hours past their expiry for the daemon: it asks for new ones.
  t.ok(await until(() => assumes() > before, 15_000), 'AssumeRole called again after the jump')
  t.comment(`jump noticed after ${(noticedAfter / 1000).toFixed(1)} s (the next 30-second slot)`)
  t.notMatch(d.output(), /NODE-CRON|missed execution/, 'no node-cron warning lines (they bypass the logger)')
  const lines = d
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
  t.equal(lines.filter((l) => l.includes('the wall clock jumped')).length, 1, 'one line for the jump')
})

const until = async (ok: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (ok()) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return ok()
}
