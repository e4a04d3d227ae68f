// The running daemon seen from outside: credentials by profile (for the HTTP
// endpoints and `aws-credd process`), status, and MFA codes. Answers come from
// memory; nothing here waits for AWS.
import { awsTimestamp } from '../core/aws-time.js'
import { expiryProblem } from '../core/serve-floor.js'
import { sessionLoginFlag } from '../core/sso-sessions.js'
import type { ControlApi } from '../serve/control-server.js'
import type { CredentialLookup, Lookup } from '../serve/credential-lookup.js'
import type { Daemon } from './daemon.js'

/** Why a known profile has nothing to serve, ending with what fixes it. */
const unavailableReason = (daemon: Daemon, profile: string): string => {
  const view = daemon.status()
  const p = view.profiles.find((x) => x.profile === profile)
  const session = p?.ssoSession && view.ssoSessions.find((s) => s.label === p.ssoSession)
  if (session && (session.state === 'relogin-required' || session.state === 'logging-in')) {
    const how = session.verificationUriComplete ? `open ${session.verificationUriComplete}` : `run aws-credd login ${sessionLoginFlag(session)}`
    return `SSO session ${session.label} needs login: ${how}`
  }
  if (p?.lastError) return p.lastError
  return `profile "${profile}" has no credentials yet (the first renewal is under way); try again in a moment`
}

export const credentialLookup = (daemon: Daemon): CredentialLookup => ({
  lookup(profile: string): Lookup {
    if (!daemon.keeps(profile)) return { kind: 'unknown' }
    const creds = daemon.refresher.current(profile)
    return creds ? { kind: 'ok', creds } : { kind: 'unavailable', reason: unavailableReason(daemon, profile) }
  },
})

/** `extra`: facts only the process knows (its pid, where its endpoints listen), added to status. */
export const controlApi = (daemon: Daemon, extra: () => Record<string, unknown> = () => ({})): ControlApi => {
  const lookup = credentialLookup(daemon)
  return {
    status: () => [200, { ...daemon.status(), ...extra() }],
    credentials: (profile) => {
      const l = lookup.lookup(profile)
      if (l.kind === 'unknown') return [404, { message: `profile "${profile}" is not kept by this daemon; known: ${daemon.view().wanted.join(', ') || 'none'}` }]
      if (l.kind === 'unavailable') return [503, { message: l.reason }]
      // The same floor as the HTTP endpoints (long-term keys pass: credential_process serves them).
      const c = l.creds
      const dying = expiryProblem(profile, c, daemon.now())
      if (dying) return [503, { message: dying }]
      // The credential_process shape (botocore's ProcessProvider, the SDK's fromProcess).
      return [200, {
        Version: 1,
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secretAccessKey,
        ...(c.sessionToken ? { SessionToken: c.sessionToken } : {}),
        ...(c.expiresAt !== undefined ? { Expiration: awsTimestamp(c.expiresAt) } : {}),
      }]
    },
    mfa: (profile, code) => {
      const problem = daemon.provideMfaCode(profile, code)
      return problem ? [400, { message: problem }] : [200, { message: `code accepted for profile "${profile}"` }]
    },
  }
}
