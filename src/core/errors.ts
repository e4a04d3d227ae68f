// Every failure aws-credd reports is one of these classes. What happens next is
// decided by `code` and `kind` (retry with backoff, or wait for a change), never by
// the message text; the message is one line that names the profile, file or key and
// ends with the fix (the fix texts: core/fixes.ts). Messages never contain a secret.
// Every error a person sees is rendered by renderError/errorLine below: the CLI,
// the log, the alerts and the HTTP answers all say it the same way.

export type FailureKind = 'transient' | 'permanent'

/** The OAuth error code of an SSO-OIDC refusal; `other` for anything else. */
export type OAuthCode =
  | 'invalid_grant'
  | 'invalid_client'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'access_denied'
  | 'invalid_request'
  | 'unauthorized_client'
  | 'other'

/**
 * Every code aws-credd itself gives a failure: test/core/errors.test.ts fails on a code
 * listed here that src/ never gives, and the type checker on a code given but not listed.
 */
export const ERROR_CODES = [
  // the daemon's own config
  'InvalidConfig',
  // ~/.aws/config and ~/.aws/credentials, as the profile graph reads them
  'InvalidProfile',
  'ProfileNotFound',
  'NoCredentials',
  'ConflictingSource',
  'UnsupportedProfile',
  'InvalidCredentialSource',
  'ProfileCycle',
  'SsoSessionNotFound',
  'SsoIncomplete',
  'SsoSessionConflict',
  'ServicesSectionNotFound',
  'MfaRequired',
  'AwsFileUnreadable',
  // SSO tokens and logins
  'SsoTokenExpired',
  'SsoTokenMissing',
  'SsoTokenRefused',
  'SsoOidcFailed',
  'LoginCancelled',
  'invalid_grant',
  'invalid_client',
  'authorization_pending',
  'slow_down',
  'expired_token',
  'access_denied',
  'invalid_request',
  'unauthorized_client',
  // fetching credentials
  'Timeout',
  'ShortLivedCredentials',
  'Unknown',
  // the credentials file
  'CredentialsFileWriteTimeout',
  'CredentialsFileLockLost',
  'CredentialsFileBusy',
  'InvalidSectionName',
  'InvalidCredentialValue',
  'UnmanagedLongTermKeys',
  'AmbiguousSectionHeader',
  'CredentialsFileNotUtf8',
  'CredentialsFileLocked',
  'CredentialsFileWriteFailed',
  'ForeignSymlinkTarget',
  // serving, the control socket, grants
  'UnsafeRuntimeDir',
  'ListenFailed',
  'InvalidAuthTokenFile',
  'UntrustedControlSocket',
  'AlreadyRunning',
  'GrantRefused',
  'UnsafeAuditLog',
  // alert channels
  'AlertDeliveryFailed',
] as const

/** A code aws-credd gives a failure (ERROR_CODES). */
export type ErrorCode = (typeof ERROR_CODES)[number]

declare const external: unique symbol
/**
 * A name another party gave the failure, passed through as the code: an AWS error name
 * (AccessDenied, ThrottlingException), a Node error code (ECONNRESET), an Error's name.
 * Open-ended, so not in ERROR_CODES; made only by `externalCode`.
 */
export type ExternalCode = string & { readonly [external]: true }
/** Marks `name` as a code given by AWS, Node or a library (see ExternalCode). */
export const externalCode = (name: string): ExternalCode => name as ExternalCode

export interface CreddErrorOptions {
  /** Stable machine-readable code, e.g. `ProfileNotFound`. */
  code: ErrorCode | ExternalCode
  kind: FailureKind
  /** The command or edit that fixes it, shown after the message (core/fixes.ts). */
  fix?: string | undefined
  cause?: unknown
  /** The profile the message names (`profile "X"`), so a caller does not name it again. */
  profile?: string | undefined
}

