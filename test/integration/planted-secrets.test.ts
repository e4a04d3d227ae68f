// The built daemon against an STS whose AssumeRole keeps failing with an error message
// that quotes secrets (the source profile's own secret key, which the daemon registers;
// password=…; an AWS example key; token: …) and terminal escapes (colours, an OSC title
// with BEL, a bare CR, the C1 CSI U+009B, a bidi override). Every exit is collected: the
// log (text and JSON), the container and IMDS 503 bodies, the control socket, `status`,
// `status --json`, `process`, and the refresh-failing alert through the webhook, the
// command channel and a fake notify-send. None may carry a planted secret or a raw
// control byte; each must show that the upstream text did reach it (so the test can fail).
import t, { type Test } from 'tap'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/emulator.js'
import { controlSocketPath } from '../../src/cli/control-client.js'
import { runCli, sandbox, until, writeAws } from '../helpers/sandbox.js'
import { assertClean, plantedText } from '../helpers/planted.js'

/** What upstream text looks like once cleaned: proof it reached the exit at all. */
const REACHED = 'upstream says'

interface Http {
  status: number
  text: string
}

const http = (opts: {
  url?: string
  socketPath?: string
  path: string
  method?: string
  headers?: Record<string, string>
}): Promise<Http> =>
  new Promise((resolve, reject) => {
    const base = opts.url ? new URL(opts.url) : undefined
    const req = request(
      {
        ...(base ? { host: base.hostname, port: base.port } : { socketPath: opts.socketPath }),
        path: opts.path,
        method: opts.method ?? 'GET',
        headers: { host: base ? base.host : 'localhost', ...opts.headers },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      },
    )
    req.on('error', reject)
    req.end()
  })

/** A local webhook that keeps every body it is sent. */
const captureServer = async (t: Test): Promise<{ url: string; bodies: string[] }> => {
  const bodies: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => (body += d))
    req.on('end', () => {
      bodies.push(body)
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies }
}

/** Runs the CLI to its end; stdout and stderr together. */
const cli = async (args: string[], env: NodeJS.ProcessEnv): Promise<string> => {
  const r = runCli(args, env)
  await r.exited
  return r.output()
}

const nulSplit = (file: string): string[] => readFileSync(file, 'utf8').split('\0').filter(Boolean)

