// The engine's seams, in one file everybody imports from: the effects the engine needs
// (clock, logger, upstream, SSO-OIDC, files, alert channels, grant store) as small
// interfaces so tests pass fakes (a fake clock that jumps, an upstream that fails on cue,
// a logger that records), and the data the engine hands out (events, the status view,
// credential lookups) so adapters (serve, alerts, files, aws) read it without importing
// engine internals. Only core is imported here; test/architecture/import-graph.test.ts holds that.
import type { Alert } from '../core/alert.js'
import type { Credentials } from '../core/credentials.js'
import type { CreddError, FailureKind } from '../core/errors.js'
import type { Grant } from '../core/grants.js'
import type { Link, LinkId, LinkKind } from '../core/links.js'
import type { AwsProfileData } from '../core/profile-graph.js'
import type { SsoState } from '../core/sso-session-state.js'
import type { SsoSessionInfo } from '../core/sso-sessions.js'
import type { ClientRegistration, SsoCachedToken, TokenAnswer } from '../core/sso-token.js'

/** What a clock's setTimeout returns; only ever handed back to clearTimeout. */
export type TimerHandle = unknown

/** Time and timers: runtime/clock.ts in production, a fake clock that jumps in tests. */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** Fetches one link's credentials; `source` is the credentials of the link it assumes from. */
export interface Upstream {
  fetch(link: Link, source: Credentials | undefined): Promise<Credentials>
}

/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>

