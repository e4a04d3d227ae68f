// The one gate every text leaving the daemon passes (log lines, HTTP error bodies,
// the control socket, `status`, alerts in every channel): upstream error messages
// are written by someone else, and may quote a secret or carry terminal escape
// sequences. Two jobs, in this order:
//   1. redact secrets: values registered in a SecretRegistry (exact matches), values
//      under secret-ish names (password=…, "token": "…", ?api_key=…, user:pass@host),
//      and the shapes of AWS secrets nobody registered (secret keys, session tokens,
//      long random base64);
//   2. escape control characters (C0, DEL, C1 such as U+009B CSI, bidi overrides)
//      into visible `\x1b`-style text, so nothing reaches a terminal that moves the
//      cursor, rewrites the title, or reorders what a person reads.
// Pure: no I/O. Fast when there is nothing to do (one regex test per step), because
// the logger runs it on every line. Credential bodies (the 200 answers) never pass
// here: they are the secrets, on purpose, and are prepared once per renewal.

export const REDACTED = '[redacted]'

// ---- 1a. registered secrets -------------------------------------------------------

const MIN_SECRET_LENGTH = 8 // shorter values would blank out ordinary words
const PREFIX_LENGTH = 8
const HEAD_SLOTS = 1 << 16
/** Characters i, i+1, i+2 of `s` hashed to a slot: a pre-filter, so collisions only cost a lookup. */
const headOf = (s: string, i: number): number => (s.charCodeAt(i) * 961 + s.charCodeAt(i + 1) * 31 + s.charCodeAt(i + 2)) & (HEAD_SLOTS - 1)

/**
 * Values that must never leave the process, bounded (the oldest, long expired, are
 * forgotten first). A line is scanned once however many are registered: candidates
 * are looked up by their first characters. Not a process global: the daemon's
 * composition makes one and passes it to the logger, the HTTP answers, the alerts and
 * the engine (which registers through its SecretSink port); each command and each test
 * makes its own.
 */
export class SecretRegistry {
  /** Insertion order is age. */
  private readonly secrets = new Set<string>()
  private readonly byPrefix = new Map<string, Set<string>>()
  /**
   * How many prefixes start with characters hashing to each slot (headOf): most positions in
   * a line start no secret, and this rules them out without building a string.
   */
  private heads = new Uint32Array(0) // allocated with the first secret
  private max: number

  constructor(opts: { max?: number } = {}) {
    this.max = opts.max ?? 5000
  }

