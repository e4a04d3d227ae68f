// Every failure aws-credd reports is one of these classes. What happens next is
// decided by `kind` (retry with backoff, or wait for a change), never by the
// message text; the message is one line that names the profile, file or key and
// ends with the fix. Messages never contain a secret.

export type FailureKind = 'transient' | 'permanent'

export interface CreddErrorOptions {
  /** Stable machine-readable code, e.g. `ProfileNotFound`. */
  code: string
  kind: FailureKind
  /** The command or edit that fixes it, shown after the message. */
  fix?: string
  cause?: unknown
}

export class CreddError extends Error {
  readonly code: string
  readonly kind: FailureKind
  readonly fix: string | undefined
  /** The message without the fix, for places that show the fix separately. */
  readonly reason: string

  constructor(reason: string, opts: CreddErrorOptions) {
    super(opts.fix ? `${reason}; fix: ${opts.fix}` : reason, { cause: opts.cause })
    this.name = new.target.name
    this.reason = reason
    this.code = opts.code
    this.kind = opts.kind
    this.fix = opts.fix
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
  constructor(profile: string, reason: string, fix?: string, code = 'InvalidProfile') {
    super(reason, { code, kind: 'permanent', fix })
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

/** A failure while fetching credentials for one link of a chain. */
export class UpstreamError extends CreddError {
  readonly profile: string
  constructor(profile: string, reason: string, opts: CreddErrorOptions) {
    super(reason, opts)
    this.profile = profile
  }
}

/** The cached SSO token is missing or expired: a person has to log in. */
export class SsoTokenError extends CreddError {
  readonly ssoSession: string
  constructor(ssoSession: string, reason: string, fix: string, code = 'SsoTokenExpired') {
    super(reason, { code, kind: 'permanent', fix })
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

export const isCreddError = (e: unknown): e is CreddError => e instanceof CreddError

/** One line for a log or a terminal, whatever was thrown. */
export const describeError = (e: unknown): string => {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name
  return String(e)
}

/** The OAuth error code of an SSO-OIDC refusal; `other` for anything else. */
export type OAuthCode =
  | 'invalid_grant' | 'invalid_client' | 'authorization_pending' | 'slow_down' | 'expired_token'
  | 'access_denied' | 'invalid_request' | 'unauthorized_client' | 'other'

/** An SSO-OIDC call failed; `oauth` says how (the keeper and `login` decide by it, never by message text). */
export class OidcError extends CreddError {
  constructor(readonly session: string, readonly oauth: OAuthCode, reason: string, kind: FailureKind, fix: string | undefined, cause?: unknown) {
    super(reason, { code: oauth === 'other' ? 'SsoOidcFailed' : oauth, kind, fix, cause })
  }
}
