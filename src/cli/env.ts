// `aws-credd env PROFILE [--format sh|fish|json]`: the variables that point any AWS
// SDK at the daemon's container endpoint for one profile, printed for a shell's eval.
// The token opens that profile alone (a grant named env.PROFILE, made once and reused)
// and goes by file name, never by value, so it cannot land in shell history or scrollback.
// Also the shared part of `aws-credd exec`, which applies the same variables.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { UsageError, type Command } from './command.js'
import { askDaemon, controlSocket, socketPathOf, UNTRUSTED_EXIT, type ControlAnswer, type ControlTarget } from './control-client.js'
import { grantFailure, mintGrant } from './grant-client.js'
import { withFix } from '../core/errors.js'
import { fixes } from '../core/fixes.js'

export const FULL_URI = 'AWS_CONTAINER_CREDENTIALS_FULL_URI'
export const TOKEN_FILE = 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'
export const TOKEN = 'AWS_CONTAINER_AUTHORIZATION_TOKEN'

/**
 * Removed so the SDKs use the endpoint: keys in the environment come first in every
 * default chain, AWS_PROFILE would pick a profile instead, and a RELATIVE_URI (left
 * over from ECS) beats a FULL_URI in botocore and the JS SDK. Of the two token
 * variables, the one not set goes too: botocore and Go prefer the file, the JS SDK
 * the value, and a stale one of either would win for some client.
 */
export const UNSET_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  TOKEN,
  TOKEN_FILE,
] as const

export interface ContainerEnv {
  set: Record<string, string>
  unset: string[]
}

/** The endpoint and how the consumer gets its token: by file (env) or by value (exec: the AWS CLI 2.9 series reads only the value). */
export type ContainerEndpoint = { url: string } & ({ tokenFile: string; token?: undefined } | { token: string; tokenFile?: undefined })

/**
 * With AWS_PROFILE gone, a program would fall back to [default]'s region (or none):
 * the profile's own `region` goes along as AWS_REGION (JS SDK) and AWS_DEFAULT_REGION
 * (botocore), as aws-vault does, unless the caller's environment already names one.
 * AWS_CREDD_REGION marks a region aws-credd set, so a later `env`/`exec` for another
 * profile in the same shell replaces it instead of taking it for the caller's choice.
 */
export const REGION_MARK = 'AWS_CREDD_REGION'
export const regionVars = (region: string | undefined, env: NodeJS.ProcessEnv): Pick<ContainerEnv, 'set' | 'unset'> => {
  const ours = env[REGION_MARK]
  const callers = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== ours
  if (callers(env.AWS_REGION) || callers(env.AWS_DEFAULT_REGION)) return { set: {}, unset: [] }
  if (region) return { set: { AWS_REGION: region, AWS_DEFAULT_REGION: region, [REGION_MARK]: region }, unset: [] }
  return ours ? { set: {}, unset: ['AWS_REGION', 'AWS_DEFAULT_REGION', REGION_MARK] } : { set: {}, unset: [] }
}

export const containerEnvFor = (
  endpoint: ContainerEndpoint,
  profile: string,
  region: Pick<ContainerEnv, 'set' | 'unset'> = { set: {}, unset: [] },
): ContainerEnv => {
  const tokenVar = endpoint.tokenFile !== undefined ? TOKEN_FILE : TOKEN
  return {
    set: {
      [FULL_URI]: containerUrl(endpoint.url, profile),
      [tokenVar]: endpoint.tokenFile ?? endpoint.token!,
      ...region.set,
    },
    unset: [...UNSET_VARS.filter((v) => v !== tokenVar), ...region.unset],
  }
}

/** The URL of one profile's credentials on the endpoint. */
export const containerUrl = (base: string, profile: string): string =>
  `${base.replace(/\/+$/, '')}/v1/credentials/${encodeURIComponent(profile)}`

/** POSIX sh (bash, zsh, dash): nothing is special inside '…' except ' itself. */
export const shQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`

/** fish: inside '…' only \' and \\ are escapes. */
export const fishQuote = (value: string): string => `'${value.replace(/[\\']/g, '\\$&')}'`

export const ENV_FORMATS = ['sh', 'fish', 'json'] as const
export type EnvFormat = (typeof ENV_FORMATS)[number]

export const formatEnv = (e: ContainerEnv, format: EnvFormat): string => {
  const set = Object.entries(e.set)
  if (format === 'json') return `${JSON.stringify({ ...e.set, unset: e.unset })}\n`
  if (format === 'fish')
    return [...set.map(([k, v]) => `set -gx ${k} ${fishQuote(v)}`), ...e.unset.map((k) => `set -e ${k}`)].join('\n') + '\n'
  return [...set.map(([k, v]) => `export ${k}=${shQuote(v)}`), `unset ${e.unset.join(' ')}`].join('\n') + '\n'
}

/**
 * Where a profile is served, or why not: 3 no daemon, 4 the control socket failed the trust check,
 * 1 no endpoint or unknown profile. `warnings`: no credentials right now, [default] would win.
 * The token is for the caller to get.
 */
export type EnvLookup =
  | { ok: true; url: string; socket: ControlTarget; region: Pick<ContainerEnv, 'set' | 'unset'>; warnings?: string[] }
  | { ok: false; code: 1 | 3 | 4; message: string }

/** No daemon or an untrusted socket, as a lookup failure. */
const unreachable = (a: Extract<ControlAnswer, { reason: string }>): EnvLookup =>
  a.status === 'untrusted'
    ? { ok: false, code: UNTRUSTED_EXIT, message: a.reason }
    : { ok: false, code: 3, message: `${a.reason}; ${fixes.startDaemon}` }

