// Every SSO session the files define, and the profiles that depend on each: the
// token keeper keeps all of them alive with no config. A session is a
// `[sso-session NAME]` section, or the start URL of a legacy profile that sets
// `sso_start_url` itself (its token cache is keyed by that URL).
import { explainEndpoint } from './endpoints.js'
import { chainOf, type ProfileGraph } from './links.js'
import type { AwsProfileData } from './profile-graph.js'
import type { SsoSessionRef } from './sso-token.js'

export interface SsoSessionInfo extends SsoSessionRef {
  /** SHA-1 input of the cache file name: the session name, or the start URL for legacy profiles. */
  cacheKey: string
  /** How people name it: the session name, or `profile NAME` for a legacy profile. */
  label: string
  /** `sso_registration_scopes`, for a login's RegisterClient (the AWS CLI's default when unset). */
  scopes: string[]
  /** SSO-OIDC endpoint override (AWS_ENDPOINT_URL_SSO_OIDC, services, endpoint_url). */
  oidcEndpoint?: string
  /** Profiles whose credentials come from this session (directly or as the start of a chain). */
  profiles: string[]
}

type Env = Record<string, string | undefined>

/** How `aws sso login` and `aws-credd login` name a session: by name, or by the legacy profile that holds its start URL. */
export const loginFlag = (ssoSession: string | undefined, legacyProfile: string): string =>
  ssoSession ? `--sso-session ${ssoSession}` : `--profile ${legacyProfile}`

export const sessionLoginFlag = (s: Pick<SsoSessionInfo, 'ssoSession' | 'label'>): string =>
  loginFlag(s.ssoSession, s.label.replace(/^profile /, ''))

const DEFAULT_SCOPES = ['sso:account:access']

export const listSsoSessions = (files: AwsProfileData, env: Env, graph?: ProfileGraph): SsoSessionInfo[] => {
  const out = new Map<string, SsoSessionInfo>()
  for (const [name, s] of Object.entries(files.ssoSessions)) {
    const startUrl = s.sso_start_url
    const region = s.sso_region
    if (!startUrl || !region) continue
    const scopes = (s.sso_registration_scopes ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
    out.set(name, {
      ssoSession: name,
      startUrl,
      region,
      cacheKey: name,
      label: name,
      scopes: scopes.length ? scopes : DEFAULT_SCOPES,
      profiles: [],
    })
  }
  for (const [profile, d] of Object.entries(files.profiles)) {
    const named = d.sso_session ? out.get(d.sso_session) : undefined
    if (named) {
      named.oidcEndpoint ??= explainEndpoint('sso-oidc', d, files.services, env).url
      continue
    }
    if (d.sso_session || !d.sso_start_url || !d.sso_region || out.has(d.sso_start_url)) continue
    out.set(d.sso_start_url, {
      startUrl: d.sso_start_url,
      region: d.sso_region,
      cacheKey: d.sso_start_url,
      label: `profile ${profile}`,
      scopes: DEFAULT_SCOPES,
      oidcEndpoint: explainEndpoint('sso-oidc', d, files.services, env).url,
      profiles: [],
    })
  }
  for (const info of out.values()) info.oidcEndpoint ??= explainEndpoint('sso-oidc', undefined, files.services, env).url
  if (graph) {
    for (const [profile, root] of graph.roots) {
      for (const link of chainOf(graph, root)) {
        if (link.kind === 'sso') out.get(link.cacheKey)?.profiles.push(profile)
      }
    }
  }
  return [...out.values()]
}

/** The session a person names on the command line: a session name, or a profile that uses one. */
export const findSsoSession = (
  sessions: SsoSessionInfo[],
  files: AwsProfileData,
  by: { ssoSession?: string; profile?: string },
): SsoSessionInfo | undefined => {
  if (by.ssoSession !== undefined) return sessions.find((s) => s.ssoSession === by.ssoSession)
  if (by.profile === undefined) return sessions.length === 1 ? sessions[0] : undefined
  // A role profile logs in through the SSO session at the start of its chain.
  const seen = new Set<string>()
  for (let name: string | undefined = by.profile; name !== undefined && !seen.has(name); name = files.profiles[name]?.source_profile) {
    seen.add(name)
    const d = files.profiles[name]
    const key = d?.sso_session ?? d?.sso_start_url
    if (key !== undefined) return sessions.find((s) => s.cacheKey === key)
  }
  return undefined
}
