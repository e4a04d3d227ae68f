// What the Dockerfile's runtime stage does, without Docker: install the packed
// tarball with production dependencies only into an empty folder, then
// `aws-credd --version` and a `run` with a sample config against the emulator
// that ships in the package.
import t from 'tap'
import { execFile, type ExecFileOptions } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/emulator.js'
import { runCli, sandbox, until, writeAws } from '../helpers/sandbox.js'
import { sectionOf } from '../helpers/aws-fixtures.js'

const run = (cmd: string, args: string[], opts: ExecFileOptions = {}): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 16 << 20, ...opts }, (err, out, errOut) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${errOut}`)) : resolve(String(out)),
    ),
  )

t.test('npm pack → production-only install → --version and a run', { timeout: 400_000 }, async (t) => {
  // Outside the repository, and with its own package.json: otherwise npm walks up and installs
  // into the enclosing project instead.
  const dir = mkdtempSync(join(tmpdir(), 'credd-pack-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'pkg'))
  mkdirSync(join(dir, 'app'))
  writeFileSync(join(dir, 'app', 'package.json'), JSON.stringify({ name: 'sidecar', private: true }))
  await run('npm', ['pack', '--pack-destination', join(dir, 'pkg'), '--silent'])
  const tarball = readdirSync(join(dir, 'pkg')).find((f) => f.endsWith('.tgz'))!
  t.ok(tarball, 'packed')
  // As in the Dockerfile: production dependencies only, nothing from the source tree.
  // --prefer-offline: what `npm ci` already cached is used without asking the registry again (a
  // package missing from the cache is still fetched).
  await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(dir, 'pkg', tarball)], {
    cwd: join(dir, 'app'),
  })
  const bin = join(dir, 'app', 'node_modules', '.bin', 'aws-credd')
  t.ok(existsSync(bin), 'the bin is installed')
  t.notOk(existsSync(join(dir, 'app', 'node_modules', 'tap')), 'no dev dependencies')
  t.notOk(existsSync(join(dir, 'app', 'node_modules', 'typescript')), 'no TypeScript')
  const version = (await run(bin, ['--version'])).trim()
  t.equal(version, (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version)

  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('u')
  const role = emu.addRole({ name: 'Sidecar', trust: [user.arn] })
  const sb = sandbox(join(dir, 'home'), { AWS_ENDPOINT_URL: emu.url })
  writeAws(
    sb,
    `[profile app]\nrole_arn = ${role.arn}\nsource_profile = base\n`,
    `[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  )
  const cfg = join(dir, 'config.json')
  writeFileSync(cfg, JSON.stringify({ profiles: [{ profile: 'app', writeTo: 'app-creds' }], alerts: { desktop: false } }))
  const d = runCli(
    ['run', '--config', cfg, '--log-format', 'text'],
    sb.env,
    join(dir, 'app', 'node_modules', 'aws-credd', 'dist', 'cli', 'main.js'),
  )
  t.teardown(() => d.stop())
  t.ok(
    await until(async () => (await sectionOf(sb.credentialsFile, 'app-creds'))?.aws_access_key_id?.startsWith('ASIA') === true, 15_000),
    d.output(),
  )
  t.equal((await d.stop()).code, 0)

  // The demo's emulator ships in the package, not only in the repository's test folder.
  const demo = runCli(
    ['demo', '--no-tty', '--lifetime', '10'],
    sb.env,
    join(dir, 'app', 'node_modules', 'aws-credd', 'dist', 'cli', 'main.js'),
  )
  t.teardown(() => demo.stop('SIGKILL'))
  await demo.waitFor(/\[demo-chain\] obtained assume-role credentials/, 15_000)
  t.same(await demo.stop('SIGINT'), { code: 0, signal: null }, demo.output())
})
