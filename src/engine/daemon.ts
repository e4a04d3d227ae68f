// Assembles one running aws-credd: config → ~/.aws → profile graph → refresher
// → outputs, plus the watchers that feed changes back in. A bad file at any
// step keeps the last good state running and says why in one line.
import type { Alert } from '../core/alert.js'
import type { Config } from '../core/config/schema.js'
import { defaultSsoPolicy, type SsoPolicy } from '../core/sso-session-state.js'
import { listSsoSessions } from '../core/sso-sessions.js'
import { ConfigError, errorLine, withFix, type CreddError } from '../core/errors.js'
import { chainOf, mfaSerialOf, type ProfileGraph } from '../core/links.js'
import { buildProfileGraph, discoverProfiles, isTemporaryRoot } from '../core/profile-graph.js'
import { defaultPolicy, type RenewalPolicy } from '../core/renewal-plan.js'
import { botocoreShadow } from '../core/doctor/writeto-rules.js'
import { CredentialsFileOutput } from './credentials-output.js'
import { logEvent } from './event-log.js'
import type {
  AwsFiles,
  Clock,
  EngineEvent,
  Logger,
  SecretSink,
  SectionWriter,
  SsoCacheStore,
  SsoOidc,
  StatusView,
  Upstream,
} from './ports.js'
import type { MfaCodes } from './mfa-codes.js'
import { ProfileAlerts } from './profile-alerts.js'
import { Refresher } from './refresher.js'
import type { AlertTiming } from './sso-alerts.js'
import { SsoKeeper } from './sso-keeper.js'
import { lastFailure, statusView } from './status-view.js'
import { fixes } from '../core/fixes.js'

/** Which watched thing changed. */
export type ChangeKind = 'files' | 'sso-cache' | 'token-file'

/** The effects a daemon needs; production wiring is in src/root/running-daemon.ts, tests pass fakes. */
export interface DaemonDeps {
  clock: Clock
  logger: Logger
  random: () => number
  env: Record<string, string | undefined>
  readConfig: () => Promise<Config>
  readAwsFiles: () => Promise<AwsFiles>
  upstream: Upstream
  writer: SectionWriter
  /** Where the credentials file is, for messages. */
  credentialsFile: string
  oidc: SsoOidc
  ssoCache: SsoCacheStore
  /** Delivers an alert (the dispatcher's send: never blocks, never throws). */
  alert: (a: Alert) => void
  /** Every secret the daemon handles is registered here (the composition's SecretRegistry). */
  secrets: SecretSink
  /** Where `aws-credd mfa` codes wait for the upstream (the same object the upstream takes them from). */
  mfaCodes?: MfaCodes
  onEvent?: (e: EngineEvent) => void
}

export class Daemon {
  private config!: Config
  private files: AwsFiles | undefined
  private graph: ProfileGraph | undefined
  private wanted: string[] = []
  private readonly policy: RenewalPolicy
  private readonly ssoPolicy: SsoPolicy = defaultSsoPolicy()
  private readonly alerting: AlertTiming & { deviceLogin: 'off' | 'alert' } = {
    warnBefore: 0,
    repeat: 0,
    failingAfter: 0,
    deviceLogin: 'off',
  }
  readonly refresher: Refresher
  readonly sso: SsoKeeper
  private readonly profileAlerts: ProfileAlerts
  readonly output: CredentialsFileOutput
  private lastFileError: string | undefined
  private filesDigest: string | undefined
  private lastWarnings = ''
  /** writeTo names that clash with a resolved profile, as of the last install. */
  private clashes: string[] = []
  /** writeTo sections botocore would not read, warned once per change. */
  private shadowed: string[] = []
  private waitingSaid = false
  /** Until start() returns: a writeTo clash is then thrown (exit 2), not logged as well. */
  private starting = true
  /** The keeper's read of the SSO cache after the last install. */
  private ssoReady: Promise<void> = Promise.resolve()

