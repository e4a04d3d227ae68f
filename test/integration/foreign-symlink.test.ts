// The built daemon, run as root with a writeTo profile, where ~/.aws/credentials is a symlink
// to a 0644 file owned by uid 65534: renewals go on (and are served), but that file is never
// written or chmodded, and the refusal is logged once, with the fix, however many renewals
// follow. Needs root; skipped only when not root and not in CI.
import t from 'tap'
import { isRoot, requireOrSkip } from '../helpers/prerequisites.js'
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/emulator.js'
import { askDaemon, controlSocketPath } from '../../src/cli/control-client.js'
import { runCli, sandbox, until } from '../helpers/sandbox.js'

const NOBODY = 65534

t.test("a writeTo profile never writes through a symlink to another user's file; the refusal is logged once with the fix", async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  // 6-second credentials: several renewals (each a write attempt) within the test, ~2.5 s apart.
  const emu = await startEmulator({ credentialLifetimeSeconds: 6 })
  t.teardown(() => emu.close())
  const user = emu.addUser('u')
  const role = emu.addRole({ name: 'R', trust: [user.arn] })
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  writeFileSync(sb.configFile, `[profile r]\nrole_arn = ${role.arn}\nsource_profile = base\n`, { mode: 0o600 })
  // Another user's file, readable (so the daemon can read the source keys in it), 0644.
  const elsewhere = join(sb.home, 'elsewhere')
  mkdirSync(elsewhere)
  const foreign = join(elsewhere, 'their-credentials')
  const bytes = `[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`
  writeFileSync(foreign, bytes)
  chmodSync(foreign, 0o644)
  chownSync(foreign, NOBODY, NOBODY)
  rmSync(sb.credentialsFile, { force: true })
  symlinkSync(foreign, sb.credentialsFile)

  const cfg = join(sb.home, 'c.json')
  writeFileSync(cfg, JSON.stringify({ profiles: [{ profile: 'r', writeTo: 'app' }], alerts: { desktop: false } }))
  const d = runCli(['run', '--config', cfg, '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  const refusal =
    /is a symlink to \S+their-credentials, which belongs to uid 65534, not to this daemon's user \(uid 0\): aws-credd never writes or chmods another user's file through a symlink; fix: point \S+ at a file owned by uid 0, or replace the symlink with a file of your own/
  await d.waitFor(refusal, 10_000)
  // Let at least two more renewals (each a write attempt) happen.
  const assumed = (): number => emu.calls.filter((c) => c.action === 'AssumeRole').length
  const after = assumed()
  t.ok(await until(async () => assumed() >= after + 2, 15_000), `renewals went on (${assumed()} AssumeRole calls)`)
  const served = await askDaemon(controlSocketPath(sb.env), 'GET', '/v1/credentials/r')
  t.equal(served.status, 200, 'the profile is still kept fresh and served')
  await d.stop()

  const lines = d
    .output()
    .split('\n')
    .filter((l) => refusal.test(l))
  t.equal(lines.length, 1, 'logged once')
  t.match(lines[0], /error/i, 'as an error')
  const st = statSync(foreign)
  t.equal(readFileSync(foreign, 'utf8'), bytes, "the foreign file's bytes are unchanged")
  t.equal(st.mode & 0o777, 0o644, 'its mode is unchanged')
  t.equal(st.uid, NOBODY, 'its owner is unchanged')
  t.same(readdirSync(elsewhere), ['their-credentials'], 'no temp file or lock left beside it')
  t.notOk(d.output().includes(user.secretAccessKey), 'no secret in the log')
})
