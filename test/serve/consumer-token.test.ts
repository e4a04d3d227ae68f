// A config consumer's token file: made 0600 without a newline when missing, read as is
// when present, followed through symlinks (the Kubernetes Secret layout, swapped by
// renaming `..data`) as long as the file it finally names is owned by the daemon's user or
// root and nobody else can write it; and the digest the registry knows tokens by.
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test as Tap } from 'tap'
import { CreddError } from '../../src/core/errors.js'
import { loadOrCreateConsumerToken, tokenCodec, tokenDigest, tokenProblem } from '../../src/serve/auth-token.js'

const mode = (p: string): number => statSync(p).mode & 0o777
const me = process.getuid!()
const isRoot = me === 0
const TOKEN = 'consumer-token-0123456789abcdefXYZ'

/** The refusal for `file`, as a typed error. */
const refusal = async (t: Tap, file: string, uid?: number): Promise<CreddError> => {
  const e = await loadOrCreateConsumerToken(file, ...(uid !== undefined ? [uid] : [])).then(
    () => undefined,
    (err: unknown) => err,
  )
  t.ok(e instanceof CreddError, 'refused with a typed error')
  const err = e as CreddError
  t.equal(err.code, 'InvalidAuthTokenFile')
  t.equal(err.kind, 'permanent')
  t.equal(err.message.split('\n').length, 1, 'one line')
  t.ok(err.message.startsWith(`auth token file ${file}: `), 'names the file')
  return err
}

/** A Kubernetes Secret volume: `token -> ..data/token`, `..data -> ..<timestamp>`, files 0644 as kubelet writes them. */
const secretVolume = (dir: string, stamp: string, token: string): void => {
  mkdirSync(join(dir, stamp))
  writeFileSync(join(dir, stamp, 'token'), token)
  chmodSync(join(dir, stamp, 'token'), 0o644)
}

t.test('a missing file is made: 43 characters, no newline, 0600, in a 0700 folder; then reused', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'shared', 'agent.token')
  const token = await loadOrCreateConsumerToken(file)
  t.match(token, /^[A-Za-z0-9_-]{43}$/)
  t.equal(readFileSync(file, 'utf8'), token, 'exactly the token, no newline')
  t.equal(mode(file), 0o600)
  t.equal(mode(join(file, '..')), 0o700)
  t.equal(await loadOrCreateConsumerToken(file), token, 'the next read returns the same token')
  t.not(await loadOrCreateConsumerToken(join(dir, 'other.token')), token, 'each new file its own token')
})

t.test('an existing regular file is read as is, readable by others or not', async (t) => {
  const dir = t.testdir()
  for (const m of [0o600, 0o400, 0o640, 0o644, 0o444]) {
    const file = join(dir, `t-${m.toString(8)}`)
    writeFileSync(file, TOKEN)
    chmodSync(file, m)
    t.equal(await loadOrCreateConsumerToken(file), TOKEN, `mode ${m.toString(8)}`)
    t.equal(mode(file), m, 'its mode is left alone')
  }
})

t.test('the Kubernetes Secret layout works through symlinks, and a swap of ..data is seen on the next read', async (t) => {
  const dir = t.testdir()
  secretVolume(dir, '..2026_01_01_00_00_00.000000001', 'first-token-0123456789abcdef')
  symlinkSync('..2026_01_01_00_00_00.000000001', join(dir, '..data'))
  symlinkSync('..data/token', join(dir, 'token'))
  const file = join(dir, 'token')
  t.equal(await loadOrCreateConsumerToken(file), 'first-token-0123456789abcdef')

  // What kubelet's AtomicWriter does: new timestamped folder, ..data_tmp link to it, rename over ..data.
  secretVolume(dir, '..2026_01_01_00_05_00.000000002', 'second-token-0123456789abcdef')
  symlinkSync('..2026_01_01_00_05_00.000000002', join(dir, '..data_tmp'))
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'))
  t.equal(await loadOrCreateConsumerToken(file), 'second-token-0123456789abcdef', 'the new token after the swap')
  t.equal(readFileSync(join(dir, '..2026_01_01_00_05_00.000000002', 'token'), 'utf8'), 'second-token-0123456789abcdef', 'nothing was written')
})

// Needs root to make a root-owned file; under CI (run as root) it always runs.
const needsRoot = !isRoot && !process.env.CI ? 'needs root to make a root-owned file' : false
t.test('a root-owned file is accepted for a daemon running as another user (kubelet lays Secrets out as root)', { skip: needsRoot }, async (t) => {
  const file = join(t.testdir(), 'token')
  writeFileSync(file, TOKEN)
  chmodSync(file, 0o644)
  chownSync(file, 0, 0)
  t.equal(await loadOrCreateConsumerToken(file, 4242), TOKEN)
})