/** The log: runtime/logger.ts in production, a recorder in tests. */
export interface Logger {
  error(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  debug(msg: string, fields?: LogFields): void
}

// ---- SSO: the OIDC calls (aws/sso-oidc.ts) and the token cache (files/sso-cache.ts)

/** A started device authorization: what the person opens, and how to poll. */
export interface DeviceAuthorization {
  deviceCode: string
  userCode: string
  verificationUri: string
  verificationUriComplete: string
  /** Epoch ms. */
  expiresAt: number
  /** Seconds between polls. */
  interval: number
}

/** The SSO-OIDC calls aws-credd makes; tests pass a fake or point the real one (aws/sso-oidc.ts) at the emulator. */
export interface SsoOidc {
  refresh(session: SsoSessionInfo, token: { clientId: string; clientSecret: string; refreshToken: string }): Promise<TokenAnswer>
  register(session: SsoSessionInfo): Promise<ClientRegistration>
  startDeviceAuthorization(session: SsoSessionInfo, reg: ClientRegistration): Promise<DeviceAuthorization>
  /** One poll: resolves with the token, or rejects with OidcError authorization_pending / slow_down / expired_token / … */
  pollDeviceToken(session: SsoSessionInfo, reg: ClientRegistration, deviceCode: string): Promise<TokenAnswer>
}

/** Reads and writes the token cache by cache key (sha1 input). */
export interface SsoCacheStore {
  read(cacheKey: string): Promise<SsoCachedToken | undefined>
  /** `replacing`: cancel (false) if the file no longer holds that access token. */
  write(cacheKey: string, token: SsoCachedToken, replacing?: string): Promise<boolean>
}

// ---- Files: the AWS config files as read (files/aws-config-files.ts), the credentials file (files/credentials-file.ts)

/**
 * profiles: merged as the SDK's parseKnownFiles merges them (credentials-file keys win);
 * ssoSessions: `[sso-session NAME]` by NAME; services: `[services NAME]` of the config
 * file by NAME, sub-keys as `sts.endpoint_url`.
 */
export interface AwsFiles extends AwsProfileData {
  configFile: string
  credentialsFile: string
  /** Lines other readers (botocore, the AWS CLI) would refuse, one message each. */
  warnings?: string[]
}

/** One section of the credentials file to write (credentials) or remove (null). */
export interface SectionUpdate {
  section: string
  profile: string
  credentials: Credentials | null
}

/** The file side: src/files/credentials-file.ts in production, a fake in tests. */
export interface SectionWriter {
  apply(updates: SectionUpdate[]): Promise<void>
}

// ---- Alerts: the channels (src/alerts/*); the alert itself is plain data in core/alert.ts

/** One way to tell a person: log, desktop, webhook, command. Channels only deliver; the engine decides when. */
export interface AlertChannel {
  readonly name: string
  send(alert: Alert): Promise<void>
}

// ---- Grants: where run-time grants are kept across restarts (files/grant-store.ts)

/** A grant as saved: never the token, only its digest. */
export interface StoredGrant extends Grant {
  digest: string
}

/** Where run-time grants are kept across restarts (a 0600 file in production). */
export interface GrantStore {
  load(): Promise<StoredGrant[]>
  save(grants: StoredGrant[]): Promise<void>
}

// ---- What the engine hands out: events, the status view, credential lookups

/** What the refresher reports. Logs, the status table, alerts and metrics all subscribe to these instead of being called from inside the engine. */
export type EngineEvent =
  | { type: 'renewed'; link: LinkId; profile: string; kind: LinkKind; expiresAt?: number; first: boolean }
  | {
      type: 'failed'
      link: LinkId
      profile: string
      error: CreddError
      kind: FailureKind
      attempt: number
      /** Same code as the previous failure of this link: log it quietly. */
      repeated: boolean
      retryAt?: number
    }
  | { type: 'recovered'; link: LinkId; profile: string; downFor: number }
  | { type: 'expired'; profile: string }
  | {
      type: 'profile-error'
      profile: string
      error: CreddError
      /** The profile resolved before: its last good chain keeps being renewed and served. */
      keptLastGood: boolean
    }

/** A subscriber to engine events. */
export type EventListener = (e: EngineEvent) => void

/** fresh: served, nothing wrong. stale-ok: served, but renewals fail. unavailable: nothing valid to serve. */
export type ProfileHealth = 'fresh' | 'renewing-failed' | 'unavailable' | 'pending'

/** What `status` shows for one profile. */
export interface ProfileStatus {
  profile: string
  /** The chain from the profile to what needs no input, e.g. "assume-role ← static". */
  source: string
  health: ProfileHealth
  expiresAt?: number
  nextRenewalAt?: number
  lastError?: string
  /** The SSO session the chain starts from, if any. */
  ssoSession?: string
  /** The profile's own `region` setting: where a program using it calls by default (exec/env pass it on). */
  region?: string
}

/** What `status` shows for one SSO session. */
export interface SsoSessionView {
  label: string
  ssoSession?: string
  state: SsoState
  reason: string
  profiles: string[]
  tokenExpiresAt?: number
  nextRefreshAt?: number
  lastError?: string
  verificationUriComplete?: string
}

/** What `aws-credd status`, the control socket, the live table and the metrics show. */
export interface StatusView {
  profiles: ProfileStatus[]
  ssoSessions: SsoSessionView[]
}

/** What the HTTP endpoints get for one profile, answered from memory so a request never waits for a renewal. */
export type Lookup =
  /** creds.expiresAt is epoch ms; accountId/roleArn optional. */
  | { kind: 'ok'; creds: Credentials }
  /** No such profile → 404. */
  | { kind: 'unknown' }
  /** Known but no valid credentials → 503; `reason` is one line ending with the fix; `namesProfile`: it says `profile "NAME"` itself. */
  | { kind: 'unavailable'; reason: string; namesProfile?: boolean }

/** What the HTTP endpoints ask the daemon: the current credentials of one profile. */
export interface CredentialLookup {
  lookup(profile: string): Lookup
}

/**
 * Where the engine registers every secret it handles (keys it fetched, SSO tokens, minted
 * grant tokens) so no later log line, answer or alert shows it. The daemon's
 * SecretRegistry (core/outgoing-text.ts) in production; tests pass their own.
 */
export interface SecretSink {
  register(value: string): void
}
