// Prometheus metrics for one daemon, on its own Registry (never prom-client's global one, so
// two daemons in one process, e.g. tests, never mix). State gauges are computed from the
// status view at scrape time; counters are fed by engine events, endpoint answers and alerts.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { AlertEvent } from '../core/alert.js'
import type { SsoState } from '../core/sso-session-state.js'
import type { EngineEvent, ProfileHealth, StatusView } from '../engine/ports.js'
import { processBudget, type BudgetStats } from './connection-budget.js'
import type { EndpointName, RequestNote } from './reply.js'

export interface DaemonMetricsOptions {
  /** The daemon's current status; called once per scrape. */
  view: () => StatusView
  /** Epoch ms, for "seconds until expiry". */
  now: () => number
  /** Also export process_* and nodejs_* metrics (default true). */
  defaultMetrics?: boolean
  /** The listeners' connection counts (default: the process-wide connection budget). */
  connections?: () => BudgetStats
}

export const PROFILE_HEALTHS: readonly ProfileHealth[] = ['fresh', 'renewing-failed', 'unavailable', 'pending']
export const SSO_STATES: readonly SsoState[] = ['fresh', 'expiring', 'relogin-required', 'logging-in']

/** Most distinct `reason` values kept; later new ones are counted as `other` (label cardinality stays bounded). */
export const MAX_REASONS = 50
export const MAX_REASON_LENGTH = 64

interface Scrape {
  view: StatusView
  now: number
  connections: BudgetStats
}

export class DaemonMetrics {
  readonly registry = new Registry()
  private readonly reasons = new Set<string>()
  private scrape: Scrape | undefined
  private readonly renewals: Counter<'profile'>
  private readonly failures: Counter<'profile' | 'reason' | 'kind'>
  private readonly requests: Counter<'endpoint' | 'status'>
  private readonly consumerRequests: Counter<'consumer' | 'status'>
  private readonly alerts: Counter<'event'>
  private readonly connections: () => BudgetStats

