// Keeps every wanted profile's credentials fresh. One timer for the whole graph,
// set to the earliest thing due; each link fetched by at most one call at a time
// (single flight); a source shared by many profiles is renewed only when the
// first of them needs it past its own renewal time. The old credentials keep
// serving while a renewal runs or retries, until just before they expire.
import type { Credentials } from '../core/credentials.js'
import { CreddError, sameFailure } from '../core/errors.js'
import { sourceOf, type Link, type LinkId, type LinkKind, type ProfileGraph } from '../core/links.js'
import { retryDelay, type RenewalPolicy } from '../core/renewal-plan.js'
import type { EngineEvent, EventListener } from './ports.js'
import { asCreddError, carryOver, fingerprintOf, recordSuccess, servable, serveDeadline, viaSource, type LinkState } from './link-state.js'
import type { Clock, TimerHandle, Upstream } from './ports.js'

export interface RefresherDeps {
  clock: Clock
  upstream: Upstream
  policy: RenewalPolicy
  /** Uniform in [0, 1): Math.random in production, seeded in tests. */
  random: () => number
  /** Called whenever the credentials an output should hold for a profile change (null: hold none). */
  onCredentials: (profile: string, creds: Credentials | null) => void
  onEvent?: EventListener
}

/** The longest the refresher sleeps before looking at the wall clock again. */
export const MAX_SLEEP = 30_000

/** Retries triggered by a change are spread over this long. */
const POKE_SPREAD = 250

/** A source's old credentials are still used to sign a renewal if they have this much life left. */
const SOURCE_GRACE = 60_000

export class Refresher {
  private links = new Map<LinkId, LinkState>()
  private roots = new Map<string, LinkId>()
  private profileErrors = new Map<string, CreddError>()
  private timer: TimerHandle | undefined
  private stopped = false

  constructor(private readonly deps: RefresherDeps) {}

  /** Install a (new) graph. Links whose definition did not change keep their credentials and schedule. */
  update(graph: ProfileGraph, profiles: string[]): void {
    const next = new Map<LinkId, LinkState>()
    const visit = (id: LinkId): void => {
      if (next.has(id)) return
      const link = graph.links.get(id)
      if (!link) return
      const fp = fingerprintOf(graph.links, id)
      const old = this.links.get(id)
      next.set(id, old && old.fingerprint === fp ? old : carryOver(old, link, fp, this.deps.clock.now()))
      const src = sourceOf(link)
      if (src !== undefined) visit(src)
    }
    const roots = new Map<string, LinkId>()
    for (const profile of profiles) {
      const id = graph.roots.get(profile)
      if (id !== undefined) {
        roots.set(profile, id)
        visit(id)
      }
    }
    // A profile that left the graph, or whose root now means another identity, withdraws what outputs hold.
    for (const [profile, id] of this.roots) {
      const kept = next.get(id)
      if (roots.get(profile) !== id || !kept || (kept !== this.links.get(id) && kept.creds === undefined))
        this.deps.onCredentials(profile, null)
    }
    const errors = new Map<string, CreddError>()
    for (const profile of profiles) {
      const err = graph.errors.get(profile)
      if (!err) continue
      errors.set(profile, err)
      if (!sameFailure(this.profileErrors.get(profile), err))
        this.emit({ type: 'profile-error', profile, error: err, keptLastGood: roots.has(profile) })
    }
    this.links = next
    this.roots = roots
    this.profileErrors = errors
    this.schedule()
  }

  /**
   * Something a person can change changed (a file, a login): retry failed links
   * now, with a fresh backoff. `affects` narrows it to chains containing a link of
   * that kind (an SSO cache change does not retry an AccessDenied role). Spread
   * over a quarter second so that many failing profiles do not call at once.
   */
  poke(affects?: LinkKind): void {
    const now = this.deps.clock.now()
    const hit = affects === undefined ? undefined : this.chainsWith(affects)
    const roots = new Set(this.roots.values())
    for (const [id, s] of this.links) {
      if (!s.failure || (hit && !hit.has(id))) continue
      // Only the profiles' own fetches are spread; a source they need must be due by then,
      // or the first of them would find it still "backing off" and fail again.
      s.failure.retryAt = roots.has(id) ? now + Math.floor(POKE_SPREAD * this.deps.random()) : now
      s.failure.attempts = 0
    }
    this.schedule()
  }

  /** Ids of links whose chain (themselves or a source) contains a link of `kind`. */
  private chainsWith(kind: LinkKind): Set<LinkId> {
    const out = new Set<LinkId>()
    for (const id of this.links.keys()) {
      for (let cur: LinkId | undefined = id, n = 0; cur !== undefined && n < 64; n++) {
        const link: Link | undefined = this.links.get(cur)?.link
        if (!link) break
        if (link.kind === kind) {
          out.add(id)
          break
        }
        cur = sourceOf(link)
      }
    }
    return out
  }

  /** Re-evaluate against the wall clock: after a suspend, timers may be late. */
  wake(): void {
    if (this.stopped) return
    const now = this.deps.clock.now()
    for (const [profile, id] of this.roots) {
      const s = this.links.get(id)
      if (!s) continue
      const deadline = serveDeadline(s, this.deps.policy)
      if (s.creds && !s.withdrawn && deadline !== undefined && now >= deadline) {
        s.withdrawn = true
        this.deps.onCredentials(profile, null)
        this.emit({ type: 'expired', profile })
      }
      const due = this.dueAt(s)
      if (due !== undefined && due <= now) void this.obtain(id).catch(() => undefined)
    }
    this.schedule()
  }

  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Current state of every link, roots first, for status displays. */
  snapshot(): { roots: Map<string, LinkId>; links: Map<LinkId, Readonly<LinkState>>; profileErrors: Map<string, CreddError> } {
    return { roots: new Map(this.roots), links: new Map(this.links), profileErrors: new Map(this.profileErrors) }
  }

