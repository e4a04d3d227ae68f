// The layering of src/ as data, and the checker that reads a source file and names every import
// or outside-world use that breaks it. Lives in test/helpers so test/architecture/import-graph.test.ts
// can run it on the real tree and, to prove it can fail, on small planted in-memory sources.
import { builtinModules } from 'node:module'
import { readdirSync, readFileSync } from 'node:fs'
import { join, posix, relative, sep } from 'node:path'
import ts from 'typescript'

/** A layer is a folder under src/, except that the engine's ports file is a layer of its own (adapters may import it). */
export type Layer =
  'core' | 'engine/ports' | 'engine' | 'files' | 'aws' | 'alerts' | 'runtime' | 'serve' | 'root' | 'cli' | 'demo' | 'emulator'

const ADAPTERS = ['files', 'aws', 'alerts', 'runtime', 'serve'] as const
const ALL_LAYERS: readonly Layer[] = ['core', 'engine/ports', 'engine', ...ADAPTERS, 'root', 'cli', 'demo', 'emulator']

/** Packages with no I/O and no global state, which core (and the ports) may use. */
export const PURE_PACKAGES = ['zod', 'ms', 'jsonc-parser', 'string-width'] as const
/** Node builtins that reach the file system, network, processes or host: the engine gets these only through ports. */
export const IO_BUILTINS = ['fs', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'tls', 'os'] as const
/** Packages that do I/O (or wrap it): adapters' business, never the engine's. */
export const IO_PACKAGES = [
  /^@aws-sdk\//,
  /^@smithy\//,
  /^winston$/,
  /^chokidar$/,
  /^prom-client$/,
  /^node-cron$/,
  /^proper-lockfile$/,
  /^write-file-atomic$/,
]

interface Rule {
  /** The layers (folders) this layer may import from; its own is listed where allowed. */
  may: readonly Layer[]
  /** Which node builtins: none at all, all but the I/O ones, or any. */
  builtins: 'none' | 'no-io' | 'any'
  /** Which npm packages: only the pure allowlist, any but the I/O ones, or any. */
  packages: 'pure' | 'no-io' | 'any'
  /** Whether Date.now(), new Date(), Math.random(), process, console, timers, fetch and require are banned. */
  pure: boolean
}

// The direction, at a glance: core -> engine -> adapters -> root -> cli.
// Each row says what a folder may import; anything not listed is a violation.
export const RULES: Record<Layer, Rule> = {
  core: { may: ['core'], builtins: 'none', packages: 'pure', pure: true },
  'engine/ports': { may: ['core', 'engine/ports'], builtins: 'none', packages: 'pure', pure: true },
  // The engine keeps time through the Clock port and logs through the Logger port, so it is held to the same purity checks.
  engine: { may: ['core', 'engine/ports', 'engine'], builtins: 'no-io', packages: 'no-io', pure: true },
  files: { may: ['core', 'engine/ports', 'files'], builtins: 'any', packages: 'any', pure: false },
  aws: { may: ['core', 'engine/ports', 'aws'], builtins: 'any', packages: 'any', pure: false },
  alerts: { may: ['core', 'engine/ports', 'alerts'], builtins: 'any', packages: 'any', pure: false },
  runtime: { may: ['core', 'engine/ports', 'runtime'], builtins: 'any', packages: 'any', pure: false },
  serve: { may: ['core', 'engine/ports', 'serve'], builtins: 'any', packages: 'any', pure: false },
  // The one composition root: wires engine and adapters together; commands sit above it.
  root: { may: ALL_LAYERS.filter((l) => l !== 'cli' && l !== 'demo' && l !== 'emulator'), builtins: 'any', packages: 'any', pure: false },
  cli: { may: ALL_LAYERS, builtins: 'any', packages: 'any', pure: false },
  demo: { may: ALL_LAYERS, builtins: 'any', packages: 'any', pure: false },
  // The AWS emulator stands alone so tests can trust it is not the daemon grading itself.
  emulator: { may: ['core', 'emulator'], builtins: 'any', packages: 'any', pure: false },
}

/**
 * Adapter-to-adapter imports that are the design, each with its reason. Only these exact
 * files, only from this folder: anything else across adapters is still a violation.
 */
export const ALLOWED_EDGES: ReadonlyArray<{ from: Layer; to: string; why: string }> = [
  {
    from: 'serve',
    to: 'src/files/atomic-write.ts',
    why: 'the token file and socket folders use the one safe write (symlink refusal, 0600, fsync, rename), not a copy',
  },
  { from: 'serve', to: 'src/files/fs-ops.ts', why: 'the file-system seam atomic-write takes; serve passes the real one' },
]

/** One thing a file may not do, with where it is. */
export interface Violation {
  file: string
  line: number
  what: string
}

export const formatViolation = (v: Violation): string => `${v.file}:${v.line}: ${v.what}`

/** The layer of a path relative to the repository root (POSIX separators), or undefined outside src/. */
export function layerOf(file: string): Layer | undefined {
  if (file === 'src/engine/ports.ts') return 'engine/ports'
  const m = /^src\/([^/]+)\//.exec(file)
  if (!m) return undefined
  return (ALL_LAYERS as readonly string[]).includes(m[1]!) ? (m[1] as Layer) : undefined
}

/** One module specifier in a file: static import, export-from, dynamic import(), import type or `import('x').T`. */
export interface ImportSite {
  specifier: string
  line: number
}