t.test('a file owned by another user is refused, with the fix', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'token')
  writeFileSync(file, TOKEN, { mode: 0o600 })
  // As root the file can be given away; otherwise the daemon's uid is passed as someone else's.
  const owner = isRoot ? 4321 : me
  const daemonUid = isRoot ? 1234 : me + 1
  if (isRoot) chownSync(file, owner, owner)
  const e = await refusal(t, file, daemonUid)
  t.match(e.reason, new RegExp(`belongs to uid ${owner}, not to the daemon's user \\(${daemonUid}\\) or root`))
  t.match(e.fix, /chown it to the daemon's user/)
  t.notOk(e.message.includes(TOKEN))

  // Through a symlink it is the final file's owner that counts.
  const link = join(dir, 'link')
  symlinkSync(file, link)
  t.match((await refusal(t, link, daemonUid)).reason, /belongs to uid/)
  t.equal(await loadOrCreateConsumerToken(file, owner), TOKEN, 'the same file is fine for its owner')
})

t.test('a file others can write is refused with the fix chmod go-w', async (t) => {
  const dir = t.testdir()
  for (const m of [0o620, 0o602, 0o666, 0o660]) {
    const file = join(dir, `t-${m.toString(8)}`)
    writeFileSync(file, TOKEN)
    chmodSync(file, m)
    const e = await refusal(t, file)
    t.match(e.reason, new RegExp(`can be written by others \\(mode ${m.toString(8)}\\)`), `mode ${m.toString(8)}`)
    t.equal(e.fix, `chmod go-w ${file}`)
    t.notOk(e.message.includes(TOKEN), 'the token is not in the message')
  }
  // The same through the Kubernetes layout: what the links finally name is checked.
  secretVolume(dir, '..2026_x', TOKEN)
  chmodSync(join(dir, '..2026_x', 'token'), 0o664)
  symlinkSync('..2026_x', join(dir, '..data'))
  symlinkSync('..data/token', join(dir, 'token'))
  t.match((await refusal(t, join(dir, 'token'))).reason, /can be written by others \(mode 664\)/)
})

t.test('a symlink to nothing is refused, not written through', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'token')
  symlinkSync(join(dir, 'missing', 'token'), file)
  const e = await refusal(t, file)
  t.match(e.reason, /is a symlink to nothing/)
  t.match(e.fix, /fix the link/)
  t.throws(() => statSync(join(dir, 'missing')), { code: 'ENOENT' }, 'nothing was made at the link target')

  // A Secret volume whose ..data dangles (mid-swap or torn down).
  const k8s = join(dir, 'volume')
  mkdirSync(k8s)
  symlinkSync('..2026_gone', join(k8s, '..data'))
  symlinkSync('..data/token', join(k8s, 'token'))
  t.match((await refusal(t, join(k8s, 'token'))).reason, /is a symlink to nothing/)
})

t.test('a symlink loop and a folder are refused', async (t) => {
  const dir = t.testdir({ sub: {} })
  symlinkSync('b', join(dir, 'a'))
  symlinkSync('a', join(dir, 'b'))
  t.match((await refusal(t, join(dir, 'a'))).reason, /cannot be read \(ELOOP\)/)
  t.match((await refusal(t, join(dir, 'sub'))).reason, /is not a regular file/)
})

t.test('a trailing newline (or any CR/LF) is refused, as botocore refuses it; so are short and spaced tokens', async (t) => {
  const file = join(t.testdir(), 'token')
  const rows: Array<[string, RegExp]> = [
    [`${TOKEN}\n`, /contains a line break/],
    [`${TOKEN}\r\n`, /contains a line break/],
    [`abc\n${TOKEN}`, /contains a line break/],
    [` ${TOKEN}`, /spaces or characters outside printable ASCII/],
    [`${TOKEN}é`, /spaces or characters outside printable ASCII/],
    ['Zq9x', /shorter than 16 characters/],
    ['', /shorter than 16 characters/],
  ]
  for (const [content, why] of rows) {
    writeFileSync(file, content, { mode: 0o600 })
    const e = await refusal(t, file)
    t.match(e.reason, why, JSON.stringify(content))
    t.match(e.fix, /printf '%s' TOKEN >/)
    if (content.length > 0) t.notOk(e.message.includes(content.trim()), 'the content is not in the message')
    t.equal(readFileSync(file, 'utf8'), content, 'the file is left alone')
  }
})

t.test('tokenDigest and tokenCodec: the registry knows tokens by a digest that hides them', async (t) => {
  const d = tokenDigest(TOKEN)
  t.match(d, /^[A-Za-z0-9_-]{43}$/, 'sha256 as base64url')
  t.equal(tokenDigest(TOKEN), d, 'deterministic')
  t.not(tokenDigest(`${TOKEN}x`), d)
  t.notOk(d.includes(TOKEN.slice(0, 8)))
  t.equal(tokenDigest('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0', 'the SHA-256 test vector for "abc"')
  const a = tokenCodec.newToken()
  t.match(a, /^[A-Za-z0-9_-]{43}$/)
  t.not(tokenCodec.newToken(), a)
  t.equal(tokenCodec.problem(a), undefined, 'a made token has no problem')
  t.equal(tokenCodec.digest, tokenDigest)
  t.equal(tokenCodec.problem, tokenProblem)
})
