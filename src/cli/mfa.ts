// `aws-credd mfa PROFILE CODE`: hands an MFA code to the running daemon, which
// opens (or renews) the MFA session of that profile's chain with it.
import { outgoingText, SecretRegistry } from '../core/outgoing-text.js'
import { UsageError, type Command } from './command.js'
import { askDaemon, controlSocket, UNTRUSTED_EXIT } from './control-client.js'
import { fixes } from '../core/fixes.js'

export interface MfaOptions {
  profile: string
  code: string
}

export const mfaCommand: Command<MfaOptions> = {
  validate: (opts) =>
    /^\d{6}$/.test(opts.code) ? opts : new UsageError('aws-credd mfa: the code must be the six digits your MFA device shows now'),
  run: async ({ profile, code }, { io, env }) => {
    // The daemon's answers pass the outgoing-text gate again here (escapes, secret shapes), as one
    // line; this command registers no secret, so its own registry stays empty.
    const secrets = new SecretRegistry()
    const say = (line: string): void => io.stderr(outgoingText(line, { secrets }))
    // The code goes only to a socket that passed the trust check (askDaemon sends nothing otherwise).
    const answer = await askDaemon(controlSocket(env), 'POST', '/v1/mfa', { profile, code })
    if (answer.status === 'untrusted') {
      io.stderr(`aws-credd mfa: ${outgoingText(answer.reason, { secrets })}`)
      return UNTRUSTED_EXIT
    }
    if (answer.status === 'no-daemon') {
      say(`aws-credd mfa: ${answer.reason}; ${fixes.startDaemon}`)
      return 3
    }
    const message = String(answer.body.message ?? '')
    if (answer.status !== 200) {
      say(`aws-credd mfa: ${message}`)
      return 1
    }
    say(message)
    return 0
  },
}