  constructor(private readonly deps: DaemonDeps) {
    // One policy object shared by refresher and output; a config reload updates it in place.
    this.policy = defaultPolicy()
    this.output = new CredentialsFileOutput({
      writer: deps.writer,
      clock: deps.clock,
      logger: deps.logger,
      policy: this.policy,
      random: deps.random,
    })
    this.refresher = new Refresher({
      clock: deps.clock,
      upstream: deps.upstream,
      policy: this.policy,
      random: deps.random,
      onCredentials: (profile, creds) => this.output.onCredentials(profile, creds),
      onEvent: (e) => {
        logEvent(deps.logger, e, (profile, link) => this.refresher.rootOf(profile) === link, deps.clock.now())
        this.profileAlerts.onEvent(e, deps.clock.now())
        deps.onEvent?.(e)
      },
    })
    this.profileAlerts = new ProfileAlerts(this.alerting, deps.alert, fixes.mfa)
    this.sso = new SsoKeeper({
      clock: deps.clock,
      logger: deps.logger,
      random: deps.random,
      oidc: deps.oidc,
      cache: deps.ssoCache,
      policy: this.ssoPolicy,
      alerting: this.alerting,
      alert: deps.alert,
      // A new token: SSO profiles waiting for one retry now.
      onTokenChanged: () => this.refresher.poke('sso'),
      secrets: deps.secrets,
    })
  }

  /** Throws ConfigError for a bad config: the caller exits 2 before anything else happens. */
  async start(): Promise<void> {
    this.applyConfig(await this.deps.readConfig())
    await this.reloadAwsFiles()
    await this.ssoReady
    // At start a writeTo that would feed back is a config mistake (exit 2); later, after
    // an edit of ~/.aws, it is logged and that one output skipped.
    const clash = this.clashes[0]
    this.starting = false
    if (clash) {
      this.stop()
      throw new ConfigError(clash, fixes.writeToName)
    }
  }

  /** The daemon's own config changed (SIGHUP or the file): a bad new one is logged and the old one kept. */
  async reloadConfig(): Promise<boolean> {
    let next: Config
    try {
      next = await this.deps.readConfig()
    } catch (e) {
      this.deps.logger.error(`${errorLine(e)} (keeping the previous config)`)
      return false
    }
    this.applyConfig(next)
    this.deps.logger.info('config reloaded')
    if (this.files) this.filesDigest = this.digestOf(this.files)
    this.install()
    return true
  }

  /**
   * Something under ~/.aws changed. `what` says which: the config or credentials
   * file, the SSO token cache, or a web-identity token file.
   */
  async reloadAwsFiles(what: ChangeKind = 'files'): Promise<void> {
    if (what === 'sso-cache') {
      // A person may just have logged in: the keeper re-reads the cache, and SSO chains that
      // wait for a token retry (whatever the keeper makes of the file: it may hold a session it does not track).
      await this.sso.reload()
      this.refresher.poke('sso')
      return
    }
    if (what === 'token-file') {
      // A web identity token was rotated: retry what depends on it.
      this.refresher.poke('web-identity')
      return
    }
    let files: AwsFiles
    try {
      files = await this.deps.readAwsFiles()
      this.lastFileError = undefined
    } catch (e) {
      const msg = errorLine(e)
      if (msg !== this.lastFileError) this.deps.logger.error(`${msg} (keeping the last good state)`)
      this.lastFileError = msg
      return
    }
    // aws-credd's own writes change only its writeTo sections: nothing it resolves,
    // so they must not re-plan or retry anything (no feedback loop).
    const warnings = (files.warnings ?? []).join('\n')
    if (warnings !== this.lastWarnings) for (const w of files.warnings ?? []) this.deps.logger.warn(w)
    this.lastWarnings = warnings
    const digest = this.digestOf(files)
    const changed = digest !== this.filesDigest
    this.files = files
    this.filesDigest = digest
    this.reassertOutputs(files)
    if (!changed) return
    this.install()
    // A person may just have fixed what was failing (a new key, a corrected role): retry now.
    this.refresher.poke()
  }

  /** Re-take every timed decision against the wall clock now: whatever is due or expired is renewed at once. */
  wake(): void {
    this.refresher.wake()
    this.sso.wake()
  }

  stop(): void {
    this.refresher.stop()
    this.sso.stop()
    this.output.stop()
  }

  /** Whether this daemon keeps `profile` fresh (asked on every endpoint request: no copying). */
  keeps(profile: string): boolean {
    return this.wanted.includes(profile)
  }

