// sd_notify(3) for `Type=notify` units: READY=1 once the first resolution is done,
// STATUS= lines, WATCHDOG=1 pings, RELOADING=1/STOPPING=1. The protocol is one unix
// *datagram* per message to $NOTIFY_SOCKET, which Node's `net` cannot send; the
// maintained `unix-dgram` addon (an optional dependency) does. When npm could not
// build it (no compiler, no Node headers: npm says so only in its log), the
// `systemd-notify` tool sends them instead; systemd then hears them from a child
// process, which is why the shipped units say NotifyAccess=all. Outside systemd (no
// NOTIFY_SOCKET) every call is a no-op.
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { errorLine, withFix } from '../core/errors.js'

export interface Notifier {
  /** Whether messages go anywhere (running under systemd with Type=notify). */
  readonly active: boolean
  /** How messages travel: the addon, the systemd-notify tool, or nowhere. */
  readonly via: 'datagram' | 'systemd-notify' | 'none'
  send(fields: Record<string, string>): void
  close(): void
}

type Env = Record<string, string | undefined>
type DgramSocket = {
  send(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void
  close(): void
  on(ev: 'error', cb: (e: Error) => void): void
}

/** `KEY=value` lines; newlines inside a value would start a new field, so they become spaces. */
export const formatNotify = (fields: Record<string, string>): string =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}`)
    .join('\n')

type CreateSocket = (type: 'unix_dgram') => DgramSocket

const loadDgram = (): CreateSocket | undefined => {
  try {
    return (createRequire(import.meta.url)('unix-dgram') as { createSocket: CreateSocket }).createSocket
  } catch {
    return undefined
  }
}

/** `load` finds the addon (tests pass one that finds none, to exercise the tool). */
export const createNotifier = (
  env: Env = process.env,
  onError: (msg: string) => void = () => undefined,
  load: () => CreateSocket | undefined = loadDgram,
): Notifier => {
  const target = env.NOTIFY_SOCKET
  if (!target) return { active: false, via: 'none', send: () => undefined, close: () => undefined }
  // An abstract socket is written "@name"; the kernel wants a leading NUL.
  const path = target.startsWith('@') ? `\0${target.slice(1)}` : target
  const createSocket = load()
  if (createSocket) {
    const socket = createSocket('unix_dgram')
    socket.on('error', (e) => onError(`systemd notify: ${errorLine(e)}`))
    return {
      active: true,
      via: 'datagram',
      send: (fields) => {
        const buf = Buffer.from(formatNotify(fields))
        socket.send(buf, 0, buf.length, path, (err) => err && onError(`systemd notify: ${errorLine(err)}`))
      },
      close: () => socket.close(),
    }
  }
  return {
    active: true,
    via: 'systemd-notify',
    send: (fields) => {
      const args = Object.entries(fields).map(([k, v]) => (k === 'READY' ? '--ready' : k === 'STATUS' ? `--status=${v}` : `${k}=${v}`))
      execFile(
        'systemd-notify',
        args,
        { env: { ...process.env, NOTIFY_SOCKET: target } },
        (err) =>
          err &&
          onError(
            withFix(
              `systemd-notify failed: ${errorLine(err)}`,
              'set NotifyAccess=all in the unit, or reinstall aws-credd where npm can build its unix-dgram addon (python3, make, a C++ compiler)',
            ),
          ),
      )
    },
    close: () => undefined,
  }
}

/** Half the watchdog interval, when systemd asks for pings from this process (sd_watchdog_enabled). */
export const watchdogInterval = (env: Env = process.env, pid = process.pid): number | undefined => {
  const usec = Number(env.WATCHDOG_USEC)
  if (!Number.isFinite(usec) || usec <= 0) return undefined
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined
  return Math.max(500, Math.floor(usec / 2000))
}