  /** The link that yields a kept profile's credentials. */
  rootOf(profile: string): LinkId | undefined {
    return this.roots.get(profile)
  }

  /** What an output may serve for a profile right now (never expired credentials). */
  current(profile: string): Credentials | undefined {
    const id = this.roots.get(profile)
    const s = id === undefined ? undefined : this.links.get(id)
    return s ? servable(s, this.deps.policy, this.deps.clock.now()) : undefined
  }

  /** When this link should next be fetched (renewal, retry or recheck). */
  private dueAt(s: LinkState): number | undefined {
    if (s.inflight) return undefined
    if (s.failure) return s.failure.retryAt
    if (!s.creds) return this.deps.clock.now()
    return s.renewAt
  }

  /** When the refresher must next look at this link: a fetch, or withdrawing dying credentials. */
  private wakeAt(s: LinkState): number | undefined {
    return minDefined(this.dueAt(s), s.withdrawn ? undefined : serveDeadline(s, this.deps.policy))
  }

  private schedule(): void {
    if (this.stopped) return
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
    let at: number | undefined
    for (const id of this.roots.values()) {
      const s = this.links.get(id)
      if (s) at = minDefined(at, this.wakeAt(s))
    }
    if (at === undefined) return
    const delay = Math.max(0, at - this.deps.clock.now())
    // Node timers run on a monotonic clock that stops while a machine is suspended, so
    // a 10-hour timer can fire hours after the credentials died. Waking at least every
    // MAX_SLEEP re-plans against the wall clock; waking early costs nothing.
    this.timer = this.deps.clock.setTimeout(() => this.wake(), Math.min(delay, MAX_SLEEP))
  }

  /** Single-flight fetch of one link (its source first, when needed). */
  private obtain(id: LinkId): Promise<Credentials> {
    const s = this.links.get(id)
    if (!s) return Promise.reject(new Error(`unknown link ${id}`))
    if (s.inflight) return s.inflight
    const run = async (): Promise<Credentials> => {
      const src = sourceOf(s.link)
      let source: Credentials | undefined
      if (src !== undefined) {
        try {
          source = await this.sourceCredentials(src)
        } catch (e) {
          throw viaSource(s.link.profile, this.links.get(src)?.link.profile ?? src, asCreddError(s.link.profile, e))
        }
      }
      const creds = await this.deps.upstream.fetch(s.link, source)
      if (this.links.get(id) !== s) return creds // the graph changed meanwhile: drop it
      const wasFailing = s.failure
      const first = s.creds === undefined
      recordSuccess(s, creds, this.deps.clock.now(), this.deps.policy, this.deps.random())
      if (wasFailing) this.emit({ type: 'recovered', link: id, profile: s.link.profile, downFor: this.deps.clock.now() - wasFailing.since })
      this.emit({ type: 'renewed', link: id, profile: s.link.profile, kind: s.link.kind, expiresAt: creds.expiresAt, first })
      for (const [profile, rootId] of this.roots) if (rootId === id) this.deps.onCredentials(profile, creds)
      return creds
    }
    const flight = run()
      .catch((e: unknown) => {
        if (this.links.get(id) === s) this.recordFailure(s, asCreddError(s.link.profile, e))
        throw e
      })
      .finally(() => {
        s.inflight = undefined
        this.schedule()
      })
    s.inflight = flight
    return flight
  }

  /** Credentials of a source link: the current ones while they are before their renewal time, else renewed. */
  private async sourceCredentials(id: LinkId): Promise<Credentials> {
    const s = this.links.get(id)
    if (!s) throw new Error(`unknown link ${id}`)
    const now = this.deps.clock.now()
    const current = servable(s, this.deps.policy, now)
    if (current && (s.renewAt === undefined || now < s.renewAt)) return current
    // A source that failed recently is not called again for every dependant: they share its backoff.
    if (s.failure && now < s.failure.retryAt) {
      if (current && (current.expiresAt ?? Infinity) - now > SOURCE_GRACE) return current
      throw s.failure.error
    }
    try {
      return await this.obtain(id)
    } catch (e) {
      const still = servable(s, this.deps.policy, this.deps.clock.now())
      if (still && (still.expiresAt ?? Infinity) - this.deps.clock.now() > SOURCE_GRACE) return still
      throw e
    }
  }

  private recordFailure(s: LinkState, error: CreddError): void {
    const now = this.deps.clock.now()
    const attempts = (s.failure?.attempts ?? 0) + 1
    const repeated = s.failure?.error.code === error.code
    const retryAt =
      error.kind === 'transient'
        ? now + retryDelay(attempts, this.deps.policy, this.deps.random())
        : now + this.deps.policy.permanentRecheck
    s.failure = { error, kind: error.kind, attempts, since: s.failure?.since ?? now, retryAt }
    // Nothing obtained yet and a person must act: whatever a previous run left in the
    // outputs cannot be vouched for, so it is removed rather than left to expire there.
    if (!s.creds && error.kind === 'permanent' && !s.withdrawn) {
      s.withdrawn = true
      for (const [profile, rootId] of this.roots) if (rootId === s.link.id) this.deps.onCredentials(profile, null)
    }
    this.emit({ type: 'failed', link: s.link.id, profile: s.link.profile, error, kind: error.kind, attempt: attempts, repeated, retryAt })
  }

  private emit(e: EngineEvent): void {
    try {
      this.deps.onEvent?.(e)
    } catch {
      // A listener's bug must never stop renewals.
    }
  }
}

const minDefined = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b)
