import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import lockfile from 'proper-lockfile'
import type { Credentials } from '../../src/core/credentials.js'
import { CredentialsFileError } from '../../src/core/errors.js'
import { findSection, upsertSection } from '../../src/core/ini-section-edit.js'
import { isTempFileOf } from '../../src/files/atomic-write.js'
import { CredentialsFileWriter, defaultMarker } from '../../src/files/credentials-file.js'
import { realFs, type FsOps } from '../../src/files/fs-ops.js'
import { botocoreRead, sdkRead } from '../helpers/ini-readers.js'
import { requireOrSkip } from '../helpers/prerequisites.js'

const upper = (n: number): string => Array.from(randomBytes(n), (b) => String.fromCharCode(65 + (b % 26))).join('')
const fresh = (token = true): Credentials => ({
  accessKeyId: `ASIA${upper(16)}`,
  secretAccessKey: randomBytes(30).toString('base64'),
  ...(token ? { sessionToken: randomBytes(90).toString('base64') } : {}),
  expiresAt: Date.now() + 3600_000,
})
const LONG_TERM = '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n'
const mode = (p: string): number => statSync(p).mode & 0o777
const read = (p: string): string => readFileSync(p, 'utf8')
const keysOf = (c: Credentials): Record<string, string | undefined> => ({
  aws_access_key_id: c.accessKeyId,
  aws_secret_access_key: c.secretAccessKey,
  aws_session_token: c.sessionToken,
})
const appKeys = (s: Record<string, string> | undefined): Record<string, string | undefined> => ({
  aws_access_key_id: s?.aws_access_key_id,
  aws_secret_access_key: s?.aws_secret_access_key,
  aws_session_token: s?.aws_session_token,
})

/** Both readers must read exactly these keys from [app]. */
const bothRead = async (t: Test, file: string, want: Record<string, string | undefined>): Promise<void> => {
  t.same(appKeys((await sdkRead(file)).app), want, 'the AWS SDK reads them')
  const [boto] = botocoreRead([file])
  t.notOk(boto!.error, 'botocore can parse the file')
  t.same(appKeys(boto!.ok?.app), want, 'botocore reads them')
}

