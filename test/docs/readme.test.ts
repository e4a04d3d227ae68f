// The README is where a new user of the code starts: its links and anchors (and those of
// docs/) must lead somewhere, and its "Test prerequisites" must name every outside program the
// tests run, so `npm ci && npm test` on a fresh machine needs nothing the README does not list.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import t from 'tap'

const root = process.cwd()
const pages = [
  'README.md',
  'SECURITY.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
]

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
const anchors = (markdown: string): Set<string> => {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line)
    if (!m) continue
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n ? `${base}-${n}` : base)
  }
  return out
}

/** Markdown links [text](target) outside code, but not images' alt text or URLs. */
const links = (markdown: string): string[] => {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l))
}

t.test('every relative link and #anchor in README.md, SECURITY.md and docs/ resolves', async (t) => {
  let checked = 0
  for (const page of pages) {
    for (const link of links(readFileSync(page, 'utf8'))) {
      const [path = '', anchor] = link.split('#')
      const target = path ? join(dirname(page), path) : page
      checked++
      if (!existsSync(target)) {
        t.fail(`${page}: ${link} names a missing file`)
        continue
      }
      if (anchor !== undefined && statSync(target).isFile() && target.endsWith('.md')) {
        t.ok(anchors(readFileSync(target, 'utf8')).has(anchor), `${page}: ${link} (#${anchor} in ${relative(root, target) || page})`)
      } else t.pass(`${page}: ${link}`)
    }
  }
  t.ok(checked > 20, `links were found (${checked})`)
  const readme = readFileSync('README.md', 'utf8')
  for (const doc of ['docs/what-it-does.md', 'docs/consumers-and-grants.md', 'docs/troubleshooting.md'])
    t.match(readme, `](${doc})`, `the README links ${doc}`)
  for (const heading of ['Quick start', 'Test prerequisites', 'Three ways to run it', 'Configuration', 'Architecture', 'Development']) {
    t.match(readme, new RegExp(`^## ${heading}$`, 'm'), `the README keeps "## ${heading}"`)
  }
  t.match(readme, /npm ci && npm test/, 'the two commands')
})

/** Every file under test/ (and src/, for the systemd-notify fallback), recursively. */
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  )

t.test('"Test prerequisites" names every outside program the tests run', async (t) => {
  const readme = readFileSync('README.md', 'utf8')
  const section = readme.slice(
    readme.indexOf('## Test prerequisites'),
    readme.indexOf('\n## ', readme.indexOf('## Test prerequisites') + 5),
  )
  t.ok(section.length > 200, 'the section is there')
  const programs = new Set<string>()
  for (const file of [...sources('test'), ...sources('src')]) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/\b(?:spawn|spawnSync|execFile|execFileSync|runTool)\(\s*'([^']+)'/g)) programs.add(m[1]!)
  }
  const builtIn = new Set(['/bin/sh', 'sh']) // POSIX: every machine has one
  const named = [...programs].filter((p) => !builtIn.has(p)).sort()
  t.ok(named.includes('python3') && named.includes('moto_server'), `programs were found: ${named.join(', ')}`)
  for (const program of named)
    t.match(section, new RegExp(`\\b${program.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\b`), `${program} is listed`)
  for (const module of ['boto3', 'botocore', 'PyYAML']) t.match(section, module, `python3's ${module} is listed`)
  t.match(section, '/usr/bin/aws', 'the AWS CLI v2 at /usr/bin/aws')
  t.match(section, /```sh\n[^`]*apt-get install[^`]*pip install[^`]*```/, 'with the command that installs them')
  // .ci/run checks the same things (and installs the Debian ones).
  const ci = readFileSync('.ci/run', 'utf8')
  for (const tool of [
    'moto_server',
    'python3',
    'systemd-analyze',
    'prlimit',
    'setpriv',
    'script',
    'pgrep',
    'yaml',
    'boto3',
    '/usr/bin/aws',
  ])
    t.match(ci, tool, `.ci/run checks ${tool}`)
})
