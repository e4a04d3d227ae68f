// Maps what the AWS SDK throws to aws-credd's two failure kinds. Transient:
// retry with backoff while the old credentials serve. Permanent: a person has
// to change something; report once and wait. Decided by error name, HTTP status
// and Node error code, never by message text.
import { externalCode, firstLine, UpstreamError, type FailureKind } from '../core/errors.js'

const TRANSIENT_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'RequestThrottled',
  'SlowDown',
  'EC2ThrottledException',
  'IDPCommunicationError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'NetworkingError',
  'AbortError',
])

const TRANSIENT_NODE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** The fix to show for well-known refusals, by error name. `%p` is the profile. */
const FIXES: Record<string, string> = {
  AccessDenied: 'check that the role\'s trust policy allows the source identity of profile "%p" and that its external_id matches',
  AccessDeniedException: 'check the permissions of the identity behind profile "%p"',
  InvalidClientTokenId: 'the access key of the source of profile "%p" is not valid: update it with `aws configure`',
  SignatureDoesNotMatch: 'the secret key of the source of profile "%p" is wrong: update it with `aws configure`',
  ExpiredToken: 'the source credentials of profile "%p" expired: renew them (or their SSO login)',
  ExpiredTokenException: 'the web identity token of profile "%p" expired: check what writes web_identity_token_file',
  InvalidIdentityToken: 'the web identity token of profile "%p" was refused: check web_identity_token_file and the role\'s OIDC provider',
  RegionDisabledException: 'activate STS in that region or set a different `region` for profile "%p"',
}

export interface SdkErrorShape {
  name?: string
  code?: string
  message?: string
  /** clockSkewCorrected: the SDK saw the local clock was minutes off and adjusted its client (see below). */
  $metadata?: { httpStatusCode?: number; clockSkewCorrected?: boolean }
  $fault?: 'client' | 'server'
}

export const failureKindOf = (e: SdkErrorShape): FailureKind => {
  const name = e.name ?? ''
  // A request signed with a clock minutes off is refused (403 SignatureDoesNotMatch,
  // "Signature expired"); the SDK then corrects that client's clock offset, so the
  // same call succeeds next time. The SDK's own retry treats it as retryable too.
  if (e.$metadata?.clockSkewCorrected) return 'transient'
  if (TRANSIENT_NAMES.has(name)) return 'transient'
  if (e.code && TRANSIENT_NODE_CODES.has(e.code)) return 'transient'
  const status = e.$metadata?.httpStatusCode
  if (status === 429 || (status !== undefined && status >= 500)) return 'transient'
  if (e.$fault === 'server') return 'transient'
  if (status !== undefined && status >= 400) return 'permanent'
  if (name in FIXES) return 'permanent'
  // Unknown: most likely the network or a parse error from a proxy. Retrying with backoff is safe.
  return 'transient'
}

/** An AWS answer without what it must carry (e.g. no credentials): the service's fault, retried with backoff. */
export const invalidResponse = (profile: string, action: string, what: string): UpstreamError =>
  fromSdkError(profile, action, { name: 'InvalidResponse', message: what, $fault: 'server' })

/** Wrap an SDK error for one link's call, keeping the original as `cause`. */
export const fromSdkError = (profile: string, action: string, e: unknown): UpstreamError => {
  const err = (e ?? {}) as SdkErrorShape
  const name = err.name && err.name !== 'Error' ? err.name : (err.code ?? 'Error')
  const kind = failureKindOf(err)
  const detail = firstLine(err.message ?? String(e))
  const fix = err.$metadata?.clockSkewCorrected
    ? "this computer's clock is minutes off; aws-credd retries with the corrected time (sync the clock with NTP to stop it)"
    : (FIXES[name]?.replaceAll('%p', profile) ??
      (kind === 'transient'
        ? 'none needed if it passes; aws-credd retries with backoff (check network access and endpoint settings if it persists)'
        : undefined))
  return new UpstreamError(profile, `profile "${profile}": ${action} failed: ${name}: ${detail}`, {
    code: externalCode(name),
    kind,
    fix,
    cause: e,
  })
}