t.test('creates folder 0700 and file 0600; both readers see the keys; a second write keeps the rest', async (t) => {
  const home = t.testdir({})
  const file = join(home, '.aws', 'credentials')
  const w = new CredentialsFileWriter({ path: file })
  const c1 = fresh()
  await w.apply([{ section: 'app', profile: 'app-admin', credentials: c1 }])
  t.equal(mode(join(home, '.aws')), 0o700)
  t.equal(mode(file), 0o600)
  t.match(read(file), /^\[app\]\n# managed by aws-credd: profile app-admin;/)
  await bothRead(t, file, keysOf(c1))
  t.notOk(existsSync(`${file}.lock`), 'lock released')

  const mine = `# mine\n${LONG_TERM}\n`
  writeFileSync(file, mine + read(file))
  chmodSync(file, 0o644)
  const c2 = fresh(false)
  await w.apply([
    { section: 'app', profile: 'app-admin', credentials: c2 },
    { section: 'other', profile: 'o', credentials: c1 },
  ])
  t.ok(read(file).startsWith(mine), 'bytes of other programs kept')
  t.equal(mode(file), 0o600, 'mode tightened')
  await bothRead(t, file, { ...keysOf(c2), aws_session_token: undefined })
  t.equal((await sdkRead(file)).other?.aws_session_token, c1.sessionToken, 'several sections in one apply')

  const before = read(file)
  chmodSync(file, 0o644)
  await w.apply([{ section: 'app', profile: 'app-admin', credentials: c2 }])
  t.equal(read(file), before, 'same keys: same bytes')
  t.equal(mode(file), 0o600, 'mode tightened even when nothing else changes')
})

t.test('null removes our keys, keeps header, marker and the rest', async (t) => {
  const dir = t.testdir({ credentials: LONG_TERM })
  const file = join(dir, 'credentials')
  const w = new CredentialsFileWriter({ path: file })
  await w.apply([{ section: 'app', profile: 'p', credentials: fresh() }])
  await w.apply([{ section: 'app', profile: 'p', credentials: null }])
  t.equal(read(file), `${LONG_TERM}\n[app]\n${defaultMarker('p')}\n`)
  await bothRead(t, file, { aws_access_key_id: undefined, aws_secret_access_key: undefined, aws_session_token: undefined })
  await w.apply([{ section: 'gone', profile: 'p', credentials: null }])
  t.equal(read(file), `${LONG_TERM}\n[app]\n${defaultMarker('p')}\n`, 'removing from a missing section writes nothing')
})

t.test('refuses a section holding long-term keys it did not write; the marker makes them ours', async (t) => {
  const dir = t.testdir({
    credentials: `${LONG_TERM}\n[app]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`,
  })
  const file = join(dir, 'credentials')
  const before = read(file)
  const w = new CredentialsFileWriter({ path: file })
  for (const section of ['default', 'app']) {
    for (const credentials of [fresh(), null]) {
      const err = await w.apply([{ section, profile: 'dev', credentials }]).catch((e) => e)
      t.type(err, CredentialsFileError)
      t.match(err, { code: 'UnmanagedLongTermKeys', kind: 'permanent', file, fix: /writeTo/ })
      t.match(err.message, file)
      t.match(err.message, `[${section}]`)
      t.notMatch(err.message, 'wJalr', 'no secret in the message')
    }
  }
  t.equal(read(file), before, 'file untouched')

  const other = fresh()
  await t.rejects(
    w.apply([
      { section: 'app', profile: 'dev', credentials: fresh() },
      { section: 'ok', profile: 'ok', credentials: other },
    ]),
    { code: 'UnmanagedLongTermKeys' },
  )
  t.equal((await sdkRead(file)).ok?.aws_access_key_id, other.accessKeyId, 'the other sections of the same apply are still written')

  // Regression: `aws configure set aws_access_key_id AKIA… --profile app` keeps our
  // marker; the marker must not license overwriting the long-term key put there.
  writeFileSync(file, `[app]\n${defaultMarker('dev')}\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n`)
  const inside = read(file)
  await t.rejects(w.apply([{ section: 'app', profile: 'dev', credentials: fresh() }]), { code: 'UnmanagedLongTermKeys' })
  t.equal(read(file), inside, 'a long-term key inside a managed section is kept')
  // A static profile's own long-term keys, written by aws-credd before, are rewritten as they are.
  const same = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
  await w.apply([{ section: 'app', profile: 'dev', credentials: same }])
  await bothRead(t, file, keysOf(same))
})

t.test('symlinked credentials file: the target is written and the link kept', async (t) => {
  const dir = t.testdir({ dotfiles: { 'aws-credentials': LONG_TERM }, home: { '.aws': {} } })
  const link = join(dir, 'home', '.aws', 'credentials')
  symlinkSync('../../dotfiles/aws-credentials', link)
  const c = fresh()
  await new CredentialsFileWriter({ path: link }).apply([{ section: 'app', profile: 'p', credentials: c }])
  t.ok(lstatSync(link).isSymbolicLink())
  t.ok(read(join(dir, 'dotfiles', 'aws-credentials')).startsWith(LONG_TERM))
  t.equal(mode(join(dir, 'dotfiles', 'aws-credentials')), 0o600)
  await bothRead(t, link, keysOf(c))
})

t.test('a change made between our read and our rename is never lost', async (t) => {
  const dir = t.testdir({ credentials: LONG_TERM })
  const file = join(dir, 'credentials')
  let edits = 0
  // Another program saves the file while our temp file is being written.
  const racing = (times: number): FsOps => ({
    ...realFs,
    open: async (p, flags, m) => {
      if (p.endsWith('.tmp') && edits < times) writeFileSync(file, `${read(file)}\n[edit-${++edits}]\nregion = eu-west-${edits}\n`)
      return realFs.open(p, flags, m)
    },
  })
  const c = fresh()
  await new CredentialsFileWriter({ path: file, fs: racing(2) }).apply([{ section: 'app', profile: 'p', credentials: c }])
  const sdk = await sdkRead(file)
  t.equal(edits, 2)
  t.same([sdk['edit-1']?.region, sdk['edit-2']?.region], ['eu-west-1', 'eu-west-2'], 'both concurrent edits kept')
  await bothRead(t, file, keysOf(c))

  edits = 0
  const err = await new CredentialsFileWriter({ path: file, fs: racing(100), maxAttempts: 3 })
    .apply([{ section: 'app', profile: 'p', credentials: fresh() }])
    .catch((e) => e)
  t.match(err, { code: 'CredentialsFileBusy', kind: 'transient', file })
  t.match(read(file), '[edit-3]', "the other program's last save is there")
  t.same(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
    'no temp file left',
  )
})

t.test('lock: waits for, then reports, another holder; takes over a stale lock', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'credentials')
  const release = await lockfile.lock(file, { realpath: false })
  const err = await new CredentialsFileWriter({ path: file, lockRetries: 1 })
    .apply([{ section: 'app', profile: 'p', credentials: fresh() }])
    .catch((e) => e)
  t.match(err, { code: 'CredentialsFileLocked', kind: 'transient', file })
  t.notOk(existsSync(file))
  const waiting = new CredentialsFileWriter({ path: file }).apply([{ section: 'app', profile: 'p', credentials: fresh() }])
  setTimeout(() => void release(), 150)
  await waiting
  t.ok(existsSync(file), 'written once the holder let go')

  // A holder killed with SIGKILL leaves the lock folder behind; it goes stale after 10 s.
  mkdirSync(`${file}.lock`)
  const old = new Date(Date.now() - 30_000)
  utimesSync(`${file}.lock`, old, old)
  const c = fresh()
  await new CredentialsFileWriter({ path: file, lockRetries: 0 }).apply([{ section: 'app', profile: 'p', credentials: c }])
  t.equal((await sdkRead(file)).app?.aws_access_key_id, c.accessKeyId)
})

