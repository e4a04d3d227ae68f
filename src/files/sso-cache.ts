// The AWS CLI v2 / SDK SSO token cache: ~/.aws/sso/cache/<sha1(key)>.json where the
// key is the sso-session name, or the start URL for legacy profiles (botocore's
// SSOTokenLoader._generate_cache_key and the SDK's getSSOTokenFilepath agree).
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AwsFileError } from '../core/errors.js'

export interface SsoCachedToken {
  startUrl?: string
  region?: string
  accessToken: string
  /** `2026-01-31T12:00:00Z`, as the AWS CLI writes it. */
  expiresAt: string
  clientId?: string
  clientSecret?: string
  registrationExpiresAt?: string
  refreshToken?: string
  /** Fields this version does not know are kept as they are. */
  [other: string]: unknown
}

export const ssoCacheFile = (cacheDir: string, cacheKey: string): string =>
  join(cacheDir, `${createHash('sha1').update(cacheKey).digest('hex')}.json`)

/** The cached token, or undefined when there is none (nobody logged in yet). */
export const readSsoToken = async (path: string): Promise<SsoCachedToken | undefined> => {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new AwsFileError(path, `${path}: cannot read the SSO token cache (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'check the file\'s owner and permissions', e)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    // Never echo the content: it holds tokens.
    throw new AwsFileError(path, `${path}: the SSO token cache is not valid JSON`, 'log in again to rewrite it (aws sso login)')
  }
  const token = data as Partial<SsoCachedToken> | null
  if (!token || typeof token !== 'object' || typeof token.accessToken !== 'string' || typeof token.expiresAt !== 'string') {
    throw new AwsFileError(path, `${path}: the SSO token cache lacks accessToken or expiresAt`, 'log in again to rewrite it (aws sso login)')
  }
  if (Number.isNaN(Date.parse(token.expiresAt))) {
    throw new AwsFileError(path, `${path}: expiresAt "${token.expiresAt}" is not a date`, 'log in again to rewrite it (aws sso login)')
  }
  return token as SsoCachedToken
}
