// Who may read what in a running daemon, and the record of who did: the grant registry
// (the owner's token, the config's consumers, grants made at run time, kept across
// restarts in the state folder) and the audit log of every credential request.
import { unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Config } from '../core/config/schema.js'
import { errorLine } from '../core/errors.js'
import { GrantRegistry } from '../engine/grant-registry.js'
import type { Clock, Logger, SecretSink } from '../engine/ports.js'
import { AuditLog } from '../files/audit-log.js'
import { defaultStateDir, grantFileStore } from '../files/grant-store.js'
import { tokenCodec } from '../serve/auth-token.js'
import type { DaemonMetrics } from '../serve/metrics.js'

export interface Access {
  grants: GrantRegistry
  /** Undefined when the config turns the audit log off. */
  audit: AuditLog | undefined
  /** Counts and records one request to an endpoint. */
  onRequest: (
    endpoint: 'container' | 'imds',
    status: number,
    note?: { consumer?: string; consumerLabel?: string; profile?: string },
  ) => void
}

export interface AccessDeps {
  env: NodeJS.ProcessEnv
  clock: Clock
  logger: Logger
  metrics: DaemonMetrics
  /** Where minted tokens are registered, so no log line or answer shows them. */
  secrets: SecretSink
  /** The runtime folder once prepared (grants made by `env` keep their token files in its grants/). */
  runtimeDir: () => string | undefined
}

/** The grant registry (not loaded yet) and the audit log of `config`. */
export const access = (config: Config, deps: AccessDeps): Access => {
  const { env, clock, logger, metrics } = deps
  const stateDir = defaultStateDir(env)
  const grants = new GrantRegistry({
    clock,
    codec: tokenCodec,
    store: grantFileStore(stateDir, (why) => logger.warn(why)),
    logger,
    secrets: deps.secrets,
    // The token files `env` makes live in the runtime folder's grants/: they go with their grant.
    onEnded: (g) => {
      const runtimeDir = deps.runtimeDir()
      if (g.kind !== 'env' || g.tokenFile === undefined || runtimeDir === undefined) return
      const file = resolve(g.tokenFile)
      if (dirname(file) === join(runtimeDir, 'grants')) void unlink(file).catch(() => undefined)
    },
  })
  const audit =
    config.audit.file === 'off'
      ? undefined
      : new AuditLog({
          file: config.audit.file ?? join(stateDir, 'audit.log'),
          now: () => clock.now(),
          onError: (e) => logger.error(`audit log: ${errorLine(e)}`),
        })
  const onRequest: Access['onRequest'] = (endpoint, status, note) => {
    metrics.onEndpointRequest(endpoint, status, note)
    audit?.record({
      listener: endpoint,
      consumer: note?.consumer ?? 'anonymous',
      ...(note?.profile !== undefined ? { profile: note.profile } : {}),
      status,
    })
  }
  return { grants, audit, onRequest }
}
