// No source file decides anything by an error's message text: what happens next is
// decided by code, kind or class (src/core/errors.ts). This scan fails naming
// file:line for each way of reading a message seen in the past (includes, regex
// test/exec/match, startsWith, comparisons), and is shown to catch each of them.
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
const SRC = join(ROOT, 'src')

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : []
  })

/** A name holding an error's text: `.message`, or a variable the code fills from one. */
const TEXT = String.raw`(?:\.message|\b(?:reason|lastError|errorText|detail)|(?:errorLine|errorLine|renderError)\([^)]*\))`
const READS = String.raw`(?:includes|startsWith|endsWith|match|matchAll|indexOf|lastIndexOf|search)`
const PATTERNS: { what: string; re: RegExp }[] = [
  { what: 'a method reading the message', re: new RegExp(String.raw`${TEXT}\s*\??\.\s*${READS}\(`) },
  {
    what: 'a regex run on the message',
    re: new RegExp(String.raw`\.(?:test|exec)\(\s*(?:[\w.?]*\.message\b|\x60[^\x60]*\$\{[\w.?]*message\})`),
  },
  // (a check for undefined or null is not reading the text)
  { what: 'a comparison with the message', re: /\.message\s*[!=]==?(?!=)(?!\s*(?:undefined|null)\b)|[!=]==?\s*[\w.?()]*\.message\b/ },
  { what: 'a switch on the message', re: /switch\s*\(\s*[\w.?]*\.message\s*\)/ },
]

/**
 * The one place allowed, and why: STS says "the keys are fine, your clock is off" only
 * in the text of a SignatureDoesNotMatch (no code of its own), and that is an AWS
 * answer read by `doctor`, not one of aws-credd's errors.
 */
const ALLOWED = new Set(['src/core/doctor/key-checks.ts:SKEW'])

const isComment = (line: string): boolean => /^\s*(\/\/|\*|\/\*)/.test(line)

const scan = (path: string, text: string): string[] =>
  text.split('\n').flatMap((line, i) => {
    if (isComment(line)) return []
    const hit = PATTERNS.find((p) => p.re.test(line))
    if (!hit) return []
    if (
      [...ALLOWED].some((a) => {
        const [f, tag] = a.split(':')
        return path === f && line.includes(tag!)
      })
    )
      return []
    return [`${path}:${i + 1}: ${hit.what}: ${line.trim()}`]
  })

t.test('no file in src/ branches on an error message', async (t) => {
  const files = sourceFiles(SRC)
  t.ok(files.length > 50, 'read src/')
  const hits = files.flatMap((f) => scan(relative(ROOT, f), readFileSync(f, 'utf8')))
  t.same(hits, [], hits.join('\n'))
})

t.test('the scan catches each way it was done before (the lines this issue removed)', async (t) => {
  const planted = [
    "      if (this.profileErrors.get(profile)?.message !== err.message) this.emit({ type: 'profile-error' })",
    '  if ((opts.fix ?? true) && a.fix && !a.message.includes(a.fix)) lines.push(`Fix: ${a.fix}`)',
    '  const named = errorLine(e).includes(`"${profile}"`) ? text : `profile "${profile}": ${text}`',
    '    io.stderr(`aws-credd process: ${reason.includes(`"${profile}"`) ? reason : `no valid credentials`}`)',
    "  if (typeof err?.message !== 'string' || !/Command failed|credential_process|exited/i.test(err.message)) return e",
    '  const exit = /code[: ]+(\\d+)/i.exec(err.message)?.[1]',
    "  if (e.message.startsWith('Signature expired')) return 'skew'",
    '  const skew = SKEW2.test(`${code} ${message}`)',
    '  switch (e.message) {',
  ]
  for (const line of planted) t.equal(scan('src/planted.ts', line).length, 1, line.trim())
  t.same(scan('src/planted.ts', '  // e.message.includes(x) in a comment is fine'), [])
  t.same(scan('src/planted.ts', "  if (e.code === 'MfaRequired') return"), [], 'deciding by code is the way')
  t.same(scan('src/planted.ts', "  const m = e.message === undefined ? '' : String(e.message)"), [], 'a check for undefined reads no text')
})
