// The command channel with a real /bin/sh: the AWS_CREDD_* variables, the
// daemon's own env passed on, failures named by exit code and stderr, and a kill on timeout.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Alert } from '../../src/core/alert.js'
import { AlertChannelError } from '../../src/alerts/channel-error.js'
import { commandChannel, STDERR_KEEP } from '../../src/alerts/command-channel.js'
import { until } from '../helpers/sandbox.js'
import { sampleAlert } from '../helpers/alerts.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const alert = sampleAlert

/** `env -0` output as a map (values may hold newlines). */
const readEnv = (file: string): Record<string, string> =>
  Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  )

const failure = (p: Promise<void>): Promise<AlertChannelError> =>
  p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e as AlertChannelError,
  )

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') // a zombie is dead
  } catch {
    return false
  }
}

t.test('runs the command with the alert in AWS_CREDD_* and the daemon env', async (t) => {
  const out = join(t.testdir(), 'env')
  const env = { PATH: process.env.PATH, DAEMON_MARKER: 'kept', OUT: out, AWS_CREDD_PROFILE: 'inherited-not-ours' }
  const ch = commandChannel({ secrets, command: 'env -0 > "$OUT"', env })
  t.equal(ch.name, 'command')
  await ch.send(alert())
  const got = readEnv(out)
  t.match(got, {
    AWS_CREDD_EVENT: 'relogin-required',
    AWS_CREDD_MESSAGE: 'SSO session "dev" needs login: no cached SSO token (not logged in yet)',
    AWS_CREDD_SSO_SESSION: 'dev',
    AWS_CREDD_PROFILE: '',
    AWS_CREDD_PROFILES: 'dev-admin,dev-read',
    AWS_CREDD_VERIFICATION_URI_COMPLETE: 'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
    AWS_CREDD_USER_CODE: 'ABCD-EFGH',
    AWS_CREDD_FIX: 'aws-credd login --sso-session dev',
    AWS_CREDD_TIME: '2026-01-31T12:00:00Z',
    DAEMON_MARKER: 'kept',
  })
  t.equal(got.AWS_CREDD_PROFILE, '', 'an inherited value is not mistaken for the alert')

  await ch.send(
    alert({
      event: 'mfa-required',
      ssoSession: undefined,
      profile: 'ops',
      profiles: ['ops'],
      verificationUriComplete: undefined,
      userCode: undefined,
    }),
  )
  const second = readEnv(out)
  t.equal(second.AWS_CREDD_EVENT, 'mfa-required')
  t.equal(second.AWS_CREDD_PROFILE, 'ops')
  t.equal(second.AWS_CREDD_SSO_SESSION, '')
  t.equal(second.AWS_CREDD_VERIFICATION_URI_COMPLETE, '')
})

t.test('stdin is not connected', async (t) => {
  const out = join(t.testdir(), 'stdin')
  await commandChannel({ secrets, command: 'cat > "$OUT"', env: { PATH: process.env.PATH, OUT: out } }).send(alert())
  t.equal(readFileSync(out, 'utf8'), '')
})

t.test('a non-zero exit rejects with the code and the first stderr line, never the command', async (t) => {
  const command = 'curl_token=CommandSecretEXAMPLE; echo "webhook said: no" >&2; echo "second line" >&2; exit 3'
  const e = await failure(commandChannel({ secrets, command, env: { PATH: process.env.PATH } }).send(alert()))
  t.type(e, AlertChannelError)
  t.equal(e.reason, 'alert channel command: exited with 3: webhook said: no')
  t.notMatch(e.message, /second line|CommandSecretEXAMPLE|\n/)

  const long = await failure(
    commandChannel({ secrets, command: `printf '%0500d\\n' 0 >&2; exit 1`, env: { PATH: process.env.PATH } }).send(alert()),
  )
  const detail = long.reason.replace('alert channel command: exited with 1: ', '')
  t.equal(detail.length, 200, 'stderr cut to 200 characters')

  const quiet = await failure(commandChannel({ secrets, command: 'exit 7', env: { PATH: process.env.PATH } }).send(alert()))
  t.equal(quiet.reason, 'alert channel command: exited with 7')
})

