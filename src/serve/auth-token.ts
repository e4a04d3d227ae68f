// The container endpoint's shared secret: what AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)
// hands to SDKs. Made at start (or reused from the token file so running containers keep
// working across restarts), stored 0600 without a newline, compared in constant time.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Stats } from 'node:fs'
import { lstat, readFile, stat } from 'node:fs/promises'
import { CreddError } from '../core/errors.js'
import { writeFileAtomic } from '../files/atomic-write.js'

/** 32 random bytes as base64url: 43 header-safe characters. */
export const newAuthToken = (random: (n: number) => Buffer = randomBytes): string => random(32).toString('base64url')

const MIN_LENGTH = 16

const tokenFileError = (file: string, reason: string, fix: string, cause?: unknown): CreddError =>
  new CreddError(`auth token file ${file}: ${reason}`, { code: 'InvalidAuthTokenFile', kind: 'permanent', fix, cause })

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
  try {
    const st = await lstat(file)
    if (!st.isFile()) throw tokenFileError(file, 'is not a regular file', 'remove it or choose another tokenFile')
    if (process.getuid && st.uid !== process.getuid()) throw tokenFileError(file, 'belongs to another user', `remove it or choose another tokenFile`)
    if ((st.mode & 0o077) !== 0) throw tokenFileError(file, `is readable by others (mode ${(st.mode & 0o777).toString(8)})`, `chmod 600 ${file}`)
    existing = await readFile(file, 'utf8')
  } catch (e) {
    if (e instanceof CreddError) throw e
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw tokenFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'check its permissions', e)
  }
  if (existing !== undefined) {
    const problem = tokenProblem(existing)
    if (problem) throw tokenFileError(file, problem, `delete it to have a new token made, or write one without a trailing newline (printf '%s' TOKEN > ${file})`)
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
 * Secret mount is `name -> ..data/name`, `..data -> ..2026_…` — as long as what it finally
 * names is a regular file owned by the daemon's user (or by root, as kubelet lays Secrets out)
 * that nobody else can write: whoever could write it could swap in a token of their own.
 */
export const loadOrCreateConsumerToken = async (file: string, uid: number | undefined = process.getuid?.()): Promise<string> => {
  let st: Stats
  try {
    st = await stat(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'ENOENT') throw tokenFileError(file, `cannot be read (${code ?? 'error'})`, 'check its permissions')
    if ((await lstat(file).catch(() => undefined))?.isSymbolicLink())
      throw tokenFileError(file, 'is a symlink to nothing', 'fix the link, or remove it to have a token file made there')
    const token = newAuthToken()
    await writeFileAtomic(file, token, { mode: 0o600 })
    return token
  }
  if (!st.isFile()) throw tokenFileError(file, 'is not a regular file', 'point tokenFile at a file')
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) throw tokenFileError(file, `belongs to uid ${st.uid}, not to the daemon's user (${uid}) or root`, `chown it to the daemon's user, or choose another tokenFile`)
  if ((st.mode & 0o022) !== 0) throw tokenFileError(file, `can be written by others (mode ${(st.mode & 0o777).toString(8)})`, `chmod go-w ${file}`)
  const token = await readFile(file, 'utf8')
  // Not trimmed: botocore refuses a token file that ends with a newline, so the daemon must too.
  const problem = tokenProblem(token)
  if (problem) throw tokenFileError(file, problem, `write it without a trailing newline (printf '%s' TOKEN > ${file}), or delete it to have one made`)
  return token
}
