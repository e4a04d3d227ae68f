// The texts every channel shows, so a desktop popup, a Slack message and a
// script see the same words (times: core/aws-time.ts). Every text an alert carries
// passes the outgoing-text gate (cleanAlert): an alert may quote an upstream error.
import { outgoingText, type SecretRegistry } from '../core/outgoing-text.js'
import type { Alert } from './alert.js'

/** The optional text fields of an alert. */
const OPTIONAL_TEXTS = ['ssoSession', 'profile', 'verificationUriComplete', 'userCode', 'fix'] as const satisfies readonly (keyof Alert)[]

/**
 * `a` with every text field redacted and escaped to one line (core/outgoing-text.ts).
 * The dispatcher applies it before fan-out, and each channel again on what it formats
 * (idempotent, and alerts are rare), so a channel used on its own is safe too.
 * `secrets`: the daemon's registered secrets.
 */
export const cleanAlert = (a: Alert, secrets: SecretRegistry): Alert => {
  const out: Alert = { ...a, message: outgoingText(a.message, { secrets }), profiles: a.profiles.map((p) => outgoingText(p, { secrets })) }
  for (const k of OPTIONAL_TEXTS) {
    const v = a[k]
    if (v !== undefined) out[k] = outgoingText(v, { secrets })
  }
  return out
}

/** The first line of `text`, trimmed and cut to `max` characters. */
export const firstLine = (text: string, max = 200): string => {
  const line = text.trim().split(/\r?\n/)[0]?.trim() ?? ''
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

const subject = (a: Alert): string =>
  a.ssoSession !== undefined ? `SSO session ${a.ssoSession}` : a.profile !== undefined ? `profile ${a.profile}` : 'credentials'

/** A short title, e.g. "aws-credd: SSO session dev needs login". */
export const alertTitle = (alert: Alert, secrets: SecretRegistry): string => {
  const a = cleanAlert(alert, secrets)
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
 * when the message does not already say it.
 */
export const alertText = (alert: Alert, secrets: SecretRegistry, opts: { fix?: boolean } = {}): string => {
  const a = cleanAlert(alert, secrets)
  const lines = [a.message]
  if (a.verificationUriComplete) lines.push(a.verificationUriComplete)
  if (a.userCode) lines.push(`Code: ${a.userCode}`)
  if ((opts.fix ?? true) && a.fix && !a.message.includes(a.fix)) lines.push(`Fix: ${a.fix}`)
  return lines.join('\n')
}
