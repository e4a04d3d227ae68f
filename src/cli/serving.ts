// The HTTP listeners of a running daemon: the container-credentials endpoint
// (on by default at 127.0.0.1:9911), the IMDSv2 endpoint and the metrics
// endpoint (each off unless configured). Started after the control socket, closed
// on stop; a listener that cannot start is one line naming the address and the fix.
import { join } from 'node:path'
import type { Config } from '../core/config-schema.js'
import type { CredentialLookup } from '../serve/credential-lookup.js'
import type { Logger } from '../engine/ports.js'
import { loadOrCreateAuthToken } from '../serve/auth-token.js'
import { startContainerEndpoint } from '../serve/container-endpoint.js'
import { startImdsEndpoint } from '../serve/imds-endpoint.js'
import { RateLimiter } from '../serve/rate-limit.js'
import type { Listener } from '../serve/listener.js'
import type { OnRequest } from '../serve/reply.js'
import type { DaemonMetrics } from '../serve/metrics.js'
import { startMetricsEndpoint, type Readiness } from '../serve/metrics-endpoint.js'

export interface Serving {
  /** Base URL of the container endpoint, when it runs. */
  containerUrl?: string
  tokenFile?: string
  imdsUrl?: string
  close(): Promise<void>
}

export interface ServingDeps {
  lookup: CredentialLookup
  now: () => number
  logger: Logger
  runtimeDir: string
  onRequest?: OnRequest
  /** For the metrics endpoint, when configured. */
  metrics?: DaemonMetrics
  ready?: () => Readiness
}

export const startServing = async (config: Config, deps: ServingDeps): Promise<Serving> => {
  const listeners: Listener[] = []
  const close = async (): Promise<void> => {
    await Promise.all(listeners.map((l) => l.close()))
  }
  const out: Serving = { close }
  try {
    const s = config.server
    if (s.listen || s.socket) {
      const tokenFile = s.tokenFile ?? join(deps.runtimeDir, 'token')
      const token = await loadOrCreateAuthToken(tokenFile)
      // One limiter for the TCP and the socket listener: the limit is per token, wherever it is presented.
      const rateLimit: RateLimiter | false = s.rateLimit.perSecond > 0 ? new RateLimiter(s.rateLimit, deps.now) : false
      const common = { token, lookup: deps.lookup, now: deps.now, logger: deps.logger, onRequest: deps.onRequest, rateLimit }
      if (s.listen) {
        const l = await startContainerEndpoint({ ...common, listen: s.listen })
        listeners.push(l)
        if (l.warning) deps.logger.warn(l.warning)
        out.containerUrl = l.url
      }
      if (s.socket) listeners.push(await startContainerEndpoint({ ...common, socket: s.socket }))
      out.tokenFile = tokenFile
      if (out.containerUrl) {
        deps.logger.info(
          `container endpoint on ${out.containerUrl}: point an app at it with AWS_CONTAINER_CREDENTIALS_FULL_URI=${out.containerUrl}/v1/credentials/PROFILE and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=${tokenFile}, or run: aws-credd exec PROFILE -- COMMAND`,
        )
      }
    }
    const i = config.imds
    if (i.listen && i.profile) {
      const l = await startImdsEndpoint({ listen: i.listen, profile: i.profile, roleName: i.roleName, allowV1: i.allowV1, lookup: deps.lookup, now: deps.now, logger: deps.logger, onRequest: deps.onRequest })
      listeners.push(l)
      if (l.warning) deps.logger.warn(l.warning)
      out.imdsUrl = l.url
      deps.logger.info(`IMDSv2 endpoint on ${l.url} serving profile "${i.profile}": set AWS_EC2_METADATA_SERVICE_ENDPOINT=${l.url}`)
    }
    const m = config.metrics
    if (m.listen && deps.metrics) {
      const l = await startMetricsEndpoint({ listen: m.listen, metrics: deps.metrics, ready: deps.ready ?? (() => ({ ready: true })), logger: deps.logger })
      listeners.push(l)
      if (l.warning) deps.logger.warn(l.warning)
      deps.logger.info(`metrics on ${l.url}/metrics; health checks ${l.url}/healthz and ${l.url}/readyz`)
    }
  } catch (e) {
    await close()
    throw e
  }
  return out
}

