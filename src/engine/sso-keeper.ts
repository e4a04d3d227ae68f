// Keeps every SSO session's access token alive: refreshes it with the refresh
// token before it expires and writes it back to ~/.aws/sso/cache, so the AWS CLI,
// the SDKs and aws-credd's own SSO profiles all see a live token. Decisions come
// from core/sso-session-state.ts; this file applies them (timers, OIDC calls,
// file writes, alerts) and never calls AWS while waiting for a person, except a
// recheck every few minutes.
import type { Alert } from '../core/alert.js'
import type { AlertMemory } from '../core/alert-gate.js'
import { errorLine, withFix } from '../core/errors.js'
import { decideSsoSession, type SsoDecision, type SsoFacts, type SsoPolicy, type SsoState } from '../core/sso-session-state.js'
import type { SsoSessionInfo } from '../core/sso-sessions.js'
import { canRefresh, refreshedToken, secretsOfToken, type SsoCachedToken } from '../core/sso-token.js'
import { OidcError } from '../core/errors.js'
import { fixes } from '../core/fixes.js'
import { startDeviceLogin, type DeviceLogin } from './device-login.js'
import type { Clock, Logger, SecretSink, SsoCacheStore, SsoOidc, SsoSessionView, TimerHandle } from './ports.js'
import { sessionAlert, sessionCondition, type AlertTiming } from './sso-alerts.js'
import { gateAlert } from '../core/alert-gate.js'
import { MAX_SLEEP } from './refresher.js'

export interface SsoKeeperDeps {
  clock: Clock
  logger: Logger
  random: () => number
  oidc: SsoOidc
  cache: SsoCacheStore
  /** Shared with the daemon; a config reload updates it in place. */
  policy: SsoPolicy
  alerting: AlertTiming & { deviceLogin: 'off' | 'alert' }
  alert: (a: Alert) => void
  /** A session got a new token (refreshed, logged in, or found in the cache): retry what depends on it. */
  onTokenChanged: (session: SsoSessionInfo) => void
  /** SSO tokens read or fetched are registered here, so no line shows them. */
  secrets: SecretSink
}

/**
 * Every SSO session in the files is kept alive while its refresh token lasts, but one
 * that no kept profile uses (say, outside an explicit "profiles" list) is nobody's
 * emergency: its lapse raises no alert, starts no device login, and is logged at info.
 */
const used = (e: Entry): boolean => e.info.profiles.length > 0

interface Entry {
  info: SsoSessionInfo
  facts: SsoFacts
  token?: SsoCachedToken
  decision?: SsoDecision
  memory?: AlertMemory
  inFlight?: Promise<void>
  login?: DeviceLogin
  /** When the last device login was started, so a new link is sent no more often than `repeat`. */
  loginStartedAt?: number
  lastError?: string
  /** A device login is being started: its link will be the alert. */
  starting?: boolean
}

export class SsoKeeper {
  private entries = new Map<string, Entry>()
  private timer: TimerHandle | undefined
  private stopped = false

  constructor(private readonly deps: SsoKeeperDeps) {}

  /** Install the sessions the files define now; known ones keep their state. */
  async setSessions(infos: SsoSessionInfo[]): Promise<void> {
    const next = new Map<string, Entry>()
    for (const info of infos) {
      const old = this.entries.get(info.cacheKey)
      next.set(info.cacheKey, old ? Object.assign(old, { info }) : { info, facts: {} })
    }
    for (const [key, e] of this.entries) if (!next.has(key)) e.login?.cancel()
    this.entries = next
    await this.reload()
  }

