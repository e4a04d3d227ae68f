// What an alert channel is told when a person has to act (log in again, type an
// MFA code) or when things recovered: plain data the engine builds and channels deliver
// (the channel port, AlertChannel, is in engine/ports.ts), and cleanAlert, the outgoing-text
// gate every alert passes before any channel sees it.
import { outgoingText, type SecretRegistry } from './outgoing-text.js'

/** What happened, as the channels and the metrics name it. */
export type AlertEvent = 'relogin-soon' | 'relogin-required' | 'login-started' | 'recovered' | 'refresh-failing' | 'mfa-required'

/** One alert: words for a person, what it is about, and what fixes it; never a secret. */
export interface Alert {
  event: AlertEvent
  /** One line for a person, never containing a secret, e.g. 'SSO session "dev" needs login: no cached SSO token (not logged in yet)'; the fix goes in `fix`, not here. */
  message: string
  ssoSession?: string
  profile?: string
  /** Profiles affected (those depending on the SSO session, or the one profile). */
  profiles: string[]
  /** A link that completes the login (device flow), when one exists. */
  verificationUriComplete?: string
  userCode?: string
  /** The command that fixes it, e.g. 'aws-credd login --sso-session dev'. */
  fix?: string
  /** When it happened, epoch ms. */
  at: number
}

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
