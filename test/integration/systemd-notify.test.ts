// Under a fake NOTIFY_SOCKET (a unix datagram socket read by Python, as systemd
// would), the daemon sends READY=1 only after the first resolution, STATUS= lines
// as things change, RELOADING=1 around SIGHUP and STOPPING=1 on SIGTERM.
import t, { type Test as Tap } from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/emulator.js'
import { createNotifier, formatNotify, watchdogInterval } from '../../src/runtime/systemd-notify.js'
import { runCli, sandbox, until, writeAws } from '../helpers/sandbox.js'

const RECEIVER = `
import socket, sys, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('bound', flush=True)
while True:
    print(json.dumps(s.recv(4096).decode()), flush=True)
`

/** A fake systemd: a datagram socket whose messages land in `messages`. */
const fakeNotifySocket = async (t: Tap): Promise<{ socketPath: string; messages: Array<{ at: number; text: string }> }> => {
  const dir = mkdtempSync(join(tmpdir(), 'notify-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const socketPath = join(dir, 'notify.sock')
  const receiver = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => receiver.kill())
  const messages: Array<{ at: number; text: string }> = []
  let buf = ''
  receiver.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      if (line === 'bound') bound = true
      else messages.push({ at: Date.now(), text: JSON.parse(line) as string })
    }
  })
  let bound = false
  await until(async () => bound || receiver.exitCode !== null, 5000)
  return { socketPath, messages }
}

t.test('READY=1 after the first resolution, then STATUS=, RELOADING=1, STOPPING=1', async (t) => {
  const { socketPath, messages } = await fakeNotifySocket(t)

  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('u')
  const role = emu.addRole({ name: 'R', trust: [user.arn] })
  const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url, NOTIFY_SOCKET: socketPath })
  writeAws(
    sb,
    `[profile r]\nrole_arn = ${role.arn}\nsource_profile = base\n`,
    `[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  )
  const d = runCli(['run', '--log-format', 'text'], sb.env)
  t.teardown(() => d.stop())
  t.ok(await until(async () => messages.some((m) => /^READY=1$/m.test(m.text)), 10_000), 'READY=1 sent')
  const ready = messages.find((m) => /^READY=1$/m.test(m.text))!
  t.match(ready.text, /^STATUS=1 profile fresh$/m, 'with the status line')
  t.match(d.output(), /\[r\] obtained/, 'after the first credentials were obtained')

  // A broken profile appears: the status line changes.
  writeAws(
    sb,
    `[profile r]\nrole_arn = ${role.arn}\nsource_profile = base\n\n[profile broken]\nrole_arn = arn:aws:iam::123456789012:role/Nope\nsource_profile = base\n`,
  )
  t.ok(
    await until(async () => messages.some((m) => /^STATUS=1 profile fresh, 1 without credentials$/m.test(m.text)), 10_000),
    'STATUS= follows changes',
  )

  d.child.kill('SIGHUP')
  t.ok(await until(async () => messages.some((m) => /^RELOADING=1$/m.test(m.text)), 5000), 'RELOADING=1 on SIGHUP')
  const done = await d.stop('SIGTERM')
  t.equal(done.code, 0)
  t.ok(await until(async () => messages.some((m) => /^STOPPING=1$/m.test(m.text)), 3000), 'STOPPING=1 on SIGTERM')
})

t.test('notify message format and watchdog interval', async (t) => {
  t.equal(formatNotify({ READY: '1', STATUS: 'a\nb' }), 'READY=1\nSTATUS=a b', 'a newline cannot smuggle a field')
  t.equal(watchdogInterval({ WATCHDOG_USEC: '20000000' }, 7), 10_000, 'half of WatchdogSec')
  t.equal(watchdogInterval({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '8' }, 7), undefined, 'meant for another process')
  t.equal(watchdogInterval({}, 7), undefined)
})

t.test('without the unix-dgram addon, the systemd-notify tool delivers the same fields', async (t) => {
  const { socketPath, messages } = await fakeNotifySocket(t)
  const errors: string[] = []
  const n = createNotifier(
    { NOTIFY_SOCKET: socketPath },
    (m) => void errors.push(m),
    () => undefined,
  )
  t.equal(n.via, 'systemd-notify')
  n.send({ READY: '1', STATUS: '2 profiles fresh', MAINPID: '4242' })
  t.ok(await until(async () => messages.some((m) => /^READY=1$/m.test(m.text)), 10_000), `READY=1 arrives (${errors.join('; ')})`)
  const text = messages.map((m) => m.text).join('\n')
  t.match(text, /^STATUS=2 profiles fresh$/m)
  t.match(text, /^MAINPID=4242$/m)
  t.same(errors, [])
  const broken = createNotifier(
    { NOTIFY_SOCKET: socketPath },
    (m) => void errors.push(m),
    () => undefined,
  )
  const old = process.env.PATH
  process.env.PATH = '/nonexistent' // the tool is looked up on our PATH
  t.teardown(() => void (process.env.PATH = old))
  broken.send({ READY: '1' })
  process.env.PATH = old
  t.ok(await until(async () => errors.length > 0, 5000), 'a missing tool is reported')
  t.match(errors[0], /systemd-notify failed.*fix: set NotifyAccess=all/)
  t.equal(
    createNotifier(
      {},
      () => undefined,
      () => undefined,
    ).via,
    'none',
    'outside systemd: nothing',
  )
})
