// Gathers what `aws-credd doctor` judges, from the disk only: both AWS files
// (each file's own sections, read by @smithy/shared-ini-file-loader as the SDK
// reads them, plus the merge, the lint and aws-credd's markers), the SSO token
// cache as the daemon reads it, file modes, and the daemon config. Secrets read
// here stay in the facts; the rules never print them.
import { constants } from 'node:fs'
import { access, readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader'
import type { Config } from '../core/config/schema.js'
import { AwsFileError, ConfigError } from '../core/errors.js'
import { inspectSection } from '../core/ini-section-edit.js'
import type { DaemonConfigFacts, DoctorFacts, Env, FileFacts, RuntimeFacts, SsoSessionFacts } from '../core/doctor/facts.js'
import { buildProfileGraph, mergeProfiles } from '../core/profile-graph.js'
import { listSsoSessions } from '../core/sso-sessions.js'
import { awsPaths, readAwsFiles, splitSections } from './aws-config-files.js'
import { configSearchPath, readConfigFile } from './daemon-config.js'
import { readSsoToken, ssoCacheFile } from './sso-cache.js'

export interface GatherOptions {
  /** --config, as given (resolved against the working folder). */
  configPath?: string
  /** The daemon's runtime folder, for the default token file. */
  runtimeDir: string
  /** The runtime folder's choice and lstat facts (serve/runtime-paths.ts runtimeFacts), gathered by the caller; none without uids. */
  runtime?: RuntimeFacts
}

const errno = (e: unknown): string => (e as NodeJS.ErrnoException | undefined)?.code ?? 'error'

/** Exists, mode, and whether this user can read it. */
export const fileFacts = async (path: string): Promise<FileFacts> => {
  try {
    const st = await stat(path)
    const facts: FileFacts = { path, exists: true, mode: st.mode & 0o777 }
    await access(path, constants.R_OK).catch((e: unknown) => {
      facts.unreadable = `cannot read ${path} (${errno(e)})`
      facts.unreadableFix = `make it readable by this user: chmod 600 ${path}; chown it to this user`
    })
    return facts
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return { path, exists: false }
    return {
      path,
      exists: true,
      unreadable: `cannot inspect ${path} (${errno(e)})`,
      unreadableFix: `check the owner and permissions of ${path} and its folder`,
    }
  }
}

const readText = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '')

const ssoSessionFacts = async (info: SsoSessionFacts['info'], cacheDir: string): Promise<SsoSessionFacts> => {
  const cacheFile = ssoCacheFile(cacheDir, info.cacheKey)
  try {
    const t = await readSsoToken(cacheFile)
    if (!t) return { info, cacheFile }
    const reg = t.registrationExpiresAt !== undefined ? Date.parse(t.registrationExpiresAt) : NaN
    return {
      info,
      cacheFile,
      token: {
        expiresAt: Date.parse(t.expiresAt),
        hasRefreshToken: typeof t.refreshToken === 'string',
        hasClientRegistration: typeof t.clientId === 'string' && typeof t.clientSecret === 'string',
        ...(Number.isFinite(reg) ? { registrationExpiresAt: reg } : {}),
      },
    }
  } catch (e) {
    return {
      info,
      cacheFile,
      unreadable: e instanceof AwsFileError ? e.reason : `${cacheFile}: cannot read the SSO token cache (${errno(e)})`,
    }
  }
}

const cacheFiles = async (dir: string): Promise<FileFacts[]> => {
  const names = await readdir(dir).catch(() => [] as string[])
  return Promise.all(
    names
      .filter((n) => n.endsWith('.json'))
      .sort()
      .map((n) => fileFacts(join(dir, n))),
  )
}

const daemonConfigFacts = async (env: Env, opts: GatherOptions): Promise<DaemonConfigFacts> => {
  let path: string | undefined
  let config: Config | undefined
  let error: string | undefined
  let errorFix: string | undefined
  try {
    const search = configSearchPath(env)
    path = opts.configPath !== undefined ? resolve(opts.configPath) : (await fileFacts(search)).exists ? search : undefined
    if (path !== undefined) config = await readConfigFile(path)
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    error = e.reason
    errorFix = e.fix
  }
  const tokenPath = config?.server.tokenFile ?? join(opts.runtimeDir, 'token')
  return {
    ...(path !== undefined ? { path } : {}),
    ...(error !== undefined ? { error } : {}),
    ...(errorFix !== undefined ? { errorFix } : {}),
    writeTo: (config?.profiles ?? []).filter((p) => p.writeTo !== undefined).map((p) => ({ profile: p.profile, section: p.writeTo! })),
    tokenFile: await fileFacts(tokenPath),
  }
}

/** Everything but the network. */
export const gatherDoctorFacts = async (env: Env, opts: GatherOptions): Promise<Omit<DoctorFacts, 'network'>> => {
  const paths = awsPaths(env)
  const [configStat, credsStat] = await Promise.all([fileFacts(paths.configFile), fileFacts(paths.credentialsFile)])
  // readAwsFiles refuses what the SDK would silently read as empty, and lints for botocore.
  let lint: string[] = []
  try {
    lint = (await readAwsFiles(env)).warnings ?? []
  } catch (e) {
    if (!(e instanceof AwsFileError)) throw e
    const target = e.file === paths.configFile ? configStat : credsStat
    target.unreadable ??= e.reason
    target.unreadableFix ??= e.fix
  }
  const raw = await loadSharedConfigFiles({ filepath: paths.credentialsFile, configFilepath: paths.configFile, ignoreCache: true })
  const conf = splitSections(configStat.unreadable ? {} : raw.configFile)
  const creds = splitSections(credsStat.unreadable ? {} : raw.credentialsFile).profiles
  const credsText = credsStat.unreadable ? '' : await readText(paths.credentialsFile)
  const lintOf = (file: string): string[] => lint.filter((l) => l.startsWith(`${file} line`))

  const config: DoctorFacts['config'] = {
    ...configStat,
    profiles: conf.profiles,
    lint: lintOf(paths.configFile),
    ssoSessions: conf.ssoSessions,
    services: conf.services,
  }
  const credentials: DoctorFacts['credentials'] = {
    ...credsStat,
    profiles: creds,
    lint: lintOf(paths.credentialsFile),
    managed: Object.keys(creds).filter((name) => inspectSection(credsText, name).managed),
  }
  const files = { profiles: mergeProfiles(conf.profiles, creds), ssoSessions: conf.ssoSessions, services: conf.services }
  const graph = buildProfileGraph(files, Object.keys(files.profiles), env)
  const sessions = listSsoSessions(files, env, graph)
  const tokenFileEnv = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
  const [ssoSessions, ssoCache, daemonConfig, containerTokenFile] = await Promise.all([
    Promise.all(sessions.map((s) => ssoSessionFacts(s, paths.ssoCacheDir))),
    cacheFiles(paths.ssoCacheDir),
    daemonConfigFacts(env, opts),
    tokenFileEnv ? fileFacts(tokenFileEnv) : Promise.resolve(undefined),
  ])
  const runtime = opts.runtime
  return {
    env,
    config,
    credentials,
    ssoSessions,
    ssoCacheFiles: ssoCache,
    daemonConfig,
    ...(containerTokenFile ? { containerTokenFile } : {}),
    ...(runtime ? { runtime } : {}),
  }
}