/** A message and its fix as every line aws-credd prints says them: "REASON; fix: FIX" (just REASON without a fix). */
export const withFix = (reason: string, fix: string | undefined): string => (fix ? `${reason}; fix: ${fix}` : reason)

export class CreddError extends Error {
  readonly code: ErrorCode | ExternalCode
  readonly kind: FailureKind
  readonly fix: string | undefined
  /** The message without the fix, for places that show the fix separately. */
  readonly reason: string
  /** The profile the message names, if it names one (see CreddErrorOptions.profile). */
  readonly namedProfile: string | undefined

  constructor(reason: string, opts: CreddErrorOptions) {
    super(withFix(reason, opts.fix), { cause: opts.cause })
    this.name = new.target.name
    this.reason = reason
    this.code = opts.code
    this.kind = opts.kind
    this.fix = opts.fix
    this.namedProfile = opts.profile
  }
}

/** The daemon's own config file is invalid: exit status 2 before doing anything. */
export class ConfigError extends CreddError {
  constructor(reason: string, fix?: string, cause?: unknown) {
    super(reason, { code: 'InvalidConfig', kind: 'permanent', fix, cause })
  }
}

/** A profile in ~/.aws/config or ~/.aws/credentials cannot be resolved as written. */
export class ProfileError extends CreddError {
  readonly profile: string
  /** `namesProfile`: the message names `profile` (false when it says only e.g. "[sso-session x] lacks sso_region"). */
  constructor(profile: string, reason: string, fix?: string, code: ErrorCode = 'InvalidProfile', namesProfile = true) {
    super(reason, { code, kind: 'permanent', fix, profile: namesProfile ? profile : undefined })
    this.profile = profile
  }
}

/** A ~/.aws file (or the SSO cache) could not be read or parsed. */
export class AwsFileError extends CreddError {
  readonly file: string
  constructor(file: string, reason: string, fix?: string, cause?: unknown) {
    super(reason, { code: 'AwsFileUnreadable', kind: 'permanent', fix, cause })
    this.file = file
  }
}

/** A failure while fetching credentials for one link of a chain; the message starts `profile "PROFILE"`. */
export class UpstreamError extends CreddError {
  readonly profile: string
  constructor(profile: string, reason: string, opts: Omit<CreddErrorOptions, 'profile'>) {
    super(reason, { ...opts, profile })
    this.profile = profile
  }
}

/** The cached SSO token is missing or expired: a person has to log in. `profile`: the profile the message names, if any. */
export class SsoTokenError extends CreddError {
  readonly ssoSession: string
  constructor(ssoSession: string, reason: string, fix: string, code: ErrorCode = 'SsoTokenExpired', profile?: string) {
    super(reason, { code, kind: 'permanent', fix, profile })
    this.ssoSession = ssoSession
  }
}

/** Writing the credentials file failed or was refused. */
export class CredentialsFileError extends CreddError {
  readonly file: string
  constructor(file: string, reason: string, opts: Omit<CreddErrorOptions, 'kind'> & { kind?: FailureKind }) {
    super(reason, { kind: 'permanent', ...opts })
    this.file = file
  }
}

/** An SSO-OIDC call failed; `oauth` says how (the keeper and `login` decide by it, never by message text). */
export class OidcError extends CreddError {
  constructor(
    readonly session: string,
    readonly oauth: OAuthCode,
    reason: string,
    kind: FailureKind,
    fix: string | undefined,
    cause?: unknown,
  ) {
    super(reason, { code: oauth === 'other' ? 'SsoOidcFailed' : oauth, kind, fix, cause })
  }
}

/** A device login stopped before anyone approved it (engine/device-login.ts). */
export class LoginCancelled extends CreddError {
  constructor(session: string) {
    super(`SSO session "${session}": login cancelled`, { code: 'LoginCancelled', kind: 'permanent' })
  }
}

/** A grant request or revocation the daemon refuses; `status` is the HTTP answer on the control socket (engine/grant-registry.ts). */
export class GrantError extends CreddError {
  constructor(
    reason: string,
    fix: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(reason, { code: 'GrantRefused', kind: 'permanent', fix })
  }
}

