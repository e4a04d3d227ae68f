// sd_notify(3) for `Type=notify` units: READY=1 once the first resolution is done,
// STATUS= lines, WATCHDOG=1 pings, RELOADING=1/STOPPING=1. The protocol is one unix
// *datagram* per message to $NOTIFY_SOCKET, which Node's `net` cannot send; the
// maintained `unix-dgram` addon (an optional dependency) does. Without it, the
// `systemd-notify` tool is used, which needs NotifyAccess=all in the unit. Outside
// systemd (no NOTIFY_SOCKET) every call is a no-op.
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'

export interface Notifier {
  /** Whether messages go anywhere (running under systemd with Type=notify). */
  readonly active: boolean
  send(fields: Record<string, string>): void
  close(): void
}

type Env = Record<string, string | undefined>
type DgramSocket = { send(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void; close(): void; on(ev: 'error', cb: (e: Error) => void): void }

/** `KEY=value` lines; newlines inside a value would start a new field, so they become spaces. */
export const formatNotify = (fields: Record<string, string>): string =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}`)
    .join('\n')

const loadDgram = (): ((type: 'unix_dgram') => DgramSocket) | undefined => {
  try {
    return (createRequire(import.meta.url)('unix-dgram') as { createSocket: (type: 'unix_dgram') => DgramSocket }).createSocket
  } catch {
    return undefined
  }
}

export const createNotifier = (env: Env = process.env, onError: (msg: string) => void = () => undefined): Notifier => {
  const target = env.NOTIFY_SOCKET
  if (!target) return { active: false, send: () => undefined, close: () => undefined }
  // An abstract socket is written "@name"; the kernel wants a leading NUL.
  const path = target.startsWith('@') ? `\0${target.slice(1)}` : target
  const createSocket = loadDgram()
  if (createSocket) {
    const socket = createSocket('unix_dgram')
    socket.on('error', (e) => onError(`systemd notify: ${e.message}`))
    return {
      active: true,
      send: (fields) => {
        const buf = Buffer.from(formatNotify(fields))
        socket.send(buf, 0, buf.length, path, (err) => err && onError(`systemd notify: ${err.message}`))
      },
      close: () => socket.close(),
    }
  }
  return {
    active: true,
    send: (fields) => {
      const args = Object.entries(fields).map(([k, v]) => (k === 'READY' ? '--ready' : k === 'STATUS' ? `--status=${v}` : `${k}=${v}`))
      execFile('systemd-notify', args, { env: { ...process.env, NOTIFY_SOCKET: target } }, (err) => err && onError(`systemd-notify failed: ${err.message.split('\n')[0]}; install the unix-dgram addon or set NotifyAccess=all`))
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
