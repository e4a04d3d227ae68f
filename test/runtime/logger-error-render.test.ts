// The log's text format renders an error field as core/errors.ts renderError does with
// { name, cause, lines: 'escape' }, over the redacted copy: the logger can call that one
// function instead of its own errorText (one rendering for the CLI, log, alerts, HTTP).
import t from 'tap'
import { ProfileError, renderError, UpstreamError } from '../../src/core/errors.js'
import { outgoingValue } from '../../src/core/outgoing-text.js'
import { formatLine } from '../../src/runtime/logger.js'

const cases: [string, unknown][] = [
  ['a plain Error', new Error('connect ECONNREFUSED 127.0.0.1:9')],
  ['a named error with a fix', new ProfileError('dev', 'profile "dev" is not defined', 'add [profile dev]', 'ProfileNotFound')],
  ['a two-line message', new TypeError('first\nsecond')],
  [
    'a cause chain, to a non-Error cause',
    new UpstreamError('dev', 'profile "dev": no answer', { code: 'Timeout', kind: 'transient', cause: new Error('socket hang up', { cause: 'ECONNRESET' }) }),
  ],
]

for (const [name, e] of cases) {
  t.test(name, async (t) => {
    const line = formatLine({ time: 0, level: 'error', msg: 'failed', fields: { err: e } }, 'text')
    const expected = JSON.stringify(renderError(outgoingValue(e), { name: true, cause: true, lines: 'escape' }))
    t.equal(line.slice(line.indexOf(' err=') + 5), expected)
  })
}
