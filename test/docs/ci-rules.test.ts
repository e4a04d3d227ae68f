// The rules that make a green run mean something: a missing prerequisite skips only off CI
// (the verdict table below), and no test file decides that on its own, hides a failure as a
// todo, or skips in a way the helper does not see (the scan of test/ below names the file and line).
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prerequisiteVerdict, requireOrSkip, underCi } from '../helpers/prerequisites.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

t.test('prerequisiteVerdict: run when present, skip only off CI, fail under CI', async (t) => {
  const rows: Array<[string, boolean, Record<string, string | undefined>, 'run' | 'skip' | 'fail']> = [
    ['present: runs, CI or not', true, { CI: 'true' }, 'run'],
    ['present, no CI: runs', true, {}, 'run'],
    ['missing under CI=true: fails', false, { CI: 'true' }, 'fail'],
    ['missing under CI=1: fails', false, { CI: '1' }, 'fail'],
    ['missing under any other CI value (CI=yes): fails', false, { CI: 'yes' }, 'fail'],
    ['missing without CI: skips', false, {}, 'skip'],
    ['missing with CI empty: skips', false, { CI: '' }, 'skip'],
    ['missing with CI=false: skips', false, { CI: 'false' }, 'skip'],
    ['missing with CI=0: skips', false, { CI: '0' }, 'skip'],
  ]
  for (const [proves, ok, env, want] of rows) t.equal(prerequisiteVerdict(ok, env), want, proves)
  t.equal(underCi({ CI: ' TRUE ' }), true, 'CI is read case- and space-insensitively')
})

t.test('requireOrSkip: what it does to the test it is called in', async (t) => {
  const calls: string[] = []
  const fake = {
    fail: (m?: string) => void calls.push(`fail ${m}`),
    plan: (n: number, c?: string) => void calls.push(`plan ${n} ${c}`),
  } as unknown as Parameters<typeof requireOrSkip>[0]
  t.equal(requireOrSkip(fake, 'python3', true, { CI: 'true' }), true, 'present: go on')
  t.same(calls, [], 'present: nothing recorded')
  t.equal(requireOrSkip(fake, 'python3', false, {}), false, 'missing off CI: stop')
  t.match(calls.pop(), /^plan 0 skip: missing python3/, 'missing off CI: a plan of 0 with the reason (tap counts a skip)')
  t.equal(requireOrSkip(fake, 'python3', false, { CI: 'true' }), false, 'missing under CI: stop')
  t.match(calls.pop(), /^fail missing prerequisite: python3 /, 'missing under CI: a failure naming the prerequisite')
})

const testFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : /\.(ts|mts|js|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  )

t.test('no test file skips, todos or reads CI on its own', async (t) => {
  const self = fileURLToPath(import.meta.url)
  // Each pattern is a way to turn a failure into a pass or a skip without the helper deciding.
  const banned: Array<[RegExp, string]> = [
    [/\{\s*skip\s*[:,}]/, 'a { skip } option (use requireOrSkip in the test body)'],
    [/\bt\.skip\s*\(|\.skip\s*\(\s*['"`]/, 't.skip (use requireOrSkip)'],
    [/\btodo\s*:|\bt\.todo\s*\(/, 'a todo (a failing test must fail)'],
    [/process\.env\.CI\b|env\.CI\b/, 'reading CI directly (use the helper, so the rule lives in one place)'],
    [/\.plan\(\s*0\s*[,)]/, 't.plan(0) (use requireOrSkip)'],
  ]
  const found: string[] = []
  for (const file of testFiles(join(ROOT, 'test'))) {
    if (file === self || file.endsWith(join('helpers', 'prerequisites.ts'))) continue
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const [re, why] of banned) if (re.test(line)) found.push(`${relative(ROOT, file)}:${i + 1}: ${why}`)
      })
  }
  t.same(found, [], 'every skip goes through test/helpers/prerequisites.ts')
})
