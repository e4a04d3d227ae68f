// GET /metrics for Prometheus, /healthz and /readyz for supervisors. No credentials here, but
// every kept profile and SSO session name is (in the metric labels), so /metrics can require a
// bearer token (metrics.tokenFile: Prometheus' `authorization: { credentials_file: … }`). The
// health checks stay open (kubelet probes and container HEALTHCHECKs send no token) and name no
// profile. Same guards as the credential endpoints: loopback unless configured otherwise, Host
// checked (DNS rebinding), browsers refused.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { errorLine } from '../core/errors.js'
import { outgoingText, type SecretRegistry } from '../core/outgoing-text.js'
import type { Logger } from '../engine/ports.js'
import { tokenChecker, tokenProblem } from './auth-token.js'
import { requestGuard, type GuardConfig } from './guards.js'
import { answerInternalError, guardConfigFor, isLoopbackHost, startListener, type Listener, type TcpAddress } from './listener.js'
import type { DaemonMetrics } from './metrics.js'
import { prepare, prepareError, prepareJson, refusalAnswer, send, type Prepared } from './reply.js'
import { pathOf } from './request-handler.js'

export interface Readiness {
  ready: boolean
  /** Why not, for a person: no secrets and no profile or session names (/readyz is open), e.g. 'waiting for the first credentials of 2 of 3 profiles'. */
  reason?: string
}

export interface MetricsEndpointOptions {
  /** host defaults to 127.0.0.1; another host makes the returned Listener carry a `warning` to log. */
  listen: { host?: string; port: number }
  metrics: DaemonMetrics
  /** Ready: every configured profile was resolved once or has a definite error. */
  ready: () => Readiness
  /** The daemon's registered secrets, redacted from the reason /readyz gives. */
  secrets: SecretRegistry
  logger?: Logger
  /** When set, /metrics requires `Authorization: Bearer <token>` (see loadOrCreateAuthToken). */
  token?: string
  /** The file the token came from, named in the start-up warning. */
  tokenFile?: string
}

export const METRICS_PATHS = ['/metrics', '/healthz', '/readyz'] as const

const NOT_FOUND = prepareError(404, `no such path; served here: ${METRICS_PATHS.join(', ')}`, 'NotFound')
const NOT_GET = prepareError(405, 'only GET is served here', 'MethodNotAllowed', { allow: 'GET' })
const INTERNAL = prepareError(500, 'internal error; see the aws-credd log', 'InternalError')
const NO_TOKEN = prepareError(
  401,
  'Authorization header missing: /metrics needs "Authorization: Bearer <token>" with the token in metrics.tokenFile',
  'Unauthorized',
  {
    'www-authenticate': 'Bearer realm="aws-credd metrics"',
  },
)
const BAD_TOKEN = prepareError(403, 'bearer token does not match the one in metrics.tokenFile', 'Forbidden')
const HEALTHY = prepareJson(200, { status: 'ok' })
const READY = prepareJson(200, { status: 'ready' })

const readiness = (r: Readiness, secrets: SecretRegistry): Prepared =>
  r.ready ? READY : prepareJson(503, { status: 'not ready', reason: outgoingText(r.reason ?? 'not ready yet', { secrets }) })

/**
 * The bearer check for /metrics: undefined when `header` carries the token, else the refusal
 * (401 without an Authorization header, 403 with anything else). Constant time in the token.
 */
export const bearerCheck = (token: string): ((header: string | undefined) => Prepared | undefined) => {
  const problem = tokenProblem(token)
  if (problem) throw new Error(`metrics endpoint: the bearer token ${problem}`)
  const matches = tokenChecker(token)
  return (header) => {
    if (header === undefined) return NO_TOKEN
    // RFC 6750: the scheme is case-insensitive and followed by one space; Prometheus sends "Bearer <credentials>".
    const m = /^bearer (.*)$/is.exec(header)
    return m && matches(m[1]!) ? undefined : BAD_TOKEN
  }
}

/** The routing and checks, apart from any socket. Async because a scrape collects metrics. */
export const metricsDecider = (
  opts: Pick<MetricsEndpointOptions, 'metrics' | 'ready' | 'token' | 'secrets'> & { guard: GuardConfig },
): ((req: IncomingMessage) => Promise<Prepared>) => {
  const guard = requestGuard(opts.guard)
  const authorize = opts.token === undefined ? undefined : bearerCheck(opts.token)
  return async (req) => {
    const refused = guard(req.socket.remoteAddress, req.headers)
    if (refused) return refusalAnswer(refused)
    const path = pathOf(req.url)
    if (!(METRICS_PATHS as readonly string[]).includes(path)) return NOT_FOUND
    if (req.method !== 'GET') return NOT_GET
    if (path === '/healthz') return HEALTHY
    if (path === '/readyz') return readiness(opts.ready(), opts.secrets)
    const unauthorized = authorize?.(req.headers.authorization)
    if (unauthorized) return unauthorized
    return prepare(200, opts.metrics.contentType, await opts.metrics.text())
  }
}

const handler =
  (decide: (req: IncomingMessage) => Promise<Prepared>, logger?: Logger) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    void decide(req)
      .catch((e: unknown) => {
        logger?.error(`metrics endpoint failed to answer: ${errorLine(e)}`)
        return INTERNAL
      })
      .then((answer) => {
        // The scraper may have gone while metrics were collected.
        if (res.destroyed) return
        send(res, answer)
        if (answer.status >= 400) logger?.debug(`metrics endpoint answered ${answer.status}`, { method: req.method, path: pathOf(req.url) })
      })
      // Even sending (or logging) failing must not become an unhandled rejection, which would end the process.
      .catch(() => answerInternalError(res))
  }

/**
 * The one start-up warning for a metrics endpoint other machines can reach, saying what they
 * can read there; undefined on loopback.
 */
export const metricsExposureWarning = (address: TcpAddress, tokenFile?: string): string | undefined => {
  if (isLoopbackHost(address.host)) return undefined
  const where = `metrics endpoint on ${address.host}:${address.port}, which other machines can reach`
  if (tokenFile !== undefined)
    return `${where}: /metrics (every kept profile and SSO session name, their expiry and health) needs the bearer token in ${tokenFile}; /healthz and /readyz answer anyone who can connect, without names`
  return `${where}, shows every kept profile and SSO session name, their expiry and health to anyone who can connect (no authentication); set metrics.tokenFile to require a bearer token, or listen on 127.0.0.1`
}

/** Starts the endpoint on TCP; Prometheus scrapes `${url}/metrics`. Its `warning` (to log once) says what a non-loopback address exposes. */
export const startMetricsEndpoint = async (opts: MetricsEndpointOptions): Promise<Listener> => {
  const decide = metricsDecider({
    metrics: opts.metrics,
    ready: opts.ready,
    token: opts.token,
    secrets: opts.secrets,
    guard: guardConfigFor({ listen: opts.listen }),
  })
  const l = await startListener({ name: 'metrics', listen: opts.listen, handler: handler(decide, opts.logger) })
  // Replaces the listener's generic warning (which speaks of credentials): one warning, about what is really there.
  const { warning: _generic, ...rest } = l
  const warning = metricsExposureWarning(
    l.address as TcpAddress,
    opts.tokenFile ?? (opts.token !== undefined ? 'metrics.tokenFile' : undefined),
  )
  return { ...rest, ...(warning ? { warning } : {}) }
}