/** A write refused because a symlink on the way leads somewhere this process's user does not own (files/atomic-write.ts). */
export class ForeignSymlinkError extends CreddError {
  constructor(
    /** The path the caller asked to write. */
    readonly path: string,
    /** The symlink, file or folder that is not ours. */
    readonly foreign: string,
    /** Its owner. */
    readonly ownerUid: number,
    reason: string,
    fix: string,
  ) {
    super(reason, { code: 'ForeignSymlinkTarget', kind: 'permanent', fix })
  }
}

/**
 * The one error type alert channels reject with: one line naming the channel,
 * never the webhook URL's path or the command line (both may embed secrets).
 */
export class AlertChannelError extends CreddError {
  readonly channel: string
  constructor(channel: string, reason: string, opts: { fix?: string; kind?: FailureKind; code?: ErrorCode } = {}) {
    super(`alert channel ${channel}: ${reason}`, {
      code: opts.code ?? 'AlertDeliveryFailed',
      kind: opts.kind ?? 'transient',
      fix: opts.fix,
    })
    this.channel = channel
  }
}

export const isCreddError = (e: unknown): e is CreddError => e instanceof CreddError

// ---- rendering --------------------------------------------------------------

/** The first line of `text` (up to \n or \r\n), trimmed, cut to `max` characters with an ellipsis. */
export const firstLine = (text: string, max = Infinity): string => {
  const line = text.trim().split(/\r?\n/)[0]?.trim() ?? ''
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

export interface RenderOptions {
  /** Put the class name first ("UpstreamError: …", not for a plain Error), as the log's text format does. */
  name?: boolean
  /** Follow the cause chain: "… (cause: …)". */
  cause?: boolean
  /** A multi-line message: 'first' keeps its first line (the default), 'escape' writes each line break as the two characters \n. */
  lines?: 'first' | 'escape'
  /** Cut the result to this many characters (with an ellipsis); only with lines: 'first'. */
  max?: number
}

/** Error-like: a thrown Error, or the plain record the log's redaction makes of one. */
interface ErrorShape {
  name?: unknown
  message?: unknown
}
const isErrorShape = (e: unknown): e is ErrorShape & { cause?: unknown } =>
  e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)

const chain = (e: unknown, opts: RenderOptions): string => {
  if (!isErrorShape(e)) return String(e)
  const message = e.message === undefined ? '' : String(e.message)
  const name = e.name === undefined ? '' : String(e.name)
  const head = opts.name && name && name !== 'Error' ? `${name}: ${message}` : message || name
  if (!opts.cause || !('cause' in e) || e.cause === undefined) return head
  return `${head} (cause: ${chain(e.cause, opts)})`
}

/**
 * The one way an error becomes text for a person: the CLI, the log, alerts and HTTP answers
 * use it. By default one line: the message's first line (a CreddError's message ends with
 * "; fix: …"), or the name when there is no message; anything not an Error is String()ed.
 * The log's text format is `renderError(e, { name: true, cause: true, lines: 'escape' })`.
 * It adds nothing that was not in the error: secrets are kept out where messages are made.
 */
export const renderError = (e: unknown, opts: RenderOptions = {}): string => {
  const text = chain(e, opts)
  return opts.lines === 'escape' ? text.replace(/\r?\n/g, '\\n') : firstLine(text, opts.max)
}

/** One line for a log or a terminal, whatever was thrown: renderError with the defaults. */
export const errorLine = (e: unknown): string => renderError(e)

/** Whether two failures are the same problem (same class, code and message): a report is repeated only when it changed. */
export const sameFailure = (a: CreddError | undefined, b: CreddError | undefined): boolean =>
  a === b ||
  (a !== undefined && b !== undefined && a.constructor === b.constructor && a.code === b.code && a.reason === b.reason && a.fix === b.fix)