t.test('a command that outlives the timeout is killed with everything it started', async (t) => {
  const pidFile = join(t.testdir(), 'pid')
  // The shell waits on a background child: killing only the shell would leave the sleep behind.
  const command = `sleep 60 & echo $! > "$PIDF"; wait`
  const e = await failure(
    commandChannel({ secrets, command, env: { PATH: process.env.PATH, PIDF: pidFile }, timeoutMs: 300 }).send(alert()),
  )
  t.equal(e.reason, 'alert channel command: did not finish within 0.3s and was killed')
  const pid = Number(readFileSync(pidFile, 'utf8'))
  t.ok(pid > 0)
  t.ok(await until(() => !alive(pid), 5000), 'the background sleep is gone too')
})

t.test('success does not wait for a background job the command left running', async (t) => {
  const pidFile = join(t.testdir(), 'pid')
  // The job holds stderr open; waiting for it would hold the delivery until the timeout kills it.
  const command = `(sleep 60 & echo $! > "$PIDF") ; exit 0`
  await t.resolves(commandChannel({ secrets, command, env: { PATH: process.env.PATH, PIDF: pidFile }, timeoutMs: 20_000 }).send(alert()))
  const pid = Number(readFileSync(pidFile, 'utf8'))
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  })
  // Resolved on exit: no timeout came to kill the job (nor to report a failure).
  t.ok(alive(pid), 'the job the command started keeps running')
})

t.test('endless output: stderr kept to a few KiB, stdout not read; the command still finishes or is killed', async (t) => {
  const rssBefore = process.memoryUsage().rss
  // 50 MB on stderr without a newline, then a failure: read to the end, kept only in part.
  const big = await failure(
    commandChannel({ secrets, command: 'head -c 50000000 /dev/zero | tr "\\0" x >&2; exit 3', env: { PATH: process.env.PATH } }).send(
      alert(),
    ),
  )
  t.match(big.reason, /^alert channel command: exited with 3: x+…$/)
  t.ok(big.reason.length < 300, 'one short line')
  // Never ends, on both outputs: killed at the timeout.
  const spam = await failure(
    commandChannel({ secrets, command: 'yes spam & yes spam >&2', env: { PATH: process.env.PATH }, timeoutMs: 1000 }).send(alert()),
  )
  t.equal(spam.reason, 'alert channel command: did not finish within 1s and was killed')
  const grown = process.memoryUsage().rss - rssBefore
  t.ok(grown < 64 * 1024 * 1024, `RSS grew ${Math.round(grown / 1024)} KiB, not by the output`)
  t.equal(STDERR_KEEP, 4096)
})

t.test('upstream text is redacted and escaped in every AWS_CREDD_* variable', async (t) => {
  const { assertClean, plantedText } = await import('../helpers/planted.js')
  secrets.register('registered-source-secret-0123')
  const planted = plantedText('registered-source-secret-0123')
  const out = join(t.testdir(), 'env')
  const ch = commandChannel({ secrets, command: 'env -0 > "$OUT"', env: { PATH: process.env.PATH, OUT: out } })
  await ch.send(
    alert({
      event: 'refresh-failing',
      message: planted,
      fix: planted,
      profile: 'p\x1b]0;x\x07',
      profiles: [planted],
      verificationUriComplete: planted,
    }),
  )
  const got = readEnv(out)
  const ours = Object.entries(got).filter(([k]) => k.startsWith('AWS_CREDD_'))
  t.equal(ours.length, 9)
  for (const [k, v] of ours) assertClean(t, k, v, 'registered-source-secret-0123')
  t.match(got.AWS_CREDD_MESSAGE, 'password=[redacted]')
})
