// The mutable record the refresher keeps per link, and the small pure helpers
// around it. Kept apart from the scheduling loop so that loop stays readable.
import type { Credentials } from '../core/credentials.js'
import { CreddError, errorLine, externalCode, UpstreamError, type FailureKind } from '../core/errors.js'
import { sourceOf, type Link, type LinkId } from '../core/links.js'
import { isServable, MIN_USEFUL_LIFETIME, planRenewal, serveUntil, type RenewalPolicy } from '../core/renewal-plan.js'

export interface Failure {
  error: CreddError
  kind: FailureKind
  attempts: number
  since: number
  retryAt: number
}

export interface LinkState {
  link: Link
  fingerprint: string
  creds?: Credentials
  obtainedAt?: number
  renewAt?: number
  failure?: Failure
  inflight?: Promise<Credentials>
  /** Outputs were told these credentials are gone; reset by the next success. */
  withdrawn: boolean
}

/** Identity of a link's definition including everything it depends on: unchanged → keep its credentials. */
export const fingerprintOf = (links: Map<LinkId, Link>, id: LinkId, seen = new Set<LinkId>()): string => {
  const link = links.get(id)
  if (!link || seen.has(id)) return `missing:${id}`
  seen.add(id)
  const own = JSON.stringify(link, Object.keys(link).sort())
  const src = sourceOf(link)
  return src === undefined ? own : `${own}<-${fingerprintOf(links, src, seen)}`
}

export const newState = (link: Link, fingerprint: string): LinkState => ({ link, fingerprint, withdrawn: false })

/** Fields that decide whose credentials a link yields: if they differ, old credentials are someone else's. */
const identityOf = (l: Link): string => {
  switch (l.kind) {
    case 'static':
      return `static ${l.accessKeyId}`
    case 'assume-role':
    case 'web-identity':
      return `${l.kind} ${l.roleArn}`
    case 'sso':
      return `sso ${l.accountId} ${l.roleName}`
    default:
      return `${l.kind} ${l.profile}`
  }
}

/**
 * State for a redefined link. When it still yields the same identity (a new
 * role_session_name, region, endpoint, or a rotated source key), its valid
 * credentials keep serving until the new definition's first fetch, due now.
 */
export const carryOver = (old: LinkState | undefined, link: Link, fingerprint: string, now: number): LinkState => {
  const next = newState(link, fingerprint)
  if (old?.creds && identityOf(old.link) === identityOf(link)) {
    next.creds = old.creds
    next.obtainedAt = old.obtainedAt
    next.renewAt = now
    next.withdrawn = old.withdrawn
  }
  return next
}

/** Credentials an output may hold now, or undefined. */
export const servable = (s: LinkState, policy: RenewalPolicy, now: number): Credentials | undefined =>
  s.creds && isServable({ obtainedAt: s.obtainedAt ?? now, expiresAt: s.creds.expiresAt }, policy, now) ? s.creds : undefined

export const serveDeadline = (s: LinkState, policy: RenewalPolicy): number | undefined =>
  s.creds ? serveUntil({ obtainedAt: s.obtainedAt ?? 0, expiresAt: s.creds.expiresAt }, policy) : undefined

/** Record fresh credentials; throws if the upstream handed back something already dying. */
export const recordSuccess = (s: LinkState, creds: Credentials, now: number, policy: RenewalPolicy, random: number): void => {
  if (creds.expiresAt !== undefined && creds.expiresAt - now < MIN_USEFUL_LIFETIME) {
    throw new UpstreamError(
      s.link.profile,
      `profile "${s.link.profile}": the upstream returned credentials that expire in ${Math.round((creds.expiresAt - now) / 1000)}s`,
      {
        code: 'ShortLivedCredentials',
        kind: 'transient',
        fix: 'check the clock of this machine (and duration_seconds); aws-credd retries with backoff',
      },
    )
  }
  // A copy stamped with when it was obtained: the endpoints scale their serving floor by the lifetime.
  s.creds = { ...creds, obtainedAt: now }
  s.obtainedAt = now
  s.renewAt = planRenewal({ obtainedAt: now, expiresAt: creds.expiresAt }, policy, random)
  s.failure = undefined
  s.withdrawn = false
}

/** A root that failed because its source failed carries the source's kind and fix, naming both profiles. */
export const viaSource = (profile: string, source: string, err: CreddError): CreddError =>
  err instanceof UpstreamError && err.profile === profile
    ? err
    : new UpstreamError(profile, `profile "${profile}" (via source profile "${source}"): ${err.reason}`, {
        code: err.code,
        kind: err.kind,
        fix: err.fix,
        cause: err,
      })

/** Anything thrown by an adapter that is not already typed is treated as transient: retry with backoff. */
export const asCreddError = (profile: string, e: unknown): CreddError =>
  e instanceof CreddError
    ? e
    : new UpstreamError(profile, `profile "${profile}": ${errorLine(e)}`, {
        code: e instanceof Error ? externalCode(e.name) : 'Unknown',
        kind: 'transient',
        cause: e,
      })
