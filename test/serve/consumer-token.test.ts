// A config consumer's token file: made 0600 without a newline when missing, read as is
// when present, followed through symlinks (the Kubernetes Secret layout, swapped by
// renaming `..data`) as long as the file it finally names is owned by the daemon's user or
// root and nobody else can write it; and the digest the registry knows tokens by.
import {
  chmodSync,
  chownSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import * as fsp from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test as Tap } from 'tap'
import { isRoot, requireOrSkip } from '../helpers/prerequisites.js'
import { CreddError, errorLine } from '../../src/core/errors.js'
import { outgoingText, REDACTED, SecretRegistry } from '../../src/core/outgoing-text.js'
import { writeFileAtomic } from '../../src/files/atomic-write.js'
import { realFs } from '../../src/files/fs-ops.js'
import { loadOrCreateConsumerToken, tokenCodec, tokenDigest, tokenProblem } from '../../src/serve/auth-token.js'

const mode = (p: string): number => statSync(p).mode & 0o777
const me = process.getuid!()
const asRoot = me === 0
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
  t.ok(err.message.startsWith(`auth token file ${file} `), 'names the file')
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
  t.equal(
    readFileSync(join(dir, '..2026_01_01_00_05_00.000000002', 'token'), 'utf8'),
    'second-token-0123456789abcdef',
    'nothing was written',
  )
})

// Needs root to make a root-owned file; under CI (run as root) it always runs.
t.test('a root-owned file is accepted for a daemon running as another user (kubelet lays Secrets out as root)', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
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
  const owner = asRoot ? 4321 : me
  const daemonUid = asRoot ? 1234 : me + 1
  if (asRoot) chownSync(file, owner, owner)
  const e = await refusal(t, file, daemonUid)
  t.match(e.reason, new RegExp(`belongs to uid ${owner}, not to this daemon's user \\(uid ${daemonUid}\\) or root`))
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

// ---- planted links, shared folders, races (run as root: another user's links are lchown'd to 65534) ----

const NOBODY = 65534
const PLANTED = 'planted-known-content-0123456789'

/** A root-owned, world-readable file with content another user knows: what an attacker points a link at. */
const knownRootFile = (dir: string): string => {
  const file = join(dir, 'root-owned-known')
  writeFileSync(file, PLANTED)
  chmodSync(file, 0o644)
  chownSync(file, 0, 0)
  return file
}

/** A folder like /tmp: root's, 1777. */
const stickyFolder = (dir: string, name = 'rtshare'): string => {
  const shared = join(dir, name)
  mkdirSync(shared)
  chmodSync(shared, 0o1777)
  return shared
}

t.test('the red-team repro: a symlink another user planted in a sticky 1777 folder is refused, not read', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const dir = t.testdir()
  const known = knownRootFile(dir)
  const shared = stickyFolder(dir)
  const file = join(shared, 'ci.token')
  symlinkSync(known, file)
  lchownSync(file, NOBODY, NOBODY)
  const e = await refusal(t, file)
  t.equal(
    e.reason,
    `auth token file ${file} is a symlink that belongs to uid ${NOBODY}, not to this daemon's user (uid 0) or root: another user could point it anywhere`,
  )
  t.match(e.fix, new RegExp(`remove ${file}`))
  t.notOk(e.message.includes(PLANTED), 'the planted content is not in the message')
  t.equal(readFileSync(known, 'utf8'), PLANTED, 'the file it points at is untouched')
  // The same link made by the daemon's user (root) is trusted: only root could have made it.
  lchownSync(file, 0, 0)
  t.equal(await loadOrCreateConsumerToken(file), PLANTED)
})

t.test('a link on the way (an intermediate ..data) planted by another user is refused', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const dir = t.testdir()
  const vol = stickyFolder(dir, 'vol') // a Secret volume's tmpfs root is 1777 like /tmp
  const theirs = join(dir, 'elsewhere')
  mkdirSync(theirs)
  writeFileSync(join(theirs, 'token'), PLANTED)
  chmodSync(join(theirs, 'token'), 0o644)
  symlinkSync(theirs, join(vol, '..data'))
  lchownSync(join(vol, '..data'), NOBODY, NOBODY)
  symlinkSync('..data/token', join(vol, 'token'))
  const e = await refusal(t, join(vol, 'token'))
  t.match(e.reason, new RegExp(`leads through the symlink ${join(vol, '..data')}, which belongs to uid ${NOBODY}`))
})

