// The SSO token cache record (~/.aws/sso/cache/<sha1>.json) and the pure edits
// aws-credd makes to it. Field names, key order and time format follow what the
// AWS CLI v2 and botocore write (botocore/tokens.py SSOTokenProvider
// _attempt_create_token; awscli sso login): a refresh keeps the registration
// beside the token. Unlike botocore, fields this version does not know are kept.
import { awsTimestamp } from './aws-time.js'
import { pythonJsonDumps } from './python-json.js'

export interface SsoCachedToken {
  startUrl?: string
  region?: string
  accessToken: string
  /** `2026-01-31T12:00:00Z`, as the AWS CLI writes it. */
  expiresAt: string
  clientId?: string
  clientSecret?: string
  registrationExpiresAt?: string
  refreshToken?: string
  /** Fields this version does not know are kept as they are. */
  [other: string]: unknown
}

/** What SSO-OIDC CreateToken answers. */
export interface TokenAnswer {
  accessToken: string
  /** Seconds. */
  expiresIn: number
  refreshToken?: string
}

/** An SSO-OIDC client registration (RegisterClient). */
export interface ClientRegistration {
  clientId: string
  clientSecret: string
  /** Epoch ms. */
  expiresAt: number
}

/** Which session a token belongs to. */
export interface SsoSessionRef {
  /** `[sso-session NAME]`, or undefined for a legacy `sso_start_url` profile. */
  ssoSession?: string
  startUrl: string
  region: string
}

/** True when a refresh_token grant can be tried (botocore's _refresh_access_token checks the same keys). */
export const canRefresh = (t: SsoCachedToken, now: number): boolean =>
  typeof t.refreshToken === 'string' &&
  typeof t.clientId === 'string' &&
  typeof t.clientSecret === 'string' &&
  (t.registrationExpiresAt === undefined || !(Date.parse(t.registrationExpiresAt) <= now))

/** Keeps `prev`'s key order and unknown fields; `next`'s values win; undefined removes a key. */
const merge = (prev: SsoCachedToken | undefined, next: Record<string, unknown>): SsoCachedToken => {
  const out: Record<string, unknown> = { ...(prev ?? {}) }
  for (const [k, v] of Object.entries(next)) {
    if (v === undefined) delete out[k]
    else out[k] = v
  }
  return out as SsoCachedToken
}

/** The record after a successful refresh_token grant. */
export const refreshedToken = (prev: SsoCachedToken, answer: TokenAnswer, session: SsoSessionRef, now: number): SsoCachedToken =>
  merge(prev, {
    startUrl: session.startUrl,
    region: session.region,
    accessToken: answer.accessToken,
    expiresAt: awsTimestamp(now + answer.expiresIn * 1000),
    clientId: prev.clientId,
    clientSecret: prev.clientSecret,
    registrationExpiresAt: prev.registrationExpiresAt,
    // Refresh tokens may rotate: the old one may already be void.
    refreshToken: answer.refreshToken ?? prev.refreshToken,
  })

/**
 * The record after a device-flow login, as `aws sso login` writes it: for an
 * sso-session the registration and refresh token ride along; a legacy profile's
 * token holds only the first four fields (the CLI keeps its registration elsewhere).
 */
export const loggedInToken = (
  prev: SsoCachedToken | undefined,
  answer: TokenAnswer,
  registration: ClientRegistration,
  session: SsoSessionRef,
  now: number,
): SsoCachedToken => {
  const base = {
    startUrl: session.startUrl,
    region: session.region,
    accessToken: answer.accessToken,
    expiresAt: awsTimestamp(now + answer.expiresIn * 1000),
  }
  if (session.ssoSession === undefined) {
    return merge(prev, { ...base, clientId: undefined, clientSecret: undefined, registrationExpiresAt: undefined, refreshToken: undefined })
  }
  return merge(prev, {
    ...base,
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    registrationExpiresAt: awsTimestamp(registration.expiresAt),
    refreshToken: answer.refreshToken,
  })
}

/** A registration cached in the token file that can still be used. */
export const cachedRegistration = (t: SsoCachedToken | undefined, now: number, margin = 60_000): ClientRegistration | undefined => {
  if (!t || typeof t.clientId !== 'string' || typeof t.clientSecret !== 'string' || typeof t.registrationExpiresAt !== 'string')
    return undefined
  const expiresAt = Date.parse(t.registrationExpiresAt)
  return expiresAt - margin > now ? { clientId: t.clientId, clientSecret: t.clientSecret, expiresAt } : undefined
}

/** File contents, byte for byte what botocore's `_sso_json_dumps` writes (no trailing newline). */
export const serializeSsoToken = (t: SsoCachedToken): string => pythonJsonDumps(t)

/** The secrets a token record holds, for the log redactor. */
export const secretsOfToken = (t: SsoCachedToken | undefined): string[] =>
  [t?.accessToken, t?.refreshToken, t?.clientSecret].filter((s): s is string => typeof s === 'string' && s.length > 0)
