// The desktop channel: notify-send's arguments, present only with a session bus
// and notify-send on PATH, and a real run of a fake notify-send script.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Alert } from '../../src/core/alert.js'
import { AlertChannelError } from '../../src/alerts/channel-error.js'
import { desktopChannel, type SpawnFile } from '../../src/alerts/desktop-channel.js'
import { recordingLogger } from '../helpers/fake-logger.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const alert = (over: Partial<Alert> = {}): Alert => ({
  event: 'relogin-required',
  message: 'SSO session "dev" needs login: run aws-credd login --sso-session dev',
  ssoSession: 'dev',
  profiles: ['dev-admin'],
  verificationUriComplete: 'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
  userCode: 'ABCD-EFGH',
  fix: 'aws-credd login --sso-session dev',
  at: Date.UTC(2026, 0, 31, 12),
  ...over,
})

/** A directory with an executable `notify-send` running `script`. */
const fakeNotifySend = (dir: string, script = 'exit 0'): string => {
  const bin = join(dir, 'bin')
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, 'notify-send'), `#!/bin/sh\n${script}\n`)
  chmodSync(join(bin, 'notify-send'), 0o755)
  return bin
}

const recordingSpawn = () => {
  const calls: Array<{ file: string; args: string[]; env: NodeJS.ProcessEnv }> = []
  const spawn: SpawnFile = async (file, args, opts) => void calls.push({ file, args, env: opts.env })
  return { calls, spawn }
}