  /** Re-read every cache file (the cache folder changed, or at start). */
  async reload(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.readCache(e)))
    this.evaluate()
  }

  /** Look again now against the wall clock (after a suspend or a clock jump). */
  wake(): void {
    this.evaluate()
  }

  stop(): void {
    this.stopped = true
    this.deps.clock.clearTimeout(this.timer)
    for (const e of this.entries.values()) e.login?.cancel()
  }

  view(): SsoSessionView[] {
    return [...this.entries.values()].map((e) => ({
      label: e.info.label,
      ssoSession: e.info.ssoSession,
      state: e.decision?.state ?? 'relogin-required',
      reason: e.decision?.reason ?? 'not checked yet',
      profiles: [...e.info.profiles],
      tokenExpiresAt: e.facts.token?.expiresAt,
      nextRefreshAt: e.decision?.refreshAt,
      lastError: e.lastError,
      verificationUriComplete: e.login?.authorization.verificationUriComplete,
    }))
  }

  private async readCache(e: Entry): Promise<void> {
    let token: SsoCachedToken | undefined
    try {
      token = await this.deps.cache.read(e.info.cacheKey)
      e.facts.unreadable = undefined
    } catch (err) {
      e.facts.unreadable = errorLine(err)
      e.token = undefined
      e.facts.token = undefined
      return
    }
    for (const s of secretsOfToken(token)) this.deps.secrets.register(s)
    const changed = token?.accessToken !== e.token?.accessToken || token?.refreshToken !== e.token?.refreshToken
    const obtainedAt = e.facts.token && token?.accessToken === e.token?.accessToken ? e.facts.token.obtainedAt : undefined
    this.hold(e, token, obtainedAt)
    if (changed && token) {
      // Someone logged in (or another tool refreshed): earlier refusals were about the old token.
      e.facts.refused = undefined
      e.facts.failing = undefined
      if (e.login) {
        e.login.cancel()
        e.login = undefined
        e.facts.login = undefined
      }
      this.deps.onTokenChanged(e.info)
    }
  }

  /** The token a session now has, and the facts the decisions read from it. */
  private hold(e: Entry, token: SsoCachedToken | undefined, obtainedAt: number | undefined): void {
    e.token = token
    e.facts.token = token && {
      expiresAt: Date.parse(token.expiresAt),
      refreshable: canRefresh(token, this.deps.clock.now()),
      registrationExpiresAt: token.registrationExpiresAt ? Date.parse(token.registrationExpiresAt) : undefined,
      obtainedAt,
    }
  }

  /** Decide every session, send what alerts are due, start logins, and set the timer. */
  private evaluate(): void {
    if (this.stopped) return
    const now = this.deps.clock.now()
    let wake = Infinity
    for (const e of this.entries.values()) {
      const d = decideSsoSession(e.facts, now, this.deps.policy, this.deps.random())
      const before = e.decision?.state
      e.decision = d
      if (before !== d.state) this.logState(e, d)
      if (d.state === 'relogin-required' && used(e) && this.deps.alerting.deviceLogin === 'alert' && !e.login && this.loginDue(e, now)) {
        void this.beginLogin(e)
      }
      this.alertFor(e, now)
      if (d.refreshAt !== undefined && d.refreshAt <= now && !e.inFlight) void this.refresh(e)
      for (const t of [d.refreshAt, d.reviewAt]) if (t !== undefined && t > now) wake = Math.min(wake, t)
      if (e.memory && e.memory.condition !== 'ok' && e.memory.sentAt !== undefined)
        wake = Math.min(wake, e.memory.sentAt + this.deps.alerting.repeat)
      if (d.state === 'relogin-required' && e.loginStartedAt !== undefined)
        wake = Math.min(wake, e.loginStartedAt + this.deps.alerting.repeat)
    }
    this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
    if (wake === Infinity || this.entries.size === 0) return
    // Timers do not count suspended time: never sleep long, look at the wall clock again.
    this.timer = this.deps.clock.setTimeout(() => this.evaluate(), Math.max(1_000, Math.min(wake - now, MAX_SLEEP)))
  }

  private loginDue(e: Entry, now: number): boolean {
    return e.loginStartedAt === undefined || now - e.loginStartedAt >= this.deps.alerting.repeat
  }

  private alertFor(e: Entry, now: number): void {
    if (e.starting || !used(e)) return
    const condition = sessionCondition(e.decision!, e.facts, now, this.deps.alerting)
    const answer = gateAlert(e.memory, condition, now, this.deps.alerting.repeat)
    e.memory = answer.memory
    if (answer.send) this.deps.alert(sessionAlert(answer.send, e.info, e.decision!, e.login?.authorization, answer.reminder, now))
  }

  private logState(e: Entry, d: SsoDecision): void {
    const msg = `SSO session "${e.info.label}": ${d.state} (${d.reason})`
    if (d.state === 'relogin-required' && !used(e))
      this.deps.logger.info(
        `${msg}; no profile aws-credd keeps uses it, so no alert (log in with ${fixes.runSsoLogin(e.info)} when you need it)`,
        { ssoSession: e.info.label },
      )
    else if (d.state === 'relogin-required') this.deps.logger.error(withFix(msg, fixes.runSsoLogin(e.info)), { ssoSession: e.info.label })
    else this.deps.logger.info(msg, { ssoSession: e.info.label })
  }

  private refresh(e: Entry): Promise<void> {
    const token = e.token
    if (!token?.refreshToken || !token.clientId || !token.clientSecret) return Promise.resolve()
    const { refreshToken, clientId, clientSecret } = token
    const run = async (): Promise<void> => {
      const now = this.deps.clock.now()
      try {
        const answer = await this.deps.oidc.refresh(e.info, { clientId, clientSecret, refreshToken })
        for (const s of [answer.accessToken, answer.refreshToken]) if (s) this.deps.secrets.register(s)
        const next = refreshedToken(token, answer, e.info, this.deps.clock.now())
        const written = await this.deps.cache.write(e.info.cacheKey, next, token.accessToken)
        e.lastError = undefined
        if (!written) {
          // A person logged in meanwhile: their token is in the file; read it instead.
          await this.readCache(e)
          return
        }
        this.hold(e, next, this.deps.clock.now())
        e.facts.failing = undefined
        e.facts.refused = undefined
        this.deps.logger.info(`SSO session "${e.info.label}": token refreshed, valid until ${next.expiresAt}`, { ssoSession: e.info.label })
        this.deps.onTokenChanged(e.info)
      } catch (err) {
        e.lastError = errorLine(err)
        if (err instanceof OidcError && err.kind === 'permanent') {
          e.facts.refused = { code: err.oauth, at: now }
          e.facts.failing = undefined
        } else {
          const f = e.facts.failing
          e.facts.failing = { since: f?.since ?? now, attempts: (f?.attempts ?? 0) + 1, lastAt: now }
          this.deps.logger.warn(`${e.lastError} (retrying; the current token stays in use)`, { ssoSession: e.info.label })
        }
      }
    }
    e.inFlight = run().finally(() => {
      e.inFlight = undefined
      this.evaluate()
    })
    return e.inFlight
  }

  /** The daemon's own device login (sso.deviceLogin = "alert"): the link goes out through the alerts. */
  private async beginLogin(e: Entry): Promise<void> {
    e.loginStartedAt = this.deps.clock.now()
    e.starting = true
    let login: DeviceLogin
    try {
      login = await startDeviceLogin({ oidc: this.deps.oidc, clock: this.deps.clock }, e.info, e.token)
    } catch (err) {
      e.lastError = errorLine(err)
      this.deps.logger.error(`SSO session "${e.info.label}": could not start a device login: ${e.lastError}`, { ssoSession: e.info.label })
      e.starting = false
      this.evaluate()
      return
    } finally {
      e.starting = false
    }
    if (this.stopped || this.entries.get(e.info.cacheKey) !== e) return login.cancel()
    e.login = login
    e.facts.login = { startedAt: e.loginStartedAt, expiresAt: login.authorization.expiresAt }
    this.evaluate()
    try {
      const token = await login.token
      for (const s of secretsOfToken(token)) this.deps.secrets.register(s)
      await this.deps.cache.write(e.info.cacheKey, token)
      e.login = undefined
      e.facts.login = undefined
      this.deps.logger.info(`SSO session "${e.info.label}": login approved; token written`, { ssoSession: e.info.label })
      await this.readCache(e)
    } catch (err) {
      // Cancelled because the daemon stops (Ctrl-C): nothing to report.
      if (e.login !== login || this.stopped) return
      e.login = undefined
      e.facts.login = undefined
      e.lastError = errorLine(err)
      this.deps.logger.warn(`SSO session "${e.info.label}": device login ended: ${e.lastError}`, { ssoSession: e.info.label })
    }
    this.evaluate()
  }
}
