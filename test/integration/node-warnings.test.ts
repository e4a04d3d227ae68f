// Node's own warnings go through the daemon's log (a JSON line), never raw to stderr
// where they would break JSON logs and the live table.
import t from 'tap'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runCli, sandbox, writeAws } from '../helpers/sandbox.js'

t.test('a process warning becomes one log line', async (t) => {
  const preload = pathToFileURL(join(process.cwd(), 'test', 'helpers', 'emit-warning.mjs')).href
  const sb = sandbox(t.testdir({}), { NODE_OPTIONS: `--import=${preload}`, AWS_CREDD_SERVER_LISTEN: 'off' })
  writeAws(sb, '[default]\nregion = us-east-1\n')
  const d = runCli(['run', '--log-format', 'json'], sb.env)
  t.teardown(() => d.stop())
  const line = await d.waitFor(/\{[^\n]*node: DeprecationWarning: something in a dependency is deprecated[^\n]*\}/)
  t.match(JSON.parse(line), { level: 'warn' })
  t.notMatch(d.output(), /^\(node:\d+\)/m, 'nothing printed raw by Node')
})