const isEndpoint = (v: unknown): v is { url: string } =>
  typeof v === 'object' && v !== null && typeof (v as { url?: unknown }).url === 'string'

export const lookupContainerEnv = async (profile: string, env: NodeJS.ProcessEnv = process.env): Promise<EnvLookup> => {
  const socket = controlSocket(env)
  const status = await askDaemon(socket, 'GET', '/v1/status')
  if (status.status === 'no-daemon' || status.status === 'untrusted') return unreachable(status)
  if (status.status !== 200)
    return { ok: false, code: 1, message: `the daemon refused its status (${status.status}): ${String(status.body.message ?? '')}` }
  const endpoint = status.body.containerEndpoint
  if (!isEndpoint(endpoint)) {
    return { ok: false, code: 1, message: `the running daemon serves no container endpoint; ${fixes.containerEndpoint}` }
  }
  const creds = await askDaemon(socket, 'GET', `/v1/credentials/${encodeURIComponent(profile)}`)
  if (creds.status === 'no-daemon' || creds.status === 'untrusted') return unreachable(creds)
  if (creds.status === 404) {
    const why = String(creds.body.message ?? `profile "${profile}" is not kept by this daemon`)
    return { ok: false, code: 1, message: withFix(why, `use a profile the daemon keeps, or add "${profile}" to "profiles" in its config`) }
  }
  const listed = Array.isArray(status.body.profiles) ? (status.body.profiles as Array<{ profile?: unknown; region?: unknown }>) : []
  const region = listed.find((p) => p.profile === profile)?.region
  const out: EnvLookup = { ok: true, url: endpoint.url, socket, region: regionVars(typeof region === 'string' ? region : undefined, env) }
  // Known but nothing valid now: the endpoint will serve once it has; say why meanwhile.
  const warnings: string[] = []
  if (creds.status !== 200)
    warnings.push(`profile "${profile}" has no valid credentials right now: ${String(creds.body.message ?? creds.status)}`)
  // Loaded here, not up front: `process` imports this file and must not load the INI reader.
  const shadow = await (await import('./default-shadow.js')).defaultShadowNote(profile, env)
  if (shadow) warnings.push(shadow)
  if (warnings.length > 0) out.warnings = warnings
  return out
}

export interface EnvOptions {
  profile: string
  format?: string
}

/**
 * The grant `env` uses for a profile: one per profile, made once and reused, so a
 * shell that evals `aws-credd env dev` at every start does not pile up grants.
 */
export const envGrantName = (profile: string): string =>
  /^[A-Za-z0-9._@-]{1,56}$/.test(profile) ? `env.${profile}` : `env.${createHash('sha256').update(profile).digest('hex').slice(0, 16)}`

/** The token file of the profile's env grant, made (or re-made) when needed. */
const envTokenFile = async (
  socket: ControlTarget,
  profile: string,
  attempt = 0,
): Promise<{ ok: true; file: string } | { ok: false; code: 1 | 3 | 4; message: string }> => {
  const name = envGrantName(profile)
  const listed = await askDaemon(socket, 'GET', '/v1/grants')
  if (listed.status !== 200) return { ok: false, ...grantFailure(listed) }
  type Listed = { name?: unknown; kind?: unknown; profiles?: unknown; tokenFile?: unknown; expired?: unknown }
  const grants = Array.isArray(listed.body.grants) ? (listed.body.grants as Listed[]) : []
  const existing = grants.find((g) => g.name === name)
  // Reused only if it is what env makes: its kind, this profile alone, a token file still there
  // (the runtime folder is emptied at reboot, the grants file is not).
  const ours =
    existing?.kind === 'env' && Array.isArray(existing.profiles) && existing.profiles.length === 1 && existing.profiles[0] === profile
  if (ours && typeof existing.tokenFile === 'string' && existing.expired !== true) {
    if (
      await readFile(existing.tokenFile, 'utf8').then(
        () => true,
        () => false,
      )
    )
      return { ok: true, file: existing.tokenFile }
  }
  if (existing) await askDaemon(socket, 'DELETE', `/v1/grants/${encodeURIComponent(name)}`)
  const file = join(dirname(socketPathOf(socket)), 'grants', `${name}.token`)
  const minted = await mintGrant(socket, { name, kind: 'env', profiles: [profile], tokenFile: file })
  // Another `env` for the same profile made it meanwhile: use that one.
  if (!minted.ok && minted.answer.status === 409 && attempt === 0) return envTokenFile(socket, profile, 1)
  if (!minted.ok) return { ok: false, ...grantFailure(minted.answer) }
  const { writeTokenFile } = await import('./token-file.js')
  await writeTokenFile(file, minted.grant.token)
  return { ok: true, file }
}

export const envCommand: Command<EnvOptions, { profile: string; format: EnvFormat }> = {
  validate: ({ profile, format = 'sh' }) =>
    (ENV_FORMATS as readonly string[]).includes(format)
      ? { profile, format: format as EnvFormat }
      : new UsageError(`aws-credd env: --format "${format}" is not a format; use sh, fish or json`),
  run: async ({ profile, format }, { io, env }) => {
    const found = await lookupContainerEnv(profile, env)
    if (!found.ok) {
      io.stderr(`aws-credd env: ${found.message}`)
      return found.code
    }
    const token = await envTokenFile(found.socket, profile)
    if (!token.ok) {
      io.stderr(`aws-credd env: ${token.message}`)
      return token.code
    }
    for (const w of found.warnings ?? []) io.stderr(`aws-credd env: note: ${w}`)
    io.stdout(formatEnv(containerEnvFor({ url: found.url, tokenFile: token.file }, profile, found.region), format))
    return 0
  },
}
