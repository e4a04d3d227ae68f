import t from 'tap'
import { spawn } from 'node:child_process'
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { isTempFileOf, removeStaleTempFiles, resolveSymlink, writeFileAtomic } from '../../src/files/atomic-write.js'
import { realFs, type FsOps } from '../../src/files/fs-ops.js'

const mode = (p: string): number => statSync(p).mode & 0o777
const temps = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'))
const eio = (what: string): NodeJS.ErrnoException => Object.assign(new Error(`${what}: injected EIO`), { code: 'EIO' })

t.test('creates missing folders 0700 and the file 0600, whatever the umask', async (t) => {
  const home = t.testdir({})
  const old = process.umask(0o000)
  t.teardown(() => void process.umask(old))
  const file = join(home, '.aws', 'nested', 'credentials')
  t.equal(await writeFileAtomic(file, 'one\n'), true)
  t.equal(readFileSync(file, 'utf8'), 'one\n')
  t.equal(mode(file), 0o600)
  t.equal(mode(join(home, '.aws')), 0o700)
  t.equal(mode(join(home, '.aws', 'nested')), 0o700)
  t.equal(mode(home), statSync(home).mode & 0o777, 'an existing folder is not touched')
})

t.test('replaces an existing file and tightens its mode; honours an explicit mode', async (t) => {
  const dir = t.testdir({ credentials: 'old\n' })
  const file = join(dir, 'credentials')
  chmodSync(file, 0o644)
  await writeFileAtomic(file, 'new\n')
  t.equal(readFileSync(file, 'utf8'), 'new\n')
  t.equal(mode(file), 0o600)
  await writeFileAtomic(file, 'newer\n', { mode: 0o640 })
  t.equal(mode(file), 0o640)
  t.same(temps(dir), [])
})

t.test('writes through symlinks and keeps them', async (t) => {
  const dir = t.testdir({ dotfiles: { aws: { credentials: '[a]\n' } }, home: { '.aws': {} } })
  const target = join(dir, 'dotfiles', 'aws', 'credentials')
  const link = join(dir, 'home', '.aws', 'credentials')
  const link2 = join(dir, 'home', 'creds')
  symlinkSync('../../dotfiles/aws/credentials', link)
  symlinkSync('.aws/credentials', link2)
  t.equal(await resolveSymlink(link2), target)
  await writeFileAtomic(link2, '[b]\n')
  t.ok(lstatSync(link).isSymbolicLink(), 'first link kept')
  t.ok(lstatSync(link2).isSymbolicLink(), 'second link kept')
  t.equal(readFileSync(target, 'utf8'), '[b]\n')
  t.equal(mode(target), 0o600)
  t.same(temps(join(dir, 'dotfiles', 'aws')), [], 'temp file was beside the target')

  const dangling = join(dir, 'home', 'later')
  symlinkSync('../dotfiles/not-yet', dangling)
  await writeFileAtomic(dangling, 'x')
  t.ok(lstatSync(dangling).isSymbolicLink())
  t.equal(readFileSync(join(dir, 'dotfiles', 'not-yet'), 'utf8'), 'x', 'a dangling link gets its target created')

  const loop = join(dir, 'loop')
  symlinkSync('loop', loop)
  await t.rejects(writeFileAtomic(loop, 'x'), { code: 'ELOOP' })
})

t.test('beforeRename can cancel: nothing changes and no temp file is left', async (t) => {
  const dir = t.testdir({ f: 'keep' })
  let called = 0
  t.equal(await writeFileAtomic(join(dir, 'f'), 'other', { beforeRename: () => (called++, false) }), false)
  t.equal(called, 1)
  t.equal(readFileSync(join(dir, 'f'), 'utf8'), 'keep')
  t.same(temps(dir), [])
})

