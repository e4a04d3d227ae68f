// The container endpoint's shared secret: what AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)
// hands to SDKs. Made at start (or reused from the token file so running containers keep
// working across restarts), stored 0600 without a newline, compared in constant time.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto'
import { constants } from 'node:fs'
import { dirname } from 'node:path'
import { lstat, open, type FileHandle } from 'node:fs/promises'
import { CreddError } from '../core/errors.js'
import { ForeignSymlinkError, resolveTrustedPath, writeFileAtomic } from '../files/atomic-write.js'
import { realFs } from '../files/fs-ops.js'

/** 32 random bytes as base64url: 43 header-safe characters. */
export const newAuthToken = (random: (n: number) => Buffer = randomBytes): string => random(32).toString('base64url')

const MIN_LENGTH = 16

// No ": " right after the path: a path ending in `.token` followed by a colon reads as
// `token: value` to the outgoing-text redaction, which would blank the reason's first word.
const tokenFileError = (file: string, reason: string, fix: string, cause?: unknown): CreddError =>
  new CreddError(`auth token file ${file} ${reason}`, { code: 'InvalidAuthTokenFile', kind: 'permanent', fix, cause })

/**
 * Read only, never through a symlink in the last part (ELOOP), and without blocking on a FIFO
 * someone put there (a FIFO then fails the regular-file check on the handle).
 */
const READ_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

/** Whether an open failed because the last part is a symlink (Linux/macOS say ELOOP, FreeBSD EMLINK). */
const isSymlinkRefusal = async (file: string, e: unknown): Promise<boolean> =>
  ['ELOOP', 'EMLINK'].includes((e as NodeJS.ErrnoException).code ?? '') &&
  ((await lstat(file).catch(() => undefined))?.isSymbolicLink() ?? false)

const errCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? 'error'

/** Why `token` cannot work as an Authorization header value, or undefined when it can. */
export const tokenProblem = (token: string): string | undefined => {
  // botocore refuses a token with CR or LF; HTTP servers strip surrounding spaces, so those could never match.
  if (/[\r\n]/.test(token)) return 'contains a line break (CR or LF), which SDKs refuse in a header'
  if (!/^[\x21-\x7e]*$/.test(token)) return 'contains spaces or characters outside printable ASCII'
  if (token.length < MIN_LENGTH) return `is shorter than ${MIN_LENGTH} characters`
  return undefined
}

/**
 * The token in `file` if it exists (read as is: nothing trimmed), else a new one written there
 * atomically at mode 0600 in a 0700 folder. Refuses a file others can read or one whose content
 * cannot be a header value. Without `file` the token lives in memory only.
 */
export const loadOrCreateAuthToken = async (file?: string, random?: (n: number) => Buffer): Promise<string> => {
  if (file === undefined) return newAuthToken(random)
  let existing: string | undefined
  // One handle, opened without following a symlink: what is checked (fstat) is what is read.
  let handle: FileHandle | undefined
  try {
    handle = await open(file, READ_NO_FOLLOW)
  } catch (e) {
    if (await isSymlinkRefusal(file, e))
      throw tokenFileError(file, 'is not a regular file (a symlink)', 'remove it or choose another tokenFile')
    if (errCode(e) !== 'ENOENT') throw tokenFileError(file, `cannot be read (${errCode(e)})`, 'check its permissions', e)
  }
  if (handle) {
    try {
      const st = await handle.stat()
      if (!st.isFile()) throw tokenFileError(file, 'is not a regular file', 'remove it or choose another tokenFile')
      if (process.getuid && st.uid !== process.getuid())
        throw tokenFileError(file, 'belongs to another user', `remove it or choose another tokenFile`)
      if ((st.mode & 0o077) !== 0)
        throw tokenFileError(file, `is readable by others (mode ${(st.mode & 0o777).toString(8)})`, `chmod 600 ${file}`)
      existing = await handle.readFile('utf8')
    } catch (e) {
      if (e instanceof CreddError) throw e
      throw tokenFileError(file, `cannot be read (${errCode(e)})`, 'check its permissions', e)
    } finally {
      await handle.close().catch(() => undefined)
    }
  }
  if (existing !== undefined) {
    const problem = tokenProblem(existing)
    if (problem)
      throw tokenFileError(
        file,
        problem,
        `delete it to have a new token made, or write one without a trailing newline (printf '%s' TOKEN > ${file})`,
      )
    return existing
  }
  const token = newAuthToken(random)
  await writeFileAtomic(file, token, { mode: 0o600 })
  return token
}

/**
 * Compares a presented Authorization value with the token in constant time for any content.
 * Only "is the length right" can be timed (compared outside timingSafeEqual, which needs equal
 * lengths): the token's length is no secret (43 for the tokens made here).
 */
export const tokenChecker = (token: string): ((presented: string) => boolean) => {
  const expected = Buffer.from(token, 'latin1') // Node decodes header values as latin1
  return (presented) => {
    const given = Buffer.from(presented, 'latin1')
    const sameLength = given.length === expected.length
    // Always one full comparison, even when the length is wrong.
    return timingSafeEqual(sameLength ? given : expected, expected) && sameLength
  }
}

