// Loggers for tests: one that drops everything and one that records what it is
// given (unformatted, unredacted) for assertions. Kept under test/ so no fake ships
// in the package; src/runtime/logger.ts is the real one.
import type { LogFields } from '../../src/engine/ports.js'
import type { Logger } from '../../src/runtime/logger.js'
import type { LogLevel } from '../../src/runtime/log-line.js'

/** A logger that drops everything. */
export const silentLogger: Logger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silentLogger,
}

/** One call to a recording logger. */
export interface LogEntry {
  level: LogLevel
  msg: string
  fields: LogFields
}

/** A logger that keeps what it is given (unformatted, unredacted) for assertions. */
export const recordingLogger = (): Logger & { entries: LogEntry[] } => {
  const entries: LogEntry[] = []
  const make = (base: LogFields): Logger => ({
    error: (msg, fields) => void entries.push({ level: 'error', msg, fields: { ...base, ...fields } }),
    warn: (msg, fields) => void entries.push({ level: 'warn', msg, fields: { ...base, ...fields } }),
    info: (msg, fields) => void entries.push({ level: 'info', msg, fields: { ...base, ...fields } }),
    debug: (msg, fields) => void entries.push({ level: 'debug', msg, fields: { ...base, ...fields } }),
    child: (fields) => make({ ...base, ...fields }),
  })
  return Object.assign(make({}), { entries })
}