const lineOf = (sf: ts.SourceFile, node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1

/** Every module specifier a source text names, with its line. */
export function findImports(fileName: string, text: string): ImportSite[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const out: ImportSite[] = []
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push({ specifier: node.moduleSpecifier.text, line: lineOf(sf, node) })
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression
      if (ts.isStringLiteral(e)) out.push({ specifier: e.text, line: lineOf(sf, node) })
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments
      // A computed import() cannot be judged statically: name it so a reader decides.
      out.push({ specifier: arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed import()>', line: lineOf(sf, node) })
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ specifier: node.argument.literal.text, line: lineOf(sf, node) })
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return out
}

const WORLD_CALLS = ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'require'] as const
const WORLD_OBJECTS = ['process', 'console'] as const

/**
 * Every use of the outside world in a source text: clock, randomness, process, console, timers, fetch, require.
 * Read from the syntax tree, so comments and string literals never count, and `clock.setTimeout(...)` (a port) is fine.
 */
export function findWorldUses(fileName: string, text: string): ImportSite[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const out: ImportSite[] = []
  const name = (e: ts.Expression): string | undefined => {
    if (ts.isIdentifier(e)) return e.text
    // globalThis.setTimeout / globalThis.process reach the same thing.
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'globalThis') return e.name.text
    return undefined
  }
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression
      const called = name(callee)
      if (called && (WORLD_CALLS as readonly string[]).includes(called)) out.push({ specifier: `${called}(`, line: lineOf(sf, node) })
      if (ts.isPropertyAccessExpression(callee)) {
        const obj = name(callee.expression)
        if (obj === 'Date' && callee.name.text === 'now') out.push({ specifier: 'Date.now(', line: lineOf(sf, node) })
        if (obj === 'Math' && callee.name.text === 'random') out.push({ specifier: 'Math.random(', line: lineOf(sf, node) })
      }
    } else if (ts.isNewExpression(node) && name(node.expression) === 'Date' && (node.arguments ?? []).length === 0) {
      out.push({ specifier: 'new Date()', line: lineOf(sf, node) })
    } else if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const obj = name(node.expression)
      if (obj && (WORLD_OBJECTS as readonly string[]).includes(obj)) out.push({ specifier: `${obj}.`, line: lineOf(sf, node) })
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return out
}

const isBuiltin = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(spec)
const builtinBase = (spec: string): string => spec.replace(/^node:/, '').split('/')[0]!
const packageName = (spec: string): string => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)

/** Where a relative specifier lands, as a repository-relative path with the .ts source extension. */
function resolveRelative(file: string, spec: string): string {
  return posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts')
}

/** The violations in one file, given its repository-relative path (POSIX) and text. */
export function checkSource(file: string, text: string): Violation[] {
  const layer = layerOf(file)
  if (!layer) return [{ file, line: 1, what: `is in no known layer of src/: add its folder to RULES in test/helpers/import-rules.ts` }]
  const rule = RULES[layer]
  const out: Violation[] = []
  for (const { specifier, line } of findImports(file, text)) {
    const bad = (why: string): void => {
      out.push({ file, line, what: `${layer} imports '${specifier}': ${why}` })
    }
    if (specifier.startsWith('.')) {
      const target = resolveRelative(file, specifier)
      const to = layerOf(target)
      if (!to) bad(`it resolves to ${target}, outside the layers of src/`)
      else if (!rule.may.includes(to) && !ALLOWED_EDGES.some((e) => e.from === layer && e.to === target))
        bad(`${layer} may import only ${rule.may.join(', ')}; ${target} is ${to}`)
    } else if (specifier === '<computed import()>') {
      bad('a computed import() cannot be checked; use a literal specifier')
    } else if (isBuiltin(specifier)) {
      if (rule.builtins === 'none') bad(`${layer} uses no node builtin (it takes values and returns decisions)`)
      else if (rule.builtins === 'no-io' && (IO_BUILTINS as readonly string[]).includes(builtinBase(specifier))) {
        bad(`${layer} reaches ${builtinBase(specifier)} only through a port in src/engine/ports.ts`)
      }
    } else {
      const pkg = packageName(specifier)
      if (rule.packages === 'pure' && !(PURE_PACKAGES as readonly string[]).includes(pkg)) {
        bad(`${layer} may use only the pure packages ${PURE_PACKAGES.join(', ')}`)
      } else if (rule.packages === 'no-io' && IO_PACKAGES.some((re) => re.test(pkg))) {
        bad(`${pkg} does I/O; ${layer} reaches it only through a port implemented by an adapter`)
      }
    }
  }
  if (rule.pure) {
    for (const { specifier, line } of findWorldUses(file, text)) {
      out.push({
        file,
        line,
        what: `${layer} uses the outside world (${specifier}...): take it as an argument (now, random, a port) instead`,
      })
    }
  }
  return out
}

/** Every .ts file under a folder, repository-relative with POSIX separators. */
export function sourceFiles(repo: string, folder = 'src'): string[] {
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.ts')) out.push(relative(repo, full).split(sep).join('/'))
    }
  }
  walk(join(repo, folder))
  return out.sort()
}

/** The violations in the whole of src/. */
export function checkTree(repo: string): Violation[] {
  return sourceFiles(repo).flatMap((file) => checkSource(file, readFileSync(join(repo, file), 'utf8')))
}