t.test('spawns notify-send with the app name, urgency, title and body', async (t) => {
  const bin = fakeNotifySend(t.testdir())
  const { calls, spawn } = recordingSpawn()
  const ch = desktopChannel({
    secrets,
    env: { PATH: bin, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' },
    logger: recordingLogger(),
    spawn,
  })
  t.ok(ch)
  t.equal(ch!.name, 'desktop')
  await ch!.send(alert())
  t.same(calls[0]!.file, join(bin, 'notify-send'))
  t.same(calls[0]!.args, [
    '--app-name=aws-credd',
    '--urgency=critical',
    'aws-credd: SSO session dev needs login',
    'SSO session "dev" needs login: run aws-credd login --sso-session dev\nhttps://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH\nCode: ABCD-EFGH',
  ])
  await ch!.send(
    alert({
      event: 'relogin-soon',
      message: 'SSO session "dev" expires in 30 minutes',
      verificationUriComplete: undefined,
      userCode: undefined,
    }),
  )
  t.same(calls[1]!.args.slice(1), [
    '--urgency=normal',
    'aws-credd: SSO session dev needs login soon',
    'SSO session "dev" expires in 30 minutes',
  ])
  await ch!.send(
    alert({
      event: 'recovered',
      ssoSession: undefined,
      profile: 'ops',
      message: '-ops works again',
      verificationUriComplete: undefined,
      userCode: undefined,
    }),
  )
  t.same(
    calls[2]!.args.slice(1),
    ['--urgency=low', 'aws-credd: profile ops works again', ' -ops works again'],
    'a leading dash is not read as an option',
  )
})

t.test('absent, with one debug line, without a session bus or without notify-send', async (t) => {
  const dir = t.testdir()
  const bin = fakeNotifySend(dir)
  const logger = recordingLogger()
  t.equal(desktopChannel({ secrets, env: { PATH: bin }, logger }), undefined, 'no bus')
  t.equal(
    desktopChannel({ secrets, env: { PATH: bin, XDG_RUNTIME_DIR: join(dir, 'run') }, logger }),
    undefined,
    'no bus socket in XDG_RUNTIME_DIR',
  )
  t.equal(
    desktopChannel({ secrets, env: { PATH: join(dir, 'empty'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' }, logger }),
    undefined,
    'no notify-send',
  )
  t.equal(desktopChannel({ secrets, env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' }, logger }), undefined, 'no PATH at all')
  t.same(
    logger.entries.map((e) => e.level),
    ['debug', 'debug', 'debug', 'debug'],
  )
  t.match(logger.entries[0]!.msg, /no session bus/)
  t.match(logger.entries[2]!.msg, /notify-send is not on PATH/)
})

t.test('the systemd user bus socket counts as a bus, and its address is passed on', async (t) => {
  const dir = t.testdir()
  const bin = fakeNotifySend(dir)
  mkdirSync(join(dir, 'run'))
  writeFileSync(join(dir, 'run', 'bus'), '')
  const { calls, spawn } = recordingSpawn()
  const ch = desktopChannel({ secrets, env: { PATH: bin, XDG_RUNTIME_DIR: join(dir, 'run') }, logger: recordingLogger(), spawn })
  t.ok(ch)
  await ch!.send(alert())
  t.equal(calls[0]!.env.DBUS_SESSION_BUS_ADDRESS, `unix:path=${join(dir, 'run', 'bus')}`)
})

t.test('a spawn failure is a rejection naming the channel', async (t) => {
  const bin = fakeNotifySend(t.testdir())
  const spawn: SpawnFile = async () => {
    throw new Error('notify-send exited with 1: GDBus.Error: no server\nmore')
  }
  const ch = desktopChannel({ secrets, env: { PATH: bin, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' }, logger: recordingLogger(), spawn })
  const e = await ch!.send(alert()).then(
    () => undefined,
    (x: unknown) => x,
  )
  t.type(e, AlertChannelError)
  t.equal((e as AlertChannelError).reason, 'alert channel desktop: notify-send exited with 1: GDBus.Error: no server')
})

t.test('end to end: a fake notify-send on PATH gets the arguments, without a shell', async (t) => {
  const dir = t.testdir()
  const out = join(dir, 'args')
  // One argument per line, then the bus address it was given.
  const bin = fakeNotifySend(
    dir,
    `for a in "$@"; do printf '%s\\n---\\n' "$a"; done > "${out}"\necho "bus=$DBUS_SESSION_BUS_ADDRESS" >> "${out}"`,
  )
  const ch = desktopChannel({
    secrets,
    env: { PATH: bin, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' },
    logger: recordingLogger(),
  })
  // Shell metacharacters arrive as text: no shell ever parses the message.
  await ch!.send(alert({ message: 'SSO session "dev" needs login; $(touch pwned) `id` && echo hi' }))
  const parts = readFileSync(out, 'utf8').split('\n---\n')
  t.equal(parts[0], '--app-name=aws-credd')
  t.equal(parts[1], '--urgency=critical')
  t.equal(parts[2], 'aws-credd: SSO session dev needs login')
  t.equal(
    parts[3],
    'SSO session "dev" needs login; $(touch pwned) `id` && echo hi\nhttps://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH\nCode: ABCD-EFGH',
  )
  t.equal(parts[4], 'bus=unix:path=/run/user/1000/bus\n')
})

t.test('end to end: a failing or hanging notify-send rejects, never crashes', async (t) => {
  const failing = desktopChannel({
    secrets,
    env: {
      PATH: fakeNotifySend(join(t.testdir(), 'a'), 'echo "Cannot connect to the bus" >&2; exit 1'),
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x',
    },
    logger: recordingLogger(),
  })
  const e1 = await failing!.send(alert()).then(
    () => undefined,
    (x: unknown) => x,
  )
  t.type(e1, AlertChannelError)
  t.match((e1 as Error).message, /^alert channel desktop: notify-send exited with 1: Cannot connect to the bus; fix: /)

  const hanging = desktopChannel({
    secrets,
    env: { PATH: fakeNotifySend(join(t.testdir(), 'b'), 'exec /bin/sleep 60'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' },
    logger: recordingLogger(),
    timeoutMs: 200,
  })
  const e2 = await hanging!.send(alert()).then(
    () => undefined,
    (x: unknown) => x,
  )
  t.match((e2 as Error).message, /notify-send did not finish within 0.2s/)
})

t.test('upstream text is redacted and escaped in the title and body notify-send gets', async (t) => {
  const { assertClean, plantedText } = await import('../helpers/planted.js')
  secrets.register('registered-source-secret-0123')
  const planted = plantedText('registered-source-secret-0123')
  const bin = fakeNotifySend(t.testdir())
  const { calls, spawn } = recordingSpawn()
  const ch = desktopChannel({
    secrets,
    env: { PATH: bin, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' },
    logger: recordingLogger(),
    spawn,
  })
  await ch!.send(alert({ event: 'refresh-failing', message: planted, ssoSession: 'dev\u009b2J', userCode: planted }))
  t.equal(calls[0]!.args.length, 4)
  for (const [i, a] of calls[0]!.args.entries()) assertClean(t, `notify-send arg ${i}`, a, 'registered-source-secret-0123')
  t.match(calls[0]!.args[2], 'dev\\x9b2J')
})