t.test('refuses what it cannot write faithfully, naming the file, without secrets', async (t) => {
  const dir = t.testdir({ latin1: Buffer.from('[caf\xe9]\nk = v\n', 'latin1'), ambiguous: '[app];note\nk = v\n' })
  const c = fresh()
  const cases: Array<[string, string, Credentials, string]> = [
    ['latin1', 'app', c, 'CredentialsFileNotUtf8'],
    ['ambiguous', 'app', c, 'AmbiguousSectionHeader'],
    ['x', 'profile dev', c, 'InvalidSectionName'],
    ['x', 'app', { ...c, secretAccessKey: `${c.secretAccessKey} oops` }, 'InvalidCredentialValue'],
  ]
  for (const [name, section, credentials, code] of cases) {
    const file = join(dir, name)
    const before = existsSync(file) ? readFileSync(file) : undefined
    const err = await new CredentialsFileWriter({ path: file }).apply([{ section, profile: 'dev', credentials }]).catch((e) => e)
    t.match(err, { code, file }, code)
    t.match(err.message, file)
    t.notMatch(err.message, c.secretAccessKey)
    t.same(existsSync(file) ? readFileSync(file) : undefined, before, `${code}: file untouched`)
  }
  const file = join(dir, 'x')
  await t.rejects(
    new CredentialsFileWriter({ path: file }).apply([
      { section: 'my app', profile: 'dev', credentials: c },
      { section: 'app', profile: 'ok', credentials: c },
    ]),
    { code: 'InvalidSectionName' },
  )
  t.equal((await sdkRead(file)).app?.aws_access_key_id, c.accessKeyId, 'a bad update does not hold back the others')
})