t.test('a folder on the way that another user owns, or that others can write without the sticky bit, is refused', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const dir = t.testdir()
  // Another user's folder holding a root-owned file: its owner can swap the file.
  const theirs = join(dir, 'theirs')
  mkdirSync(theirs)
  writeFileSync(join(theirs, 'token'), TOKEN)
  chmodSync(join(theirs, 'token'), 0o644)
  chownSync(theirs, NOBODY, NOBODY)
  t.match(
    (await refusal(t, join(theirs, 'token'))).reason,
    new RegExp(`leads through the folder ${theirs}, which belongs to uid ${NOBODY}, not to this daemon's user \\(uid 0\\) or root`),
  )
  // A link of ours into it.
  symlinkSync(join(theirs, 'token'), join(dir, 'via-link'))
  t.match(
    (await refusal(t, join(dir, 'via-link'))).reason,
    new RegExp(`leads through the folder ${theirs}, which belongs to uid ${NOBODY}`),
  )
  // A root-owned folder anyone can write, without the sticky bit: anyone can rename entries in it.
  const open = join(dir, 'open')
  mkdirSync(open)
  chmodSync(open, 0o777)
  writeFileSync(join(open, 'token'), TOKEN, { mode: 0o600 })
  const e = await refusal(t, join(open, 'token'))
  t.match(e.reason, new RegExp(`leads through the folder ${open}, which others can write \\(mode 777\\) and which is not sticky`))
  t.match(e.fix, new RegExp(`chmod o-w,g-w ${open}`))
  chmodSync(open, 0o1777)
  t.equal(await loadOrCreateConsumerToken(join(open, 'token')), TOKEN, 'with the sticky bit, our own entry is trusted')
  chownSync(join(open, 'token'), NOBODY, NOBODY)
  t.match(
    (await refusal(t, join(open, 'token'), 4242)).reason,
    new RegExp(`is owned by uid ${NOBODY} in the shared folder ${open} \\(mode 1777\\)`),
    "but not another user's entry there",
  )
})

t.test('a hard link in a sticky folder to a root-owned file is refused', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const dir = t.testdir()
  const known = knownRootFile(dir)
  const shared = stickyFolder(dir)
  linkSync(known, join(shared, 'ci.token'))
  t.match((await refusal(t, join(shared, 'ci.token'))).reason, /has 2 hard links in the shared folder/)
})

t.test('the Kubernetes layout on a 1777 volume root, everything root-owned, is accepted for a daemon of another uid', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const vol = stickyFolder(t.testdir(), 'serviceaccount')
  secretVolume(vol, '..2026_x', TOKEN)
  chmodSync(join(vol, '..2026_x'), 0o755)
  symlinkSync('..2026_x', join(vol, '..data'))
  symlinkSync('..data/token', join(vol, 'token'))
  t.equal(await loadOrCreateConsumerToken(join(vol, 'token'), 4242), TOKEN)
  t.equal(await loadOrCreateConsumerToken(join(vol, 'token')), TOKEN, 'and for root')
})

t.test('a missing token file is never made in a folder others can write, unless it is sticky', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const dir = t.testdir()
  const open = join(dir, 'open')
  mkdirSync(open)
  chmodSync(open, 0o777)
  t.match((await refusal(t, join(open, 'new.token'))).reason, /which others can write \(mode 777\) and which is not sticky/)
  t.throws(() => statSync(join(open, 'new.token')), { code: 'ENOENT' }, 'nothing was made')
  const shared = stickyFolder(dir)
  const made = await loadOrCreateConsumerToken(join(shared, 'new.token'))
  t.equal(readFileSync(join(shared, 'new.token'), 'utf8'), made)
  t.equal(mode(join(shared, 'new.token')), 0o600)
  t.equal(statSync(join(shared, 'new.token')).nlink, 1, 'no temp-file link left behind')
  t.same(readdirSync(shared), ['new.token'], 'no temp file left')
})

