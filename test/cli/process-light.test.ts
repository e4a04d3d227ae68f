// `aws-credd process` runs on every SDK refresh, so its start must stay light: the
// static imports of the built command (followed through every relative file) must
// not reach the AWS SDK, which it may load only with import() when no daemon answers.
import t from 'tap'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const DIST = join(process.cwd(), 'dist')

/** Packages reached through static import/export-from lines, and the local files visited. */
const staticGraph = (entry: string): { packages: Set<string>; files: Set<string> } => {
  const packages = new Set<string>()
  const files = new Set<string>()
  const visit = (file: string): void => {
    if (files.has(file)) return
    files.add(file)
    const text = readFileSync(file, 'utf8')
    // tsc writes one statement per line; `import(` (dynamic) never matches these.
    const specs = [
      ...text.matchAll(/^\s*(?:import|export)\s[^'"()]*?\bfrom\s*['"]([^'"]+)['"]/gm),
      ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ].map((m) => m[1]!)
    for (const s of specs) {
      if (s.startsWith('.')) visit(resolve(dirname(file), s))
      else packages.add(s)
    }
  }
  visit(entry)
  return { packages, files }
}

const sdk = (packages: Set<string>): string[] => [...packages].filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/'))

t.test('dist/cli/process.js loads no AWS SDK package up front', async (t) => {
  const entry = join(DIST, 'cli', 'process.js')
  const src = join(process.cwd(), 'src', 'cli', 'process.ts')
  if (!existsSync(entry) || statSync(entry).mtimeMs < statSync(src).mtimeMs)
    return t.fail('dist/cli/process.js is missing or older than src: run `npm run build` first')
  const { packages, files } = staticGraph(entry)
  t.same(sdk(packages), [], `static imports reach: ${[...packages].join(', ') || 'no package'}`)
  t.ok(files.has(join(DIST, 'cli', 'control-client.js')), 'the walk follows relative imports')
  t.match(readFileSync(entry, 'utf8'), /import\('\.\.\/aws\/upstream\.js'\)/, 'the SDK comes in through import() only')
})

t.test('the check can fail: `aws-credd run` does load the SDK up front', async (t) => {
  const entry = join(DIST, 'cli', 'run.js')
  if (!existsSync(entry)) return t.fail('dist/cli/run.js is missing: run `npm run build` first')
  t.not(sdk(staticGraph(entry).packages).length, 0)
})
