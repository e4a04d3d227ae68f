import t from 'tap'
import { lintIni } from '../../src/core/ini-lint.js'

t.test('what botocore refuses and the SDK skips', async (t) => {
  t.same(lintIni('[default]\nregion = us-east-1\n\n# c\n; c\n[profile a]\nrole_arn = x\n  continued\n'), [], 'a good file')
  t.same(lintIni('[profile a]\nrole_arn = x\n[profile b\nregion = x\n'), [
    { line: 3, problem: 'section header "[profile b" has no closing ]' },
  ])
  t.same(lintIni('[a]\ngarbage\n'), [
    { line: 2, problem: 'this line is neither a [section] nor a key = value line (a value pasted on a line of its own?)' },
  ])
  const pasted = lintIni('[a]\naws_secret_access_key =\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n')
  t.equal(pasted.length, 1)
  t.notMatch(pasted[0]!.problem, /wJal|EXAMPLEKEY/, 'no part of a pasted secret is echoed')
  t.same(lintIni('region = x\n[a]\n'), [{ line: 1, problem: 'a key = value line before any [section]' }])
  t.same(lintIni('[a]\r\nx = 1\r\n'), [], 'CRLF')
  const long = lintIni('[a]\nwJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n')
  t.notMatch(long[0]!.problem, 'EXAMPLEKEY', 'a stray secret is not echoed whole')
})

t.test('agrees with botocore on which files it refuses', async (t) => {
  const { execFileSync } = await import('node:child_process')
  const { writeFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const dir = t.testdir({})
  const cases = ['[a]\nx = 1\n', '[a]\nx = 1\n[b\n', '[a]\njunk\n', 'x = 1\n[a]\n', '[a]\nx = 1\n  y\n# c\n']
  for (const text of cases) {
    const file = join(dir, 'config')
    writeFileSync(file, text)
    let refused = false
    try {
      execFileSync('python3', ['-c', 'import sys, botocore.configloader as c; c.raw_config_parse(sys.argv[1])', file], { stdio: 'pipe' })
    } catch {
      refused = true
    }
    t.equal(lintIni(text).length > 0, refused, JSON.stringify(text))
  }
})
