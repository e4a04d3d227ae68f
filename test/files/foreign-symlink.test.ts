// Run as root, the daemon never writes through a symlink to a file its user does not own:
// the credentials-file writer, the atomic writer under the SSO cache and the token files
// refuse (ForeignSymlinkTarget, naming the path, the owner and the fix) and leave the
// foreign file's bytes, mode and owner as they were. Needs root to make another user's file
// (chown to 65534); skipped only when not root and not in CI. The rule's logic is also
// checked with an injected uid, which runs as any user.
import t, { type Test } from 'tap'
import { isRoot, requireOrSkip } from '../helpers/prerequisites.js'
import {
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  chownSync,
} from 'node:fs'
import { join } from 'node:path'
import { CredentialsFileError, CreddError } from '../../src/core/errors.js'
import { ForeignSymlinkError, resolveOwnedTarget, writeFileAtomic } from '../../src/files/atomic-write.js'
import { CredentialsFileWriter } from '../../src/files/credentials-file.js'
import { writeSsoToken } from '../../src/files/sso-cache.js'
import { realFs } from '../../src/files/fs-ops.js'
import { loadOrCreateAuthToken } from '../../src/serve/auth-token.js'

const NOBODY = 65534

const FOREIGN_BYTES = '[other]\nowner = nobody\n'
const creds = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLEtokenEXAMPLEtoken',
  expiresAt: Date.now() + 3600_000,
}

/** ~/.aws/credentials as a symlink to a 0644 file owned by uid 65534, in a folder of ours. */
const foreignSetup = (dir: string) => {
  const elsewhere = join(dir, 'elsewhere')
  mkdirSync(elsewhere)
  const foreign = join(elsewhere, 'their-file')
  writeFileSync(foreign, FOREIGN_BYTES)
  chmodSync(foreign, 0o644)
  chownSync(foreign, NOBODY, NOBODY)
  const aws = join(dir, 'home', '.aws')
  mkdirSync(aws, { recursive: true, mode: 0o700 })
  const link = join(aws, 'credentials')
  symlinkSync(foreign, link)
  const unchanged = (t: Test): void => {
    const st = statSync(foreign)
    t.equal(readFileSync(foreign, 'utf8'), FOREIGN_BYTES, "the foreign file's bytes are unchanged")
    t.equal(st.mode & 0o777, 0o644, 'its mode is unchanged')
    t.equal(st.uid, NOBODY, 'its owner is unchanged')
    t.ok(lstatSync(link).isSymbolicLink(), 'the symlink is left as it is')
    t.same(readdirSync(elsewhere), ['their-file'], 'no temp file or lock beside it')
  }
  return { foreign, link, aws, elsewhere, unchanged }
}

t.test("the atomic writer refuses a symlink to another user's file", async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const s = foreignSetup(t.testdir({}))
  const e = await writeFileAtomic(s.link, 'keys\n').then(
    () => undefined,
    (x: unknown) => x,
  )
  t.type(e, ForeignSymlinkError)
  t.match(e, { code: 'ForeignSymlinkTarget', kind: 'permanent', ownerUid: NOBODY, path: s.link, foreign: s.foreign })
  t.equal(
    (e as CreddError).message,
    `${s.link} is a symlink to ${s.foreign}, which belongs to uid ${NOBODY}, not to this daemon's user (uid 0): aws-credd never writes or chmods another user's file through a symlink; ` +
      `fix: point ${s.link} at a file owned by uid 0, or replace the symlink with a file of your own (rm ${s.link}; aws-credd then creates it)`,
  )
  s.unchanged(t)
})

t.test('the credentials-file writer refuses it with a CredentialsFileError, before any lock, chmod or write', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const s = foreignSetup(t.testdir({}))
  const writer = new CredentialsFileWriter({ path: s.link })
  const write = await writer.apply([{ section: 'app', profile: 'deploy', credentials: creds }]).then(
    () => undefined,
    (x: unknown) => x,
  )
  t.type(write, CredentialsFileError)
  t.match(write, { code: 'ForeignSymlinkTarget', kind: 'permanent', file: s.link })
  t.match(
    (write as Error).message,
    new RegExp(
      `belongs to uid ${NOBODY}, not to this daemon's user \\(uid 0\\).*; fix: point .* at a file owned by uid 0, or replace the symlink with a file of your own`,
    ),
  )
  t.notOk((write as Error).message.includes(creds.secretAccessKey), 'no secret in the error')
  s.unchanged(t)
  // Removing keys from a section that is not there changes no byte: the writer would only chmod 0600. Not another user's file.
  const clear = await writer.apply([{ section: 'absent', profile: 'deploy', credentials: null }]).then(
    () => undefined,
    (x: unknown) => x,
  )
  t.match(clear, { code: 'ForeignSymlinkTarget' })
  s.unchanged(t)
})

