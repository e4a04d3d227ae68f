// The daemon's logger, whose main job is that no secret ever reaches a log
// line. Three layers, applied to every line at every level and in both formats:
//   1. values the engine registered with registerSecret() (exact matches),
//   2. fields whose name says they hold a secret (sessionToken, Authorization…),
//   3. the shape of AWS secrets nobody registered (40-char secret keys after
//      aws_secret_access_key, long base64 session tokens).
// The rest of the code depends only on the small Logger interface below.

import type { LogFields, Logger as EngineLogger } from '../engine/ports.js'
import winston from 'winston'

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'
export type { LogFields }

/** The engine's Logger port, plus child loggers. */
export interface Logger extends EngineLogger {
  /** A logger that adds `fields` (e.g. `{ profile }`) to every line. */
  child(fields: LogFields): Logger
}

export const REDACTED = '[redacted]'

// ---- 1. registry of known secrets ------------------------------------------

const MIN_SECRET_LENGTH = 8 // shorter values would blank out ordinary words
const PREFIX_LENGTH = 8
let maxSecrets = 5000
/** Insertion order is age: the oldest secrets (long expired) are dropped first. */
const secrets = new Set<string>()
/** Secrets by their first characters, so a line is scanned once however many are registered. */
const byPrefix = new Map<string, Set<string>>()

const addOne = (s: string): void => {
  secrets.delete(s) // re-registering makes it young again
  secrets.add(s)
  const key = s.slice(0, PREFIX_LENGTH)
  let set = byPrefix.get(key)
  if (!set) byPrefix.set(key, (set = new Set()))
  set.add(s)
  while (secrets.size > maxSecrets) {
    const oldest = secrets.values().next().value as string
    secrets.delete(oldest)
    const k = oldest.slice(0, PREFIX_LENGTH)
    byPrefix.get(k)?.delete(oldest)
    if (byPrefix.get(k)?.size === 0) byPrefix.delete(k)
  }
}

/**
 * Never log `value`: every occurrence in any later log line becomes [redacted].
 * Also covers its JSON-escaped and URL-encoded forms. Process-wide and bounded
 * (the oldest are forgotten past a few thousand); values under 8 characters are ignored.
 */
export const registerSecret = (value: unknown): void => {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return
  for (const form of new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])) addOne(form)
}

/** For tests: forget every registered secret and optionally change the bound. */
export const resetSecrets = (opts: { max?: number } = {}): void => {
  secrets.clear()
  byPrefix.clear()
  if (opts.max !== undefined) maxSecrets = opts.max
}

export const registeredSecretCount = (): number => secrets.size

const replaceRegistered = (text: string): string => {
  if (byPrefix.size === 0 || text.length < MIN_SECRET_LENGTH) return text
  let out = ''
  let from = 0
  for (let i = 0; i <= text.length - MIN_SECRET_LENGTH; ) {
    const candidates = byPrefix.get(text.slice(i, i + PREFIX_LENGTH))
    let match = ''
    if (candidates) for (const s of candidates) if (s.length > match.length && text.startsWith(s, i)) match = s
    if (match) {
      out += text.slice(from, i) + REDACTED
      i += match.length
      from = i
    } else i++
  }
  return from === 0 ? text : out + text.slice(from)
}

// ---- 2. secret field names ---------------------------------------------------

const SECRET_NAMES = [
  'aws_secret_access_key', 'secret_access_key', 'aws_session_token', 'session_token', 'access_token',
  'refresh_token', 'client_secret', 'authorization', 'x_amz_security_token', 'security_token',
  'web_identity_token', 'id_token', 'code_verifier', 'password', 'token', 'secret',
]
const normalizeName = (k: string): string => k.replace(/[-_\s]/g, '').toLowerCase()
const SECRET_KEYS = new Set(SECRET_NAMES.map(normalizeName))
/** Whether a field called `name` holds a secret whatever its value (sessionToken, Authorization, …). */
export const isSecretFieldName = (name: string): boolean => SECRET_KEYS.has(normalizeName(name))

// ---- 3. secret shapes in free text ------------------------------------------

// `name=value`, `name: value`, `"name":"value"` for the secret names above
// (minus the over-general ones) with any of -, _ or nothing between words.
const NAME_ALTERNATIVES = SECRET_NAMES.filter((n) => !['password', 'token', 'secret'].includes(n))
  .map((n) => n.split('_').join('[-_]?'))
  .join('|')