/**
 * The digest a token is known by in the grant registry and the saved grants file. A map
 * lookup by digest leaks nothing about the token through timing (unlike comparing the
 * tokens themselves), and a stolen grants file opens nothing.
 */
export const tokenDigest = (token: string): string => hash('sha256', token, 'base64url')

/** The grant registry's token primitives. */
export const tokenCodec = { newToken: (): string => newAuthToken(), digest: tokenDigest, problem: tokenProblem }

/**
 * A consumer's token file from the config: created (random, 0600, no newline) when missing;
 * otherwise read as is. Unlike the owner's token file it may be a symlink — a Kubernetes
 * Secret mount is `name -> ..data/name`, `..data -> ..2026_…` — but only where nobody else
 * could have decided what it names: every symlink on the way, and every folder on the way,
 * belongs to the daemon's user (`uid`) or root (as kubelet lays Secrets out), and no folder is
 * writable by others unless it is sticky (like /tmp) and the entry in it is ours or root's
 * (resolveTrustedPath). The file itself must be a regular file of ours or root's that nobody
 * else can write (whoever could write it could swap in a token of their own), checked on the
 * handle it is read from (opened O_NOFOLLOW), so nothing can be swapped in after the check.
 * Missing, it is created only where it is safe to (same folder rules) and exclusively: never
 * through, or over, whatever someone put at that name in the meantime.
 */
export const loadOrCreateConsumerToken = async (file: string, uid: number | undefined = process.getuid?.()): Promise<string> => {
  // A Kubernetes swap of ..data (or a second daemon creating the file) can land between the walk and the open: look again.
  for (let attempt = 1; ; attempt++) {
    const token = await readConsumerToken(file, uid, attempt < 3)
    if (token !== undefined) return token
  }
}

/** The token, or undefined when the file changed under us and `retry` allows another look. */
const readConsumerToken = async (file: string, uid: number | undefined, retry: boolean): Promise<string | undefined> => {
  const changed = (): undefined => {
    if (retry) return undefined
    throw tokenFileError(file, 'kept changing while being read', 'try again; if it persists, check what rewrites it')
  }
  let found
  try {
    found = await resolveTrustedPath(file, realFs, uid)
  } catch (e) {
    if (e instanceof ForeignSymlinkError) throw tokenFileError(file, e.reason.slice(e.path.length + 1), e.fix ?? 'choose another tokenFile')
    throw tokenFileError(file, `cannot be read (${errCode(e)})`, 'check its permissions')
  }
  const { path, stats, shared } = found
  if (!stats) {
    if ((await lstat(file).catch(() => undefined))?.isSymbolicLink())
      throw tokenFileError(file, 'is a symlink to nothing', 'fix the link, or remove it to have a token file made there')
    const token = newAuthToken()
    try {
      await writeFileAtomic(path, token, { mode: 0o600, exclusive: true })
    } catch (e) {
      if (errCode(e) === 'EEXIST') return changed() // made meanwhile: read what is there now, through the same checks
      throw e
    }
    return token
  }
  if (!stats.isFile()) throw tokenFileError(file, 'is not a regular file', 'point tokenFile at a file')
  let handle: FileHandle
  try {
    handle = await open(path, READ_NO_FOLLOW)
  } catch (e) {
    if (['ENOENT', 'ELOOP', 'EMLINK'].includes(errCode(e))) return changed()
    throw tokenFileError(file, `cannot be read (${errCode(e)})`, 'check its permissions')
  }
  try {
    const st = await handle.stat()
    if (st.ino !== stats.ino || st.dev !== stats.dev) return changed()
    if (!st.isFile()) throw tokenFileError(file, 'is not a regular file', 'point tokenFile at a file')
    if (uid !== undefined && st.uid !== uid && st.uid !== 0)
      throw tokenFileError(
        file,
        `belongs to uid ${st.uid}, not to this daemon's user (uid ${uid}) or root`,
        `chown it to the daemon's user, or choose another tokenFile`,
      )
    if ((st.mode & 0o022) !== 0)
      throw tokenFileError(file, `can be written by others (mode ${(st.mode & 0o777).toString(8)})`, `chmod go-w ${file}`)
    // In a folder others can write, another name for a root-owned file (a hard link) is no proof root put it there.
    if (shared && st.nlink > 1)
      throw tokenFileError(
        file,
        `has ${st.nlink} hard links in the shared folder ${dirname(path)}: anyone could have linked it there`,
        'remove it to have a token file made, or keep it in a folder others cannot write',
      )
    const token = await handle.readFile('utf8')
    // Not trimmed: botocore refuses a token file that ends with a newline, so the daemon must too.
    const problem = tokenProblem(token)
    if (problem)
      throw tokenFileError(
        file,
        problem,
        `write it without a trailing newline (printf '%s' TOKEN > ${file}), or delete it to have one made`,
      )
    return token
  } finally {
    await handle.close().catch(() => undefined)
  }
}
