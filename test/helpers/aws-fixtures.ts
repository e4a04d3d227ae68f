// Writers for the files other AWS tools leave behind (SSO cache, token files),
// in their exact formats, for integration tests.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader'

/** `2026-01-31T12:00:00Z`: the AWS CLI's format, without the milliseconds toISOString() adds. */
export const awsTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

export const writeSsoToken = (cacheDir: string, key: string, token: Record<string, unknown>): string => {
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 })
  const file = join(cacheDir, `${createHash('sha1').update(key).digest('hex')}.json`)
  writeFileSync(file, JSON.stringify(token), { mode: 0o600 })
  return file
}

/** A section of a credentials file as the SDK reads it. */
export const sectionOf = async (file: string, section: string): Promise<Record<string, string | undefined> | undefined> =>
  (await loadSharedConfigFiles({ filepath: file, configFilepath: join(file, '..', 'no-such-config'), ignoreCache: true })).credentialsFile[
    section
  ]

export const readText = (file: string): string => {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