t.test('a symlink another user planted is not followed, even to a file of ours', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const dir = t.testdir({ mine: 'ours\n' })
  chmodSync(join(dir, 'mine'), 0o644)
  const link = join(dir, 'credentials')
  symlinkSync(join(dir, 'mine'), link)
  lchownSync(link, NOBODY, NOBODY)
  await t.rejects(writeFileAtomic(link, 'keys\n'), {
    code: 'ForeignSymlinkTarget',
    message: new RegExp(`^${link} is a symlink that belongs to uid ${NOBODY}, not to this daemon's user \\(uid 0\\) or root`),
  })
  t.equal(readFileSync(join(dir, 'mine'), 'utf8'), 'ours\n')
  t.equal(statSync(join(dir, 'mine')).mode & 0o777, 0o644)
  // Also one link further down a chain.
  const chain = join(dir, 'chain')
  symlinkSync(link, chain)
  await t.rejects(writeFileAtomic(chain, 'keys\n'), {
    code: 'ForeignSymlinkTarget',
    message: new RegExp(`^${chain} leads through the symlink ${link}, which belongs to uid ${NOBODY}`),
  })
})

t.test("a symlink into another user's folder is refused (its owner could swap the file under us)", async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const dir = t.testdir({ theirs: { creds: 'x\n' } })
  chownSync(join(dir, 'theirs'), NOBODY, NOBODY)
  const link = join(dir, 'credentials')
  symlinkSync(join(dir, 'theirs', 'creds'), link)
  await t.rejects(writeFileAtomic(link, 'keys\n'), {
    code: 'ForeignSymlinkTarget',
    message: new RegExp(`is a symlink into ${join(dir, 'theirs')}, a folder that belongs to uid ${NOBODY}`),
  })
  t.equal(readFileSync(join(dir, 'theirs', 'creds'), 'utf8'), 'x\n')
  const dangling = join(dir, 'later')
  symlinkSync(join(dir, 'theirs', 'not-yet'), dangling)
  await t.rejects(writeFileAtomic(dangling, 'keys\n'), { code: 'ForeignSymlinkTarget' }, 'nor is a file created there')
  t.notOk(existsSync(join(dir, 'theirs', 'not-yet')))
})

t.test('the SSO cache and token-file writers refuse it too', async (t) => {
  if (!requireOrSkip(t, 'root (chown to another uid; CI runs as root)', isRoot())) return
  const s = foreignSetup(t.testdir({}))
  const cache = join(s.aws, 'sso', 'cache')
  mkdirSync(cache, { recursive: true })
  const cached = join(cache, 'abc.json')
  symlinkSync(s.foreign, cached)
  const e = await writeSsoToken(cached, {
    startUrl: 'https://example.awsapps.com/start',
    region: 'us-east-1',
    accessToken: 'secret-access-token',
    expiresAt: '2026-01-01T13:00:00Z',
  }).then(
    () => undefined,
    (x: unknown) => x,
  )
  t.match(e, { code: 'ForeignSymlinkTarget', kind: 'permanent' }, 'the typed refusal, not a generic "cannot write"')
  t.notOk((e as Error).message.includes('secret-access-token'))
  s.unchanged(t)
  const token = join(s.aws, 'token')
  symlinkSync(s.foreign, token)
  await t.rejects(
    loadOrCreateAuthToken(token),
    { code: 'InvalidAuthTokenFile', message: /is not a regular file/ },
    'a token file that is a symlink is refused',
  )
  s.unchanged(t)
})

t.test('symlinks of our own to files of our own are still written through (dotfile managers)', async (t) => {
  const dir = t.testdir({ dotfiles: { credentials: '[a]\n' }, home: {} })
  const link = join(dir, 'home', 'credentials')
  symlinkSync(join(dir, 'dotfiles', 'credentials'), link)
  await new CredentialsFileWriter({ path: link }).apply([{ section: 'app', profile: 'deploy', credentials: creds }])
  t.match(readFileSync(join(dir, 'dotfiles', 'credentials'), 'utf8'), /^\[a\]\n[\s\S]*\[app\]/)
  t.ok(lstatSync(link).isSymbolicLink())
})

t.test('the rule with an injected uid (runs as any user)', async (t) => {
  const dir = t.testdir({ file: 'x', sub: {} })
  const me = process.geteuid!()
  const other = me === 12345 ? 12346 : 12345
  const link = join(dir, 'link')
  symlinkSync(join(dir, 'file'), link)
  t.equal(await resolveOwnedTarget(link, realFs, me), join(dir, 'file'), 'ours: followed')
  await t.rejects(
    resolveOwnedTarget(link, realFs, other),
    { code: 'ForeignSymlinkTarget' },
    'as another user: our symlink is theirs to refuse',
  )
  t.equal(
    await resolveOwnedTarget(join(dir, 'file'), realFs, other),
    join(dir, 'file'),
    "a plain path is not judged (sudo editing a user's own file)",
  )
  t.equal(await resolveOwnedTarget(join(dir, 'missing'), realFs, other), join(dir, 'missing'), 'nor a missing one')
  t.equal(await resolveOwnedTarget(link, realFs, undefined), join(dir, 'file'), 'no uid (Windows): no check')
})
