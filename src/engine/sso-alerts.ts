// What an SSO session's state means for a person, and the alert text for it.
// The gate (core/alert-gate.ts) decides *whether* to send; this decides *what*.
import type { Alert } from '../core/alert.js'
import type { Condition } from '../core/alert-gate.js'
import type { SsoDecision, SsoFacts } from '../core/sso-session-state.js'
import { fixes } from '../core/fixes.js'
import type { SsoSessionInfo } from '../core/sso-sessions.js'
import { awsTimestamp } from '../core/aws-time.js'
import type { DeviceAuthorization } from './ports.js'

export interface AlertTiming {
  /** Warn this long before a login becomes necessary. */
  warnBefore: number
  /** Reminders no more often than this. */
  repeat: number
  /** Transient refresh failures lasting this long are announced. */
  failingAfter: number
}

export const sessionCondition = (d: SsoDecision, f: SsoFacts, now: number, t: AlertTiming): Condition => {
  if (d.state === 'logging-in') return 'logging-in'
  if (d.state === 'relogin-required') return 'relogin-required'
  if (f.failing && now - f.failing.since >= t.failingAfter) return 'refresh-failing'
  if (d.loginNeededAt !== undefined && d.loginNeededAt - t.warnBefore <= now) return 'relogin-soon'
  return 'ok'
}

export const sessionAlert = (
  event: Exclude<Condition, 'ok' | 'logging-in'> | 'logging-in' | 'recovered',
  s: SsoSessionInfo,
  d: SsoDecision,
  auth: DeviceAuthorization | undefined,
  reminder: boolean,
  now: number,
): Alert => {
  const who = `SSO session "${s.label}"`
  const again = reminder ? ' (reminder)' : ''
  const fix = fixes.ssoLogin(s)
  const base = { ssoSession: s.label, profiles: [...s.profiles], at: now }
  switch (event) {
    case 'logging-in':
      return {
        ...base,
        event: 'login-started',
        message: `${who} needs login: open the link and approve code ${auth?.userCode ?? ''}${again}`.trim(),
        verificationUriComplete: auth?.verificationUriComplete,
        userCode: auth?.userCode,
        fix,
      }
    case 'relogin-required':
      return { ...base, event: 'relogin-required', message: `${who} needs login: ${d.reason}${again}`, fix }
    case 'relogin-soon':
      return {
        ...base,
        event: 'relogin-soon',
        message: `${who} will need login at ${d.loginNeededAt !== undefined ? awsTimestamp(d.loginNeededAt) : 'soon'}: ${d.reason}${again}`,
        fix,
      }
    case 'refresh-failing':
      return {
        ...base,
        event: 'refresh-failing',
        message: `${who}: refreshing the token keeps failing${again}; the current token is used until it expires`,
        fix: 'check network access to SSO-OIDC (and AWS_ENDPOINT_URL_SSO_OIDC)',
      }
    case 'mfa-required':
      return { ...base, event: 'mfa-required', message: `${who}: MFA required`, fix }
    case 'recovered':
      return { ...base, event: 'recovered', message: `${who} is fresh again` }
  }
}
