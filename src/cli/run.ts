// `aws-credd run`: parse (program.ts) → validate the options → the running daemon
// (src/root/running-daemon.ts, the composition root) until a signal → its exit status.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { configSearchPath } from '../files/daemon-config.js'
import { errorLine } from '../core/errors.js'
import { outgoingText, SecretRegistry } from '../core/outgoing-text.js'
import { runningDaemon, type RunInput } from '../root/running-daemon.js'
import { UsageError, type Command } from './command.js'
import { askDaemon } from './control-client.js'
import { liveFrame } from './live-frame.js'

export interface RunOptions {
  config?: string
  logLevel?: string
  logFormat?: string
  /** false with --no-tty: plain log lines even on a terminal. */
  tty?: boolean
}

export const runCommand: Command<RunOptions, RunInput> = {
  validate: (opts, { env }) => {
    let configPath: string | undefined
    try {
      // Under `npm start -- --config x.json` npm runs in the package folder; INIT_CWD is where the user was.
      const base = env.npm_lifecycle_event === 'start' && env.INIT_CWD ? env.INIT_CWD : '.'
      configPath = opts.config ? resolve(base, opts.config) : existsSync(configSearchPath(env)) ? configSearchPath(env) : undefined
    } catch (e) {
      // Through the outgoing-text gate: it may quote a path from the environment.
      return new UsageError(`aws-credd: ${outgoingText(errorLine(e), { secrets: new SecretRegistry() })}`)
    }
    return { configPath, logLevel: opts.logLevel, logFormat: opts.logFormat, tty: opts.tty }
  },
  run: (input, { io, env }) =>
    runningDaemon(input, {
      env,
      say: (line) => io.stderr(line),
      frame: liveFrame,
      askStatus: (socket) => askDaemon(socket, 'GET', '/v1/status'),
    }),
}
