// SECURITY.md names, for each defence, the test that proves it. This keeps the page honest:
// every test file it names exists, every quoted test name is found in that file, and every
// row of a defence table names at least one test.
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'

const doc = readFileSync('SECURITY.md', 'utf8')

t.test('every test file SECURITY.md names exists, and every quoted test name is in it', async (t) => {
  // `test/x.test.ts` › "name", "other name"
  const refs = [...doc.matchAll(/`(test\/[\w./-]+\.test\.ts)`((?:\s*›\s*(?:"[^"]+"(?:,\s*)?(?:and\s+)?)+)?)/g)]
  t.ok(refs.length > 30, `${refs.length} references`)
  for (const [, file, names] of refs) {
    t.ok(existsSync(file!), `${file} exists`)
    if (!names || !existsSync(file!)) continue
    const source = readFileSync(file!, 'utf8')
    for (const [, name] of names.matchAll(/"([^"]+)"/g)) {
      // "…" stands for what a template fills in or a long name leaves out: every other part must be there.
      const parts = name!
        .split('…')
        .map((p) => p.trim())
        .filter((p) => p.length > 0)
      t.ok(parts.length > 0 && parts.every((p) => source.includes(p)), `${file}: test named ${JSON.stringify(name)}`)
    }
  }
})

t.test('every defence row names the test that proves it', async (t) => {
  const rows = doc
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| defence') && !l.startsWith('| ---') && l.split('|').length === 5)
  const defenceRows = rows.filter(
    (l) =>
      !/^\| (who|what) /.test(l) &&
      !/^\| (The daemon|root|A \*\*consumer|A program under|Other local|Web pages|Other machines|Upstream)/.test(l),
  )
  t.ok(defenceRows.length >= 20, `${defenceRows.length} defence rows`)
  for (const row of defenceRows) {
    const proof = row.split('|')[3]!
    t.match(proof, /`test\/[\w./-]+\.test\.ts`/, row.slice(0, 80))
  }
})
