// The ECS/EKS-style container credentials endpoint: GET /v1/credentials/{profile} with
// `Authorization: <token>`, the URL and token an SDK finds in AWS_CONTAINER_CREDENTIALS_FULL_URI
// and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE). Every SDK refreshes from it by itself.
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Logger } from '../engine/ports.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import { tokenChecker, tokenProblem } from './auth-token.js'
import { BodyCache, containerBody, unavailable, unservableReason } from './credential-body.js'
import type { CredentialLookup } from '../engine/ports.js'
import { requestGuard, type GuardConfig } from './guards.js'
import { guardConfigFor, startListener, type ListenOptions, type Listener } from './listener.js'
import { prepareError, prepareQuotingError, refusalAnswer, type OnRequest, type Prepared, type RequestNote } from './reply.js'
import { metricsLabel, type Authorization, type Grant } from '../core/grants.js'
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './rate-limit.js'
import { pathOf, requestHandler } from './request-handler.js'

export const CONTAINER_PATH_PREFIX = '/v1/credentials/'

/** Decides what a presented Authorization value may read (the daemon's GrantRegistry). */
export type Authorizer = (presented: string | undefined, profile: string) => Authorization

/** One token that opens every profile: tests, the benchmark, the demo. */
export const singleTokenAuthorizer = (token: string): Authorizer => {
  const problem = tokenProblem(token)
  if (problem) throw new Error(`container endpoint: the auth token ${problem}`)
  const matches = tokenChecker(token)
  const owner: Grant = { name: 'owner', kind: 'owner', profiles: [], createdAt: 0 }
  return (presented) =>
    presented === undefined
      ? { outcome: 'unauthenticated', reason: 'missing' }
      : matches(presented)
        ? { outcome: 'allowed', grant: owner }
        : { outcome: 'unauthenticated', reason: 'unknown' }
}

/** Either the one token that opens everything, or the grant registry's decision. */
export type ContainerAuth = { token: string; authorize?: undefined } | { authorize: Authorizer; token?: undefined }

export type ContainerEndpointOptions = ListenOptions &
  ContainerAuth & {
    lookup: CredentialLookup
    now: () => number
    /** The daemon's registered secrets, redacted from every answer quoting an upstream error or the request. */
    secrets: SecretRegistry
    logger?: Logger
    onRequest?: OnRequest
    /** Requests per token (default DEFAULT_RATE_LIMIT), or a limiter shared with another listener; false: unlimited (the benchmark). */
    rateLimit?: RateLimit | RateLimiter | false
  }

export type ContainerHandlerOptions = ContainerAuth & {
  lookup: CredentialLookup
  now: () => number
  secrets: SecretRegistry
  guard: GuardConfig
  rateLimit?: RateLimit | RateLimiter | false
}

const NOT_FOUND = prepareError(404, `no such path; credentials are at ${CONTAINER_PATH_PREFIX}<profile>`, 'NotFound')
const NOT_GET = prepareError(405, 'only GET is served here', 'MethodNotAllowed', { allow: 'GET' })
const NO_TOKEN = prepareError(401, 'Authorization header missing: send the token from AWS_CONTAINER_AUTHORIZATION_TOKEN', 'Unauthorized')
const BAD_TOKEN = prepareError(
  401,
  'Authorization token not recognised (never issued, revoked, or replaced); get a new one from whoever granted it',
  'Unauthorized',
)
const EXPIRED_TOKEN = prepareError(401, 'Authorization token expired; get a new grant (aws-credd grant)', 'Unauthorized')
// The same answer for every profile outside the grant, kept or not: nothing about it leaks.
const NOT_GRANTED = prepareError(403, 'this token is not granted that profile', 'Forbidden')
const BAD_NAME = prepareError(400, 'profile name in the path is not valid percent-encoding', 'BadRequest')

