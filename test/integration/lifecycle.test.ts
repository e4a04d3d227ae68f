// The daemon's lifecycle as systemd or a terminal drives it: SIGHUP with a broken
// config keeps the old one running, SIGHUP with a good one applies it; a second
// `run` refuses to start and names the first; SIGTERM and SIGINT stop it promptly,
// with every listener closed, the unix sockets removed and no temporary file left.
import t from 'tap'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/emulator.js'
import { askDaemon, controlSocketPath } from '../../src/cli/control-client.js'
import { runCli, sandbox, until, writeAws } from '../helpers/sandbox.js'

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.on('connect', () => (s.destroy(), resolve(false)))
    s.on('error', () => resolve(true))
  })

const portOf = (out: string, what: RegExp): number => Number(out.match(what)![1])

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`reload on SIGHUP, a second run refused, ${signal} stops and cleans up`, async (t) => {
    const emu = await startEmulator()
    t.teardown(() => emu.close())
    const user = emu.addUser('u')
    const role = emu.addRole({ name: 'Deploy', trust: [user.arn] })
    const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
    writeAws(
      sb,
      `[profile deploy]\nrole_arn = ${role.arn}\nsource_profile = keys\nregion = us-east-1\n`,
      `[keys]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
    )
    const socket = join(sb.env.XDG_RUNTIME_DIR!, 'endpoint.sock')
    const good = {
      profiles: [{ profile: 'deploy', writeTo: 'app' }],
      server: { socket },
      imds: { listen: '127.0.0.1:0', profile: 'deploy' },
      metrics: { listen: '127.0.0.1:0' },
    }
    const configFile = join(sb.home, 'credd.json')
    writeFileSync(configFile, JSON.stringify(good))
    const d = runCli(['run', '--config', configFile, '--log-format', 'text'], sb.env)
    t.teardown(() => void d.stop('SIGKILL'))
    await d.waitFor(/wrote credentials to \[app\]/)
    const out = d.output()
    const ports = [
      portOf(out, /container endpoint on http:\/\/127\.0\.0\.1:(\d+)/),
      portOf(out, /IMDSv2 endpoint on http:\/\/127\.0\.0\.1:(\d+)/),
      portOf(out, /metrics on http:\/\/127\.0\.0\.1:(\d+)/),
    ]
    for (const p of ports) t.notOk(await refused(p), `port ${p} answers while running`)
    const control = controlSocketPath(sb.env)
    t.ok(existsSync(control) && existsSync(socket), 'control and endpoint sockets exist')

    // A broken config on SIGHUP: logged, the old one keeps serving.
    writeFileSync(configFile, JSON.stringify({ ...good, refresh: { before: 20 } }))
    d.child.kill('SIGHUP')
    await d.waitFor(/refresh\.before.*keeping the previous config/)
    t.equal((await askDaemon(control, 'GET', '/v1/credentials/deploy')).status, 200, 'still serving after a bad reload')
    // A good one is applied.
    writeFileSync(configFile, JSON.stringify({ ...good, refresh: { before: '10m' } }))
    d.child.kill('SIGHUP')
    await d.waitFor(/config reloaded/)

    // A second daemon for the same user refuses, naming the first.
    const second = runCli(['run', '--config', configFile], sb.env)
    t.equal((await second.exited).code, 1)
    t.match(second.output(), new RegExp(`another aws-credd \\(pid ${d.child.pid}\\) is already running`))
    t.ok(existsSync(control), "the refused second run did not remove the first one's socket")
    t.notMatch(second.output(), /aws-credd starting/, 'the refused run does not claim to start')

    const asked = Date.now()
    const exit = await d.stop(signal)
    const took = Date.now() - asked
    t.same(exit, { code: 0, signal: null })
    // A hang guard only (the figure is measured, not asserted): the issue asks for 2 s.
    t.ok(took < 4000, `stopped in ${took} ms`)
    t.match(d.output(), new RegExp(`stopping \\(${signal}\\)`))
    for (const p of ports) t.ok(await refused(p), `port ${p} closed`)
    t.notOk(existsSync(control), 'control socket removed')
    t.notOk(existsSync(socket), 'endpoint socket removed')
    const stray = readdirSync(join(sb.home, '.aws')).filter((f) => !['config', 'credentials', 'sso'].includes(f))
    t.same(stray, [], 'no temporary or lock file left in ~/.aws')
  })
}
