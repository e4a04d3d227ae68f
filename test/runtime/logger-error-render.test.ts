// The log's text format renders an error field with core/errors.ts renderError
// { name, cause, lines: 'escape' }, over the redacted copy: one rendering for the CLI, log, alerts, HTTP.
import t from 'tap'
import { ProfileError, renderError, UpstreamError } from '../../src/core/errors.js'
import { outgoingValue, SecretRegistry } from '../../src/core/outgoing-text.js'
import { formatLine } from '../../src/runtime/log-line.js'

const secrets = new SecretRegistry()

const cases: [string, unknown][] = [
  ['a plain Error', new Error('connect ECONNREFUSED 127.0.0.1:9')],
  ['a named error with a fix', new ProfileError('dev', 'profile "dev" is not defined', 'add [profile dev]', 'ProfileNotFound')],
  ['a two-line message', new TypeError('first\nsecond')],
  [
    'a cause chain, to a non-Error cause',
    new UpstreamError('dev', 'profile "dev": no answer', {
      code: 'Timeout',
      kind: 'transient',
      cause: new Error('socket hang up', { cause: 'ECONNRESET' }),
    }),
  ],
]

for (const [name, e] of cases) {
  t.test(name, async (t) => {
    const line = formatLine({ time: 0, level: 'error', msg: 'failed', fields: { err: e } }, 'text', { secrets })
    const expected = JSON.stringify(renderError(outgoingValue(e, { secrets }), { name: true, cause: true, lines: 'escape' }))
    t.equal(line.slice(line.indexOf(' err=') + 5), expected)
  })
}
