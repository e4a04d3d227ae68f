// What `aws-credd status`, the control socket and the live table show: per
// profile and per SSO session, where credentials come from, whether they can be
// served now, when they expire and renew, and the last error with its fix.
import { errorLine, type CreddError } from '../core/errors.js'
import { chainOf, type Link, type LinkId } from '../core/links.js'
import type { RenewalPolicy } from '../core/renewal-plan.js'
import { servable, type LinkState } from './link-state.js'
import type { ProfileHealth, ProfileStatus, SsoSessionView, StatusView } from './ports.js'

export interface StatusInput {
  wanted: string[]
  roots: Map<string, LinkId>
  links: Map<LinkId, Readonly<LinkState>>
  profileErrors: Map<string, CreddError>
  sso: SsoSessionView[]
  policy: RenewalPolicy
  now: number
  /** The profile's own `region` setting, if any. */
  regionOf?: (profile: string) => string | undefined
}

const sessionLabel = (l: Link): string | undefined => (l.kind === 'sso' ? (l.ssoSession ?? `profile ${l.profile}`) : undefined)

const roundMs = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms))

/** The error a profile's status reports as lastError: the first failing link of its chain, else its profile-graph error. */
export const lastFailure = (i: Pick<StatusInput, 'roots' | 'links' | 'profileErrors'>, profile: string): CreddError | undefined => {
  const root = i.roots.get(profile)
  const err = i.profileErrors.get(profile)
  if (root === undefined) return err
  const graph = { links: new Map([...i.links].map(([id, s]) => [id, s.link])) }
  return (
    chainOf(graph, root)
      .map((l) => i.links.get(l.id)?.failure)
      .find((f) => f !== undefined)?.error ?? err
  )
}

export const statusView = (i: StatusInput): StatusView => {
  const graph = { links: new Map([...i.links].map(([id, s]) => [id, s.link])) }
  const profiles = i.wanted.map((profile): ProfileStatus => {
    const root = i.roots.get(profile)
    const err = i.profileErrors.get(profile)
    const region = i.regionOf?.(profile)
    const where = region ? { region } : {}
    if (root === undefined)
      return { profile, source: '-', health: 'unavailable', lastError: err ? errorLine(err) : 'not resolved yet', ...where }
    const chain = chainOf(graph, root)
    const states = chain.map((l) => i.links.get(l.id)).filter((s): s is Readonly<LinkState> => s !== undefined)
    const rootState = i.links.get(root)
    const failure = states.find((s) => s.failure)?.failure
    const creds = rootState && servable(rootState as LinkState, i.policy, i.now)
    const health: ProfileHealth = creds
      ? failure || err
        ? 'renewing-failed'
        : 'fresh'
      : failure || err
        ? 'unavailable'
        : rootState?.creds
          ? 'unavailable'
          : 'pending'
    return {
      profile,
      source: chain.map((l) => l.kind).join(' ← '),
      health,
      expiresAt: creds?.expiresAt,
      // Whole milliseconds: jittered plans are fractional, and --json readers expect epoch integers.
      nextRenewalAt: roundMs(failure?.retryAt ?? rootState?.renewAt),
      lastError: failure ? errorLine(failure.error) : err && errorLine(err),
      ssoSession: chain.map(sessionLabel).find((s) => s !== undefined),
      ...where,
    }
  })
  return { profiles, ssoSessions: i.sso }
}

/** `aws-credd status` exit code: 0 all fresh, 1 something needs attention, 2 a profile has nothing valid. */
export const statusExitCode = (v: StatusView): 0 | 1 | 2 => {
  if (v.profiles.some((p) => p.health === 'unavailable' || p.health === 'pending')) return 2
  // A session no kept profile uses needs nobody's attention (sso-keeper: no alert either).
  if (v.profiles.some((p) => p.health !== 'fresh') || v.ssoSessions.some((s) => s.profiles.length > 0 && s.state !== 'fresh')) return 1
  return 0
}

/**
 * Ready (for /readyz, systemd READY=1) once started and every profile was resolved once or has a
 * definite error. The reason names no profile: /readyz answers without a token (kubelet probes
 * send none), and `aws-credd status` says which ones.
 */
export const readiness = (started: boolean, v: StatusView): { ready: boolean; reason?: string } => {
  if (!started) return { ready: false, reason: 'starting' }
  const pending = v.profiles.filter((p) => p.health === 'pending').length
  if (pending === 0) return { ready: true }
  return {
    ready: false,
    reason: `waiting for the first credentials of ${pending} of ${v.profiles.length} profile${v.profiles.length === 1 ? '' : 's'} (aws-credd status names them)`,
  }
}

/** One line for systemd's STATUS= and the terminal title: "2 profiles fresh, 1 SSO session needs login". */
export const statusLine = (v: StatusView): string => {
  const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`
  const fresh = v.profiles.filter((p) => p.health === 'fresh').length
  const failing = v.profiles.filter((p) => p.health === 'renewing-failed').length
  const none = v.profiles.filter((p) => p.health === 'unavailable').length
  const login = v.ssoSessions.filter((s) => s.profiles.length > 0 && (s.state === 'relogin-required' || s.state === 'logging-in')).length
  const parts = [count(fresh, 'profile fresh', 'profiles fresh')]
  if (failing) parts.push(`${failing} failing to renew`)
  if (none) parts.push(`${none} without credentials`)
  if (login) parts.push(`${count(login, 'SSO session needs', 'SSO sessions need')} login`)
  return parts.join(', ')
}
