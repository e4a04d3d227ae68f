// The HTTP listeners of a running daemon: the container-credentials endpoint
// (on by default at 127.0.0.1:9911), the IMDSv2 endpoint and the metrics
// endpoint (each off unless configured). Started after the control socket, closed
// on stop; a listener that cannot start is one line naming the address and the fix.
// Each listener's `warning` (what it exposes, and to whom) is logged once here.
// Also who may read what: the owner's token and the config's consumers go into the
// grant registry the container endpoint asks.
import { join } from 'node:path'
import type { Config } from '../core/config/schema.js'
import { errorLine } from '../core/errors.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import type { GrantRegistry } from '../engine/grant-registry.js'
import type { CredentialLookup } from '../engine/ports.js'
import type { Logger } from '../engine/ports.js'
import { loadOrCreateAuthToken, loadOrCreateConsumerToken } from '../serve/auth-token.js'
import { startContainerEndpoint, type ContainerAuth } from '../serve/container-endpoint.js'
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
  /** Re-reads the consumers and their token files (the config or a token file changed). */
  reloadConsumers(config: Config): Promise<void>
  /** Re-reads the owner's token file (it changed): the old token stops working. */
  reloadOwner(): Promise<void>
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
  /** Who may read what; without it the owner's token alone opens every profile. */
  grants?: GrantRegistry
  /**
   * The daemon's registry: every listener's answers are redacted with it, and the tokens read
   * here are registered in it (they are secrets too: never in a log line or an answer).
   */
  secrets: SecretRegistry
}

/**
 * The config's consumers with their tokens. A consumer whose token file fails (unreadable,
 * invalid, someone else's) is left out until it is fixed: keeping its previous token would keep
 * a token that was rotated away because it leaked.
 */
const consumerLoader = (deps: ServingDeps) => {
  const lastGood = new Map<string, { file: string; token: string }>()
  return async (config: Config): Promise<void> => {
    if (!deps.grants) return
    const loaded: Array<{ name: string; profiles: string[]; tokenFile: string; token: string }> = []
    for (const c of config.consumers) {
      try {
        const token = await loadOrCreateConsumerToken(c.tokenFile)
        const before = lastGood.get(c.name)
        if (before && before.file === c.tokenFile && before.token !== token)
          deps.logger.info(`consumer "${c.name}": new token read from ${c.tokenFile}; the old one no longer works`)
        lastGood.set(c.name, { file: c.tokenFile, token })
        deps.secrets.register(token)
        loaded.push({ name: c.name, profiles: c.profiles, tokenFile: c.tokenFile, token })
      } catch (e) {
        const had = lastGood.delete(c.name)
        deps.logger.error(
          `consumer "${c.name}": ${errorLine(e)}${had ? ' (its previous token no longer works either)' : ''}; it gets no access until this is fixed`,
        )
      }
    }
    for (const name of [...lastGood.keys()]) if (!config.consumers.some((c) => c.name === name)) lastGood.delete(name)
    deps.grants.setConfigConsumers(loaded)
  }
}

export const startServing = async (config: Config, deps: ServingDeps): Promise<Serving> => {
  const listeners: Listener[] = []
  const close = async (): Promise<void> => {
    await Promise.all(listeners.map((l) => l.close()))
  }
  const reloadConsumers = consumerLoader(deps)
  const reloadOwner = async (): Promise<void> => {
    if (!deps.grants || out.tokenFile === undefined) return
    try {
      const token = await loadOrCreateAuthToken(out.tokenFile)
      deps.secrets.register(token)
      deps.grants.setOwner(token)
    } catch (e) {
      // Fail closed: a token file that went bad may have been rotated because the token leaked.
      deps.grants.setOwner(undefined)
      deps.logger.error(`the owner's token: ${errorLine(e)}; no owner's token works until this is fixed`)
    }
  }
  const out: Serving = { close, reloadConsumers, reloadOwner }
  try {
    const s = config.server
    if (s.listen || s.socket) {
      const tokenFile = s.tokenFile ?? join(deps.runtimeDir, 'token')
      const token = await loadOrCreateAuthToken(tokenFile)
      deps.secrets.register(token)
      let auth: ContainerAuth = { token }
      if (deps.grants) {
        const grants = deps.grants
        grants.setOwner(token)
        await reloadConsumers(config)
        auth = { authorize: (presented, profile) => grants.authorize(presented, profile) }
      }
      // One limiter for the TCP and the socket listener: the limit is per consumer, wherever its token is presented.
      const rateLimit: RateLimiter | false = s.rateLimit.perSecond > 0 ? new RateLimiter(s.rateLimit, deps.now) : false
      const common = {
        ...auth,
        lookup: deps.lookup,
        now: deps.now,
        secrets: deps.secrets,
        logger: deps.logger,
        onRequest: deps.onRequest,
        rateLimit,
      }
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
      const l = await startImdsEndpoint({
        listen: i.listen,
        profile: i.profile,
        roleName: i.roleName,
        allowV1: i.allowV1,
        lookup: deps.lookup,
        now: deps.now,
        secrets: deps.secrets,
        logger: deps.logger,
        onRequest: deps.onRequest,
      })
      listeners.push(l)
      if (l.warning) deps.logger.warn(l.warning)
      out.imdsUrl = l.url
      deps.logger.info(`IMDSv2 endpoint on ${l.url} serving profile "${i.profile}": set AWS_EC2_METADATA_SERVICE_ENDPOINT=${l.url}`)
    }
    const m = config.metrics
    if (m.listen && deps.metrics) {
      // Optional bearer token for /metrics (profile and session names); made 0600 if the file is missing.
      const token = m.tokenFile === undefined ? undefined : await loadOrCreateAuthToken(m.tokenFile)
      const l = await startMetricsEndpoint({
        listen: m.listen,
        metrics: deps.metrics,
        ready: deps.ready ?? (() => ({ ready: true })),
        secrets: deps.secrets,
        logger: deps.logger,
        token,
        tokenFile: m.tokenFile,
      })
      listeners.push(l)
      if (l.warning) deps.logger.warn(l.warning)
      const auth = m.tokenFile === undefined ? '' : ` (Authorization: Bearer, token in ${m.tokenFile})`
      deps.logger.info(`metrics on ${l.url}/metrics${auth}; health checks ${l.url}/healthz and ${l.url}/readyz (open, no names)`)
    }
  } catch (e) {
    await close()
    throw e
  }
  return out
}