t.test('a failure at any step leaves the old file and no temp file', async (t) => {
  const faults: Array<[string, (fs: FsOps) => FsOps]> = [
    ['write', (fs) => ({ ...fs, open: async (p, f, m) => wrapHandle(await fs.open(p, f, m), 'writeFile') })],
    ['fsync', (fs) => ({ ...fs, open: async (p, f, m) => wrapHandle(await fs.open(p, f, m), 'sync') })],
    [
      'rename',
      (fs) => ({
        ...fs,
        renameSync: () => {
          throw eio('rename')
        },
      }),
    ],
    [
      'open',
      (fs) => ({
        ...fs,
        open: async () => {
          throw eio('open')
        },
      }),
    ],
  ]
  for (const [step, inject] of faults) {
    const dir = t.testdir({ credentials: 'old\n' })
    await t.rejects(writeFileAtomic(join(dir, 'credentials'), 'new\n', { fs: inject(realFs) }), { code: 'EIO' }, step)
    t.equal(readFileSync(join(dir, 'credentials'), 'utf8'), 'old\n', `${step}: old content`)
    t.same(temps(dir), [], `${step}: no temp file`)
  }
})

const wrapHandle = <H extends object>(h: H, failing: string): H =>
  new Proxy(h, {
    get: (target, prop, recv) => {
      if (prop === failing)
        return async () => {
          throw eio(String(prop))
        }
      const v = Reflect.get(target, prop, recv)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })

t.test('stale temp files: only ours, only older than a minute', async (t) => {
  const dir = t.testdir({
    '.credentials.123.0123456789ab.tmp': 'old',
    '.credentials.456.abcdefabcdef.tmp': 'fresh',
    '.credentials.bak': 'not ours',
    '.config.123.0123456789ab.tmp': "another file's",
    credentials: '',
  })
  const now = Date.now()
  const ago = (s: number): Date => new Date(now - s * 1000)
  for (const n of ['.credentials.123.0123456789ab.tmp', '.credentials.bak', '.config.123.0123456789ab.tmp'])
    utimesSync(join(dir, n), ago(120), ago(120))
  const target = join(dir, 'credentials')
  t.ok(isTempFileOf(target, '.credentials.123.0123456789ab.tmp'))
  t.notOk(isTempFileOf(target, '.credentials.bak'))
  t.notOk(isTempFileOf(target, '.credentials.x.0123456789ab.tmp'))
  t.same(await removeStaleTempFiles(target, now), [join(dir, '.credentials.123.0123456789ab.tmp')])
  t.same(readdirSync(dir).sort(), ['.config.123.0123456789ab.tmp', '.credentials.456.abcdefabcdef.tmp', '.credentials.bak', 'credentials'])
  t.same(
    await removeStaleTempFiles(target, now + 120_000),
    [join(dir, '.credentials.456.abcdefabcdef.tmp')],
    'a minute later the other one too',
  )
})

// A separate process reads the file in a tight loop while we replace it: every read must be
// one whole version. An in-place writer (open with O_TRUNC, then write) fails this.
t.test('a concurrent reader never sees a partial file', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'credentials')
  const stop = join(dir, 'stop')
  const version = (n: number): string => `[app]\ngen = ${n}\npad = ${'x'.repeat(200 + (n % 7) * 900)}\nend = ${n}\n`
  await writeFileAtomic(file, version(0))
  const reader = spawn(
    process.execPath,
    [
      '-e',
      `
    const fs = require('node:fs')
    const [file, stop] = process.argv.slice(1)
    let reads = 0, bad = 0
    const seen = new Set()
    process.stdout.write('ready\\n')
    while (!fs.existsSync(stop)) {
      for (let i = 0; i < 50; i++) {
        const s = fs.readFileSync(file, 'utf8')
        reads++
        const m = /^\\[app\\]\\ngen = (\\d+)\\npad = x+\\nend = (\\d+)\\n$/.exec(s)
        if (!m || m[1] !== m[2] || s.length !== 200 + (m[1] % 7) * 900 + 27 + 2 * m[1].length) bad++
        else seen.add(m[1])
      }
    }
    process.stdout.write(JSON.stringify({ reads, bad, distinct: seen.size }) + '\\n')
  `,
      file,
      stop,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  reader.stdout.on('data', (d) => (out += d))
  await new Promise<void>((r) => reader.stdout.once('data', () => r()))
  for (let n = 1; n <= 150; n++) await writeFileAtomic(file, version(n))
  writeFileSync(stop, '')
  await new Promise((r) => reader.on('exit', r))
  const res = JSON.parse(out.split('\n').filter(Boolean).at(-1)!)
  t.equal(res.bad, 0, `no partial read in ${res.reads} reads`)
  t.ok(res.reads >= 1000, 'the reader really raced the writer')
  t.ok(res.distinct >= 2, 'the reader saw the file change')
})
