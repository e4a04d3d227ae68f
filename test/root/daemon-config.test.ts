// The running daemon's config as the composition root reads it (src/root/daemon-config.ts):
// the file or the defaults, then the overrides of the command line and the environment,
// re-applied on every read (a reload must not lose --log-level).
import t from 'tap'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { ConfigError } from '../../src/core/errors.js'
import { defaultConfig } from '../../src/core/config/schema.js'
import { configReader } from '../../src/root/daemon-config.js'

/** The error a read rejects with (undefined when it resolves). */
const failure = async (read: () => Promise<unknown>): Promise<unknown> =>
  read().then(
    () => undefined,
    (e: unknown) => e,
  )

t.test('no file: the defaults; the overrides apply', async (t) => {
  t.same(await configReader(undefined, {}, {})(), defaultConfig())
  const c = await configReader(undefined, { logLevel: 'debug', logFormat: 'json' }, {})()
  t.equal(c.log.level, 'debug')
  t.equal(c.log.format, 'json')
})

t.test('a file is read afresh on each call, the overrides kept', async (t) => {
  const file = join(t.testdir({}), 'config.json')
  writeFileSync(file, JSON.stringify({ log: { level: 'warn' } }))
  const read = configReader(file, { logFormat: 'text' }, {})
  t.equal((await read()).log.level, 'warn')
  writeFileSync(file, JSON.stringify({ log: { level: 'error' } }))
  const again = await read()
  t.equal(again.log.level, 'error', 'the edit is seen')
  t.equal(again.log.format, 'text', 'the override still applies')
})

t.test('AWS_CREDD_SERVER_LISTEN: an address, off, or a ConfigError naming it', async (t) => {
  t.same((await configReader(undefined, {}, { AWS_CREDD_SERVER_LISTEN: '0.0.0.0:9911' })()).server.listen, { host: '0.0.0.0', port: 9911 })
  t.equal((await configReader(undefined, {}, { AWS_CREDD_SERVER_LISTEN: 'off' })()).server.listen, false)
  t.same(
    (await configReader(undefined, {}, { AWS_CREDD_SERVER_LISTEN: '' })()).server.listen,
    defaultConfig().server.listen,
    'empty: the config decides',
  )
  const e = await failure(configReader(undefined, {}, { AWS_CREDD_SERVER_LISTEN: 'bad' }))
  t.ok(e instanceof ConfigError, 'a ConfigError: exit 2')
  t.match((e as ConfigError).message, /^AWS_CREDD_SERVER_LISTEN: "bad" .*; fix: unset it or write host:port$/)
})

t.test('a bad --log-level or --log-format is a ConfigError (exit 2) with the fix', async (t) => {
  const level = await failure(configReader(undefined, { logLevel: 'loud' }, {}))
  t.ok(level instanceof ConfigError)
  t.equal((level as Error).message, '--log-level: "loud" is not a level; fix: use error, warn, info or debug')
  const format = await failure(configReader(undefined, { logFormat: 'xml' }, {}))
  t.ok(format instanceof ConfigError)
  t.equal((format as Error).message, '--log-format: "xml" is not a format; fix: use auto, text or json')
})
