import t, { type Test } from 'tap'
import { join } from 'node:path'
import { configSearchPath, readConfigFile } from '../../src/files/daemon-config.js'
import { defaultConfig } from '../../src/core/config/schema.js'
import { ConfigError } from '../../src/core/errors.js'

/** The one-line ConfigError message for reading `text` from a temp file. */
const failure = async (t: Test, text: string): Promise<string> => {
  const dir = t.testdir({ 'config.json': text })
  const file = join(dir, 'config.json')
  const err = await readConfigFile(file).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.type(err, ConfigError)
  const msg = (err as Error).message
  t.ok(msg.startsWith(`${file}: `), 'names the file')
  t.notMatch(msg, /\n/, 'one line')
  return msg.slice(file.length + 2)
}

t.test('reads and validates a good file', async (t) => {
  const dir = t.testdir({
    'config.json': '\ufeff' + JSON.stringify({ profiles: [{ profile: 'dev-sso', writeTo: 'dev' }], refresh: { before: '15m' } }, null, 2),
  })
  const c = await readConfigFile(join(dir, 'config.json'))
  t.equal(c.refresh.before, 15 * 60_000)
  t.strictSame(c.profiles, [{ profile: 'dev-sso', writeTo: 'dev' }])
  t.equal(c.log.level, 'info')
})

t.test('syntax errors name line and column', async (t) => {
  t.equal(
    await failure(t, '{\n  "refresh": { "before": "20m" }\n  "log": {}\n}'),
    "line 3, column 3: expected ',' between entries; fix: correct the JSON there (comments and trailing commas are not allowed)",
  )
  t.match(await failure(t, '{\n  "profiles": [],\n}\n'), /^line 3, column 1: expected a "key" \(a trailing comma\?\)/)
  t.match(await failure(t, '{\n  // my profiles\n  "profiles": []\n}'), /^line 2, column 3: comments are not allowed in JSON/)
  t.match(await failure(t, '{ "log": { "level": info } }'), /^line 1, column 21: not a JSON value/)
  t.match(await failure(t, '{ "profiles": [ {"profile": "a"} '), /^line 1, column 34: expected '\]'/)
  t.match(await failure(t, '{ "a": "x\ny" }'), /^line 1, column \d+: /)
  t.match(await failure(t, '{} {}'), /^line 1, column 4: unexpected text after the end/)
  t.match(await failure(t, '  \n'), /^the file is empty/)
  for (const text of ['{\n  "a": 1\n  "b": 2}', '[1,]', '{', "{'a': 1}"]) {
    const msg = await failure(t, text)
    t.notMatch(msg, /\n/, 'one line')
    t.notMatch(msg, /position \d+|is not valid JSON/, 'no raw V8 text')
  }
})

t.test('schema errors come through with the file name', async (t) => {
  t.equal(await failure(t, '{ "refresh": { "befor": "20m" } }'), 'refresh.befor: unknown key (did you mean "before"?)')
})

t.test('missing file: error with a fix, or defaults when asked', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'nope.json')
  await t.rejects(readConfigFile(file), {
    name: 'ConfigError',
    message: `${file}: config file not found; fix: create it (see config.example.json) or leave out --config to run with defaults`,
  })
  t.strictSame(await readConfigFile(file, { ifMissing: 'defaults' }), defaultConfig())
  await t.rejects(readConfigFile(dir), { name: 'ConfigError', message: /is a directory/ })
})

t.test('configSearchPath', async (t) => {
  t.equal(configSearchPath({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/u' }), '/x/cfg/aws-credd/config.json')
  t.equal(configSearchPath({ HOME: '/home/u' }), '/home/u/.config/aws-credd/config.json')
  t.equal(configSearchPath({ XDG_CONFIG_HOME: '', HOME: '/home/u' }), '/home/u/.config/aws-credd/config.json')
  t.equal(configSearchPath({ XDG_CONFIG_HOME: 'rel', HOME: '/home/u' }), '/home/u/.config/aws-credd/config.json', 'relative XDG ignored')
  t.throws(() => configSearchPath({}), { name: 'ConfigError', message: /neither XDG_CONFIG_HOME nor HOME/ })
})
