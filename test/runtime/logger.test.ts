import t from 'tap'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { redactSecrets, SecretRegistry } from '../../src/core/outgoing-text.js'
import { createLogger, type CreateLoggerOptions, type LogLevel } from '../../src/runtime/logger.js'
import { recordingLogger } from '../helpers/fake-logger.js'

const NOW = Date.parse('2026-11-23T08:00:00.123Z')
const b64 = (bytes: number) => randomBytes(bytes).toString('base64')
/** Fresh fake secrets for every run, shaped like the real ones. */
const secretKey = (): string => {
  // 40 base64 chars with upper and lower case and a digit, like an AWS secret key.
  for (;;) {
    const k = b64(30)
    if (/[a-z]/.test(k) && /[A-Z]/.test(k) && /[0-9]/.test(k)) return k
  }
}
const fakeSecrets = () => ({
  secretAccessKey: secretKey(),
  sessionToken: 'IQoJb3JpZ2luX2VjE' + b64(300),
  ssoAccessToken: 'aoa' + b64(40) + ':' + b64(60),
  refreshToken: 'aor' + b64(50),
  clientSecret: 'eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.' + b64(45),
})
const ACCESS_KEY_ID = 'ASIAIOSFODNN7EXAMPLE'

const capture = (opts: Partial<CreateLoggerOptions> = {}) => {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk))
      cb()
    },
  })
  // Each logger gets its own registry unless the test passes one: nothing is shared between tests.
  const logger = createLogger({ level: 'debug', format: 'json', stream, now: () => NOW, secrets: new SecretRegistry(), ...opts })
  return { logger, text: () => chunks.join(''), lines: () => chunks.join('').split('\n').filter(Boolean) }
}

const LEVELS: LogLevel[] = ['error', 'warn', 'info', 'debug']

