// `aws-credd mfa PROFILE CODE`: hands an MFA code to the running daemon, which
// opens (or renews) the MFA session of that profile's chain with it.
import { outgoingText, SecretRegistry } from '../core/outgoing-text.js'
import { askDaemon, controlSocket, UNTRUSTED_EXIT } from './control-client.js'

export const mfaCommand = async (profile: string, code: string, env: NodeJS.ProcessEnv = process.env): Promise<number> => {
  // The daemon's answers pass the outgoing-text gate again here (escapes, secret shapes); this
  // command registers no secret, so its own registry stays empty.
  const secrets = new SecretRegistry()
  const say = (line: string): void => void process.stderr.write(`${outgoingText(line, { secrets })}\n`)
  if (!/^\d{6}$/.test(code)) {
    say('aws-credd mfa: the code must be the six digits your MFA device shows now')
    return 2
  }
  // The code goes only to a socket that passed the trust check (askDaemon sends nothing otherwise).
  const answer = await askDaemon(controlSocket(env), 'POST', '/v1/mfa', { profile, code })
  if (answer.status === 'untrusted') {
    process.stderr.write(`aws-credd mfa: ${outgoingText(answer.reason, { secrets })}\n`)
    return UNTRUSTED_EXIT
  }
  if (answer.status === 'no-daemon') {
    say(`aws-credd mfa: ${answer.reason}; start it with \`aws-credd run\``)
    return 3
  }
  const message = String(answer.body.message ?? '')
  if (answer.status !== 200) {
    say(`aws-credd mfa: ${message}`)
    return 1
  }
  say(message)
  return 0
}
