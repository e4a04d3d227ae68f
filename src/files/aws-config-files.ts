// Reads ~/.aws/config and ~/.aws/credentials with the SDK's own INI loader, so
// aws-credd sees exactly the profiles the user's programs see (section naming,
// comments, sub-sections, `[profile x]` vs `[x]` quirks included).
//
// The SDK swallows every read error and returns an empty file. We keep "missing
// file = empty file" but refuse a file that exists and cannot be read: running
// with half the profiles silently gone would be worse than stopping.

import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { loadSharedConfigFiles, loadSsoSessionData } from '@smithy/shared-ini-file-loader'
import { AwsFileError, errorLine } from '../core/errors.js'
import { lintIni } from '../core/ini-lint.js'
import { mergeProfiles, type AwsProfileData } from '../core/profile-graph.js'
import type { AwsFiles } from '../engine/ports.js'

type Sections = Record<string, Record<string, string>>

export interface AwsPaths {
  configFile: string
  credentialsFile: string
  /** Where `aws sso login` caches tokens: always under the home directory, whatever AWS_CONFIG_FILE says. */
  ssoCacheDir: string
}

type Env = Record<string, string | undefined>

/** The SDK's getHomeDir, reading the given env instead of process.env. */
export const homeDirOf = (env: Env): string => {
  if (env.HOME) return env.HOME
  if (env.USERPROFILE) return env.USERPROFILE
  if (env.HOMEPATH) return `${env.HOMEDRIVE ?? 'C:\\'}${env.HOMEPATH}`
  return homedir()
}

/** The one definition of where the AWS files are; every module asks here. */
export const awsPaths = (env: Env): AwsPaths => {
  const home = homeDirOf(env)
  // The SDK expands a leading "~/" in the paths it is given, against the home dir.
  const expand = (p: string): string => (p.startsWith('~/') ? join(home, p.slice(2)) : p)
  return {
    configFile: expand(env.AWS_CONFIG_FILE || join(home, '.aws', 'config')),
    credentialsFile: expand(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials')),
    ssoCacheDir: join(home, '.aws', 'sso', 'cache'),
  }
}

const SECTION_PREFIXES = ['sso-session.', 'services.'] as const

const errCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined

/**
 * Reads one file to find out whether the SDK can use it. Returns false when it
 * does not exist (an empty file to the SDK). Throws AwsFileError for what the
 * SDK would silently treat as empty: unreadable, a directory, not text, or the
 * one thing its parser rejects (a profile named __proto__).
 */
const checkFile = async (file: string, envVar: string, warnings: string[]): Promise<boolean> => {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    const code = errCode(e)
    if (code === 'ENOENT') return false
    if (code === 'EACCES' || code === 'EPERM') {
      throw new AwsFileError(
        file,
        `cannot read ${file}: permission denied`,
        `make it readable by this user (chmod 600 ${file}; chown to the user aws-credd runs as)`,
        e,
      )
    }
    if (code === 'EISDIR')
      throw new AwsFileError(file, `${file} is a directory, not a file`, `point ${envVar} at the file, or remove the directory`, e)
    if (code === 'ENOTDIR')
      throw new AwsFileError(file, `cannot read ${file}: a parent of it is not a directory`, `fix the path or ${envVar}`, e)
    throw new AwsFileError(file, `cannot read ${file}: ${code ?? errorLine(e)}`, `check that ${file} is a readable file`, e)
  }
  for (const p of lintIni(text))
    warnings.push(`${file} line ${p.line}: ${p.problem}; the AWS CLI and botocore refuse this file (the JS SDK skips the line)`)
  if (text.includes('\u0000'))
    throw new AwsFileError(file, `${file} is not a text file (it contains NUL bytes)`, `restore it from a backup or rewrite it as INI text`)
  // Mirrors the SDK's parseIni, whose only refusal is these two section names.
  for (const line of text.split(/\r?\n/)) {
    const trimmed = (line.split(/(^|\s)[;#]/)[0] ?? '').trim()
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      const name = trimmed.slice(1, -1)
      if (name === '__proto__' || name === 'profile __proto__') {
        throw new AwsFileError(
          file,
          `${file} has a section named [${name}], which the AWS SDK refuses`,
          `rename or delete the [${name}] section`,
        )
      }
    }
  }
  return true
}

/** Own-property copy so that a profile called "constructor" or "toString" stays plain data. */
const copySections = (
  src: Record<string, Record<string, string | undefined> | undefined>,
  keep: (key: string) => string | undefined,
): Sections => {
  const out: Sections = {}
  for (const [key, values] of Object.entries(src)) {
    const name = keep(key)
    if (name === undefined || !values) continue
    const section: Record<string, string> = {}
    for (const [k, v] of Object.entries(values)) if (typeof v === 'string') section[k] = v
    out[name] = section
  }
  return out
}

const withPrefix =
  (prefix: string) =>
  (key: string): string | undefined =>
    key.startsWith(prefix) ? key.slice(prefix.length) : undefined
const isProfileKey = (key: string): string | undefined => (SECTION_PREFIXES.some((p) => key.startsWith(p)) ? undefined : key)

/** One file as the loader returns it, split by its section prefixes into own-property copies. */
export const splitSections = (raw: Record<string, Record<string, string | undefined> | undefined>): AwsProfileData => ({
  profiles: copySections(raw, isProfileKey),
  ssoSessions: copySections(raw, withPrefix('sso-session.')),
  services: copySections(raw, withPrefix('services.')),
})

/**
 * Both AWS files, parsed by @smithy/shared-ini-file-loader. A missing file is
 * an empty one; an unreadable one is an AwsFileError naming it.
 */
export const readAwsFiles = async (env: Env): Promise<AwsFiles> => {
  const paths = awsPaths(env)
  const warnings: string[] = []
  await Promise.all([
    checkFile(paths.configFile, 'AWS_CONFIG_FILE', warnings),
    checkFile(paths.credentialsFile, 'AWS_SHARED_CREDENTIALS_FILE', warnings),
  ])

  // ignoreCache: the loader memoises file reads process-wide; we re-read on every change.
  const { configFile, credentialsFile } = await loadSharedConfigFiles({
    filepath: paths.credentialsFile,
    configFilepath: paths.configFile,
    ignoreCache: true,
  })
  // Reuses the read just made (same path, fresh promise in the loader's cache).
  const ssoSessions = await loadSsoSessionData({ configFilepath: paths.configFile })

  const profiles = mergeProfiles(copySections(configFile, isProfileKey), copySections(credentialsFile, isProfileKey))

  return {
    configFile: paths.configFile,
    credentialsFile: paths.credentialsFile,
    profiles,
    ssoSessions: copySections(ssoSessions, (k) => k),
    // The SDK looks up `services` sections in the config file only.
    services: copySections(configFile, withPrefix('services.')),
    warnings,
  }
}

/**
 * The [default] section of each AWS file, read as every SDK reads it (no lint, no merge):
 * what `exec` and `env` check for credentials that would win over the container endpoint
 * (cli/default-shadow.ts). Missing files have no [default]; an unreadable one throws.
 */
export const readDefaultSections = async (
  env: Env,
): Promise<{
  paths: AwsPaths
  config: Record<string, string | undefined> | undefined
  credentials: Record<string, string | undefined> | undefined
}> => {
  const paths = awsPaths(env)
  const files = await loadSharedConfigFiles({ filepath: paths.credentialsFile, configFilepath: paths.configFile, ignoreCache: true })
  return { paths, config: files.configFile.default, credentials: files.credentialsFile.default }
}
