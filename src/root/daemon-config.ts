// The running daemon's own config: the file (or the defaults when there is none) with the
// overrides of the command line and the environment applied. Read at start and again on
// every reload (SIGHUP, an edit of the file), so a bad override fails both the same way.
import type { Config } from '../core/config/schema.js'
import { defaultConfig } from '../core/config/schema.js'
import { ConfigError } from '../core/errors.js'
import { parseListenAddress } from '../core/listen-address.js'
import { readConfigFile } from '../files/daemon-config.js'
import type { LogLevel } from '../runtime/logger.js'

/** What `run` may override from its command line. */
export interface ConfigOverrides {
  logLevel?: string
  logFormat?: string
}

/** Reads the config afresh on each call: the file at `configPath`, else the defaults, with the overrides. Throws ConfigError. */
export const configReader =
  (configPath: string | undefined, opts: ConfigOverrides, env: NodeJS.ProcessEnv) => async (): Promise<Config> => {
    const config = configPath ? await readConfigFile(configPath) : defaultConfig()
    return withOverrides(config, opts, env)
  }

const LEVELS = new Set(['error', 'warn', 'info', 'debug'])
const FORMATS = new Set(['auto', 'text', 'json'])

const withOverrides = (config: Config, opts: ConfigOverrides, env: NodeJS.ProcessEnv): Config => {
  // A sidecar container is configured through its environment: AWS_CREDD_SERVER_LISTEN=0.0.0.0:9911.
  const listenEnv = env.AWS_CREDD_SERVER_LISTEN
  if (listenEnv !== undefined && listenEnv !== '') {
    const parsed = listenEnv === 'off' ? false : parseListenAddress(listenEnv)
    if (typeof parsed === 'string') throw new ConfigError(`AWS_CREDD_SERVER_LISTEN: ${parsed}`, 'unset it or write host:port')
    config = { ...config, server: { ...config.server, listen: parsed } }
  }
  if (opts.logLevel !== undefined && !LEVELS.has(opts.logLevel))
    throw new ConfigError(`--log-level: "${opts.logLevel}" is not a level`, 'use error, warn, info or debug')
  if (opts.logFormat !== undefined && !FORMATS.has(opts.logFormat))
    throw new ConfigError(`--log-format: "${opts.logFormat}" is not a format`, 'use auto, text or json')
  return {
    ...config,
    log: {
      ...config.log,
      ...(opts.logLevel ? { level: opts.logLevel as LogLevel } : {}),
      ...(opts.logFormat ? { format: opts.logFormat as Config['log']['format'] } : {}),
    },
  }
}