const NAMED_VALUE = new RegExp(
  `((?:${NAME_ALTERNATIVES})["']?\\s*[:=]\\s*["']?)((?:Bearer|Basic|AWS4-HMAC-SHA256)\\s+)?[^\\s"',;&}]+`,
  'gi',
)
/** Temporary session tokens start with these (base64 of their binary header). */
const SESSION_TOKEN = /(?:FwoGZXIvYXdzE|IQoJb3JpZ2lu)[A-Za-z0-9+/=%]*/g
/** Any long base64 run: session tokens, SSO access/refresh tokens, client secrets. */
const LONG_BASE64 = /[A-Za-z0-9+/=_%-]{100,}/g
/** A standalone 40-character base64 word with mixed case and digits: an AWS secret access key. */
const SECRET_KEY_SHAPE = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])/g
/**
 * Random base64 is about 40% uppercase; a kebab-case file path or a sentence is
 * almost all lowercase. This keeps the shape rules off paths and prose (a long
 * test-fixture path was once redacted), while registered secrets are caught
 * whatever their shape.
 */
const looksRandom = (s: string) => {
  const upper = s.replace(/[^A-Z]/g, '').length
  return /[a-z]/.test(s) && /[0-9]/.test(s) && upper >= s.length * 0.15
}

/** `text` with every registered secret and every secret-looking value replaced by [redacted]. */
export const redactText = (text: string): string =>
  replaceRegistered(text)
    .replace(NAMED_VALUE, (_m, name: string) => name + REDACTED)
    .replace(SESSION_TOKEN, REDACTED)
    .replace(LONG_BASE64, (m) => (looksRandom(m) ? REDACTED : m))
    .replace(SECRET_KEY_SHAPE, (m) => (looksRandom(m) ? REDACTED : m))

/**
 * A JSON-safe copy of `value` with secrets redacted: strings through
 * redactText, secret-named keys blanked, Errors expanded to name/message/
 * code/cause (and stack when asked), cycles and depth cut.
 */
export const redactValue = (value: unknown, opts: { stack?: boolean } = {}): unknown => {
  const seen = new WeakSet<object>()
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactText(v)
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v
    if (typeof v === 'bigint') return v.toString()
    if (typeof v !== 'object') return v === undefined ? undefined : redactText(String(v))
    if (seen.has(v)) return '[circular]'
    if (depth > 8) return '[too deep]'
    seen.add(v)
    try {
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()
      if (ArrayBuffer.isView(v)) return `[${v.byteLength} bytes]`
      if (Array.isArray(v) || v instanceof Set) return [...v].slice(0, 100).map((x) => walk(x, depth + 1))
      const entries: [string, unknown][] =
        v instanceof Map ? [...v].map(([k, x]) => [String(k), x]) : Object.entries(v)
      const out: Record<string, unknown> = {}
      if (v instanceof Error) {
        out.name = v.name
        out.message = walk(v.message, depth + 1)
        if (opts.stack && v.stack) out.stack = walk(v.stack, depth + 1)
        if (v.cause !== undefined) out.cause = walk(v.cause, depth + 1)
        if (v instanceof AggregateError) out.errors = walk(v.errors, depth + 1)
      } else if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
        return walk((v as { toJSON: () => unknown }).toJSON(), depth + 1)
      }
      for (const [k, x] of entries) {
        if (x === undefined || typeof x === 'function' || k in out) continue
        out[redactText(k)] = isSecretFieldName(k) && x !== null && x !== '' ? REDACTED : walk(x, depth + 1)
      }
      return out
    } finally {
      seen.delete(v) // only cycles are "[circular]", not the same object twice
    }
  }
  return walk(value, 0)
}

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

const textLine = ({ time, level, msg, fields }: LineInput): string => {
  const { profile, ...rest } = fields
  let line = `${isoSeconds(time)} ${level.padEnd(5)} `
  if (typeof profile === 'string') line += `[${profile}] `
  else if (profile !== undefined) rest.profile = profile
  line += oneLine(msg)
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue
    const clean = isSecretFieldName(k) && v !== null && v !== '' ? REDACTED : redactValue(v)
    line += ` ${oneLine(k)}=${textValue(v, clean)}`
  }
  return line
}

const jsonLine = ({ time, level, msg, fields }: LineInput, stack: boolean): string => {
  const out: Record<string, unknown> = { time: new Date(time).toISOString(), level, msg }
  const clean = redactValue(fields, { stack }) as Record<string, unknown>
  // A field named like a built-in one is kept, not allowed to overwrite it.
  for (const [k, v] of Object.entries(clean)) out[k in out ? `field.${k}` : k] = v
  return JSON.stringify(out)
}

/**
 * Formats one log line, redacted. Exported so the CLI and tests can format
 * lines without a winston instance. The final redactText over the whole line
 * catches anything the structural pass missed.
 */
export const formatLine = (input: LineInput, format: 'text' | 'json', opts: { stack?: boolean } = {}): string =>
  redactText(format === 'json' ? jsonLine(input, opts.stack ?? false) : textLine({ ...input, msg: redactText(input.msg) }))

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
    const line = formatLine({ time: now(), level: info.level as LogLevel, msg: String(info.message), fields }, format, { stack })
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