  /** The profiles being kept fresh, and the graph they resolve to. */
  view(): { wanted: string[]; graph: ProfileGraph | undefined; config: Config } {
    return { wanted: [...this.wanted], graph: this.graph, config: this.config }
  }

  /**
   * Another program may have replaced the credentials file (a restored backup, a
   * sync tool): any section that no longer holds what aws-credd holds now is
   * rewritten at once rather than at the next renewal. aws-credd's own writes match,
   * so they cause nothing.
   */
  private reassertOutputs(files: AwsFiles): void {
    for (const [profile, section] of this.output.targets()) {
      const inFile = files.profiles[section]?.aws_access_key_id
      const held = this.refresher.current(profile)
      if (held && inFile !== held.accessKeyId) this.output.onCredentials(profile, held)
    }
  }

  /** Identity of what the files say, leaving out the sections aws-credd writes. */
  private digestOf(files: AwsFiles): string {
    const written = new Set(this.config.profiles.map((p) => p.writeTo).filter((w): w is string => w !== undefined))
    const profiles = Object.entries(files.profiles).filter(([name]) => !written.has(name))
    return JSON.stringify([files.configFile, files.credentialsFile, profiles, files.ssoSessions, files.services])
  }

  private applyConfig(config: Config): void {
    this.config = config
    Object.assign(this.policy, defaultPolicy(config.refresh.before))
    Object.assign(this.ssoPolicy, { refreshBefore: config.sso.refreshBefore, warnBefore: config.alerts.warnBefore })
    Object.assign(this.alerting, {
      warnBefore: config.alerts.warnBefore,
      repeat: config.alerts.repeat,
      failingAfter: config.alerts.failingAfter,
      deviceLogin: config.sso.deviceLogin,
    })
  }

  private install(): void {
    if (!this.files) return
    const configured = this.config.profiles.map((p) => p.profile)
    const all = configured.length > 0 ? configured : discoverProfiles(this.files)
    const graph = keepLastGood(buildProfileGraph(this.files, all, this.deps.env), this.graph)
    // Zero-config keeps only profiles whose credentials expire; long-term keys need no daemon.
    // Profiles that hold only settings (a region) are not errors here; broken temporary ones are reported.
    this.wanted =
      configured.length > 0
        ? configured
        : all.filter((p) => (graph.roots.has(p) ? isTemporaryRoot(graph, p) : graph.errors.get(p)?.code !== 'NoCredentials'))
    this.graph = graph
    // Every SSO session in the files is kept alive, whether or not a wanted profile uses it.
    this.ssoReady = this.sso.setSessions(listSsoSessions(this.files, this.deps.env, graph))
    const before = new Map(this.output.targets())
    const after = this.writeTargets(graph)
    // Withdrawals (a profile gone or redefined) go to the sections it wrote until now…
    this.refresher.update(graph, this.wanted)
    // …and so does the removal of keys from a section no longer named in writeTo.
    for (const [profile, section] of before) if (after.get(profile) !== section) this.output.onCredentials(profile, null)
    this.output.setTargets(after)
    // A section newly named in writeTo gets the credentials held now, not at the next renewal.
    for (const [profile, section] of after) {
      const creds = before.get(profile) === section ? undefined : this.refresher.current(profile)
      if (creds) this.output.onCredentials(profile, creds)
    }
    if (this.wanted.length === 0 && !this.waitingSaid) {
      this.deps.logger.info(
        `no profiles with temporary credentials in ${this.files.configFile} yet; watching it (add one with \`aws configure sso\`)`,
      )
    }
    this.waitingSaid = this.wanted.length === 0
  }