t.test('I/O failures become CredentialsFileError, transient or permanent', async (t) => {
  const dir = t.testdir({ credentials: LONG_TERM })
  const file = join(dir, 'credentials')
  for (const [code, kind] of [
    ['EIO', 'transient'],
    ['EACCES', 'permanent'],
  ] as const) {
    const fs: FsOps = {
      ...realFs,
      renameSync: () => {
        throw Object.assign(new Error('injected'), { code })
      },
    }
    const err = await new CredentialsFileWriter({ path: file, fs })
      .apply([{ section: 'app', profile: 'p', credentials: fresh() }])
      .catch((e) => e)
    t.match(err, { code: 'CredentialsFileWriteFailed', kind, file, message: new RegExp(code) })
    t.equal(read(file), LONG_TERM)
    t.same(
      readdirSync(dir).filter((n) => n !== 'credentials'),
      [],
      'no temp file, no lock left',
    )
  }
})

const tsImport = process.execArgv.find((a) => a.includes('@tapjs/typescript'))
const SRC = fileURLToPath(new URL('../../src/files/credentials-file.ts', import.meta.url))

t.test('100 applies while another process keeps editing other sections', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'credentials')
  const stop = join(dir, 'stop')
  writeFileSync(
    file,
    `# my keys\r\n${LONG_TERM.replaceAll('\n', '\r\n')}\r\n[app]\r\n${defaultMarker('p')}\r\naws_access_key_id = ASIAOLD\r\n\r\n`,
  )
  // Like an editor or `aws configure set`: read, change its own sections, save via rename.
  const editor = spawn(
    process.execPath,
    [
      '-e',
      `
    const fs = require('node:fs')
    const [file, stop] = process.argv.slice(1)
    const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
    const splice = (text, name, block) => {
      const m = new RegExp('^\\\\[' + name + '\\\\]\\\\r\\\\n(?:[^\\\\[\\\\r\\\\n].*\\\\r\\\\n|\\\\r\\\\n)*', 'm').exec(text)
      return m ? text.slice(0, m.index) + block + text.slice(m.index + m[0].length) : text + block
    }
    let i = 0, lost = 0, last = ''
    const keys = []
    while (!fs.existsSync(stop)) {
      let text = fs.readFileSync(file, 'utf8')
      if (last && !(text.includes(last.a) && text.includes(last.b))) lost++
      keys.push('k' + i + ' = v' + i)
      const a = '[child-a]\\r\\n; edited by the child\\r\\ncounter = ' + i + '\\r\\n\\r\\n'
      const b = '[child-b]\\r\\n' + keys.join('\\r\\n') + '\\r\\n\\r\\n'
      text = splice(splice(text, 'child-a', a), 'child-b', b)
      fs.writeFileSync(file + '.editor-tmp', text)
      fs.renameSync(file + '.editor-tmp', file)
      last = { a, b, text }
      i++
      pause()
    }
    process.stdout.write(JSON.stringify({ i, lost, last: last.text }))
  `,
      file,
      stop,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  editor.stdout.on('data', (d) => (out += d))
  const exited = new Promise((r) => editor.on('exit', r))
  while (!read(file).includes('[child-b]')) await new Promise((r) => setTimeout(r, 5))

  const w = new CredentialsFileWriter({ path: file })
  let c = fresh()
  for (let n = 0; n < 100; n++) await w.apply([{ section: 'app', profile: 'p', credentials: (c = fresh()) }])
  writeFileSync(stop, '')
  await exited
  const child = JSON.parse(out) as { i: number; lost: number; last: string }
  await w.apply([{ section: 'app', profile: 'p', credentials: (c = fresh()) }])

  const now = read(file)
  const outside = (s: string): string => {
    const at = findSection(s, 'app')!
    return s.slice(0, at.start) + s.slice(at.end)
  }
  t.ok(child.i > 20, `the editor saved ${child.i} times meanwhile`)
  t.equal(outside(now), outside(child.last), 'everything outside [app] is what the editor last wrote')
  const sdk = await sdkRead(file)
  t.equal(sdk['child-a']?.counter, String(child.i - 1), 'its last change is there')
  t.same(Object.keys(sdk['child-b'] ?? {}).length, child.i, 'every key it ever added is there')
  await bothRead(t, file, keysOf(c))
  // Only a save landing between our last stat and our rename can be overwritten (here the
  // editor saves again 5 ms later, which heals it). Measured on 2 busy CPUs: 0-4 per run,
  // when a rename waits for the CPU; a writer without the check overwrites 30-45 saves.
  t.comment(`editor saves: ${child.i}, overwritten: ${child.lost}`)
  t.ok(child.lost <= 10, `editor saves overwritten: ${child.lost}`)
})

