// The live table a running daemon draws at the bottom of a terminal, the log scrolling
// above it (on stderr, where the log goes). Only on a real terminal that understands
// cursor movement, with text logs. What a frame shows is the command layer's (cli/live-frame.ts),
// passed in: the composition root draws it, it does not format it.
import type { Config } from '../core/config/schema.js'
import type { StatusView } from '../engine/ports.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import { LiveTerminal } from '../runtime/live-terminal.js'

/** The lines of one frame: the view as of `now`, cut to `columns`. */
export type LiveFrame = (
  view: StatusView,
  now: number,
  opts: { columns: number; color: boolean; clock: string; secrets: SecretRegistry },
) => string[]

export interface LiveTableDeps {
  /** The daemon's status as of now (read at each redraw). */
  view: () => StatusView
  now: () => number
  frame: LiveFrame
  /** The daemon's secrets, redacted from every cell. */
  secrets: SecretRegistry
}

/** The live table when `run` should draw one (not started yet: the daemon starts it once running), else undefined. */
export const liveTable = (
  opts: { tty?: boolean },
  config: Config,
  env: NodeJS.ProcessEnv,
  deps: LiveTableDeps,
): LiveTerminal | undefined =>
  wantsLiveTable(opts, config, env, process.stderr)
    ? new LiveTerminal({
        out: process.stderr,
        render: (columns): string[] =>
          deps.frame(deps.view(), deps.now(), {
            columns,
            color: !env.NO_COLOR,
            clock: new Date(deps.now()).toTimeString().slice(0, 8),
            secrets: deps.secrets,
          }),
      })
    : undefined

/** The live table needs a real terminal that understands cursor movement, and text logs. */
const wantsLiveTable = (opts: { tty?: boolean }, config: Config, env: NodeJS.ProcessEnv, out: { isTTY?: boolean }): boolean =>
  opts.tty !== false && out.isTTY === true && env.TERM !== 'dumb' && config.log.format !== 'json'
