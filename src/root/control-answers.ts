// The control socket's answers for one running daemon: status, credentials in the
// credential_process shape, MFA codes and the grant routes, each as [HTTP status, JSON body]
// for serve/control-server.ts. The HTTP shape lives here, in the composition root, so the
// engine only hands out data (engine/control-api.ts, the daemon's status, the grant registry).
import { awsTimestamp } from '../core/aws-time.js'
import type { GrantKind } from '../core/grants.js'
import { expiryProblem } from '../core/serve-floor.js'
import { credentialLookup } from '../engine/control-api.js'
import type { Daemon } from '../engine/daemon.js'
import { GrantError, type GrantRegistry } from '../engine/grant-registry.js'
import type { ControlApi } from '../serve/control-server.js'

const MINTABLE: ReadonlySet<string> = new Set<GrantKind>(['runtime', 'env', 'exec'])

/** The body of POST /v1/grants checked for shape; the registry checks the meaning. */
const grantBody = (b: Record<string, unknown>): Parameters<GrantRegistry['mint']>[0] | string => {
  if (typeof b.name !== 'string') return 'expected "name": a string'
  if (!Array.isArray(b.profiles) || !b.profiles.every((p) => typeof p === 'string')) return 'expected "profiles": a list of profile names'
  if (b.ttlMs !== undefined && typeof b.ttlMs !== 'number') return 'expected "ttlMs": a number of milliseconds'
  if (b.tokenFile !== undefined && typeof b.tokenFile !== 'string') return 'expected "tokenFile": a path'
  if (b.token !== undefined && typeof b.token !== 'string') return 'expected "token": a string'
  if (b.kind !== undefined && !MINTABLE.has(String(b.kind))) return 'expected "kind": runtime, env or exec'
  return {
    name: b.name,
    profiles: b.profiles as string[],
    ...(b.ttlMs !== undefined ? { ttlMs: b.ttlMs as number } : {}),
    ...(b.tokenFile !== undefined ? { tokenFile: b.tokenFile as string } : {}),
    ...(b.token !== undefined ? { token: b.token as string } : {}),
    ...(b.kind !== undefined ? { kind: b.kind as 'runtime' | 'env' | 'exec' } : {}),
  }
}

const grantFailure = (e: unknown): [number, unknown] => {
  if (e instanceof GrantError) return [e.status, { message: e.reason, fix: e.fix, code: e.code }]
  throw e
}

/** The grant routes of the control socket over a registry; `kept` says which profiles a grant may name. */
export const grantControl = (
  grants: GrantRegistry,
  kept: (profile: string) => boolean,
): Required<Pick<ControlApi, 'grant' | 'grants' | 'revoke'>> => ({
  grant: (body) => {
    const req = grantBody(body)
    if (typeof req === 'string') return [400, { message: req }]
    try {
      const { grant, token } = grants.mint(req, kept)
      return [200, { ...grant, token }]
    } catch (e) {
      return grantFailure(e)
    }
  },
  grants: () => [200, { grants: grants.list() }],
  revoke: (name) => {
    try {
      return [200, { revoked: grants.revoke(name) }]
    } catch (e) {
      return grantFailure(e)
    }
  },
})

/** What the process adds to the daemon's answers: its own facts, the grant registry, the audit hook. */
export interface ControlApiOptions {
  /** Facts only the process knows (its pid, where its endpoints listen), added to status. */
  extra?: () => Record<string, unknown>
  grants?: GrantRegistry
  /** Called for each credentials answer given to `aws-credd process` (the audit log). */
  onCredentials?: (profile: string, status: number) => void
}

/** The control socket's answers over one daemon: status, credentials (credential_process shape), mfa and, with a registry, grants. */
export const controlApi = (daemon: Daemon, opts: ControlApiOptions | (() => Record<string, unknown>) = {}): ControlApi => {
  const { extra = () => ({}), grants, onCredentials } = typeof opts === 'function' ? { extra: opts } : opts
  const lookup = credentialLookup(daemon)
  const credentials = (profile: string): [number, unknown] => {
    const l = lookup.lookup(profile)
    if (l.kind === 'unknown')
      return [404, { message: `profile "${profile}" is not kept by this daemon; known: ${daemon.view().wanted.join(', ') || 'none'}` }]
    // namesProfile tells `aws-credd process` whether to name the profile before the message.
    if (l.kind === 'unavailable') return [503, { message: l.reason, namesProfile: l.namesProfile === true }]
    // The same floor as the HTTP endpoints (long-term keys pass: credential_process serves them).
    const c = l.creds
    const dying = expiryProblem(profile, c, daemon.now())
    if (dying) return [503, { message: dying, namesProfile: true }]
    // The credential_process shape (botocore's ProcessProvider, the SDK's fromProcess).
    return [
      200,
      {
        Version: 1,
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secretAccessKey,
        ...(c.sessionToken ? { SessionToken: c.sessionToken } : {}),
        ...(c.expiresAt !== undefined ? { Expiration: awsTimestamp(c.expiresAt) } : {}),
      },
    ]
  }
  return {
    ...(grants ? grantControl(grants, (p) => daemon.keeps(p)) : {}),
    status: () => [200, { ...daemon.status(), ...extra() }],
    credentials: (profile) => {
      const answer = credentials(profile)
      onCredentials?.(profile, answer[0])
      return answer
    },
    mfa: (profile, code) => {
      const problem = daemon.provideMfaCode(profile, code)
      return problem ? [400, { message: problem }] : [200, { message: `code accepted for profile "${profile}"` }]
    },
  }
}