t.test('killed with SIGKILL mid-loop: old or new content, at most one recognisable temp file, cleaned later', async (t) => {
  if (!requireOrSkip(t, 'the tap TypeScript loader (run the file with tap)', tsImport !== undefined)) return
  const dir = t.testdir({
    'child.mjs': `
    const { CredentialsFileWriter } = await import(process.argv[2])
    const w = new CredentialsFileWriter({ path: process.argv[3] })
    const id = (n) => 'ASIA' + String(n).padStart(16, '0')
    for (let n = 1; ; n++) {
      await w.apply([{ section: 'app', profile: 'p', credentials: { accessKeyId: id(n), secretAccessKey: 'secret' + n, sessionToken: 'token' + n } }])
      process.stdout.write(n + '\\n')
    }
  `,
  })
  const file = join(dir, 'credentials')
  writeFileSync(file, LONG_TERM)
  const child = spawn(process.execPath, [tsImport!, join(dir, 'child.mjs'), SRC, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '', TS_NODE_TRANSPILE_ONLY: '1' },
  })
  let last = 0
  let gone = false
  child.stdout.on('data', (d: Buffer) => (last = Number(d.toString().trim().split('\n').at(-1))))
  const exited = new Promise((r) => child.on('exit', () => r((gone = true))))
  while (last < 30 && !gone) await new Promise((r) => setTimeout(r, 10))
  t.notOk(gone, 'the writer ran')
  await new Promise((r) => setTimeout(r, Math.random() * 20))
  child.kill('SIGKILL')
  await exited

  const versions = Array.from({ length: last + 2 }, (_, n) =>
    n === 0
      ? LONG_TERM
      : upsertSection(
          LONG_TERM,
          'app',
          [
            ['aws_access_key_id', 'ASIA' + String(n).padStart(16, '0')],
            ['aws_secret_access_key', `secret${n}`],
            ['aws_session_token', `token${n}`],
          ],
          defaultMarker('p'),
        ),
  )
  const content = read(file)
  t.ok(versions.slice(-3).includes(content), 'the file is one whole recent version')
  const temps = readdirSync(dir).filter((n) => n.endsWith('.tmp'))
  t.ok(temps.length <= 1, `at most one temp file (${temps.length})`)
  for (const n of temps) t.ok(isTempFileOf(file, n), `${n} is recognisably ours`)

  // The next writer: the killed one's lock folder is stale after 10 s, its temp file after a minute.
  const old = new Date(Date.now() - 120_000)
  if (existsSync(`${file}.lock`)) utimesSync(`${file}.lock`, old, old)
  for (const n of temps) utimesSync(join(dir, n), old, old)
  const c = fresh()
  await new CredentialsFileWriter({ path: file, lockRetries: 0 }).apply([{ section: 'app', profile: 'p', credentials: c }])
  t.same(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
    'stale temp file removed by the next write',
  )
  await bothRead(t, file, keysOf(c))
})
