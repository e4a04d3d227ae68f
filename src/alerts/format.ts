// The texts every channel shows, so a desktop popup, a Slack message and a
// script see the same words (times: core/aws-time.ts). Every text an alert carries
// passes the outgoing-text gate (cleanAlert, core/alert.ts): an alert may quote an upstream error.
import type { SecretRegistry } from '../core/outgoing-text.js'
import { cleanAlert, type Alert } from '../core/alert.js'

/** How long a quoted detail (a program's stderr, an error) may be in an alert channel's error. */
export const DETAIL_MAX = 200

const subject = (a: Alert): string =>
  a.ssoSession !== undefined ? `SSO session ${a.ssoSession}` : a.profile !== undefined ? `profile ${a.profile}` : 'credentials'

/** A short title, e.g. "aws-credd: SSO session dev needs login". */
export const alertTitle = (alert: Alert, secrets: SecretRegistry): string => {
  const a = cleanAlert(alert, secrets)
  const s = subject(a)
  switch (a.event) {
    case 'relogin-soon':
      return `aws-credd: ${s} needs login soon`
    case 'relogin-required':
      return `aws-credd: ${s} needs login`
    case 'login-started':
      return `aws-credd: login started for ${s}`
    case 'recovered':
      return `aws-credd: ${s} works again`
    case 'refresh-failing':
      return `aws-credd: ${s} cannot refresh`
    case 'mfa-required':
      return `aws-credd: ${s} needs an MFA code`
  }
}

/**
 * The message, then the login link on its own line (chat apps turn it into a
 * link), the user code to compare with the one the browser shows, and the fix
 * (an alert's message never says the fix itself: see Alert in alert.ts).
 */
export const alertText = (alert: Alert, secrets: SecretRegistry, opts: { fix?: boolean } = {}): string => {
  const a = cleanAlert(alert, secrets)
  const lines = [a.message]
  if (a.verificationUriComplete) lines.push(a.verificationUriComplete)
  if (a.userCode) lines.push(`Code: ${a.userCode}`)
  if ((opts.fix ?? true) && a.fix) lines.push(`Fix: ${a.fix}`)
  return lines.join('\n')
}
