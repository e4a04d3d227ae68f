// The daemon's logger: winston writing lines formatted by runtime/log-line.ts, whose
// main job is that no secret and no terminal escape ever reaches a log line (every
// line, at every level and in both formats, passes core/outgoing-text.ts). The
// registry of secrets to redact is the one the composition made and passed in; the
// rest of the code depends only on the small Logger interface below.

import type { LogFields, Logger as EngineLogger } from '../engine/ports.js'
import winston from 'winston'
import type { SecretRegistry } from '../core/outgoing-text.js'
import { formatLine, type LogLevel } from './log-line.js'

export type { LogLevel } from './log-line.js'
export type { LogFields }

/** The engine's Logger port, plus child loggers. */
export interface Logger extends EngineLogger {
  /** A logger that adds `fields` (e.g. `{ profile }`) to every line. */
  child(fields: LogFields): Logger
}

/** What createLogger needs. */
export interface CreateLoggerOptions {
  level: LogLevel
  /** 'auto': text when the stream is a terminal, JSON lines otherwise (journald, files). */
  format: 'auto' | 'text' | 'json'
  /** Whose registered secrets to redact: the daemon's registry (the engine adds to it). */
  secrets: SecretRegistry
  /** Defaults to stderr, so stdout stays free for command output. */
  stream?: NodeJS.WritableStream
  /** Overrides the stream's own isTTY, for 'auto'. */
  isTTY?: boolean
  /** Clock for timestamps; defaults to Date.now. */
  now?: () => number
}

const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 }
const MESSAGE = Symbol.for('message') // winston's (triple-beam's) key for the final line
const FIELDS = Symbol('fields') // kept off the info object's enumerable keys so winston leaves them alone

/** A logger writing redacted lines to `opts.stream` (stderr by default). */
export const createLogger = (opts: CreateLoggerOptions): Logger => {
  const stream = opts.stream ?? process.stderr
  const tty = opts.isTTY ?? (stream as { isTTY?: boolean }).isTTY === true
  const format = opts.format === 'auto' ? (tty ? 'text' : 'json') : opts.format
  const now = opts.now ?? Date.now
  // Stacks are long and mostly noise; include them when debugging.
  const stack = opts.level === 'debug'
  const toLine = winston.format((info) => {
    const fields = ((info as unknown as Record<symbol, unknown>)[FIELDS] ?? {}) as LogFields
    const line = formatLine({ time: now(), level: info.level as LogLevel, msg: String(info.message), fields }, format, {
      stack,
      secrets: opts.secrets,
    })
    ;(info as unknown as Record<symbol, unknown>)[MESSAGE] = line
    return info
  })
  const w = winston.createLogger({
    levels: LEVELS,
    level: opts.level,
    format: toLine(),
    exitOnError: false,
    transports: [new winston.transports.Stream({ stream })],
  })
  const make = (base: LogFields): Logger => {
    const log = (level: LogLevel) => (msg: string, fields?: LogFields) => {
      if (LEVELS[level] > LEVELS[opts.level]) return
      w.log({ level, message: msg, [FIELDS]: fields ? { ...base, ...fields } : base } as unknown as winston.LogEntry)
    }
    return {
      error: log('error'),
      warn: log('warn'),
      info: log('info'),
      debug: log('debug'),
      child: (fields) => make({ ...base, ...fields }),
    }
  }
  return make({})
}