  constructor(private readonly opts: DaemonMetricsOptions) {
    const registers = [this.registry]
    // Connection counts live in the budget (one per process), read once per scrape like the view.
    this.connections = opts.connections ?? (() => processBudget().stats())
    const snapshot = (): Scrape => this.scrape ?? { view: opts.view(), now: opts.now(), connections: this.connections() }

    new Gauge({
      name: 'aws_credd_credentials_expiry_seconds',
      help: 'Seconds until the credentials served for the profile expire; absent when none are valid or they never expire',
      labelNames: ['profile'],
      registers,
      collect() {
        this.reset()
        const { view, now } = snapshot()
        for (const p of view.profiles) if (p.expiresAt !== undefined) this.set({ profile: p.profile }, (p.expiresAt - now) / 1000)
      },
    })
    // One series per possible health (a Prometheus "stateset"): exactly one is 1, so
    // `aws_credd_profile_healthy{health="fresh"} == 0` alerts without knowing the others.
    new Gauge({
      name: 'aws_credd_profile_healthy',
      help: 'Per profile, 1 for its current health (fresh, renewing-failed, unavailable, pending) and 0 for the others',
      labelNames: ['profile', 'health'],
      registers,
      collect() {
        this.reset()
        for (const p of snapshot().view.profiles)
          for (const health of PROFILE_HEALTHS) this.set({ profile: p.profile, health }, p.health === health ? 1 : 0)
      },
    })
    new Gauge({
      name: 'aws_credd_sso_session_state',
      help: 'Per SSO session, 1 for its current state (fresh, expiring, relogin-required, logging-in) and 0 for the others',
      labelNames: ['sso_session', 'state'],
      registers,
      collect() {
        this.reset()
        for (const s of snapshot().view.ssoSessions)
          for (const state of SSO_STATES) this.set({ sso_session: s.label, state }, s.state === state ? 1 : 0)
      },
    })
    new Gauge({
      name: 'aws_credd_sso_token_expiry_seconds',
      help: "Seconds until the SSO session's cached access token expires (negative: expired); absent without a token",
      labelNames: ['sso_session'],
      registers,
      collect() {
        this.reset()
        const { view, now } = snapshot()
        for (const s of view.ssoSessions)
          if (s.tokenExpiresAt !== undefined) this.set({ sso_session: s.label }, (s.tokenExpiresAt - now) / 1000)
      },
    })
    this.renewals = new Counter({
      name: 'aws_credd_renewals_total',
      help: 'Credentials fetched successfully, per profile of the renewed chain link',
      labelNames: ['profile'],
      registers,
      // Every configured profile shows 0 before its first renewal, so rate() sees the first one.
      collect() {
        for (const p of snapshot().view.profiles) this.inc({ profile: p.profile }, 0)
      },
    })
    this.failures = new Counter({
      name: 'aws_credd_renewal_failures_total',
      help: 'Failed credential fetches, per profile of the chain link, error code (reason) and kind (transient: retried, permanent: needs a change)',
      labelNames: ['profile', 'reason', 'kind'],
      registers,
    })
    this.requests = new Counter({
      name: 'aws_credd_endpoint_requests_total',
      help: 'Requests answered by the credential endpoints, per endpoint and HTTP status',
      labelNames: ['endpoint', 'status'],
      registers,
    })
    this.consumerRequests = new Counter({
      name: 'aws_credd_consumer_requests_total',
      help: 'Container-endpoint answers per consumer (grant name; "exec" and "env" for their per-run grants, "anonymous" when no token matched) and HTTP status',
      labelNames: ['consumer', 'status'],
      registers,
    })
    this.alerts = new Counter({
      name: 'aws_credd_alerts_total',
      help: 'Alerts raised, per event',
      labelNames: ['event'],
      registers,
    })
    new Gauge({
      name: 'aws_credd_connections_open',
      help: 'Connections open now, per listener (container, imds, metrics, control)',
      labelNames: ['listener'],
      registers,
      collect() {
        this.reset()
        for (const [listener, n] of Object.entries(snapshot().connections.open)) this.set({ listener }, n)
      },
    })
    new Gauge({
      name: 'aws_credd_connections_max',
      help: 'Connections allowed for all listeners together (from the open-files limit); past it the oldest idle or slow ones are closed',
      registers,
      collect() {
        this.set(snapshot().connections.cap)
      },
    })
    new Counter({
      name: 'aws_credd_connections_evicted_total',
      help: 'Idle or slow connections closed to make room for a new one, per listener of the closed connection',
      labelNames: ['listener'],
      registers,
      collect() {
        this.reset()
        for (const [listener, n] of Object.entries(snapshot().connections.evicted)) this.inc({ listener }, n)
      },
    })
    new Counter({
      name: 'aws_credd_connections_rejected_total',
      help: 'New connections closed at once because every open one was busy answering, per listener',
      labelNames: ['listener'],
      registers,
      collect() {
        this.reset()
        for (const [listener, n] of Object.entries(snapshot().connections.rejected)) this.inc({ listener }, n)
      },
    })
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry })
  }

  /** The Content-Type of text() (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType
  }

  /** An EventListener: pass it as is (it is bound). */
  readonly onEngineEvent = (e: EngineEvent): void => {
    if (e.type === 'renewed') this.renewals.inc({ profile: e.profile })
    else if (e.type === 'failed') this.failures.inc({ profile: e.profile, reason: this.reasonLabel(e.error.code), kind: e.kind })
  }

  /** An OnRequest (src/serve/reply.ts): pass it as the endpoints' onRequest. */
  readonly onEndpointRequest = (endpoint: EndpointName, status: number, note?: RequestNote): void => {
    this.requests.inc({ endpoint, status: String(status) })
    if (endpoint === 'container' && note?.profile !== undefined)
      this.consumerRequests.inc({ consumer: note.consumerLabel ?? 'anonymous', status: String(status) })
  }

  readonly onAlert = (event: AlertEvent): void => {
    this.alerts.inc({ event })
  }

  /** The exposition text; the view and the clock are read once, so all gauges agree. */
  async text(): Promise<string> {
    this.scrape = { view: this.opts.view(), now: this.opts.now(), connections: this.connections() }
    try {
      return await this.registry.metrics()
    } finally {
      this.scrape = undefined
    }
  }

  // Codes are AWS error names or our own (AccessDenied, Throttling, SsoTokenExpired): a small set in
  // practice, but they come from the network, so they are trimmed, truncated and capped.
  private reasonLabel(code: string): string {
    const clean = code.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, MAX_REASON_LENGTH) || 'unknown'
    if (this.reasons.has(clean)) return clean
    if (this.reasons.size >= MAX_REASONS) return 'other'
    this.reasons.add(clean)
    return clean
  }
}
