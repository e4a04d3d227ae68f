// The layering of src/ held by a test rather than by discipline: core (and the engine) use no clock,
// randomness, process, console or timers of their own, and imports run
// core -> engine -> adapters (files, aws, alerts, runtime, serve) -> root -> cli, with adapters seeing the
// engine only through src/engine/ports.ts. The rule table is RULES in test/helpers/import-rules.ts.
// The first tests plant bad sources in memory so the checker is seen to fail; the last runs it on the tree.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { ALLOWED_EDGES, checkSource, checkTree, findImports, formatViolation, layerOf, RULES } from '../helpers/import-rules.js'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

/** The violation lines for one planted file. */
const check = (file: string, text: string): string[] => checkSource(file, text).map(formatViolation)

t.test('every import form is found, with its line', async (t) => {
  const src = [
    "import { a } from './a.js'",
    "import type { B } from '../engine/b.js'",
    "export { c } from './c.js'",
    "export * from './d.js'",
    "const e = await import('./e.js')",
    "type F = import('./f.js').F",
    "import g = require('./g.js')",
    "import './side-effect.js'",
  ].join('\n')
  t.same(
    findImports('x.ts', src).map((i) => `${i.line} ${i.specifier}`),
    ['1 ./a.js', '2 ../engine/b.js', '3 ./c.js', '4 ./d.js', '5 ./e.js', '6 ./f.js', '7 ./g.js', '8 ./side-effect.js'],
  )
})

t.test('a file is placed in its layer; the ports file is a layer of its own', async (t) => {
  t.equal(layerOf('src/core/links.ts'), 'core')
  t.equal(layerOf('src/core/doctor/rules.ts'), 'core')
  t.equal(layerOf('src/engine/ports.ts'), 'engine/ports')
  t.equal(layerOf('src/engine/daemon.ts'), 'engine')
  t.equal(layerOf('src/serve/listener.ts'), 'serve')
  t.equal(layerOf('src/nowhere/x.ts'), undefined)
  t.equal(layerOf('test/core/x.test.ts'), undefined)
})

t.test('core: a planted node:fs import is named with file, line and specifier', async (t) => {
  const v = check('src/core/planted.ts', "// why\nimport { readFileSync } from 'node:fs'\nexport const x = readFileSync\n")
  t.same(v, ["src/core/planted.ts:2: core imports 'node:fs': core uses no node builtin (it takes values and returns decisions)"])
  t.match(check('src/core/planted.ts', "import { join } from 'path'"), [/core imports 'path'/], 'a bare builtin name counts too')
  t.match(check('src/core/planted.ts', "import winston from 'winston'"), [/core imports 'winston': core may use only the pure packages/])
  t.match(check('src/core/planted.ts', "import type { Logger } from '../engine/ports.js'"), [
    /core may import only core; src\/engine\/ports.ts is engine\/ports/,
  ])
  t.match(check('src/core/planted.ts', "import { x } from '../../package.json'"), [/outside the layers of src/])
  t.same(
    check('src/core/planted.ts', "import { z } from 'zod'\nimport ms from 'ms'\nimport { a } from './doctor/a.js'"),
    [],
    'pure packages and core itself are fine',
  )
})

t.test('core: each use of the outside world is named', async (t) => {
  const uses: Array<[string, string]> = [
    ['const t = Date.now()', 'Date.now('],
    ['const d = new Date()', 'new Date()'],
    ['const r = Math.random()', 'Math.random('],
    ['const h = process.env.HOME', 'process.'],
    ["process.stdout.write('x')", 'process.'],
    ["console.log('x')", 'console.'],
    ['setTimeout(() => {}, 5)', 'setTimeout('],
    ['setInterval(() => {}, 5)', 'setInterval('],
    ['setImmediate(() => {})', 'setImmediate('],
    ['queueMicrotask(() => {})', 'queueMicrotask('],
    ['globalThis.setTimeout(() => {}, 5)', 'setTimeout('],
    ["await fetch('http://127.0.0.1/')", 'fetch('],
    ["const m = require('node:fs')", 'require('],
  ]
  for (const [code, what] of uses) {
    const v = check('src/core/planted.ts', `// why\n${code}\n`)
    t.equal(v.length, 1, code)
    t.equal(
      v[0],
      `src/core/planted.ts:2: core uses the outside world (${what}...): take it as an argument (now, random, a port) instead`,
      code,
    )
  }
})

t.test('core: prose, strings, a passed-in clock and new Date(ms) do not trip it', async (t) => {
  const fine = [
    '// uses Date.now() and process.env in production, console.log for debugging, setTimeout( too',
    '/* Math.random() fetch( require( */',
    "const s = 'Date.now() process.env console.log setTimeout( fetch('",
    'const tpl = `new Date() at ${1}`',
    'export const at = (now: () => number): Date => new Date(now())',
    'export const wait = (clock: { setTimeout(f: () => void, ms: number): unknown }) => clock.setTimeout(() => {}, 1)',
    'export const o = { process: 1, console: 2 }',
    'export const p = (deps: { fetch(): number }) => deps.fetch()',
  ].join('\n')
  t.same(check('src/core/planted.ts', fine), [])
})

