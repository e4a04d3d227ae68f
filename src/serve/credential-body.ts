// Turns credentials into the JSON the SDKs parse, once per credentials object: the
// hot path then only checks expiry and writes cached bytes. Also the one rule both
// endpoints share: long-term keys, expired credentials and credentials under the
// serving floor (core/serve-floor: 15 s, less for very short lifetimes) are never served.
import type { Credentials } from '../core/credentials.js'
import { expiryProblem } from '../core/serve-floor.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import { prepareJson, prepareQuotingError, type Prepared } from './reply.js'

/** `2026-01-31T12:00:00Z`: whole seconds (rounded down, so never later than the truth) and Z, as the SDKs parse. */
// Whole seconds with a Z: the JS SDK's container provider accepts nothing else.
import { awsTimestamp as awsTime } from '../core/aws-time.js'

/** Why these credentials must not be served at `now`, or undefined when they may be. */
export const unservableReason = (profile: string, c: Credentials, now: number): string | undefined => {
  if (c.sessionToken === undefined || c.expiresAt === undefined)
    return `profile "${profile}" holds long-term keys, which the endpoints never serve; point the client at a role or SSO profile`
  return expiryProblem(profile, c, now)
}

export const unavailable = (reason: string, secrets: SecretRegistry): Prepared =>
  prepareQuotingError(secrets, 503, reason, 'CredentialsUnavailable')

/** The container endpoint's answer (ECS/EKS format, plus AccountId and RoleArn when known). */
export const containerBody = (c: Credentials): Prepared =>
  prepareJson(200, {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: awsTime(c.expiresAt!),
    ...(c.accountId ? { AccountId: c.accountId } : {}),
    ...(c.roleArn ? { RoleArn: c.roleArn } : {}),
  })

/** The IMDS answer, as EC2 writes it; LastUpdated is when aws-credd first served these keys. */
export const imdsBody = (c: Credentials, now: number): Prepared =>
  prepareJson(200, {
    Code: 'Success',
    LastUpdated: awsTime(now),
    Type: 'AWS-HMAC',
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: awsTime(c.expiresAt!),
    ...(c.accountId ? { AccountId: c.accountId } : {}),
  })

interface Entry {
  key: string
  token: string | undefined
  expiresAt: number | undefined
  answer: Prepared
}

/**
 * Serialized answers keyed by the credentials object (a renewal makes a new object, and a
 * dropped object frees its entry). The key fields are re-checked, so a mutated object is re-rendered.
 */
export class BodyCache {
  private readonly entries = new WeakMap<Credentials, Entry>()
  constructor(private readonly render: (c: Credentials) => Prepared) {}

  get(c: Credentials): Prepared {
    const e = this.entries.get(c)
    if (e && e.key === c.accessKeyId && e.token === c.sessionToken && e.expiresAt === c.expiresAt) return e.answer
    const answer = this.render(c)
    this.entries.set(c, { key: c.accessKeyId, token: c.sessionToken, expiresAt: c.expiresAt, answer })
    return answer
  }
}
