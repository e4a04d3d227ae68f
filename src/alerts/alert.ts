// What an alert channel is told when a person has to act (log in again, type an
// MFA code) or when things recovered. Channels only deliver; the engine decides when.

export type AlertEvent = 'relogin-soon' | 'relogin-required' | 'login-started' | 'recovered' | 'refresh-failing' | 'mfa-required'

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

export interface AlertChannel {
  readonly name: string
  send(alert: Alert): Promise<void>
}
