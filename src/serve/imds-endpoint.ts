// An IMDSv2 look-alike serving one profile as an EC2 instance role, for SDKs and tools
// that only know the instance metadata service (AWS_EC2_METADATA_SERVICE_ENDPOINT).
// Only the paths the SDKs use for credentials: PUT /latest/api/token, then
// GET /latest/meta-data/iam/security-credentials/ and .../<role>; 404 for the rest.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { ConfigError } from '../core/errors.js'
import type { Logger } from '../engine/ports.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import { BodyCache, imdsBody, unavailable, unservableReason } from './credential-body.js'
import type { CredentialLookup } from '../engine/ports.js'
import { requestGuard, type GuardConfig } from './guards.js'
import { ImdsSessions } from './imds-sessions.js'
import { guardConfigFor, isLoopbackHost, startListener, type ListenOptions, type Listener, type TcpAddress } from './listener.js'
import { prepare, prepareError, refusalAnswer, type OnRequest, type Prepared, type RequestNote } from './reply.js'
import { RateLimiter, type RateLimit } from './rate-limit.js'
import { pathOf, requestHandler } from './request-handler.js'

export const IMDS_TOKEN_PATH = '/latest/api/token'
export const IMDS_CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/'
/** EC2's bounds for X-aws-ec2-metadata-token-ttl-seconds. */
export const MAX_TOKEN_TTL_SECONDS = 21600
/**
 * Session tokens issued per second by the whole endpoint. Tokens cost nothing to keep (they are
 * stateless), so this only bounds the CPU a loop can take; SDKs ask once per TTL (6 hours), and
 * the burst lets hundreds of processes start together.
 */
export const IMDS_TOKEN_RATE_LIMIT: RateLimit = { perSecond: 200, burst: 1000 }

export interface ImdsConfig {
  /** The profile served as the instance role. */
  profile: string
  /** The role name SDKs see (default: the profile name, which must then be a valid IAM role name). */
  roleName?: string
  /** Serve requests without a session token (IMDSv1). Off by default, as on hardened EC2 instances. */
  allowV1?: boolean
}

export interface ImdsHandlerOptions extends ImdsConfig {
  lookup: CredentialLookup
  now: () => number
  /** The daemon's registered secrets, redacted from a 503 quoting an upstream error. */
  secrets: SecretRegistry
  guard: GuardConfig
  /** Source of the session tokens' randomness (tests pass a fixed one). */
  randomBytes?: (n: number) => Buffer
  /** Token PUTs allowed for all clients together (default IMDS_TOKEN_RATE_LIMIT); false: unlimited. */
  tokenRateLimit?: RateLimit | false
}

export interface ImdsEndpointOptions extends ListenOptions, ImdsConfig {
  lookup: CredentialLookup
  now: () => number
  secrets: SecretRegistry
  logger?: Logger
  onRequest?: OnRequest
  randomBytes?: (n: number) => Buffer
  tokenRateLimit?: RateLimit | false
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/

/** The role name the endpoint will list, or an error naming the fix. */
export const imdsRoleName = (cfg: ImdsConfig): string => {
  const name = cfg.roleName ?? cfg.profile
  if (!ROLE_NAME.test(name))
    throw new ConfigError(
      `IMDS endpoint: role name ${JSON.stringify(name)} is not a valid IAM role name (letters, digits and +=,.@_- up to 64)`,
      'set "roleName"',
    )
  return name
}

const NOT_FOUND = prepareError(404, 'not found; only IAM role credentials are served here', 'NotFound')
const NEED_PUT = prepareError(405, 'session tokens are issued by PUT', 'MethodNotAllowed', { allow: 'PUT' })
const NEED_GET = prepareError(405, 'only GET is served here', 'MethodNotAllowed', { allow: 'GET' })
const FORWARDED = prepareError(403, 'token requests carrying X-Forwarded-For are refused (as on EC2)', 'Forbidden')
const BAD_TTL = prepareError(
  400,
  `X-aws-ec2-metadata-token-ttl-seconds must be a whole number from 1 to ${MAX_TOKEN_TTL_SECONDS}`,
  'BadRequest',
)
const TOKEN_FLOOD = (seconds: number): Prepared =>
  prepareError(429, `too many session token requests; retry in ${seconds} s`, 'TooManyRequests', { 'retry-after': String(seconds) })
const NO_SESSION = prepareError(401, 'a valid X-aws-ec2-metadata-token is required: get one with PUT /latest/api/token', 'Unauthorized')

const ttlOf = (header: string | string[] | undefined): number | undefined => {
  if (typeof header !== 'string' || !/^\d{1,5}$/.test(header)) return undefined
  const ttl = Number(header)
  return ttl >= 1 && ttl <= MAX_TOKEN_TTL_SECONDS ? ttl : undefined
}

/** The routing and checks, apart from any socket. */
export const imdsDecider = (opts: ImdsHandlerOptions): ((req: IncomingMessage, note?: RequestNote) => Prepared) => {
  const roleName = imdsRoleName(opts)
  const guard = requestGuard(opts.guard)
  const sessions = new ImdsSessions(opts.now, opts.randomBytes ?? randomBytes)
  const issuance = opts.tokenRateLimit === false ? undefined : new RateLimiter(opts.tokenRateLimit ?? IMDS_TOKEN_RATE_LIMIT, opts.now, 1)
  const bodies = new BodyCache((c) => imdsBody(c, opts.now()))
  const roleList = prepare(200, 'text/plain', roleName)
  const rolePath = IMDS_CREDENTIALS_PATH + roleName

  const issueToken = (req: IncomingMessage): Prepared => {
    // A proxy in front of IMDS adds this header; refusing it keeps a proxy from minting tokens for others.
    if (req.headers['x-forwarded-for'] !== undefined) return FORWARDED
    const ttl = ttlOf(req.headers['x-aws-ec2-metadata-token-ttl-seconds'])
    if (ttl === undefined) return BAD_TTL
    const wait = issuance?.take('') ?? 0
    if (wait > 0) return TOKEN_FLOOD(wait)
    return prepare(200, 'text/plain', sessions.issue(ttl), { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) })
  }

