// Every fix line is written once (src/core/fixes.ts): each catalog entry's text,
// cut into the parts its arguments do not fill, appears nowhere else in src/, and
// no command it names (`aws-credd mfa PROFILE`, `aws sso login --…`) is spelled by
// hand outside the catalog.
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fixes } from '../../src/core/fixes.js'

const ROOT = join(import.meta.dirname, '..', '..')
const CATALOG = 'src/core/fixes.ts'

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : []
  })

/** Source lines outside comments: a comment may name a command. */
const codeOf = (text: string): string =>
  text
    .split('\n')
    .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l))
    .join('\n')
const files = sourceFiles(join(ROOT, 'src')).map((p) => ({ path: relative(ROOT, p), text: codeOf(readFileSync(p, 'utf8')) }))

/** A placeholder no fix text contains: whatever an argument fills is cut out at it. */
const HOLE = '\u0000'
const session = { ssoSession: HOLE, label: HOLE }
/** The arguments each function entry takes, all holes; a profile name by default. */
const ARGS: Record<string, unknown[]> = { ssoLogin: [session], runSsoLogin: [session], runCreddLogin: [session], awsSsoLogin: [HOLE, HOLE] }
const textOf = (name: string, entry: unknown): string => {
  if (typeof entry === 'string') return entry
  if (typeof entry !== 'function') throw new Error(`fixes.${name} is neither a text nor a function`)
  return String(entry(...(ARGS[name] ?? [HOLE])))
}

/** The parts of a fix text long enough to be its wording (not "run: " or a closing parenthesis). */
const fragments = (text: string): string[] =>
  text
    .split(HOLE)
    .map((s) => s.trim())
    .filter((s) => s.length >= 12)

/** Files other than the catalog where `fragment` is written (in a string, a template or a regex). */
const elsewhere = (fragment: string): string[] => files.filter((f) => f.path !== CATALOG && f.text.includes(fragment)).map((f) => f.path)

t.test('each catalog entry has wording of its own, written in the catalog only', async (t) => {
  const entries = Object.entries(fixes)
  t.ok(entries.length >= 8, 'the catalog is read')
  for (const [name, entry] of entries) {
    const parts = fragments(textOf(name, entry))
    t.ok(parts.length > 0, `fixes.${name} has wording to look for`)
    for (const part of parts) t.same(elsewhere(part), [], `fixes.${name}: "${part}" written by hand elsewhere`)
  }
})

t.test('the commands the fixes name are spelled in the catalog only', async (t) => {
  // `aws-credd mfa PROFILE CODE` was written in three wordings before the catalog.
  for (const re of [
    /aws-credd mfa \$\{/,
    /aws sso login --/,
    /aws sso login \$\{/,
    /aws-credd login \$\{/,
    /start it with `aws-credd run`/,
  ]) {
    const hits = files.filter((f) => f.path !== CATALOG && re.test(f.text)).map((f) => f.path)
    t.same(hits, [], `${re} outside ${CATALOG}`)
  }
})

t.test('"; fix: " joins a message and its fix in one place (withFix in core/errors.ts)', async (t) => {
  const hits = files
    .filter((f) => f.path !== 'src/core/errors.ts' && !f.path.startsWith('src/emulator/') && f.text.includes('; fix: '))
    .map((f) => f.path)
  t.same(hits, [], 'hand-joined fix lines')
})

t.test('the check can fail: a hand-written copy of a fix is found', async (t) => {
  const copy = { path: 'src/planted.ts', text: `fix: \`run: aws-credd mfa \${p} CODE (the current code of its MFA device)\`` }
  const part = fragments(fixes.mfa(HOLE)).find((p) => p.includes('MFA device'))!
  t.ok(copy.text.includes(part), 'a second wording of the MFA fix carries the catalog fragment')
  t.ok(/aws-credd mfa \$\{/.test(copy.text))
})

t.test('the texts, as users see them', async (t) => {
  const s = { ssoSession: 'corp', label: 'corp' }
  const legacy = { ssoSession: undefined, label: 'profile old' }
  t.equal(fixes.mfa('admin'), 'run: aws-credd mfa admin CODE (the current code of its MFA device)')
  t.equal(fixes.mfaViaDaemon('admin'), 'start it (aws-credd run), then run: aws-credd mfa admin CODE')
  t.equal(fixes.ssoLogin(s), 'aws-credd login --sso-session corp (or aws sso login --sso-session corp)')
  t.equal(fixes.ssoLogin(legacy), 'aws-credd login --profile old (or aws sso login --profile old)')
  t.equal(fixes.runSsoLogin(s), 'run: aws-credd login --sso-session corp (or aws sso login --sso-session corp)')
  t.equal(fixes.runCreddLogin(s), 'run aws-credd login --sso-session corp')
  t.equal(fixes.awsSsoLogin('corp', 'dev'), 'aws sso login --sso-session corp')
  t.equal(fixes.awsSsoLogin(undefined, 'dev'), 'aws sso login --profile dev')
  t.equal(fixes.checkProfile('dev'), 'check profile "dev" in the AWS config file, or start the daemon (aws-credd run) to see its status')
})