for (const format of ['text', 'json'] as const) {
  t.test(`no planted secret and no raw escape leaves the daemon by any exit (${format} log)`, async (t) => {
    const emu = await startEmulator()
    t.teardown(() => emu.close())
    // A secret key with no secret shape: only the daemon's registry can hide it, so the test
    // fails if the composition hands the logger, the endpoints or the alerts another registry.
    const user = emu.addUser('u', { secretAccessKey: `correct-horse-battery-staple-registry-only-${process.pid}` })
    const role = emu.addRole({ name: 'R', trust: [user.arn] })
    // The source profile's own secret key: the daemon registers it before it signs with it.
    const registered = user.secretAccessKey
    emu.faults.always('sts', { status: 500, code: 'InternalFailure', message: plantedText(registered) }, 'AssumeRole')

    const home = t.testdir({})
    const capture = join(home, 'capture')
    mkdirSync(capture)
    const bin = join(home, 'bin')
    mkdirSync(bin)
    // A notify-send that keeps its arguments (NUL-separated, one file per call).
    writeFileSync(join(bin, 'notify-send'), `#!/bin/sh\nprintf '%s\\0' "$@" > "$CREDD_CAPTURE/notify-$$"\n`)
    chmodSync(join(bin, 'notify-send'), 0o755)
    const hook = await captureServer(t)

    const sb = sandbox(home, {
      AWS_ENDPOINT_URL: emu.url,
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      // The desktop channel needs a session bus address; notify-send is ours, so none is contacted.
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus')}`,
      CREDD_CAPTURE: capture,
    })
    writeAws(
      sb,
      `[profile r]\nrole_arn = ${role.arn}\nsource_profile = base\n`,
      `[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
    )
    const config = join(home, 'credd.json')
    writeFileSync(
      config,
      JSON.stringify({
        profiles: [{ profile: 'r' }],
        alerts: {
          failingAfter: '1s',
          desktop: true,
          webhook: { url: hook.url },
          command: 'env -0 > "$CREDD_CAPTURE/env-$$"',
        },
        imds: { listen: '127.0.0.1:0', profile: 'r' },
      }),
    )
    const d = runCli(['run', '--config', config, '--log-format', format, '--log-level', 'debug'], sb.env)
    t.teardown(() => d.stop())

    // The refresh-failing alert, delivered by every channel.
    const files = (prefix: string): string[] =>
      readdirSync(capture)
        .filter((f) => f.startsWith(prefix))
        .map((f) => join(capture, f))
    const delivered = await until(() => hook.bodies.length > 0 && files('env-').length > 0 && files('notify-').length > 0, 30_000, 100)
    t.ok(delivered, `the alert reached webhook, command and desktop; output so far:\n${d.output()}`)
    if (!delivered) return

    // Every HTTP exit.
    const socketPath = controlSocketPath(sb.env)
    const status = await http({ socketPath, path: '/v1/status' })
    t.equal(status.status, 200)
    const view = JSON.parse(status.text) as { containerEndpoint: { url: string; tokenFile: string }; imdsEndpoint: string }
    const token = readFileSync(view.containerEndpoint.tokenFile, 'utf8')
    const container = await http({ url: view.containerEndpoint.url, path: '/v1/credentials/r', headers: { authorization: token } })
    t.equal(container.status, 503, 'container endpoint: nothing to serve')
    const session = await http({
      url: view.imdsEndpoint,
      path: '/latest/api/token',
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
    })
    t.equal(session.status, 200)
    const imds = await http({
      url: view.imdsEndpoint,
      path: '/latest/meta-data/iam/security-credentials/r',
      headers: { 'x-aws-ec2-metadata-token': session.text },
    })
    t.equal(imds.status, 503, 'IMDS endpoint: nothing to serve')
    const controlCreds = await http({ socketPath, path: '/v1/credentials/r' })
    t.equal(controlCreds.status, 503)

    // Every CLI exit that shows the daemon's view.
    const statusTable = await cli(['status'], sb.env)
    const statusJson = await cli(['status', '--json'], sb.env)
    const processOut = await cli(['process', 'r'], sb.env)

    // Let the log catch up with the requests above, then stop (the log's last lines included).
    await d.stop()
    const log = d.output()

    const exits: Record<string, string> = {
      [`daemon log (${format})`]: log,
      'container 503 body': container.text,
      'IMDS 503 body': imds.text,
      'control socket status JSON': status.text,
      'control socket credentials 503': controlCreds.text,
      'aws-credd status': statusTable,
      'aws-credd status --json': statusJson,
      'aws-credd process (stderr)': processOut,
    }
    for (const [i, body] of hook.bodies.entries()) exits[`webhook body ${i}`] = body
    for (const file of files('env-')) {
      for (const kv of nulSplit(file).filter((v) => v.startsWith('AWS_CREDD_'))) exits[`command env ${kv.slice(0, kv.indexOf('='))}`] = kv
    }
    for (const file of files('notify-')) for (const [i, arg] of nulSplit(file).entries()) exits[`notify-send arg ${i}`] = arg

    for (const [where, text] of Object.entries(exits)) assertClean(t, where, text, registered)

    // Each exit shows the upstream text (cleaned), so the checks above looked at the real thing.
    for (const where of [
      `daemon log (${format})`,
      'container 503 body',
      'IMDS 503 body',
      'control socket status JSON',
      'control socket credentials 503',
      'aws-credd status',
      'aws-credd status --json',
      'aws-credd process (stderr)',
    ])
      t.match(exits[where], REACHED, `${where}: carries the upstream text`)
    t.match(log, 'password=[redacted]', 'the log says a password was there')
    t.match(log, format === 'json' ? '\\\\x1b[31mRED' : '\\x1b[31mRED', 'the log shows the escape as text')
    if (format === 'json')
      for (const line of log.split('\n').filter((l) => l.startsWith('{')))
        t.doesNotThrow(() => JSON.parse(line), 'JSON log lines stay valid')
    const webhook = hook.bodies.map((b) => JSON.parse(b) as { event: string; message: string; text: string })
    t.ok(
      webhook.some((w) => w.event === 'refresh-failing' && w.message.includes(REACHED) && w.text.includes(REACHED)),
      'webhook: the refresh-failing alert with the upstream text',
    )
    t.ok(
      Object.entries(exits).some(([k, v]) => k === 'command env AWS_CREDD_MESSAGE' && v.includes(REACHED)),
      'command channel: AWS_CREDD_MESSAGE with the upstream text',
    )
    t.ok(
      Object.entries(exits).some(([k, v]) => k.startsWith('notify-send arg') && v.includes(REACHED)),
      'notify-send: the body with the upstream text',
    )
    t.match(exits['aws-credd status'], '\\x1b[31mRED', 'status shows the escape as text')
    t.ok(existsSync(view.containerEndpoint.tokenFile))
  })
}
