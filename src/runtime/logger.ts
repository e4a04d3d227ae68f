// The daemon's logger, whose main job is that no secret and no terminal escape
// ever reaches a log line. Every line, at every level and in both formats, passes
// the one gate all outgoing text passes (core/outgoing-text.ts): registered
// secrets, secret-named fields and values, AWS secret shapes, control characters.
// The registry of secrets is the process's (processSecrets); registerSecret() is
// how the engine adds to it. The rest of the code depends only on the small Logger
// interface below.

import type { LogFields, Logger as EngineLogger } from '../engine/ports.js'
import winston from 'winston'
import {
  isSecretFieldName,
  outgoingText,
  outgoingValue,
  processSecrets,
  redactSecrets,
  REDACTED,
  type SecretRegistry,
} from '../core/outgoing-text.js'

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'
export type { LogFields }
export { isSecretFieldName, REDACTED }

/** The engine's Logger port, plus child loggers. */
export interface Logger extends EngineLogger {
  /** A logger that adds `fields` (e.g. `{ profile }`) to every line. */
  child(fields: LogFields): Logger
}

// ---- the process's secrets ---------------------------------------------------------

/**
 * Never show `value`: every occurrence in any later log line, HTTP answer, status or
 * alert becomes [redacted], also its JSON-escaped and URL-encoded forms. Process-wide
 * and bounded (the oldest are forgotten past a few thousand); values under 8 characters are ignored.
 */
export const registerSecret = (value: unknown): void => processSecrets.register(value)

/** For tests: forget every registered secret and optionally change the bound. */
export const resetSecrets = (opts: { max?: number } = {}): void => processSecrets.clear(opts)

export const registeredSecretCount = (): number => processSecrets.size

/** `text` with every registered secret and every secret-looking value replaced by [redacted] (no escaping). */
export const redactText = (text: string): string => redactSecrets(text)

/** A JSON-safe, redacted, escaped copy of `value` (see core/outgoing-text.ts outgoingValue). */
export const redactValue = (value: unknown, opts: { stack?: boolean } = {}): unknown => outgoingValue(value, opts)

// ---- formatting ---------------------------------------------------------------

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const oneLine = (s: string) => s.replace(/\r?\n/g, '\\n')

/** "Name: message (cause: Name: message)" for the text format. */
const errorText = (e: Record<string, unknown>): string => {
  const head = `${e.name && e.name !== 'Error' ? `${String(e.name)}: ` : ''}${String(e.message)}`
  const cause = e.cause
  if (cause && typeof cause === 'object' && 'message' in cause) return `${head} (cause: ${errorText(cause as Record<string, unknown>)})`
  return cause !== undefined ? `${head} (cause: ${String(cause)})` : head
}

const textValue = (raw: unknown, clean: unknown): string => {
  if (raw instanceof Error && clean && typeof clean === 'object') return JSON.stringify(oneLine(errorText(clean as Record<string, unknown>)))
  if (typeof clean === 'string') return /^[^\s"=]+$/.test(clean) ? clean : JSON.stringify(clean)
  return JSON.stringify(clean) ?? String(clean)
}

interface LineInput {
  time: number
  level: LogLevel
  msg: string
  fields: LogFields
}

interface LineOptions {
  /** Include error stacks (debug level). */
  stack?: boolean
  /** Whose registered secrets to redact (default: the process's). */
  secrets?: SecretRegistry
}

const textLine = ({ time, level, msg, fields }: LineInput, secrets: SecretRegistry | undefined): string => {
  const { profile, ...rest } = fields
  let line = `${isoSeconds(time)} ${level.padEnd(5)} `
  if (typeof profile === 'string') line += `[${outgoingText(profile, { secrets })}] `
  else if (profile !== undefined) rest.profile = profile
  line += outgoingText(msg, { secrets })
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue
    const clean = isSecretFieldName(k) && v !== null && v !== '' ? REDACTED : outgoingValue(v, { secrets })
    line += ` ${outgoingText(k, { secrets })}=${textValue(v, clean)}`
  }
  return line
}

const jsonLine = ({ time, level, msg, fields }: LineInput, opts: LineOptions): string => {
  const out: Record<string, unknown> = { time: new Date(time).toISOString(), level, msg: outgoingText(msg, { secrets: opts.secrets, multiline: true }) }
  const clean = outgoingValue(fields, opts) as Record<string, unknown>
  // A field named like a built-in one is kept, not allowed to overwrite it.
  for (const [k, v] of Object.entries(clean)) out[k in out ? `field.${k}` : k] = v
  return JSON.stringify(out)
}

/**
 * Formats one log line, redacted and escaped. Exported so the CLI and tests can
 * format lines without a winston instance. Message, field names and values each
 * pass core/outgoing-text.ts; a final pass over the whole line catches anything
 * the structural pass missed (a secret split across two fields).
 */
export const formatLine = (input: LineInput, format: 'text' | 'json', opts: LineOptions = {}): string =>
  outgoingText(format === 'json' ? jsonLine(input, opts) : textLine(input, opts.secrets), { secrets: opts.secrets })

// ---- the logger ----------------------------------------------------------------

export interface CreateLoggerOptions {
  level: LogLevel
  /** 'auto': text when the stream is a terminal, JSON lines otherwise (journald, files). */
  format: 'auto' | 'text' | 'json'
  /** Defaults to stderr, so stdout stays free for command output. */
  stream?: NodeJS.WritableStream
  /** Overrides the stream's own isTTY, for 'auto'. */
  isTTY?: boolean
  /** Clock for timestamps; defaults to Date.now. */
  now?: () => number
  /** Whose registered secrets to redact (default: the process's, where registerSecret adds). */
  secrets?: SecretRegistry
}

const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 }
const MESSAGE = Symbol.for('message') // winston's (triple-beam's) key for the final line
const FIELDS = Symbol('fields') // kept off the info object's enumerable keys so winston leaves them alone

export const createLogger = (opts: CreateLoggerOptions): Logger => {
  const stream = opts.stream ?? process.stderr
  const tty = opts.isTTY ?? (stream as { isTTY?: boolean }).isTTY === true
  const format = opts.format === 'auto' ? (tty ? 'text' : 'json') : opts.format
  const now = opts.now ?? Date.now
  // Stacks are long and mostly noise; include them when debugging.
  const stack = opts.level === 'debug'
  const toLine = winston.format((info) => {
    const fields = ((info as unknown as Record<symbol, unknown>)[FIELDS] ?? {}) as LogFields
    const line = formatLine({ time: now(), level: info.level as LogLevel, msg: String(info.message), fields }, format, { stack, secrets: opts.secrets })
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

// ---- fakes for tests ------------------------------------------------------------

/** A logger that drops everything. */
export const silentLogger: Logger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silentLogger,
}

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
