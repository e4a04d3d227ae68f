// Runs the user's own command (`alerts.command`) for each alert, with the facts
// in AWS_CREDD_* variables, so any notifier (ntfy, a pager, a script) can be plugged in.
import { spawn } from 'node:child_process'
import { cleanAlert, type Alert } from '../core/alert.js'
import type { AlertChannel } from '../engine/ports.js'
import { awsTimestamp } from '../core/aws-time.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import { AlertChannelError, firstLine } from '../core/errors.js'
import { DETAIL_MAX } from './format.js'

export const COMMAND_TIMEOUT_MS = 30_000
/** Most characters of stderr kept (the rest is read and dropped, so the command never blocks on a full pipe). stdout is not read at all. */
export const STDERR_KEEP = 4096
const FIX = 'run alerts.command by hand to see why it fails'

export interface CommandOptions {
  command: string
  /** The daemon's own environment, passed on to the command. */
  env: NodeJS.ProcessEnv
  timeoutMs?: number
  /** The daemon's registered secrets, redacted from every variable. */
  secrets: SecretRegistry
}

/**
 * The AWS_CREDD_* variables for `alert`, every text redacted and escaped (cleanAlert); absent
 * facts are empty, so nothing inherited is mistaken for them.
 */
export const commandEnv = (alert: Alert, secrets: SecretRegistry): Record<string, string> => {
  const a = cleanAlert(alert, secrets)
  return {
    AWS_CREDD_EVENT: a.event,
    AWS_CREDD_MESSAGE: a.message,
    AWS_CREDD_SSO_SESSION: a.ssoSession ?? '',
    AWS_CREDD_PROFILE: a.profile ?? '',
    AWS_CREDD_PROFILES: a.profiles.join(','),
    AWS_CREDD_VERIFICATION_URI_COMPLETE: a.verificationUriComplete ?? '',
    AWS_CREDD_USER_CODE: a.userCode ?? '',
    AWS_CREDD_FIX: a.fix ?? '',
    AWS_CREDD_TIME: awsTimestamp(a.at),
  }
}

export const commandChannel = (opts: CommandOptions): AlertChannel => {
  const timeoutMs = opts.timeoutMs ?? COMMAND_TIMEOUT_MS
  // The command line is never quoted in an error: it may carry a token.
  const fail = (reason: string): AlertChannelError => new AlertChannelError('command', reason, { fix: FIX })
  return {
    name: 'command',
    send: (a) =>
      new Promise<void>((resolve, reject) => {
        let stderr = ''
        let timedOut = false
        let exitCode: number | null | undefined
        let signal: NodeJS.Signals | null = null
        const child = spawn('/bin/sh', ['-c', opts.command], {
          env: { ...opts.env, ...commandEnv(a, opts.secrets) },
          stdio: ['ignore', 'ignore', 'pipe'],
          // Its own process group, so a timeout also kills what the shell started.
          detached: true,
        })
        const killGroup = (): void => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL')
          } catch {
            // already gone
          }
        }
        const timer = setTimeout(() => {
          // Either the shell still runs, or it failed and something it started still holds stderr.
          timedOut = exitCode === undefined
          killGroup()
          child.stderr?.destroy()
          if (exitCode !== undefined) finish()
        }, timeoutMs)
        let settled = false
        const finish = (): void => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          if (timedOut) return reject(fail(`did not finish within ${timeoutMs / 1000}s and was killed`))
          if (exitCode === 0) return resolve()
          const detail = firstLine(stderr, DETAIL_MAX)
          const how = exitCode === null ? `was killed by ${signal}` : `exited with ${exitCode}`
          reject(fail(`${how}${detail ? `: ${detail}` : ''}`))
        }
        child.stderr!.setEncoding('utf8')
        child.stderr!.on('data', (d: string) => {
          if (stderr.length < STDERR_KEEP) stderr += d.slice(0, STDERR_KEEP - stderr.length)
        })
        child.stderr!.on('error', () => {})
        child.once('error', (e: NodeJS.ErrnoException) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          reject(fail(`cannot run /bin/sh: ${e.code ?? e.message}`))
        })
        child.once('exit', (code, sig) => {
          exitCode = code
          signal = sig
          // Success needs no stderr, and a background job the command left may hold it open for long.
          if (timedOut || code === 0) {
            child.stderr?.destroy()
            finish()
          }
        })
        // A failure waits for 'close', which comes after the last stderr bytes (bounded by the timeout).
        child.once('close', finish)
      }),
  }
}
