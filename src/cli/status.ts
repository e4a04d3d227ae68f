// `aws-credd status [--json]`: the running daemon's view of every profile and SSO
// session, with an exit status scripts and monitoring can test: 0 all fresh, 1 something
// needs attention, 2 a profile has nothing valid to serve, 3 no daemon runs, 4 the control
// socket failed the trust check (another user's, or in a folder others can write).
import { outgoingText, outgoingValue, SecretRegistry } from '../core/outgoing-text.js'
import { statusExitCode } from '../engine/status-view.js'
import { askDaemon, controlSocket, UNTRUSTED_EXIT } from './control-client.js'
import type { Command } from './command.js'
import { formatStatus, type StatusAnswer } from './status-format.js'
import { withFix } from '../core/errors.js'
import { fixes } from '../core/fixes.js'

export interface StatusOptions {
  json?: boolean
}

const isView = (b: Record<string, unknown>): b is Record<string, unknown> & StatusAnswer =>
  Array.isArray(b.profiles) && Array.isArray(b.ssoSessions)

export const statusCommand: Command<StatusOptions> = {
  validate: (opts) => opts,
  run: async (opts, { io, env, now }) => {
    const answer = await askDaemon(controlSocket(env), 'GET', '/v1/status')
    // This command registers no secret: its registry stays empty (the daemon redacted its own).
    const secrets = new SecretRegistry()
    if (answer.status === 'untrusted') {
      io.stderr(`aws-credd status: ${answer.reason}`)
      return UNTRUSTED_EXIT
    }
    if (answer.status === 'no-daemon') {
      io.stderr(`aws-credd status: ${answer.reason}; ${fixes.startDaemon}`)
      return 3
    }
    if (answer.status !== 200 || !isView(answer.body)) {
      io.stderr(
        `aws-credd status: ${withFix(`the daemon did not give its status (${answer.status}: ${outgoingText(String(answer.body.message ?? 'unexpected answer'), { secrets })})`, 'restart it (its log says more)')}`,
      )
      return 1
    }
    // The daemon cleaned its answer already; this process cleans again what it prints (escapes
    // and secret shapes: it does not know the daemon's registered secrets).
    io.stdout(
      opts.json ? `${JSON.stringify(outgoingValue(answer.body, { secrets }), null, 2)}\n` : formatStatus(answer.body, now(), secrets),
    )
    return statusExitCode(answer.body)
  },
}