t.test('engine: a planted engine -> aws import is named', async (t) => {
  t.same(check('src/engine/planted.ts', "// why\n\nimport type { SsoOidc } from '../aws/sso-oidc.js'\n"), [
    "src/engine/planted.ts:3: engine imports '../aws/sso-oidc.js': engine may import only core, engine/ports, engine; src/aws/sso-oidc.ts is aws",
  ])
  for (const adapter of ['files', 'alerts', 'runtime', 'serve']) {
    t.match(
      check('src/engine/planted.ts', `import { x } from '../${adapter}/x.js'`),
      [new RegExp(`src/${adapter}/x.ts is ${adapter}$`)],
      adapter,
    )
  }
  t.match(check('src/engine/planted.ts', "import { x } from '../cli/x.js'"), [/is cli$/])
  t.match(check('src/engine/planted.ts', "import { x } from '../root/x.js'"), [/is root$/])
  for (const io of [
    'node:fs',
    'fs/promises',
    'node:net',
    'node:http',
    'https',
    'node:child_process',
    'node:dgram',
    'dns',
    'node:tls',
    'os',
  ]) {
    t.match(check('src/engine/planted.ts', `import x from '${io}'`), [/engine reaches \w+ only through a port/], io)
  }
  for (const pkg of ['@aws-sdk/client-sts', 'winston', 'chokidar', 'prom-client']) {
    t.match(check('src/engine/planted.ts', `import x from '${pkg}'`), [/does I\/O; engine reaches it only through a port/], pkg)
  }
  t.same(
    check(
      'src/engine/planted.ts',
      "import { a } from '../core/a.js'\nimport { b } from './b.js'\nimport { EventEmitter } from 'node:events'",
    ),
    [],
  )
  t.match(
    check('src/engine/planted.ts', 'const t = Date.now()\nsetTimeout(() => {}, 1)'),
    [/engine uses the outside world \(Date.now\(/, /engine uses the outside world \(setTimeout\(/],
    'the engine keeps time through its Clock port',
  )
})

t.test('adapters: another adapter, engine internals, root and cli are refused; ports and core are fine', async (t) => {
  t.match(check('src/serve/planted.ts', "import { CredentialsFileWriter } from '../files/credentials-file.js'"), [
    /^src\/serve\/planted.ts:1: serve imports '..\/files\/credentials-file.js': serve may import only core, engine\/ports, serve; src\/files\/credentials-file.ts is files$/,
  ])
  t.match(check('src/aws/planted.ts', "import { readSsoToken } from '../files/sso-cache.js'"), [
    /aws may import only core, engine\/ports, aws; src\/files\/sso-cache.ts is files$/,
  ])
  t.match(check('src/alerts/planted.ts', "import { x } from '../runtime/x.js'"), [/src\/runtime\/x.ts is runtime$/])
  t.match(check('src/files/planted.ts', "import type { StoredGrant } from '../engine/grant-registry.js'"), [
    /src\/engine\/grant-registry.ts is engine$/,
  ])
  t.match(check('src/alerts/planted.ts', "import { x } from '../root/x.js'"), [/is root$/])
  t.match(check('src/aws/planted.ts', "import { x } from '../cli/x.js'"), [/is cli$/])
  t.same(
    check(
      'src/aws/planted.ts',
      "import type { Clock } from '../engine/ports.js'\nimport { a } from '../core/a.js'\nimport { b } from './b.js'\nimport x from '@aws-sdk/client-sts'",
    ),
    [],
  )
})

t.test('an allowed adapter edge holds only for its file and its folder', async (t) => {
  t.ok(ALLOWED_EDGES.length > 0 && ALLOWED_EDGES.every((e) => e.why.length > 20), 'each edge says why')
  t.same(
    check('src/serve/planted.ts', "import { writeFileAtomic } from '../files/atomic-write.js'"),
    [],
    'serve -> files/atomic-write.ts is the design',
  )
  t.match(
    check('src/aws/planted.ts', "import { writeFileAtomic } from '../files/atomic-write.js'"),
    [/aws may import only/],
    'not from another folder',
  )
})

t.test('root, emulator and the ports file', async (t) => {
  t.match(check('src/root/planted.ts', "import { x } from '../cli/x.js'"), [/root may import only .*; src\/cli\/x.ts is cli$/])
  t.same(check('src/root/planted.ts', "import { a } from '../serve/a.js'\nimport { b } from '../engine/daemon.js'"), [])
  t.match(check('src/emulator/planted.ts', "import { x } from '../engine/x.js'"), [/emulator may import only core, emulator/])
  t.same(check('src/emulator/planted.ts', "import { a } from '../core/a.js'\nimport http from 'node:http'"), [])
  t.match(check('src/engine/ports.ts', "import type { Refresher } from './refresher.js'"), [
    /engine\/ports may import only core, engine\/ports/,
  ])
  t.match(check('src/engine/ports.ts', "import { readFile } from 'node:fs/promises'"), [/engine\/ports uses no node builtin/])
})

t.test('every layer has a rule, and the direction never points back down', async (t) => {
  const order = ['core', 'engine/ports', 'engine', 'adapter', 'root', 'cli'] as const
  const rank = (l: string): number =>
    order.indexOf((['files', 'aws', 'alerts', 'runtime', 'serve'].includes(l) ? 'adapter' : l) as (typeof order)[number])
  for (const [layer, rule] of Object.entries(RULES)) {
    if (layer === 'emulator' || layer === 'demo') continue
    for (const to of rule.may) t.ok(rank(to) <= rank(layer), `${layer} may import ${to}`)
  }
})

t.test('src/ obeys the rules', async (t) => {
  const found = checkTree(REPO).map(formatViolation)
  t.same(found, [], `layering violations:\n${found.join('\n')}`)
})