  /**
   * Never show `value`: every later occurrence becomes [redacted]. Its JSON-escaped and
   * URL-encoded forms too. Values under 8 characters (and non-strings) are ignored.
   */
  register(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])) this.addOne(form)
  }

  /** Forget every secret, and optionally change the bound (for tests). */
  clear(opts: { max?: number } = {}): void {
    this.secrets.clear()
    this.byPrefix.clear()
    this.heads = new Uint32Array(0)
    if (opts.max !== undefined) this.max = opts.max
  }

  /** How many forms are held. */
  get size(): number {
    return this.secrets.size
  }

  /** `text` with every registered secret replaced by [redacted]. */
  redact(text: string): string {
    if (this.byPrefix.size === 0 || text.length < MIN_SECRET_LENGTH) return text
    const heads = this.heads
    let out = ''
    let from = 0
    for (let i = 0; i <= text.length - MIN_SECRET_LENGTH;) {
      if (heads[headOf(text, i)] === 0) {
        i++
        continue
      }
      const candidates = this.byPrefix.get(text.slice(i, i + PREFIX_LENGTH))
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

  private addOne(s: string): void {
    this.secrets.delete(s) // re-registering makes it young again
    this.secrets.add(s)
    const key = s.slice(0, PREFIX_LENGTH)
    let set = this.byPrefix.get(key)
    if (!set) {
      if (this.heads.length === 0) this.heads = new Uint32Array(HEAD_SLOTS)
      this.byPrefix.set(key, (set = new Set()))
      this.heads[headOf(key, 0)]++
    }
    set.add(s)
    while (this.secrets.size > this.max) {
      const oldest = this.secrets.values().next().value as string
      this.secrets.delete(oldest)
      const k = oldest.slice(0, PREFIX_LENGTH)
      this.byPrefix.get(k)?.delete(oldest)
      if (this.byPrefix.get(k)?.size === 0) {
        this.byPrefix.delete(k)
        this.heads[headOf(k, 0)]--
      }
    }
  }
}

// ---- 1b. secret names ---------------------------------------------------------------

const SECRET_NAMES = [
  'aws_secret_access_key',
  'secret_access_key',
  'aws_session_token',
  'session_token',
  'access_token',
  'refresh_token',
  'client_secret',
  'authorization',
  'proxy_authorization',
  'x_amz_security_token',
  'security_token',
  'x_amz_signature',
  'web_identity_token',
  'id_token',
  'code_verifier',
  'private_key',
  'api_key',
  'cookie',
  'password',
  'passwd',
  'token',
  'secret',
]
const normalizeName = (k: string): string => k.replace(/[-_\s]/g, '').toLowerCase()
const SECRET_KEYS = new Set(SECRET_NAMES.map(normalizeName))
/** Whether a field called `name` holds a secret whatever its value (sessionToken, Authorization, password, …). */
export const isSecretFieldName = (name: string): boolean => SECRET_KEYS.has(normalizeName(name))

// The names with any of -, _ or nothing between words (sessionToken, X-Amz-Security-Token).
const NAMES = SECRET_NAMES.map((n) => n.split('_').join('[-_]?')).join('|')
/**
 * `name=value`, `name: value`, `"name":"value"` (also inside JSON that was itself quoted,
 * `\"name\":\"value\"`), `?name=value&…`. A quoted value is blanked to its closing quote (or
 * the end of the line when there is none), a bare one to the next space or delimiter;
 * `Bearer `/`Basic ` prefixes are kept.
 */
const NAMED_VALUE = new RegExp(
  `((?:${NAMES})\\\\?["']?\\s*[:=]\\s*)(?:(\\\\?["'])[^\\r\\n]*?\\2|\\\\?["'][^\\r\\n]*|((?:Bearer|Basic|AWS4-HMAC-SHA256)\\s+)?[^\\s"',;&}]+)`,
  'gi',
)
/** `<SecretAccessKey>…</SecretAccessKey>`, as STS answers in XML. */
const XML_VALUE = new RegExp(`(<(?:${NAMES})>)[^<]*(?=</)`, 'gi')
/** The password in `scheme://user:password@host`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#@]+@/gi

// ---- 1c. secret shapes ----------------------------------------------------------------

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
const looksRandom = (s: string): boolean => {
  const upper = s.replace(/[^A-Z]/g, '').length
  return /[a-z]/.test(s) && /[0-9]/.test(s) && upper >= s.length * 0.15
}

/** Cheap pre-checks: most lines hold no name, no long word and no URL with a password. */
const MAY_NAME = /token|secret|pass|auth|key|cookie|signature|verifier/i
const BASE64 = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64[c.charCodeAt(0)] = 1
/** A run of 40 base64 characters, or a session token's start (a loop: ten times faster than the regex). */
const mayHaveShape = (s: string): boolean => {
  if (s.includes('FwoGZXIvYXdzE') || s.includes('IQoJb3JpZ2lu')) return true
  let run = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 128 && BASE64[c] === 1) {
      if (++run >= 40) return true
    } else run = 0
  }
  return false
}

/** `text` with every registered secret and every secret-looking value replaced by [redacted]. */
export const redactSecrets = (text: string, secrets: SecretRegistry): string => {
  let out = secrets.redact(text)
  if (MAY_NAME.test(out)) {
    out = out
      .replace(NAMED_VALUE, (_m, name: string, quote: string | undefined, scheme: string | undefined) =>
        quote !== undefined ? `${name}${quote}${REDACTED}${quote}` : `${name}${scheme ?? ''}${REDACTED}`,
      )
      .replace(XML_VALUE, (_m, open: string) => open + REDACTED)
  }
  if (out.includes('://')) out = out.replace(URL_PASSWORD, (_m, head: string) => `${head}${REDACTED}@`)
  if (mayHaveShape(out)) {
    out = out
      .replace(SESSION_TOKEN, REDACTED)
      .replace(LONG_BASE64, (m) => (looksRandom(m) ? REDACTED : m))
      .replace(SECRET_KEY_SHAPE, (m) => (looksRandom(m) ? REDACTED : m))
  }
  return out
}

// ---- 2. control characters -----------------------------------------------------------

// C0 but tab and line feed, DEL, C1 (U+0080–U+009F: U+009B is CSI, U+009D OSC to some
// terminals), the line/paragraph separators, and the bidi embeddings, overrides and isolates.
const CONTROLS_MULTILINE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
const CONTROLS_ONE_LINE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
const CONTROLS_MULTILINE_G = new RegExp(CONTROLS_MULTILINE.source, 'g')
const CONTROLS_ONE_LINE_G = new RegExp(CONTROLS_ONE_LINE.source, 'g')

