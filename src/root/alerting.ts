// Where alerts go: the channels the config names (log, desktop, webhook, command) behind
// one dispatcher. A config reload swaps in a dispatcher for the new channels; alerts
// already queued finish on the old ones.
import type { Alert } from '../core/alert.js'
import { buildChannels } from '../alerts/channels.js'
import type { Config } from '../core/config/schema.js'
import { errorLine } from '../core/errors.js'
import { AlertDispatcher } from '../engine/alert-dispatcher.js'
import type { Clock, Logger } from '../engine/ports.js'
import type { SecretRegistry } from '../core/outgoing-text.js'

export interface Alerting {
  /** Delivers an alert on the current channels (never blocks, never throws). */
  send(a: Alert): void
  /** The channels of a reloaded config; a bad one is logged and the previous channels kept. */
  follow(config: Config): void
  /** Resolves once queued alerts are delivered (or given up). */
  idle(): Promise<void>
}

/** The dispatcher for `config`'s channels. Throws ConfigError for channels that cannot be built. */
export const alerting = (
  config: Config,
  deps: { logger: Logger; env: NodeJS.ProcessEnv; clock: Clock; secrets: SecretRegistry },
): Alerting => {
  const { logger, env, clock, secrets } = deps
  const dispatcherFor = (c: Config): AlertDispatcher =>
    new AlertDispatcher({ channels: buildChannels(c.alerts, { logger, env, secrets }), clock, logger, random: Math.random, secrets })
  let dispatcher = dispatcherFor(config)
  return {
    send: (a) => dispatcher.send(a),
    follow: (next) => {
      // Alert channels follow the new config; alerts already queued finish on the old ones.
      let fresh: AlertDispatcher
      try {
        fresh = dispatcherFor(next)
      } catch (e) {
        logger.error(`${errorLine(e)} (keeping the previous alert channels)`)
        return
      }
      const old = dispatcher
      void old.idle().then(() => old.stop())
      dispatcher = fresh
    },
    idle: () => dispatcher.idle(),
  }
}
