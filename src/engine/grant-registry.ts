// The live grants of a running daemon: the owner's token, the config's consumers,
// and the grants made at run time (`aws-credd grant`, `env`, `exec`). Tokens are
// kept only as digests; the hot path is one digest and one map lookup. Run-time
// grants are saved (digests, never tokens) so they survive a restart, and the one
// timer that ends them is set for the earliest expiry.
import {
  authorize,
  grantRequestProblem,
  isExpired,
  nextGrantExpiry,
  type Authorization,
  type Grant,
  type GrantKind,
  type GrantRequest,
} from '../core/grants.js'
import { errorLine, GrantError, withFix } from '../core/errors.js'
import type { Clock, GrantStore, Logger, SecretSink, StoredGrant, TimerHandle } from './ports.js'

/** The token primitives, from the serve layer: a new random token and its digest. */
export interface TokenCodec {
  newToken(): string
  digest(token: string): string
  /** Why a client-chosen token cannot be used, or undefined. */
  problem(token: string): string | undefined
}

export interface GrantView extends Grant {
  lastUsedAt?: number
  expired: boolean
}

/** Defined with the other errors (core/errors.ts); exported here too for the callers that import it from the registry. */
export { GrantError }

/** Kinds saved across restarts: an `exec` grant lives only as long as its command's connection. */
const PERSISTENT: ReadonlySet<GrantKind> = new Set(['runtime', 'env'])

export class GrantRegistry {
  private readonly byDigest = new Map<string, Grant>()
  private readonly byName = new Map<string, StoredGrant>()
  private readonly lastUsed = new WeakMap<Grant, number>()
  private timer: TimerHandle | undefined
  private saving: Promise<void> = Promise.resolve()

  constructor(
    private readonly deps: {
      clock: Clock
      codec: TokenCodec
      store?: GrantStore
      logger?: Logger
      /** Called when a grant ends (revoked, expired, replaced), e.g. to remove a token file the daemon made. */
      onEnded?: (g: Grant) => void
      /** Every token minted here is a secret: never in a log line or an answer but the one that hands it out. */
      secrets: SecretSink
    },
  ) {}

  /** Loads the saved run-time grants, dropping those that ended while the daemon was down. */
  async load(): Promise<void> {
    if (!this.deps.store) return
    const now = this.deps.clock.now()
    let kept = 0
    for (const g of await this.deps.store.load()) {
      if (isExpired(g, now) || this.byName.has(g.name) || this.byDigest.has(g.digest)) continue
      this.add(g)
      kept++
    }
    if (kept > 0) this.deps.logger?.info(`restored ${kept} grant${kept > 1 ? 's' : ''} made at run time`)
    this.arm()
  }

  /** The owner's token (server.tokenFile): opens every profile. Undefined: none (its file went bad). */
  setOwner(token: string | undefined): void {
    this.replaceKind(
      'owner',
      token === undefined
        ? []
        : [{ name: 'owner', kind: 'owner', profiles: [], createdAt: this.deps.clock.now(), digest: this.deps.codec.digest(token) }],
    )
  }

  /** The config's consumers with the tokens read from their files; replaces the previous set. */
  setConfigConsumers(consumers: Array<{ name: string; profiles: string[]; tokenFile: string; token: string }>): void {
    const now = this.deps.clock.now()
    this.replaceKind(
      'config',
      consumers.map((c) => ({
        name: c.name,
        kind: 'config' as const,
        profiles: [...c.profiles],
        tokenFile: c.tokenFile,
        createdAt: now,
        digest: this.deps.codec.digest(c.token),
      })),
    )
  }

  /** The decision for a presented Authorization value (undefined: none sent) and a profile. */
  authorize(presented: string | undefined, profile: string): Authorization {
    if (presented === undefined) return { outcome: 'unauthenticated', reason: 'missing' }
    const now = this.deps.clock.now()
    const decision = authorize(this.byDigest.get(this.deps.codec.digest(presented)), profile, now)
    if (decision.outcome === 'allowed') this.lastUsed.set(decision.grant, now)
    return decision
  }

  /**
   * Makes a run-time grant; returns it with its token (the only time the token is seen).
   * `token` lets `exec` re-register the token its command already holds after a daemon restart.
   */
  mint(
    req: GrantRequest & { kind?: Exclude<GrantKind, 'owner' | 'config'>; token?: string },
    kept: (profile: string) => boolean,
  ): { grant: Grant; token: string } {
    const problem = grantRequestProblem(req, this.byName, kept)
    if (problem) throw new GrantError(problem.reason, problem.fix, problem.conflict ? 409 : 400)
    if (req.token !== undefined) {
      const bad = this.deps.codec.problem(req.token)
      if (bad) throw new GrantError(`the token given ${bad}`, 'let aws-credd make one', 400)
    }
    const token = req.token ?? this.deps.codec.newToken()
    this.deps.secrets.register(token)
    const digest = this.deps.codec.digest(token)
    if (this.byDigest.has(digest)) throw new GrantError('that token already belongs to another grant', 'let aws-credd make one', 409)
    const now = this.deps.clock.now()
    const grant: StoredGrant = {
      name: req.name,
      kind: req.kind ?? 'runtime',
      profiles: [...new Set(req.profiles)],
      createdAt: now,
      digest,
      ...(req.ttlMs !== undefined ? { expiresAt: now + req.ttlMs } : {}),
      ...(req.tokenFile !== undefined ? { tokenFile: req.tokenFile } : {}),
    }
    this.add(grant)
    if (PERSISTENT.has(grant.kind)) this.persist()
    this.arm()
    return { grant: publicGrant(grant), token }
  }

