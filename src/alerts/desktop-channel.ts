// Desktop notifications through `notify-send` (libnotify) on a Linux desktop.
// Present only when a session bus and notify-send exist: on a server or in a
// container the channel is silently absent instead of failing every alert.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Logger } from '../engine/ports.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import { findExecutable } from './find-executable.js'
import type { Alert } from '../core/alert.js'
import type { AlertChannel } from '../engine/ports.js'
import { AlertChannelError, firstLine, renderError } from '../core/errors.js'
import { alertText, alertTitle, DETAIL_MAX } from './format.js'

/** A notification server that hangs must not hold a delivery forever. */
export const DESKTOP_TIMEOUT_MS = 10_000

/** Runs `file` with `args` (no shell); rejects with a one-line Error. Injectable for tests. */
export type SpawnFile = (file: string, args: string[], opts: { env: NodeJS.ProcessEnv; timeoutMs: number }) => Promise<void>

export const execFileSpawn: SpawnFile = (file, args, opts) =>
  new Promise((resolve, reject) => {
    try {
      execFile(
        file,
        args,
        { env: opts.env, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 },
        (err, _stdout, stderr) => {
          if (!err) return resolve()
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null }
          const name = basename(file)
          if (typeof e.code === 'string') return reject(new Error(`cannot run ${name}: ${e.code}`))
          if (e.killed) return reject(new Error(`${name} did not finish within ${opts.timeoutMs / 1000}s`))
          const detail = firstLine(String(stderr ?? ''), DETAIL_MAX)
          reject(
            new Error(`${name} ${e.code != null ? `exited with ${e.code}` : `was killed by ${e.signal}`}${detail ? `: ${detail}` : ''}`),
          )
        },
      )
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)))
    }
  })

/** The session bus address: the variable, or the systemd user bus socket that GDBus may not look for itself. */
const busAddress = (env: NodeJS.ProcessEnv): string | undefined => {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS
  const runtime = env.XDG_RUNTIME_DIR
  if (runtime && existsSync(join(runtime, 'bus'))) return `unix:path=${join(runtime, 'bus')}`
  return undefined
}

/** notify-send parses a leading '-' as an option (GOption), even in the body. Title and text are already cleaned (format.ts). */
const notOption = (s: string): string => (s.startsWith('-') ? ` ${s}` : s)

export const notifySendArgs = (a: Alert, secrets: SecretRegistry): string[] => [
  '--app-name=aws-credd',
  `--urgency=${a.event === 'relogin-required' ? 'critical' : a.event === 'recovered' ? 'low' : 'normal'}`,
  notOption(alertTitle(a, secrets)),
  notOption(alertText(a, secrets, { fix: false })),
]

export interface DesktopDeps {
  env: NodeJS.ProcessEnv
  logger: Logger
  /** The daemon's registered secrets, redacted from title and text. */
  secrets: SecretRegistry
  spawn?: SpawnFile
  timeoutMs?: number
}

/** The desktop channel, or undefined (with one debug line) when this machine cannot show notifications. */
export const desktopChannel = (deps: DesktopDeps): AlertChannel | undefined => {
  const bus = busAddress(deps.env)
  if (!bus) {
    deps.logger.debug('desktop alerts off: no session bus (DBUS_SESSION_BUS_ADDRESS unset and no $XDG_RUNTIME_DIR/bus)')
    return undefined
  }
  const notifySend = findExecutable('notify-send', deps.env.PATH)
  if (!notifySend) {
    deps.logger.debug('desktop alerts off: notify-send is not on PATH (install libnotify-bin or libnotify)')
    return undefined
  }
  const spawn = deps.spawn ?? execFileSpawn
  const env = { ...deps.env, DBUS_SESSION_BUS_ADDRESS: bus }
  const timeoutMs = deps.timeoutMs ?? DESKTOP_TIMEOUT_MS
  return {
    name: 'desktop',
    send: async (a) => {
      try {
        await spawn(notifySend, notifySendArgs(a, deps.secrets), { env, timeoutMs })
      } catch (e) {
        const reason = renderError(e, { max: DETAIL_MAX })
        throw new AlertChannelError('desktop', reason, {
          fix: 'check that a notification server runs in the desktop session (notify-send "test")',
        })
      }
    },
  }
}
