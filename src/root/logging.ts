// The running daemon's log: text or JSON lines on stderr, or above the live table on a
// terminal. Node's own warnings go through it too.
import type { Config } from '../core/config/schema.js'
import type { Logger } from '../engine/ports.js'
import type { LiveTerminal } from '../runtime/live-terminal.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import { createLogger } from '../runtime/logger.js'

/** The daemon's logger, writing above `live` when there is a live table. */
export const daemonLogger = (config: Config, live: LiveTerminal | undefined, secrets: SecretRegistry): Logger => {
  const logger: Logger = live
    ? createLogger({ level: config.log.level, format: 'text', stream: live.logStream, isTTY: true, secrets })
    : createLogger({ level: config.log.level, format: config.log.format, secrets })
  // Node's own warnings (deprecations, listener leaks) go through the log: printed raw,
  // they would break JSON lines and the live table.
  process.removeAllListeners('warning')
  process.on('warning', (w) => logger.warn(`node: ${w.name}: ${w.message}`))
  return logger
}
