// `aws-credd exec PROFILE -- COMMAND [ARGS…]`: runs COMMAND pointed at the daemon's
// container endpoint with a token that opens PROFILE alone and dies when COMMAND ends
// (a grant held by this process's connection to the daemon), so its SDK refreshes from
// the daemon for as long as it runs. The token goes by value in
// AWS_CONTAINER_AUTHORIZATION_TOKEN, the one form every SDK and every AWS CLI v2 reads
// (the 2.9 series Debian ships ignores ..._TOKEN_FILE). It behaves like the command
// itself to whoever started it: same stdio, signals passed on, its exit status returned
// (128 + N when a signal ended it, as shells report it).
import { randomBytes } from 'node:crypto'
import { errorLine, withFix } from '../core/errors.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { constants } from 'node:os'
import { UsageError, type Command, type CommandIo } from './command.js'
import { containerEnvFor, lookupContainerEnv, type ContainerEnv } from './env.js'
import { grantFailure, holdGrant } from './grant-client.js'

/** What a terminal or a supervisor sends that the command, not aws-credd, should act on. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const

/**
 * Ctrl-C and Ctrl-\ go from the terminal to its whole foreground group, the command
 * included: passing them on too would deliver two, and a second SIGINT makes terraform
 * abandon its graceful stop ("Two interrupts received"). With a terminal they are only
 * kept from stopping aws-credd; without one (a supervisor, `kill PID`) they are passed on.
 */
const TERMINAL_SIGNALS: ReadonlySet<string> = new Set(['SIGINT', 'SIGQUIT'])

/** True when this process has a controlling terminal (it can be sent Ctrl-C). */
export const hasControllingTerminal = (): boolean => {
  if (process.platform === 'win32') return false
  try {
    closeSync(openSync('/dev/tty', 'r'))
    return true
  } catch {
    return false
  }
}

/** The child's environment: ours, minus what would shadow the endpoint, plus its two variables. */
export const childEnv = (base: NodeJS.ProcessEnv, e: ContainerEnv): NodeJS.ProcessEnv => {
  const out: NodeJS.ProcessEnv = { ...base }
  for (const k of e.unset) delete out[k]
  return Object.assign(out, e.set)
}

/** Runs the command until it ends; resolves with the exit status aws-credd should end with. */
export const runChild = (
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo,
  terminal = hasControllingTerminal(),
): Promise<number> =>
  new Promise((resolve) => {
    let child: ChildProcess
    try {
      child = spawn(command, args, { stdio: 'inherit', env })
    } catch (e) {
      // Arguments spawn refuses outright (a NUL byte, say).
      io.stderr(`aws-credd exec: cannot run ${command}: ${errorLine(e)}`)
      return resolve(126)
    }
    // Delivered to us alone (kill PID, systemd, a supervisor): the command must see it too.
    const forward = (signal: NodeJS.Signals) => () => void (child.exitCode === null && child.signalCode === null && child.kill(signal))
    const handlers = FORWARDED_SIGNALS.map(
      (signal) => [signal, terminal && TERMINAL_SIGNALS.has(signal) ? () => undefined : forward(signal)] as const,
    )
    for (const [signal, handler] of handlers) process.on(signal, handler)
    let settled = false
    const finish = (code: number): void => {
      if (settled) return
      settled = true
      for (const [signal, handler] of handlers) process.off(signal, handler)
      resolve(code)
    }
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT')
        io.stderr(`aws-credd exec: ${withFix(`command not found: ${command}`, 'check its spelling, or give its full path')}`)
      else if (e.code === 'EACCES')
        io.stderr(`aws-credd exec: ${withFix(`permission denied: ${command}`, 'make it executable (chmod +x)')}`)
      else io.stderr(`aws-credd exec: cannot run ${command}: ${e.code ?? e.message}`)
      finish(e.code === 'ENOENT' ? 127 : 126)
    })
    child.on('exit', (code, signal) => finish(code ?? 128 + (signal ? constants.signals[signal] : 0)))
  })

export interface ExecOptions {
  profile: string
  /** The command and its arguments, as commander passed them (a leading `--` is dropped). */
  command: string[]
}

export const execCommand: Command<ExecOptions, { profile: string; cmd: string; args: string[] }> = {
  validate: ({ profile, command }) => {
    // With passThroughOptions commander keeps the `--` that separates the command; it is not part of it.
    const [cmd, ...args] = command[0] === '--' ? command.slice(1) : command
    if (cmd === undefined || cmd === '')
      return new UsageError('aws-credd exec: give the command to run: aws-credd exec PROFILE -- COMMAND [ARGS...]')
    return { profile, cmd, args }
  },
  run: async ({ profile, cmd, args }, { io, env }) => {
    const found = await lookupContainerEnv(profile, env)
    if (!found.ok) {
      io.stderr(`aws-credd exec: ${found.message}`)
      return found.code
    }
    // Unique per run: the pid alone could repeat across pid namespaces sharing one daemon.
    const held = await holdGrant(found.socket, {
      name: `exec.${process.pid}.${randomBytes(3).toString('hex')}`,
      kind: 'exec',
      profiles: [profile],
    })
    if (!held.ok) {
      const { code, message } = grantFailure(held.answer)
      io.stderr(`aws-credd exec: ${message}`)
      return code
    }
    for (const w of found.warnings ?? []) io.stderr(`aws-credd exec: note: ${w}`)
    try {
      return await runChild(
        cmd,
        args,
        childEnv(env, containerEnvFor({ url: found.url, token: held.held.grant.token }, profile, found.region)),
        io,
      )
    } finally {
      await held.held.release()
    }
  },
}