const tooMany = (seconds: number): Prepared =>
  prepareError(429, `too many requests with this token; retry in ${seconds} s`, 'TooManyRequests', { 'retry-after': String(seconds) })

const unknownProfile = (profile: string, secrets: SecretRegistry): Prepared =>
  prepareQuotingError(
    secrets,
    404,
    `profile ${JSON.stringify(profile.slice(0, 100))} is not served by aws-credd; add it to the profiles in its config`,
    'ProfileNotFound',
  )

/** The routing and checks, apart from any socket: tests and other servers can mount it. */
export const containerDecider = (opts: ContainerHandlerOptions): ((req: IncomingMessage, note?: RequestNote) => Prepared) => {
  const authorize = opts.authorize ?? singleTokenAuthorizer(opts.token)
  const guard = requestGuard(opts.guard)
  const bodies = new BodyCache(containerBody)
  const limiter =
    opts.rateLimit === false
      ? undefined
      : opts.rateLimit instanceof RateLimiter
        ? opts.rateLimit
        : new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT, opts.now)
  return (req, note) => {
    const refused = guard(req.socket.remoteAddress, req.headers)
    if (refused) return refusalAnswer(refused)
    const path = pathOf(req.url)
    if (!path.startsWith(CONTAINER_PATH_PREFIX)) return NOT_FOUND
    const raw = path.slice(CONTAINER_PATH_PREFIX.length)
    if (raw === '' || raw.includes('/')) return NOT_FOUND
    if (req.method !== 'GET') return NOT_GET
    const presented = req.headers.authorization
    if (presented === undefined) return NO_TOKEN
    let profile = raw
    if (raw.includes('%')) {
      try {
        profile = decodeURIComponent(raw)
      } catch {
        return BAD_NAME
      }
    }
    // Authorization comes before the lookup, so nothing tells a stranger, or a consumer
    // outside its grant, which profiles exist or what state they are in.
    const decision = authorize(presented, profile)
    if (note) {
      note.profile = profile
      if (decision.outcome !== 'unauthenticated' || decision.grant) {
        const g = decision.grant!
        note.consumer = g.name
        note.consumerLabel = metricsLabel(g)
      }
    }
    if (decision.outcome === 'unauthenticated')
      return decision.reason === 'expired' ? EXPIRED_TOKEN : decision.reason === 'missing' ? NO_TOKEN : BAD_TOKEN
    // Rate limit per consumer (the grant's name), only once a token is known to be live.
    const wait = limiter?.take(decision.grant.name) ?? 0
    if (wait > 0) return tooMany(wait)
    if (decision.outcome === 'forbidden') return NOT_GRANTED
    const found = opts.lookup.lookup(profile)
    if (found.kind === 'unknown') return unknownProfile(profile, opts.secrets)
    if (found.kind === 'unavailable') return unavailable(found.reason, opts.secrets)
    const why = unservableReason(profile, found.creds, opts.now())
    return why ? unavailable(why, opts.secrets) : bodies.get(found.creds)
  }
}

/** Starts the endpoint; clients use `${url}/v1/credentials/<profile>` (TCP only: SDKs cannot use a socket). */
export const startContainerEndpoint = async (opts: ContainerEndpointOptions): Promise<Listener> => {
  const auth: ContainerAuth = opts.authorize ? { authorize: opts.authorize } : { token: opts.token! }
  const decide = containerDecider({
    ...auth,
    lookup: opts.lookup,
    now: opts.now,
    secrets: opts.secrets,
    guard: guardConfigFor(opts),
    ...(opts.rateLimit !== undefined ? { rateLimit: opts.rateLimit } : {}),
  })
  return startListener({
    name: 'container',
    ...(opts.listen ? { listen: opts.listen } : {}),
    ...(opts.socket !== undefined ? { socket: opts.socket } : {}),
    handler: requestHandler('container', decide, opts),
    onClientError: (status) => opts.onRequest?.('container', status),
  })
}