t.test('creating: a symlink planted at the final name right before is neither followed nor replaced', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const dir = t.testdir()
  const known = knownRootFile(dir)
  const shared = stickyFolder(dir)
  const file = join(shared, 'ci.token')
  const plant = (): boolean => {
    symlinkSync(known, file)
    lchownSync(file, NOBODY, NOBODY)
    return true
  }
  // Exclusive creation (link(2) of the finished temp file): EEXIST whatever is there, a symlink included.
  await t.rejects(writeFileAtomic(file, 'ours-0123456789abcdef', { exclusive: true, beforeRename: plant }), { code: 'EEXIST' })
  t.ok(lstatSync(file).isSymbolicLink(), 'the planted link is still there: nothing renamed over it')
  t.equal(readFileSync(known, 'utf8'), PLANTED, 'nothing written through it')
  t.same(readdirSync(shared), ['ci.token'], 'no temp file left')
  // And the token loader then refuses it.
  t.match((await refusal(t, file)).reason, /is a symlink that belongs to uid 65534/)
})

/**
 * Our token file in a sticky shared folder, beside another user's link to a root file: what
 * the handle tests rename over the token file at the moment the loader looks at it.
 */
const tokenBesidePlantedLink = (t: Tap): { file: string; evil: string } => {
  const dir = t.testdir()
  const shared = stickyFolder(dir)
  const file = join(shared, 'ci.token')
  writeFileSync(file, TOKEN, { mode: 0o600 })
  const evil = join(shared, 'evil')
  symlinkSync(knownRootFile(dir), evil)
  lchownSync(evil, NOBODY, NOBODY)
  return { file, evil }
}

t.test('read through one no-follow handle: a file swapped for a planted link after the check is not read', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const { file, evil } = tokenBesidePlantedLink(t)
  // Right after the first look at the file (stat, lstat or open), another user renames their link over it.
  let swapped = false
  const swapAfter =
    <A extends unknown[], R>(f: (p: string, ...a: A) => Promise<R>) =>
    async (p: string, ...a: A): Promise<R> => {
      const r = await f(p, ...a)
      if (!swapped && String(p) === file) {
        swapped = true
        renameSync(evil, file)
      }
      return r
    }
  const mod = await t.mockImport<typeof import('../../src/serve/auth-token.js')>('../../src/serve/auth-token.js', {
    'node:fs/promises': { ...fsp, stat: swapAfter(fsp.stat), lstat: swapAfter(fsp.lstat), open: swapAfter(fsp.open) },
    '../../src/files/fs-ops.js': { realFs: { ...realFs, lstat: swapAfter(realFs.lstat) } },
  })
  const got = await mod.loadOrCreateConsumerToken(file).then(
    (v) => v,
    (e: unknown) => e,
  )
  t.ok(swapped, 'the swap happened')
  t.not(got, PLANTED, 'the planted content was not accepted')
  // The open (O_NOFOLLOW) meets the link, the path is walked again, and the link is refused.
  t.match(got, { code: 'InvalidAuthTokenFile', message: /is a symlink that belongs to uid 65534/ })
})

t.test('read through one no-follow handle: a swap after the open changes nothing read', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const { file, evil } = tokenBesidePlantedLink(t)
  let swapped = false
  const mod = await t.mockImport<typeof import('../../src/serve/auth-token.js')>('../../src/serve/auth-token.js', {
    'node:fs/promises': {
      ...fsp,
      open: async (p: string, ...a: [number]) => {
        const h = await fsp.open(p, ...a)
        if (!swapped && p === file) {
          swapped = true
          renameSync(evil, file)
        }
        return h
      },
    },
  })
  t.equal(await mod.loadOrCreateConsumerToken(file), TOKEN, 'the file as checked, through the handle')
  t.ok(swapped)
})

t.test('the logged line for a refused `….token` file still shows the reason after the outgoing-text redaction', async (t) => {
  const file = join(t.testdir(), 'litellm.token')
  writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 })
  const e = await refusal(t, file)
  // As src/root/serving.ts logs it; the logger passes every line through outgoingText.
  const line = outgoingText(`consumer "litellm": ${errorLine(e)} (it gets no access until this is fixed)`, {
    secrets: new SecretRegistry(),
  })
  t.match(line, `auth token file ${file} contains a line break (CR or LF)`, 'the reason survives')
  t.notOk(line.includes(REDACTED), 'nothing in it mistaken for a secret')
  t.notOk(line.includes(TOKEN))
})
