// The running daemon seen from outside, as data: the credentials of one profile (for
// the HTTP endpoints and `aws-credd process`), or why there are none, ending with the fix.
// Answers come from memory; nothing here waits for AWS. The control socket's HTTP
// answers are built from this in src/root/control-answers.ts.
import { fixes } from '../core/fixes.js'
import type { CredentialLookup, Lookup } from './ports.js'
import type { Daemon } from './daemon.js'

/** Why a known profile has nothing to serve, ending with what fixes it; `namesProfile`: the reason says `profile "PROFILE"` itself. */
const unavailable = (daemon: Daemon, profile: string): { reason: string; namesProfile: boolean } => {
  const view = daemon.status()
  const p = view.profiles.find((x) => x.profile === profile)
  const session = p?.ssoSession && view.ssoSessions.find((s) => s.label === p.ssoSession)
  if (session && (session.state === 'relogin-required' || session.state === 'logging-in')) {
    const how = session.verificationUriComplete ? `open ${session.verificationUriComplete}` : fixes.runCreddLogin(session)
    return { reason: `SSO session ${session.label} needs login: ${how}`, namesProfile: false }
  }
  if (p?.lastError) return { reason: p.lastError, namesProfile: daemon.lastFailure(profile)?.namedProfile === profile }
  return {
    reason: `profile "${profile}" has no credentials yet (the first renewal is under way); try again in a moment`,
    namesProfile: true,
  }
}

/** The daemon's credentials by profile, from memory: ok, unknown, or unavailable with the reason. */
export const credentialLookup = (daemon: Daemon): CredentialLookup => ({
  lookup(profile: string): Lookup {
    if (!daemon.keeps(profile)) return { kind: 'unknown' }
    const creds = daemon.refresher.current(profile)
    return creds ? { kind: 'ok', creds } : { kind: 'unavailable', ...unavailable(daemon, profile) }
  },
})
