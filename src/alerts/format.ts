// The texts every channel shows, so a desktop popup, a Slack message and a
// script see the same words (times: core/aws-time.ts). Every text an alert carries
// passes the outgoing-text gate (cleanAlert): an alert may quote an upstream error.
import { outgoingText } from '../core/outgoing-text.js'
import type { Alert } from './alert.js'

/** The optional text fields of an alert. */
const OPTIONAL_TEXTS = ['ssoSession', 'profile', 'verificationUriComplete', 'userCode', 'fix'] as const satisfies readonly (keyof Alert)[]

/**
 * `a` with every text field redacted and escaped to one line (core/outgoing-text.ts).
 * The dispatcher applies it before fan-out, and each channel again on what it formats
 * (idempotent, and alerts are rare), so a channel used on its own is safe too.
 */
export const cleanAlert = (a: Alert): Alert => {
  const out: Alert = { ...a, message: outgoingText(a.message), profiles: a.profiles.map((p) => outgoingText(p)) }
  for (const k of OPTIONAL_TEXTS) {
    const v = a[k]
    if (v !== undefined) out[k] = outgoingText(v)
  }
  return out
}

/** How long a quoted detail (a program's stderr, an error) may be in an alert channel's error. */
export const DETAIL_MAX = 200

const subject = (a: Alert): string =>
  a.ssoSession !== undefined ? `SSO session ${a.ssoSession}` : a.profile !== undefined ? `profile ${a.profile}` : 'credentials'

/** A short title, e.g. "aws-credd: SSO session dev needs login". */
export const alertTitle = (alert: Alert): string => {
  const a = cleanAlert(alert)
  const s = subject(a)
  switch (a.event) {
    case 'relogin-soon': return `aws-credd: ${s} needs login soon`
    case 'relogin-required': return `aws-credd: ${s} needs login`
    case 'login-started': return `aws-credd: login started for ${s}`
    case 'recovered': return `aws-credd: ${s} works again`
    case 'refresh-failing': return `aws-credd: ${s} cannot refresh`
    case 'mfa-required': return `aws-credd: ${s} needs an MFA code`
  }
}

/**
 * The message, then the login link on its own line (chat apps turn it into a
 * link), the user code to compare with the one the browser shows, and the fix
 * (an alert's message never says the fix itself: see Alert in alert.ts).
 */
export const alertText = (alert: Alert, opts: { fix?: boolean } = {}): string => {
  const a = cleanAlert(alert)
  const lines = [a.message]
  if (a.verificationUriComplete) lines.push(a.verificationUriComplete)
  if (a.userCode) lines.push(`Code: ${a.userCode}`)
  if ((opts.fix ?? true) && a.fix) lines.push(`Fix: ${a.fix}`)
  return lines.join('\n')
}