t.test('registered secrets never appear, anywhere, at any level, in either format', async (t) => {
  for (const format of ['json', 'text'] as const) {
    const s = fakeSecrets()
    const secrets = new SecretRegistry()
    for (const v of Object.values(s)) secrets.register(v)
    const { logger, text, lines } = capture({ format, secrets })
    const log = logger.child({ profile: 'dev-sso' })
    const cause = new Error(`sts rejected token ${s.sessionToken}`)
    const err = new Error(`refresh failed for ${ACCESS_KEY_ID} with secret ${s.secretAccessKey}`, { cause })
    err.stack = `Error: refresh failed\n    at refresh (/tmp/${s.refreshToken}/x.js:1:1)`
    Object.assign(err, { $response: { headers: { authHeader: `Bearer ${s.ssoAccessToken}` } } })
    for (const level of LEVELS) {
      log[level](`renewed ${ACCESS_KEY_ID} key ${s.secretAccessKey}`, {
        accessKeyId: ACCESS_KEY_ID,
        note: `token=${s.sessionToken}`,
        nested: { deeper: [{ value: s.clientSecret }, new Map([['k', s.refreshToken]])] },
        err,
        [s.ssoAccessToken]: 'secret as a key',
        encoded: `?X-Amz-Security-Token=${encodeURIComponent(s.sessionToken)}`,
        quoted: JSON.stringify({ t: s.secretAccessKey }),
      })
    }
    t.equal(lines().length, 4, `${format}: one line per call`)
    const out = text()
    for (const [name, v] of Object.entries(s)) {
      t.notOk(out.includes(v), `${format}: ${name} absent`)
      t.notOk(out.includes(v.slice(0, 30)), `${format}: no prefix of ${name}`)
    }
    t.notOk(out.includes(encodeURIComponent(s.sessionToken).slice(0, 30)), `${format}: URL-encoded token absent`)
    t.match(out, ACCESS_KEY_ID, `${format}: access key id kept`)
    t.match(out, 'dev-sso', `${format}: profile kept`)
    t.match(out, 'refresh failed for', `${format}: error message kept`)
    t.match(out, '[redacted]', `${format}: redaction is visible`)
    if (format === 'json') {
      for (const line of lines()) t.doesNotThrow(() => JSON.parse(line), 'still valid JSON')
      t.match(out, /"stack":"Error: refresh failed\\n/, 'stack included at debug level')
    }
  }
})

t.test('secret field names are redacted whatever their value', async (t) => {
  for (const format of ['json', 'text'] as const) {
    const { logger, text } = capture({ format })
    logger.info('fields', {
      secretAccessKey: 'plainwordone',
      sessionToken: 'plainwordtwo',
      aws_secret_access_key: 'plainwordthree',
      nested: { Authorization: 'Basic plainwordfour', 'x-amz-security-token': 'plainwordfive', clientSecret: 'plainwordsix' },
      accessToken: 'plainwordseven',
      refreshToken: 'plainwordeight',
      webIdentityToken: 'x, plainwordnine',
      password: { raw: 'plainwordten' },
      region: 'eu-west-1',
    })
    const out = text()
    for (const w of ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'])
      t.notMatch(out, `plainword${w}`, `${format}: ${w}`)
    t.match(out, 'eu-west-1', `${format}: other fields kept`)
    t.match(out, /secretAccessKey.{1,4}\[redacted\]/, `${format}: the key name stays`)
  }
})

t.test('secret shapes are caught even when never registered', async (t) => {
  const s = fakeSecrets()
  const legacyToken = 'FwoGZXIvYXdzE' + b64(20)
  const longRun = b64(90) // 120 chars
  const { logger, text } = capture({ format: 'text' })
  logger.warn(`credentials file says aws_secret_access_key = ${s.secretAccessKey}`)
  logger.warn(`body {"SecretAccessKey":"${s.secretAccessKey}","SessionToken":"${s.sessionToken}"}`)
  logger.warn('short legacy token', { detail: `token ${legacyToken} end` })
  logger.error('failed', { err: new Error(`blob ${longRun} in message`) })
  logger.info('bare key', { line: `key ${s.secretAccessKey}` })
  const out = text()
  t.notMatch(out, s.secretAccessKey)
  t.notMatch(out, s.sessionToken.slice(0, 40))
  t.notMatch(out, legacyToken)
  t.notMatch(out, longRun.slice(0, 40))
  t.match(out, 'aws_secret_access_key = [redacted]')
  t.match(out, 'blob [redacted] in message')
})

t.test('redaction keeps ordinary text', async (t) => {
  const ordinary = [
    'renewed ASIAIOSFODNN7EXAMPLE for arn:aws:iam::123456789012:role/dev, expires in 59m',
    'git 3f786850e387550fdab836ed7e6dc881de23001b', // 40 hex chars: not an AWS secret
    'path /work/main/node_modules/@aws-sdk/client-sts/dist-cjs/index.js:12:3',
  ]
  for (const s of ordinary) t.equal(redactSecrets(s, new SecretRegistry()), s)
})

t.test('upstream text: password= values and escape sequences never reach a line, in either format', async (t) => {
  const upstream =
    'InternalFailure: password=hunter2-is-my-password token: abcdef0123456789abcdef \x1b[31mRED\x1b[0m \x1b]0;title\x07 cr\rhere \u009b2J \u202eevil'
  for (const format of ['json', 'text'] as const) {
    const { logger, text, lines } = capture({ format })
    logger.child({ profile: 'p\x1b[2J' }).warn(`renewal failed: ${upstream}`, {
      reason: upstream,
      err: new Error(upstream, { cause: new Error(upstream) }),
      nested: { list: [upstream] },
      ['k\x1b]0;t\x07']: 'v',
    })
    const out = text()
    t.equal(lines().length, 1, `${format}: one line`)
    for (const bad of ['hunter2', 'abcdef0123456789abcdef', '\x1b', '\r', '\u009b', '\x07', '\u202e'])
      t.notOk(out.includes(bad), `${format}: no ${JSON.stringify(bad)}`)
    t.match(out, 'password=[redacted]', `${format}: the name stays, the value goes`)
    t.match(out, format === 'json' ? '\\\\x1b[31mRED' : '\\x1b[31mRED', `${format}: the escape is visible`)
    if (format === 'json') t.doesNotThrow(() => JSON.parse(lines()[0]!), 'still valid JSON')
  }
})

t.test('a logger redacts what its own SecretRegistry holds, and no other registry is shared', async (t) => {
  const secrets = new SecretRegistry()
  secrets.register('only-this-logger-knows-it')
  const { logger, text } = capture({ format: 'text', secrets })
  logger.info('value only-this-logger-knows-it here', { v: 'only-this-logger-knows-it' })
  t.notMatch(text(), 'only-this-logger-knows-it')
  t.equal(secrets.size, 1, 'registered once (its JSON and URL forms are the same text)')
  const other = capture({ format: 'text' })
  other.logger.info('value only-this-logger-knows-it here')
  t.match(other.text(), 'only-this-logger-knows-it', 'a logger with another registry does not know it')
})

t.test('readable text lines on a terminal, JSON lines otherwise', async (t) => {
  const tty = capture({ format: 'auto', isTTY: true, level: 'info' })
  tty.logger.child({ profile: 'dev-sso' }).info('renewed, expires in 59m')
  tty.logger.info('two\nlines', { n: 3, words: 'a b', ok: true })
  t.strictSame(tty.lines(), [
    '2026-11-23T08:00:00Z info  [dev-sso] renewed, expires in 59m',
    '2026-11-23T08:00:00Z info  two\\nlines n=3 words="a b" ok=true',
  ])
  const pipe = capture({ format: 'auto', isTTY: false, level: 'info' })
  pipe.logger.child({ profile: 'dev-sso' }).warn('renewed', { expiresInMs: 60_000, msg: 'field named msg' })
  t.strictSame(JSON.parse(pipe.lines()[0]!), {
    time: '2026-11-23T08:00:00.123Z',
    level: 'warn',
    msg: 'renewed',
    profile: 'dev-sso',
    expiresInMs: 60_000,
    'field.msg': 'field named msg',
  })
})

t.test('errors in text format show message and cause on one line', async (t) => {
  const { logger, lines } = capture({ format: 'text' })
  logger.error('refresh failed', { err: new Error('outer\nline', { cause: new Error('inner') }) })
  t.strictSame(lines(), ['2026-11-23T08:00:00Z error refresh failed err="outer\\\\nline (cause: inner)"'])
})

t.test('levels filter, children merge fields', async (t) => {
  const { logger, lines } = capture({ level: 'warn' })
  const child = logger.child({ profile: 'a', chain: 1 }).child({ chain: 2 })
  child.debug('no')
  child.info('no')
  child.warn('yes')
  child.error('yes', { extra: 'x' })
  const parsed = lines().map((l) => JSON.parse(l))
  t.same(
    parsed.map((p) => p.level),
    ['warn', 'error'],
  )
  t.has(parsed[1], { msg: 'yes', profile: 'a', chain: 2, extra: 'x' })
})

t.test('cycles and odd values do not crash the logger', async (t) => {
  const { logger, lines } = capture()
  const a: Record<string, unknown> = { name: 'a' }
  a.self = a
  logger.info('odd', { a, big: 10n, when: new Date(NOW), buf: Buffer.from('hello'), fn: () => 1, sym: Symbol('s'), u: undefined })
  const p = JSON.parse(lines()[0]!)
  t.same(p.a, { name: 'a', self: '[circular]' })
  t.equal(p.big, '10')
  t.equal(p.when, '2026-11-23T08:00:00.123Z')
  t.equal(p.buf, '[5 bytes]')
  t.notOk('fn' in p)
})

t.test('the registry is bounded: the oldest secrets are forgotten', async (t) => {
  const small = new SecretRegistry({ max: 3 })
  const words = ['firstsecretword', 'secondsecretword', 'thirdsecretword', 'fourthsecretword']
  for (const w of words) small.register(w)
  t.equal(small.size, 3)
  t.equal(redactSecrets(words.join(' '), small), 'firstsecretword [redacted] [redacted] [redacted]')
  small.register('short') // too short to register safely
  t.equal(redactSecrets('short', small), 'short')
  const s = fakeSecrets().secretAccessKey
  const secrets = new SecretRegistry() // the default bound, 5000
  for (let i = 0; i < 6000; i++) secrets.register(`filler-secret-${i}`)
  secrets.register(s)
  t.equal(secrets.size, 5000)
  t.equal(redactSecrets(`k=${s}`, secrets), 'k=[redacted]')
  t.equal(redactSecrets('filler-secret-0', secrets), 'filler-secret-0', 'oldest gone')
  t.equal(redactSecrets('filler-secret-5999', secrets), '[redacted]')
  const { logger, text } = capture({ format: 'text', secrets })
  logger.info(`k ${s} filler-secret-0 filler-secret-5999`)
  t.match(text(), 'k [redacted] filler-secret-0 [redacted]', 'the logger redacts what its registry still holds')
})

t.test('recordingLogger keeps entries for assertions', async (t) => {
  const rec = recordingLogger()
  rec.child({ profile: 'p' }).warn('hello', { n: 1 })
  t.strictSame(rec.entries, [{ level: 'warn', msg: 'hello', fields: { profile: 'p', n: 1 } }])
})
