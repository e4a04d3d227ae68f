// The ECS/EKS-style container credentials endpoint: GET /v1/credentials/{profile} with
// `Authorization: <token>`, the URL and token an SDK finds in AWS_CONTAINER_CREDENTIALS_FULL_URI
// and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE). Every SDK refreshes from it by itself.
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Logger } from '../engine/ports.js'
import { tokenChecker, tokenProblem } from './auth-token.js'
import { BodyCache, containerBody, unavailable, unservableReason } from './credential-body.js'
import type { CredentialLookup } from './credential-lookup.js'
import { requestGuard, type GuardConfig } from './guards.js'
import { guardConfigFor, startListener, type ListenOptions, type Listener } from './listener.js'
import { prepareError, refusalAnswer, type OnRequest, type Prepared } from './reply.js'
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './rate-limit.js'
import { pathOf, requestHandler } from './request-handler.js'

export const CONTAINER_PATH_PREFIX = '/v1/credentials/'

export interface ContainerEndpointOptions extends ListenOptions {
  /** The exact Authorization value clients must send (see loadOrCreateAuthToken). */
  token: string
  lookup: CredentialLookup
  now: () => number
  logger?: Logger
  onRequest?: OnRequest
  /** Requests per token (default DEFAULT_RATE_LIMIT), or a limiter shared with another listener; false: unlimited (the benchmark). */
  rateLimit?: RateLimit | RateLimiter | false
}

export interface ContainerHandlerOptions {
  token: string
  lookup: CredentialLookup
  now: () => number
  guard: GuardConfig
  rateLimit?: RateLimit | RateLimiter | false
}

const NOT_FOUND = prepareError(404, `no such path; credentials are at ${CONTAINER_PATH_PREFIX}<profile>`, 'NotFound')
const NOT_GET = prepareError(405, 'only GET is served here', 'MethodNotAllowed', { allow: 'GET' })
const NO_TOKEN = prepareError(401, 'Authorization header missing: send the token from AWS_CONTAINER_AUTHORIZATION_TOKEN', 'Unauthorized')
const BAD_TOKEN = prepareError(403, 'Authorization token does not match', 'Forbidden')
const BAD_NAME = prepareError(400, 'profile name in the path is not valid percent-encoding', 'BadRequest')

const tooMany = (seconds: number): Prepared =>
  prepareError(429, `too many requests with this token; retry in ${seconds} s`, 'TooManyRequests', { 'retry-after': String(seconds) })

// The rate-limit key of a presented token: a digest, so the limiter's map never holds a token.
// The last one is remembered: every request of a client presents the same value.
const rateKeyOf = (): ((presented: string) => string) => {
  let last: string | undefined
  let key = ''
  return (presented) => {
    if (presented !== last) [last, key] = [presented, createHash('sha256').update(presented).digest('base64url')]
    return key
  }
}

const unknownProfile = (profile: string): Prepared =>
  prepareError(404, `profile ${JSON.stringify(profile.slice(0, 100))} is not served by aws-credd; add it to the profiles in its config`, 'ProfileNotFound')

/** The routing and checks, apart from any socket: tests and other servers can mount it. */
export const containerDecider = (opts: ContainerHandlerOptions): ((req: IncomingMessage) => Prepared) => {
  const problem = tokenProblem(opts.token)
  if (problem) throw new Error(`container endpoint: the auth token ${problem}`)
  const tokenMatches = tokenChecker(opts.token)
  const guard = requestGuard(opts.guard)
  const bodies = new BodyCache(containerBody)
  const limiter = opts.rateLimit === false ? undefined : opts.rateLimit instanceof RateLimiter ? opts.rateLimit : new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT, opts.now)
  const rateKey = rateKeyOf()
  return (req) => {
    const refused = guard(req.socket.remoteAddress, req.headers)
    if (refused) return refusalAnswer(refused)
    const path = pathOf(req.url)
    if (!path.startsWith(CONTAINER_PATH_PREFIX)) return NOT_FOUND
    const raw = path.slice(CONTAINER_PATH_PREFIX.length)
    if (raw === '' || raw.includes('/')) return NOT_FOUND
    if (req.method !== 'GET') return NOT_GET
    // Authentication comes before the lookup, so nothing tells a stranger which profiles exist.
    const presented = req.headers.authorization
    if (presented === undefined) return NO_TOKEN
    if (!tokenMatches(presented)) return BAD_TOKEN
    // Rate limit per token (keyed by consumer name once consumer tokens exist), only for valid tokens.
    const wait = limiter?.take(rateKey(presented)) ?? 0
    if (wait > 0) return tooMany(wait)
    let profile = raw
    if (raw.includes('%')) {
      try {
        profile = decodeURIComponent(raw)
      } catch {
        return BAD_NAME
      }
    }
    const found = opts.lookup.lookup(profile)
    if (found.kind === 'unknown') return unknownProfile(profile)
    if (found.kind === 'unavailable') return unavailable(found.reason)
    const why = unservableReason(profile, found.creds, opts.now())
    return why ? unavailable(why) : bodies.get(found.creds)
  }
}

/** Starts the endpoint; clients use `${url}/v1/credentials/<profile>` (TCP only: SDKs cannot use a socket). */
export const startContainerEndpoint = async (opts: ContainerEndpointOptions): Promise<Listener> => {
  const decide = containerDecider({ token: opts.token, lookup: opts.lookup, now: opts.now, guard: guardConfigFor(opts), rateLimit: opts.rateLimit })
  return startListener({
    name: 'container',
    ...(opts.listen ? { listen: opts.listen } : {}),
    ...(opts.socket !== undefined ? { socket: opts.socket } : {}),
    handler: requestHandler('container', decide, opts),
    onClientError: (status) => opts.onRequest?.('container', status),
  })
}
