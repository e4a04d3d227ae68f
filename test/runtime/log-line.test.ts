// formatLine on its own, without winston or a stream: the two formats byte for byte,
// and the redaction every line gets from the registry it is handed.
import t from 'tap'
import { SecretRegistry } from '../../src/core/outgoing-text.js'
import { formatLine } from '../../src/runtime/log-line.js'

const TIME = Date.parse('2026-11-23T08:00:00.123Z')
const none = (): SecretRegistry => new SecretRegistry()

t.test('text: time to the second, padded level, [profile], message, key=value fields', async (t) => {
  const line = formatLine(
    { time: TIME, level: 'info', msg: 'renewed', fields: { profile: 'dev', n: 3, words: 'a b', ok: true, gone: undefined } },
    'text',
    { secrets: none() },
  )
  t.equal(line, '2026-11-23T08:00:00Z info  [dev] renewed n=3 words="a b" ok=true')
  t.equal(
    formatLine({ time: TIME, level: 'warn', msg: 'x', fields: { profile: 7 } }, 'text', { secrets: none() }),
    '2026-11-23T08:00:00Z warn  x profile=7',
    'a profile that is no string is a field',
  )
})

t.test('json: built-in keys first, a field named like one is kept under field.', async (t) => {
  const line = formatLine({ time: TIME, level: 'error', msg: 'two\nlines', fields: { level: 'x', profile: 'p' } }, 'json', {
    secrets: none(),
  })
  t.strictSame(JSON.parse(line), { time: '2026-11-23T08:00:00.123Z', level: 'error', msg: 'two\nlines', 'field.level': 'x', profile: 'p' })
})

t.test('stacks only when asked', async (t) => {
  const err = new Error('boom')
  err.stack = 'Error: boom\n    at here (/x.js:1:1)'
  const input = { time: TIME, level: 'error' as const, msg: 'failed', fields: { err } }
  t.notMatch(formatLine(input, 'json', { secrets: none() }), '"stack"')
  t.match(formatLine(input, 'json', { secrets: none(), stack: true }), '"stack":"Error: boom\\n    at here')
})

t.test('only the registry passed in is redacted, in message, field names and values, in both formats', async (t) => {
  const secrets = new SecretRegistry()
  secrets.register('registered-secret-value-1')
  const input = {
    time: TIME,
    level: 'info' as const,
    msg: 'a registered-secret-value-1 b',
    fields: { 'registered-secret-value-1': 'k', v: 'x registered-secret-value-1' },
  }
  for (const format of ['text', 'json'] as const) {
    const line = formatLine(input, format, { secrets })
    t.notMatch(line, 'registered-secret-value-1', format)
    t.match(line, '[redacted]', format)
    t.match(formatLine(input, format, { secrets: none() }), 'registered-secret-value-1', `${format}: another registry does not know it`)
  }
})

t.test('control characters become visible text; the text format stays one line', async (t) => {
  const input = { time: TIME, level: 'warn' as const, msg: 'red \x1b[31mRED\x1b[0m\nnext', fields: { profile: 'p\x1b[2J' } }
  t.equal(formatLine(input, 'text', { secrets: none() }), '2026-11-23T08:00:00Z warn  [p\\x1b[2J] red \\x1b[31mRED\\x1b[0m\\nnext')
  const json = formatLine(input, 'json', { secrets: none() })
  t.notOk(json.includes('\x1b'), 'no raw escape in JSON either')
  t.equal(JSON.parse(json).msg, 'red \\x1b[31mRED\\x1b[0m\nnext', 'JSON keeps the line feed (it is encoded), escapes the rest')
})
