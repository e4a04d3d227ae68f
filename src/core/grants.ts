// Who may read which profile: the pure rules behind consumer tokens. A grant is a
// name, the profiles it opens, and (for run-time grants) when it ends; tokens are
// known here only by their digest. The owner's grant opens every profile. The
// ECS agent scopes credentials per task and the EKS Pod Identity Agent per pod;
// these rules do the same per consumer on one machine.

/** Where a grant came from: the owner's token, the config, `aws-credd grant`, `env` or `exec`. */
export type GrantKind = 'owner' | 'config' | 'runtime' | 'env' | 'exec'

export interface Grant {
  /** Unique among live grants; what `revoke`, the audit log and the metrics name. */
  name: string
  kind: GrantKind
  /** The profiles it opens; the owner's grant opens all and lists none. */
  profiles: readonly string[]
  /** Epoch ms; absent: until revoked (config grants: until the config or the token file changes). */
  expiresAt?: number
  createdAt: number
  /** Where the consumer reads the token, when it is a file. */
  tokenFile?: string
}

/** What a presented token may do with one profile. */
export type Authorization =
  | { outcome: 'allowed'; grant: Grant }
  /** No token, an unknown one, a revoked or an expired one: 401. */
  | { outcome: 'unauthenticated'; reason: 'missing' | 'unknown' | 'expired'; grant?: Grant }
  /** A live token asking for a profile outside its grant: 403, with no hint of that profile's state. */
  | { outcome: 'forbidden'; grant: Grant }

export const isExpired = (g: Pick<Grant, 'expiresAt'>, now: number): boolean => g.expiresAt !== undefined && g.expiresAt <= now

/** The decision for `grant` (the one the presented token's digest found, if any) and `profile` at `now`. */
export const authorize = (grant: Grant | undefined, profile: string, now: number): Authorization => {
  if (grant === undefined) return { outcome: 'unauthenticated', reason: 'unknown' }
  if (isExpired(grant, now)) return { outcome: 'unauthenticated', reason: 'expired', grant }
  if (grant.kind === 'owner' || grant.profiles.includes(profile)) return { outcome: 'allowed', grant }
  return { outcome: 'forbidden', grant }
}

/** Names that are safe in a metrics label, a file name and a log line. */
export const GRANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/

/** The longest a run-time grant may last: a week (aws-vault's longest server session is 12 h; a sandbox may run for days). */
export const MAX_GRANT_TTL_MS = 7 * 24 * 3600_000
export const MIN_GRANT_TTL_MS = 1000

export interface GrantRequest {
  name: string
  /** Only `env` and `exec` may use the names that start with their prefix. */
  kind?: GrantKind
  profiles: string[]
  /** Milliseconds; absent: until revoked. */
  ttlMs?: number
  tokenFile?: string
}

/** Why a grant request cannot be honoured, with the fix. */
export interface GrantProblem {
  reason: string
  fix: string
  /** A name already taken is a conflict (409); the rest are bad requests (400). */
  conflict?: boolean
}

/** The first problem with a grant request, or undefined when it can be honoured. */
export const grantRequestProblem = (
  req: GrantRequest,
  live: ReadonlyMap<string, unknown>,
  kept: (profile: string) => boolean,
): GrantProblem | undefined => {
  if (!GRANT_NAME.test(req.name))
    return {
      reason: `grant name ${JSON.stringify(req.name.slice(0, 80))} is not valid`,
      fix: 'use letters, digits and . _ : @ - (up to 64, starting with a letter or digit)',
    }
  if (req.name === 'owner' || req.name === 'imds') return { reason: `grant name "${req.name}" is reserved`, fix: 'choose another name' }
  const prefix = reservedPrefixOf(req.name)
  if (prefix && prefix !== req.kind)
    return { reason: `grant names starting with "${prefix}." are kept for aws-credd ${prefix}`, fix: 'choose another name' }
  if (live.has(req.name))
    return {
      reason: `a grant named "${req.name}" already exists`,
      fix: `revoke it first (aws-credd revoke ${req.name}) or choose another name`,
      conflict: true,
    }
  if (req.profiles.length === 0) return { reason: 'a grant needs at least one profile', fix: 'add --profile NAME' }
  const unknown = req.profiles.filter((p) => !kept(p))
  if (unknown.length > 0)
    return {
      reason: `profile${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `"${p}"`).join(', ')} not kept by this daemon`,
      fix: 'grant a profile it keeps (aws-credd status lists them)',
    }
  if (req.ttlMs !== undefined && (!Number.isFinite(req.ttlMs) || req.ttlMs < MIN_GRANT_TTL_MS || req.ttlMs > MAX_GRANT_TTL_MS))
    return { reason: 'the grant TTL must be from 1s to 7d', fix: 'give --ttl such as 20s, 30m or 12h' }
  return undefined
}

/** `env` and `exec` name their grants `env.PROFILE` and `exec.PID.RANDOM`; nobody else may. */
export const reservedPrefixOf = (name: string): 'env' | 'exec' | undefined =>
  name.startsWith('env.') ? 'env' : name.startsWith('exec.') ? 'exec' : undefined

/** The earliest moment any of `grants` ends, for the one timer that sweeps them. */
export const nextGrantExpiry = (grants: Iterable<Grant>): number | undefined => {
  let next: number | undefined
  for (const g of grants) if (g.expiresAt !== undefined && (next === undefined || g.expiresAt < next)) next = g.expiresAt
  return next
}

/**
 * The label a grant is counted under in the metrics: its name, except for the
 * per-process grants of `exec` and `env`, whose names are unique per run and
 * would grow the series without bound.
 */
export const metricsLabel = (g: Pick<Grant, 'name' | 'kind'>): string => (g.kind === 'exec' || g.kind === 'env' ? g.kind : g.name)