  /** writeTo sections, minus any that is itself part of a chain aws-credd resolves (that would feed back). */
  private writeTargets(graph: ProfileGraph): Map<string, string> {
    const inChains = new Set<string>()
    for (const id of graph.roots.values()) for (const l of chainOf(graph, id)) inChains.add(l.profile)
    const targets = new Map<string, string>()
    const clashes: string[] = []
    const shadowed: string[] = []
    for (const p of this.config.profiles) {
      if (!p.writeTo) continue
      if (inChains.has(p.writeTo)) {
        const reason = `writeTo "${p.writeTo}" of profile "${p.profile}" is itself a profile that aws-credd resolves; writing keys there would change what it means`
        clashes.push(reason)
        if (!this.clashes.includes(reason) && !this.starting) this.deps.logger.error(withFix(reason, fixes.writeToName))
        continue
      }
      targets.set(p.profile, p.writeTo)
      // Written anyway (the JS SDK may still read it), but botocore would pick another provider for this name.
      const profiles = this.files?.profiles ?? {}
      const shadow = botocoreShadow(Object.prototype.hasOwnProperty.call(profiles, p.writeTo) ? profiles[p.writeTo]! : {})
      if (shadow) {
        const reason = `writeTo "${p.writeTo}" of profile "${p.profile}": the profile "${p.writeTo}" also sets ${shadow.keys.join(', ')}, so botocore and the AWS CLI use ${shadow.provider} for it, not the keys aws-credd writes`
        shadowed.push(reason)
        if (!this.shadowed.includes(reason))
          this.deps.logger.warn(
            withFix(
              reason,
              `${fixes.writeToName}, or remove ${shadow.keys.join(', ')} from [profile ${p.writeTo}] (aws-credd doctor explains)`,
            ),
          )
      }
    }
    this.clashes = clashes
    this.shadowed = shadowed
    return targets
  }

  /**
   * A code from `aws-credd mfa PROFILE CODE`: kept for the MFA device of the
   * profile's chain and every renewal waiting for it retried now. Undefined when
   * accepted, else why not (one line with the fix).
   */
  provideMfaCode(profile: string, code: string): string | undefined {
    if (!/^\d{6}$/.test(code)) return 'that is not an MFA code; give the six digits the device shows now'
    const root = this.graph?.roots.get(profile)
    if (root === undefined || !this.wanted.includes(profile))
      return `profile "${profile}" is not kept by this daemon; known: ${this.wanted.join(', ') || 'none'}`
    const serial = chainOf(this.graph!, root)
      .map(mfaSerialOf)
      .find((s) => s !== undefined)
    if (serial === undefined) return `profile "${profile}" has no mfa_serial in its chain; it needs no code`
    if (!this.deps.mfaCodes) return 'this daemon takes no MFA codes'
    this.deps.mfaCodes.put(serial, code)
    this.deps.logger.info(`MFA code received for ${serial} (profile "${profile}")`)
    this.refresher.poke('mfa-session')
    this.refresher.poke('assume-role')
    return undefined
  }

  /** The daemon's clock: answers that check expiry (control-api) use the same time as renewals. */
  now(): number {
    return this.deps.clock.now()
  }

  /** Everything `status` shows, as of now. */
  status(): StatusView {
    const snap = this.refresher.snapshot()
    return statusView({
      wanted: this.wanted,
      roots: snap.roots,
      links: snap.links,
      profileErrors: snap.profileErrors,
      sso: this.sso.view(),
      policy: this.policy,
      now: this.deps.clock.now(),
      regionOf: (p) => this.regionOf(p),
    })
  }

  private regionOf(profile: string): string | undefined {
    const region = this.files?.profiles[profile]?.region
    return typeof region === 'string' && region.trim() ? region.trim() : undefined
  }

  /** The error behind a profile's lastError in status(), as data (its code, fix, the profile it names). */
  lastFailure(profile: string): CreddError | undefined {
    return lastFailure(this.refresher.snapshot(), profile)
  }

  /** Profile errors currently known, for status and doctor. */
  errors(): Map<string, CreddError> {
    return this.refresher.snapshot().profileErrors
  }
}

/**
 * A profile that resolved before and does not now (a half-saved edit, a typo)
 * keeps its last good chain: it is still renewed and served, and the error is
 * logged until the file is fixed.
 */
const keepLastGood = (next: ProfileGraph, previous: ProfileGraph | undefined): ProfileGraph => {
  if (!previous) return next
  for (const profile of next.errors.keys()) {
    const root = previous.roots.get(profile)
    if (root === undefined) continue
    const chain = chainOf(previous, root)
    if (chain.some((l) => next.links.has(l.id) && next.links.get(l.id) !== l && JSON.stringify(next.links.get(l.id)) !== JSON.stringify(l)))
      continue
    for (const l of chain) if (!next.links.has(l.id)) next.links.set(l.id, l)
    next.roots.set(profile, root)
  }
  return next
}