const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r' }
const visible = (c: string): string => {
  const named = NAMED_ESCAPES[c]
  if (named) return named
  const code = c.charCodeAt(0)
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * `text` with control characters written out as `\x1b`, `\r`, `\x9b`, `\u202e`. Tabs are
 * kept; line feeds too when `multiline` (otherwise `\n`, so the text stays one line).
 */
export const escapeControls = (text: string, opts: { multiline?: boolean } = {}): string => {
  const test = opts.multiline ? CONTROLS_MULTILINE : CONTROLS_ONE_LINE
  if (!test.test(text)) return text
  return text.replace(opts.multiline ? CONTROLS_MULTILINE_G : CONTROLS_ONE_LINE_G, visible)
}

// ---- the gate --------------------------------------------------------------------------

export interface OutgoingOptions {
  /**
   * Whose registered secrets to redact: the daemon's registry (made once by the composition
   * and passed down), or a command's own. There is no process-wide default on purpose.
   */
  secrets: SecretRegistry
  /** Keep line feeds (a multi-line message); otherwise the result is one line. */
  multiline?: boolean
}

/**
 * The text as it may leave the daemon: secrets redacted, control characters escaped.
 * Idempotent. Redacts before escaping (an escape like `\x1b` could glue onto a key and
 * hide its shape) and again after, when escaping changed anything (so the escaped text
 * is checked as it will be read).
 */
export const outgoingText = (text: string, opts: OutgoingOptions): string => {
  const secrets = opts.secrets
  const redacted = redactSecrets(text, secrets)
  const escaped = escapeControls(redacted, opts)
  return escaped === redacted ? redacted : redactSecrets(escaped, secrets)
}

/**
 * A JSON-safe copy of `value` as it may leave the daemon: every string through
 * outgoingText (line feeds kept: JSON encodes them), secret-named keys blanked,
 * Errors expanded to name/message/cause (and stack when asked) plus their own fields,
 * Maps and Sets to objects and arrays, cycles and depth cut.
 */
export const outgoingValue = (value: unknown, opts: OutgoingOptions & { stack?: boolean }): unknown => {
  const text = { secrets: opts.secrets, multiline: opts.multiline ?? true }
  const key = { secrets: opts.secrets }
  const clean = (s: string): string => outgoingText(s, text)
  const seen = new WeakSet<object>()
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return clean(v)
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v
    if (typeof v === 'bigint') return v.toString()
    if (typeof v !== 'object') return v === undefined ? undefined : clean(String(v))
    if (seen.has(v)) return '[circular]'
    if (depth > 8) return '[too deep]'
    seen.add(v)
    try {
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()
      if (ArrayBuffer.isView(v)) return `[${v.byteLength} bytes]`
      if (Array.isArray(v) || v instanceof Set) return [...v].slice(0, 100).map((x) => walk(x, depth + 1))
      const entries: [string, unknown][] = v instanceof Map ? [...v].map(([k, x]) => [String(k), x]) : Object.entries(v)
      const out: Record<string, unknown> = {}
      if (v instanceof Error) {
        out.name = clean(v.name)
        out.message = walk(v.message, depth + 1)
        if (opts.stack && v.stack) out.stack = walk(v.stack, depth + 1)
        if (v.cause !== undefined) out.cause = walk(v.cause, depth + 1)
        if (v instanceof AggregateError) out.errors = walk(v.errors, depth + 1)
      } else if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
        return walk((v as { toJSON: () => unknown }).toJSON(), depth + 1)
      }
      for (const [k, x] of entries) {
        if (x === undefined || typeof x === 'function' || k in out) continue
        out[outgoingText(k, key)] = isSecretFieldName(k) && x !== null && x !== '' ? REDACTED : walk(x, depth + 1)
      }
      return out
    } finally {
      seen.delete(v) // only cycles are "[circular]", not the same object twice
    }
  }
  return walk(value, 0)
}

/**
 * `body` with only the named top-level string fields through outgoingText: for answers
 * that carry credentials on purpose (the control socket's answer to `process`), whose
 * other fields must reach the caller unchanged.
 */
export const outgoingFields = <T extends object>(body: T, fields: readonly string[], opts: OutgoingOptions): T => {
  let out: T | undefined
  for (const f of fields) {
    const v = (body as Record<string, unknown>)[f]
    if (typeof v !== 'string') continue
    const clean = outgoingText(v, opts)
    if (clean !== v) (out ??= { ...body } as T)[f as keyof T] = clean as T[keyof T]
  }
  return out ?? body
}