  /** Ends a run-time grant at once. */
  revoke(name: string): Grant {
    const g = this.byName.get(name)
    if (!g) throw new GrantError(`no grant named "${name}"`, 'aws-credd grants lists them', 404)
    if (g.kind === 'owner')
      throw new GrantError(
        `"${name}" is the owner's token`,
        'replace the file server.tokenFile names (the daemon reads it again within seconds)',
        400,
      )
    if (g.kind === 'config')
      throw new GrantError(`"${name}" is a consumer from the config`, 'remove it from "consumers", or rotate its token file', 400)
    this.remove(g)
    if (PERSISTENT.has(g.kind)) this.persist()
    this.arm()
    return publicGrant(g)
  }

  /** Every live grant, without digests, with its last use. */
  list(): GrantView[] {
    const now = this.deps.clock.now()
    return [...this.byName.values()].map((g) => {
      const used = this.lastUsed.get(g)
      return { ...publicGrant(g), expired: isExpired(g, now), ...(used !== undefined ? { lastUsedAt: used } : {}) }
    })
  }

  has(name: string): boolean {
    return this.byName.has(name)
  }

  /** Waits for the last save to finish (tests, shutdown). */
  async flush(): Promise<void> {
    await this.saving
  }

  stop(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
  }

  private add(g: StoredGrant): void {
    this.byName.set(g.name, g)
    this.byDigest.set(g.digest, g)
  }

  private remove(g: StoredGrant): void {
    this.byName.delete(g.name)
    if (this.byDigest.get(g.digest) === g) this.byDigest.delete(g.digest)
    this.deps.onEnded?.(g)
  }

  private replaceKind(kind: 'owner' | 'config', next: StoredGrant[]): void {
    // A reload re-reads every consumer; one whose token and profiles did not change stays
    // as it was (its last use, its start), and only what changed ends.
    const unchanged = new Set<string>()
    for (const g of [...this.byName.values()]) {
      if (g.kind !== kind) continue
      const n = next.find((x) => x.name === g.name)
      if (n && sameGrant(g, n)) unchanged.add(g.name)
      else this.remove(g)
    }
    let replacedSaved = false
    for (const g of next) {
      if (unchanged.has(g.name)) continue
      // One token, one grant: a token already opening something else (the owner's, another
      // consumer's copied file) would silently get this grant's profiles too. Fail closed.
      const holder = this.byDigest.get(g.digest)
      if (holder && holder.name !== g.name) {
        this.deps.logger?.error(
          withFix(
            `consumer "${g.name}" is left out: its token is also the token of "${holder.name}"`,
            `give each consumer a token file of its own (delete ${g.tokenFile ?? 'its token file'} to have a new one made)`,
          ),
        )
        continue
      }
      const clash = this.byName.get(g.name)
      if (clash) {
        // A config consumer takes its name back from a run-time grant made under it.
        this.deps.logger?.warn(`grant "${g.name}" made at run time is replaced by the consumer of the same name in the config`)
        this.remove(clash)
        replacedSaved ||= PERSISTENT.has(clash.kind)
      }
      this.add(g)
    }
    // The ended grant leaves the saved list too: else a restart after the consumer left
    // the config would bring the run-time grant, and its old token, back.
    if (replacedSaved) this.persist()
    this.arm()
  }

  /** One timer, for the earliest expiry: ended grants go, and the saved list follows. */
  private arm(): void {
    this.stop()
    const next = nextGrantExpiry(this.byName.values())
    if (next === undefined) return
    // Timers fire late, never early: one more look covers a clock that jumped.
    this.timer = this.deps.clock.setTimeout(() => this.sweep(), Math.max(0, next - this.deps.clock.now()) + 5)
  }

  private sweep(): void {
    this.timer = undefined
    const now = this.deps.clock.now()
    let changed = false
    for (const g of [...this.byName.values()]) {
      if (!isExpired(g, now)) continue
      this.remove(g)
      this.deps.logger?.info(`grant "${g.name}" ended (its TTL ran out)`)
      changed ||= PERSISTENT.has(g.kind)
    }
    if (changed) this.persist()
    this.arm()
  }

  private persist(): void {
    const store = this.deps.store
    if (!store) return
    const snapshot = [...this.byName.values()].filter((g) => PERSISTENT.has(g.kind))
    // Saves run one after another, so the file always ends with the latest list.
    this.saving = this.saving
      .then(() => store.save(snapshot))
      .catch((e: unknown) =>
        this.deps.logger?.error(`could not save the grants: ${errorLine(e)}; they stay in force until the daemon stops`),
      )
  }
}

/** The same token opening the same profiles from the same file. */
const sameGrant = (a: StoredGrant, b: StoredGrant): boolean =>
  a.digest === b.digest &&
  a.tokenFile === b.tokenFile &&
  a.profiles.length === b.profiles.length &&
  a.profiles.every((p, i) => p === b.profiles[i])

const publicGrant = (g: StoredGrant): Grant => {
  const { digest: _digest, ...rest } = g
  return rest
}