  // On EC2 an invalid token is refused even where IMDSv1 is allowed.
  const hasSession = (req: IncomingMessage): boolean => {
    const token = req.headers['x-aws-ec2-metadata-token']
    if (typeof token !== 'string') return opts.allowV1 === true && token === undefined
    return sessions.isValid(token)
  }

  return (req, note) => {
    const refused = guard(req.socket.remoteAddress, req.headers)
    if (refused) return refusalAnswer(refused)
    const path = pathOf(req.url)
    // IMDS has no consumer tokens: whoever asks for the role's credentials is recorded as anonymous.
    if (note && path === rolePath) note.profile = opts.profile
    if (path === IMDS_TOKEN_PATH) return req.method === 'PUT' ? issueToken(req) : NEED_PUT
    const isList = path === IMDS_CREDENTIALS_PATH || path === IMDS_CREDENTIALS_PATH.slice(0, -1)
    if (!isList && path !== rolePath) return NOT_FOUND
    if (req.method !== 'GET') return NEED_GET
    if (!hasSession(req)) return NO_SESSION
    const found = opts.lookup.lookup(opts.profile)
    if (found.kind === 'unknown') return NOT_FOUND
    if (isList) return roleList
    if (found.kind === 'unavailable') return unavailable(found.reason, opts.secrets)
    const why = unservableReason(opts.profile, found.creds, opts.now())
    return why ? unavailable(why, opts.secrets) : bodies.get(found.creds)
  }
}

/**
 * The one start-up warning of a TCP IMDS endpoint: like EC2's, it has no authentication (the
 * session PUT only proves a client can send a PUT), so whoever can connect gets the profile's keys.
 */
export const imdsExposureWarning = (address: TcpAddress, profile: string): string => {
  const where = `IMDS endpoint on ${address.host}:${address.port} serves profile "${profile}"`
  if (isLoopbackHost(address.host))
    return `${where} to ANY local user or process that can connect (IMDS has no authentication); use the container endpoint with its token where that matters`
  return `${where} to ANY user, process or other machine that can connect to ${address.host}:${address.port} (IMDS has no authentication); listen on 127.0.0.1, and use the container endpoint with its token where that matters`
}

/** Starts the endpoint; clients set AWS_EC2_METADATA_SERVICE_ENDPOINT to `url`. On TCP its `warning` (to log once) says who can read what. */
export const startImdsEndpoint = async (opts: ImdsEndpointOptions): Promise<Listener> => {
  const decide = imdsDecider({ ...opts, guard: guardConfigFor(opts) })
  const l = await startListener({
    name: 'imds',
    ...(opts.listen ? { listen: opts.listen } : {}),
    ...(opts.socket !== undefined ? { socket: opts.socket } : {}),
    handler: requestHandler('imds', decide, opts),
    onClientError: (status) => opts.onRequest?.('imds', status),
  })
  // A unix socket is 0600: only this user (and root) can connect, as with the control socket.
  if ('socket' in l.address) return l
  // Replaces the listener's generic non-loopback warning: one warning that says it all.
  return { ...l, warning: imdsExposureWarning(l.address, opts.profile) }
}
