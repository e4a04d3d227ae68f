// The formatter is part of the suite: a file prettier would change fails here,
// named, so style never becomes a question in review. `npm run format` fixes it.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const prettier = fileURLToPath(new URL('../../node_modules/prettier/bin/prettier.cjs', import.meta.url))

t.test('every source, test, script and bench file is as prettier writes it', async (t) => {
  let unformatted: string[] = []
  try {
    execFileSync(process.execPath, [prettier, '--list-different', 'src', 'test', 'scripts', 'bench'], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    })
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string }
    // --list-different exits 1 and lists the files when some differ; 2 means prettier itself failed.
    t.equal(err.status, 1, `prettier failed: ${err.stderr ?? ''}`)
    unformatted = (err.stdout ?? '').split('\n').filter(Boolean)
  }
  t.same(unformatted, [], 'files prettier would change (run `npm run format`)')
})
