// GET /metrics for Prometheus, /healthz and /readyz for supervisors. No token (scrapers
// rarely send one) and no credentials here, but the same guards as the credential endpoints:
// loopback unless configured otherwise, Host checked (DNS rebinding), browsers refused.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describeError } from '../core/errors.js'
import { outgoingText } from '../core/outgoing-text.js'
import type { Logger } from '../engine/ports.js'
import { requestGuard, type GuardConfig } from './guards.js'
import { guardConfigFor, startListener, type Listener } from './listener.js'
import type { DaemonMetrics } from './metrics.js'
import { prepare, prepareError, prepareJson, refusalAnswer, send, type Prepared } from './reply.js'
import { pathOf } from './request-handler.js'

export interface Readiness {
  ready: boolean
  /** Why not, for a person (no secrets): e.g. 'profile "app" not resolved yet'. */
  reason?: string
}

export interface MetricsEndpointOptions {
  /** host defaults to 127.0.0.1; another host makes the returned Listener carry a `warning` to log. */
  listen: { host?: string; port: number }
  metrics: DaemonMetrics
  /** Ready: every configured profile was resolved once or has a definite error. */
  ready: () => Readiness
  logger?: Logger
}

export const METRICS_PATHS = ['/metrics', '/healthz', '/readyz'] as const

const NOT_FOUND = prepareError(404, `no such path; served here: ${METRICS_PATHS.join(', ')}`, 'NotFound')
const NOT_GET = prepareError(405, 'only GET is served here', 'MethodNotAllowed', { allow: 'GET' })
const INTERNAL = prepareError(500, 'internal error; see the aws-credd log', 'InternalError')
const HEALTHY = prepareJson(200, { status: 'ok' })
const READY = prepareJson(200, { status: 'ready' })

const readiness = (r: Readiness): Prepared =>
  r.ready ? READY : prepareJson(503, { status: 'not ready', reason: outgoingText(r.reason ?? 'not ready yet') })

/** The routing and checks, apart from any socket. Async because a scrape collects metrics. */
export const metricsDecider = (opts: Pick<MetricsEndpointOptions, 'metrics' | 'ready'> & { guard: GuardConfig }): ((req: IncomingMessage) => Promise<Prepared>) => {
  const guard = requestGuard(opts.guard)
  return async (req) => {
    const refused = guard(req.socket.remoteAddress, req.headers)
    if (refused) return refusalAnswer(refused)
    const path = pathOf(req.url)
    if (!(METRICS_PATHS as readonly string[]).includes(path)) return NOT_FOUND
    if (req.method !== 'GET') return NOT_GET
    if (path === '/healthz') return HEALTHY
    if (path === '/readyz') return readiness(opts.ready())
    return prepare(200, opts.metrics.contentType, await opts.metrics.text())
  }
}

const handler =
  (decide: (req: IncomingMessage) => Promise<Prepared>, logger?: Logger) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    void decide(req)
      .catch((e: unknown) => {
        logger?.error(`metrics endpoint failed to answer: ${describeError(e)}`)
        return INTERNAL
      })
      .then((answer) => {
        // The scraper may have gone while metrics were collected.
        if (res.destroyed) return
        send(res, answer)
        if (answer.status >= 400) logger?.debug(`metrics endpoint answered ${answer.status}`, { method: req.method, path: pathOf(req.url) })
      })
  }

/** Starts the endpoint on TCP; Prometheus scrapes `${url}/metrics`. */
export const startMetricsEndpoint = (opts: MetricsEndpointOptions): Promise<Listener> => {
  const decide = metricsDecider({ metrics: opts.metrics, ready: opts.ready, guard: guardConfigFor({ listen: opts.listen }) })
  return startListener({ listen: opts.listen, handler: handler(decide, opts.logger) })
}
