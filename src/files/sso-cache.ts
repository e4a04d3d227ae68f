// The AWS CLI v2 / SDK SSO token cache: ~/.aws/sso/cache/<sha1(key)>.json where the
// key is the sso-session name, or the start URL for legacy profiles (botocore's
// SSOTokenLoader._generate_cache_key and the SDK's getSSOTokenFilepath agree).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AwsFileError, CreddError } from '../core/errors.js'
import { serializeSsoToken, type SsoCachedToken } from '../core/sso-token.js'
import { writeFileAtomic } from './atomic-write.js'
import { fixes } from '../core/fixes.js'

export const ssoCacheFile = (cacheDir: string, cacheKey: string): string =>
  join(cacheDir, `${createHash('sha1').update(cacheKey).digest('hex')}.json`)

/** The cached token, or undefined when there is none (nobody logged in yet). */
export const readSsoToken = async (path: string): Promise<SsoCachedToken | undefined> => {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new AwsFileError(
      path,
      `${path}: cannot read the SSO token cache (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      "check the file's owner and permissions",
      e,
    )
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    // Never echo the content: it holds tokens.
    throw new AwsFileError(path, `${path}: the SSO token cache is not valid JSON`, fixes.ssoCacheRewrite)
  }
  const token = data as Partial<SsoCachedToken> | null
  if (!token || typeof token !== 'object' || typeof token.accessToken !== 'string' || typeof token.expiresAt !== 'string') {
    throw new AwsFileError(path, `${path}: the SSO token cache lacks accessToken or expiresAt`, fixes.ssoCacheRewrite)
  }
  if (Number.isNaN(Date.parse(token.expiresAt))) {
    throw new AwsFileError(path, `${path}: expiresAt "${token.expiresAt}" is not a date`, fixes.ssoCacheRewrite)
  }
  return token as SsoCachedToken
}

/**
 * Replaces the cache file atomically (0600, folder 0700) with the bytes the AWS CLI
 * would write. With `replacing`, the write is cancelled (false) when the file no
 * longer holds that access token: someone logged in while a refresh was in flight,
 * and their new token must win over ours.
 */
export const writeSsoToken = async (path: string, token: SsoCachedToken, replacing?: string): Promise<boolean> => {
  const stillOurs = (): boolean => {
    if (replacing === undefined) return true
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as { accessToken?: unknown }).accessToken === replacing
    } catch {
      return false
    }
  }
  try {
    return await writeFileAtomic(path, serializeSsoToken(token), { mode: 0o600, beforeRename: stillOurs })
  } catch (e) {
    // A refusal (a symlink to another user's file) already names the path and the fix.
    if (e instanceof CreddError) throw e
    throw new AwsFileError(
      path,
      `${path}: cannot write the SSO token cache (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      'check that ~/.aws/sso/cache is writable by this user',
    )
  }
}

/** The token cache as aws/sso-role-credentials.ts reads it: the file of a key, and its token. */
export const ssoTokenFiles = (cacheDir: string) => ({
  fileOf: (cacheKey: string) => ssoCacheFile(cacheDir, cacheKey),
  read: readSsoToken,
})

/** The token cache folder as the keeper sees it: by cache key (session name or start URL). */
export const ssoCacheStore = (cacheDir: string) => ({
  read: (cacheKey: string) => readSsoToken(ssoCacheFile(cacheDir, cacheKey)),
  write: (cacheKey: string, token: SsoCachedToken, replacing?: string) => writeSsoToken(ssoCacheFile(cacheDir, cacheKey), token, replacing),
})
