// Turns ~/.aws profiles into an explicit graph of links, deciding what each
// profile is exactly as @aws-sdk/credential-provider-ini's resolveProfileData
// decides it (read node_modules/@aws-sdk/credential-provider-ini/dist-cjs):
//
//   as a chain's START (the profile a program asks for):
//     role_arn + (source_profile xor credential_source) → assume-role
//     static keys → web identity → credential_process → sso_* → error
//   as a SOURCE (reached through source_profile), first match wins:
//     static keys (even when it also has role_arn)
//     credential_source without role_arn → that credential source, no AssumeRole
//     then the same order as a start.
//
// Where we are stricter than the SDK (it would fail later, or silently do
// something else), we report a ProfileError instead:
//   - source_profile and credential_source together (the SDK ignores role_arn
//     then, or passes through to source_profile; botocore refuses it);
//   - an SSO profile whose sso_region / sso_start_url disagree with its
//     sso-session (the SDK's check is unreachable from fromIni; botocore refuses);
//   - a missing [sso-session] or [services] section (the SDK crashes / silently
//     drops all configured endpoints; botocore refuses);
//   - duration_seconds that is not a whole number (the SDK sends NaN);
//   - login_session profiles (`aws login`), which aws-credd cannot renew.
//
// Region of a link (the SDK builds one STS client for a whole chain, with the
// START profile's region, else AWS_REGION, else us-east-1; botocore likewise
// uses the start profile's region). A link here may be shared by several
// chains, so: the link's own profile `region`, else the region of the first
// wanted profile that reached it, else AWS_REGION, else us-east-1 (the SDK's
// STS default). AWS_DEFAULT_REGION is botocore-only and not read. SSO links use
// sso_region (the portal call); static/process/credential-source links make no
// AWS call and have no region. Endpoints follow the same rule: the link's own
// profile's configured endpoint, else the start profile's (see endpoints.ts).

import { ProfileError, type CreddError, type ErrorCode } from './errors.js'
import type { Link, LinkId, ProfileGraph, CredentialSourceLink } from './links.js'
import { explainEndpoint, type EndpointService } from './endpoints.js'

type Section = Record<string, string>
type Sections = Record<string, Section>
type Env = Record<string, string | undefined>

/** What the graph needs from ~/.aws (src/files/aws-config-files.ts reads it). */
export interface AwsProfileData {
  profiles: Sections
  ssoSessions: Sections
  services: Sections
}

/** Profiles as parseKnownFiles (JS SDK v3) and botocore's full_config merge the two files: credentials-file keys win. */
export const mergeProfiles = (config: Sections, credentials: Sections): Sections => {
  const out: Sections = {}
  for (const [name, s] of Object.entries(config)) out[name] = { ...s }
  for (const [name, s] of Object.entries(credentials))
    out[name] = Object.prototype.hasOwnProperty.call(out, name) ? { ...out[name], ...s } : { ...s }
  return out
}

const CREDENTIAL_SOURCES = ['Environment', 'Ec2InstanceMetadata', 'EcsContainer'] as const
const SSO_KEYS = ['sso_start_url', 'sso_account_id', 'sso_session', 'sso_region', 'sso_role_name'] as const
const SDK_DEFAULT_STS_REGION = 'us-east-1'

const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined)
const str = (d: Section, k: string): string | undefined => {
  const v = own(d, k)
  return typeof v === 'string' ? v : undefined
}

// The SDK's predicates, on INI data (every value is a string).
const isStatic = (d: Section): boolean => str(d, 'aws_access_key_id') !== undefined && str(d, 'aws_secret_access_key') !== undefined
const hasSourceProfile = (d: Section): boolean => str(d, 'source_profile') !== undefined
const hasCredentialSource = (d: Section): boolean => str(d, 'credential_source') !== undefined
const isAssumeRole = (d: Section): boolean => str(d, 'role_arn') !== undefined && hasSourceProfile(d) !== hasCredentialSource(d)
const isCredentialSourceWithoutRoleArn = (d: Section): boolean => !str(d, 'role_arn') && hasCredentialSource(d)
const isWebIdentity = (d: Section): boolean => str(d, 'web_identity_token_file') !== undefined && str(d, 'role_arn') !== undefined
const isProcess = (d: Section): boolean => str(d, 'credential_process') !== undefined
const isSso = (d: Section): boolean => SSO_KEYS.some((k) => str(d, k) !== undefined)
const isLogin = (d: Section): boolean => Boolean(str(d, 'login_session'))

const header = (profile: string): string => (profile === 'default' ? '[default]' : `[profile ${profile}]`)

/** Drops undefined fields so links compare cleanly and serialise small. */
const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

interface Walk {
  root: string
  rootData: Section
  /** Profiles from the start down to the one being resolved, for cycle detection. */
  path: string[]
  staged: Map<LinkId, Link>
}

class Resolver {
  constructor(
    private readonly files: AwsProfileData,
    private readonly env: Env,
  ) {}

  private fail(w: Walk, profile: string, reason: string, fix: string, code?: ErrorCode, reasonNamesRoot = true): never {
    const context = profile === w.root ? '' : ` (needed by profile "${w.root}")`
    throw new ProfileError(w.root, `${reason}${context}`, fix, code, reasonNamesRoot || profile !== w.root)
  }

  private data(profile: string): Section | undefined {
    return own(this.files.profiles, profile)
  }

  private stage<L extends Link>(w: Walk, link: L): LinkId {
    if (!w.staged.has(link.id)) w.staged.set(link.id, link)
    return link.id
  }

  resolveRoot(root: string): { id: LinkId; links: Map<LinkId, Link> } {
    const rootData = this.data(root)
    const w: Walk = { root, rootData: rootData ?? {}, path: [root], staged: new Map() }
    if (!rootData) {
      this.fail(
        w,
        root,
        `profile "${root}" is not defined in the AWS config or credentials file`,
        `add ${header(root)} to the AWS config file (or [${root}] to the credentials file), or stop asking for "${root}"`,
        'ProfileNotFound',
      )
    }
    const id = this.resolve(w, root, rootData, false)
    return { id, links: w.staged }
  }

  /** resolveProfileData: `asSource` is the SDK's "visitedProfiles is not empty". */
  private resolve(w: Walk, profile: string, d: Section, asSource: boolean): LinkId {
    if (asSource && isStatic(d)) return this.staticLink(w, profile, d)
    const credentialSourceOnly = asSource && isCredentialSourceWithoutRoleArn(d)
    const bothSources = hasSourceProfile(d) && hasCredentialSource(d)
    if (credentialSourceOnly || isAssumeRole(d) || (str(d, 'role_arn') !== undefined && bothSources)) {
      if (bothSources) {
        this.fail(
          w,
          profile,
          `profile "${profile}" sets both source_profile and credential_source`,
          `keep only one of them in ${header(profile)}`,
          'ConflictingSource',
        )
      }
      if (credentialSourceOnly) return this.credentialSourceLink(w, profile, d)
      return this.assumeRoleLink(w, profile, d)
    }
    if (isStatic(d)) return this.staticLink(w, profile, d)
    if (isWebIdentity(d)) return this.webIdentityLink(w, profile, d)
    if (isProcess(d))
      return this.stage(w, { kind: 'process', id: `process:${profile}`, profile, command: str(d, 'credential_process') as string })
    if (isSso(d)) return this.ssoLink(w, profile, d)
    if (isLogin(d)) {
      this.fail(
        w,
        profile,
        `profile "${profile}" uses login_session (aws login), which aws-credd cannot renew`,
        `use sso_session, a role or keys in ${header(profile)}`,
        'UnsupportedProfile',
      )
    }
    this.fail(
      w,
      profile,
      `profile "${profile}" ${whyNoCredentials(d, asSource)}`,
      `add aws_access_key_id/aws_secret_access_key, role_arn with source_profile or credential_source, web_identity_token_file, credential_process or sso_session to ${header(profile)}`,
      'NoCredentials',
    )
  }

  private staticLink(w: Walk, profile: string, d: Section): LinkId {
    const exp = str(d, 'aws_credential_expiration')
    let expiresAt: number | undefined
    if (exp !== undefined) {
      expiresAt = Date.parse(exp)
      if (!Number.isFinite(expiresAt)) {
        this.fail(
          w,
          profile,
          `profile "${profile}" has aws_credential_expiration = ${JSON.stringify(exp)}, which is not a date`,
          `write it as ISO 8601 (2026-01-01T00:00:00Z) in ${header(profile)}`,
        )
      }
    }
    return this.stage(
      w,
      compact({
        kind: 'static' as const,
        id: `static:${profile}`,
        profile,
        accessKeyId: str(d, 'aws_access_key_id') as string,
        secretAccessKey: str(d, 'aws_secret_access_key') as string,
        sessionToken: str(d, 'aws_session_token'),
        expiresAt,
      }),
    )
  }

  private credentialSourceLink(w: Walk, profile: string, d: Section): LinkId {
    const value = str(d, 'credential_source') as string
    if (!(CREDENTIAL_SOURCES as readonly string[]).includes(value)) {
      this.fail(
        w,
        profile,
        `profile "${profile}" has credential_source = ${value}; expected Environment, Ec2InstanceMetadata or EcsContainer`,
        `fix credential_source in ${header(profile)} (the names are case-sensitive)`,
        'InvalidCredentialSource',
      )
    }
    return this.stage(w, {
      kind: 'credential-source',
      id: `credential-source:${profile}`,
      profile,
      credentialSource: value as CredentialSourceLink['credentialSource'],
    })
  }

  private assumeRoleLink(w: Walk, profile: string, d: Section): LinkId {
    const durationSeconds = this.duration(w, profile, d)
    const sourceProfile = str(d, 'source_profile')
    let source: LinkId
    if (sourceProfile === undefined) {
      source = this.credentialSourceLink(w, profile, d)
    } else {
      const sd = this.data(sourceProfile)
      if (!sd) {
        this.fail(
          w,
          profile,
          `profile "${profile}" has source_profile = ${sourceProfile}, but profile "${sourceProfile}" does not exist`,
          `add ${header(sourceProfile)} or correct source_profile in ${header(profile)}`,
          'ProfileNotFound',
        )
      }
      // The SDK meets a profile again as a source: static keys end the chain,
      // anything else would go round forever, so it reports a cycle.
      const seen = w.path.indexOf(sourceProfile)
      if (seen >= 0 && !isStatic(sd)) {
        const cycle = [...w.path.slice(seen), sourceProfile].join(' → ')
        this.fail(
          w,
          profile,
          `profiles form a cycle: ${cycle}`,
          `change source_profile in ${header(profile)} so the chain ends at keys, SSO, web identity, credential_process or credential_source`,
          'ProfileCycle',
          false,
        )
      }
      w.path.push(sourceProfile)
      source = this.resolve(w, sourceProfile, sd, true)
      w.path.pop()
    }
    const { region, endpoint } = this.placement(w, profile, d, 'sts')
    let mfaSerial = str(d, 'mfa_serial')
    const sourceLink = w.staged.get(source)
    if (mfaSerial !== undefined && sourceLink?.kind === 'static' && sourceLink.sessionToken === undefined) {
      // Long-term keys can hold an MFA session (GetSessionToken): one code lasts hours, not one AssumeRole.
      source = this.stage(w, {
        kind: 'mfa-session',
        id: `mfa-session:${sourceLink.profile}:${mfaSerial}`,
        profile,
        region,
        endpoint,
        mfaSerial,
        source,
      })
      mfaSerial = undefined
    }
    return this.stage(
      w,
      compact({
        kind: 'assume-role' as const,
        id: `assume-role:${profile}`,
        profile,
        region,
        endpoint,
        roleArn: str(d, 'role_arn') as string,
        roleSessionName: str(d, 'role_session_name'),
        externalId: str(d, 'external_id'),
        durationSeconds,
        mfaSerial,
        source,
      }),
    )
  }

  private webIdentityLink(w: Walk, profile: string, d: Section): LinkId {
    const { region, endpoint } = this.placement(w, profile, d, 'sts')
    return this.stage(
      w,
      compact({
        kind: 'web-identity' as const,
        id: `web-identity:${profile}`,
        profile,
        region,
        endpoint,
        roleArn: str(d, 'role_arn') as string,
        webIdentityTokenFile: str(d, 'web_identity_token_file') as string,
        roleSessionName: str(d, 'role_session_name'),
        // fromIni does not pass duration_seconds for web identity; we honour it when written.
        durationSeconds: this.duration(w, profile, d),
      }),
    )
  }

  private ssoLink(w: Walk, profile: string, d: Section): LinkId {
    const sessionName = str(d, 'sso_session')
    let startUrl = str(d, 'sso_start_url')
    let ssoRegion = str(d, 'sso_region')
    if (sessionName !== undefined) {
      const session = own(this.files.ssoSessions, sessionName)
      if (!session) {
        this.fail(
          w,
          profile,
          `profile "${profile}" has sso_session = ${sessionName}, but there is no [sso-session ${sessionName}] section`,
          `add [sso-session ${sessionName}] with sso_start_url and sso_region to the AWS config file`,
          'SsoSessionNotFound',
        )
      }
      const missing = ['sso_start_url', 'sso_region'].filter((k) => !str(session, k))
      if (missing.length > 0) {
        this.fail(
          w,
          profile,
          `[sso-session ${sessionName}] lacks ${missing.join(', ')}`,
          `add ${missing.join(' and ')} to [sso-session ${sessionName}] (aws configure sso-session)`,
          'SsoIncomplete',
          false,
        )
      }
      for (const [key, mine] of [
        ['sso_region', ssoRegion],
        ['sso_start_url', startUrl],
      ] as const) {
        const theirs = str(session, key)
        if (mine !== undefined && mine !== theirs) {
          this.fail(
            w,
            profile,
            `profile "${profile}" sets ${key} = ${mine} but its [sso-session ${sessionName}] says ${theirs}`,
            `remove ${key} from ${header(profile)}; the sso-session decides it`,
            'SsoSessionConflict',
          )
        }
      }
      startUrl = str(session, 'sso_start_url')
      ssoRegion = str(session, 'sso_region')
    }
    const fields = {
      sso_start_url: startUrl,
      sso_account_id: str(d, 'sso_account_id'),
      sso_region: ssoRegion,
      sso_role_name: str(d, 'sso_role_name'),
    }
    const missing = Object.entries(fields)
      .filter(([, v]) => !v)
      .map(([k]) => k)
    if (missing.length > 0) {
      this.fail(
        w,
        profile,
        `profile "${profile}" is configured for SSO but lacks ${missing.join(', ')}`,
        `add ${missing.join(', ')} to ${header(profile)} (or run: aws configure sso --profile ${profile})`,
        'SsoIncomplete',
      )
    }
    const { endpoint } = this.placement(w, profile, d, 'sso')
    return this.stage(
      w,
      compact({
        kind: 'sso' as const,
        id: `sso:${profile}`,
        profile,
        region: ssoRegion as string,
        endpoint,
        ssoSession: sessionName,
        startUrl: startUrl as string,
        ssoRegion: ssoRegion as string,
        accountId: fields.sso_account_id as string,
        roleName: fields.sso_role_name as string,
        // The SDK's token cache file is sha1(session name), or sha1(start URL) for legacy profiles.
        cacheKey: sessionName ?? (startUrl as string),
      }),
    )
  }

  private duration(w: Walk, profile: string, d: Section): number | undefined {
    const raw = str(d, 'duration_seconds')
    if (raw === undefined) return undefined
    if (!/^\d+$/.test(raw) || Number(raw) === 0) {
      this.fail(
        w,
        profile,
        `profile "${profile}" has duration_seconds = ${JSON.stringify(raw)}, which is not a positive whole number of seconds`,
        `write a number such as 3600 in ${header(profile)}`,
      )
    }
    return Number(raw)
  }

  /** Region and configured endpoint for the call a link makes (rules at the top of the file). */
  private placement(w: Walk, profile: string, d: Section, service: EndpointService): { region: string; endpoint: string | undefined } {
    const region = str(d, 'region') || str(w.rootData, 'region') || this.env.AWS_REGION || SDK_DEFAULT_STS_REGION
    let found = explainEndpoint(service, d, this.files.services, this.env)
    let from = profile
    if (found.source === 'none' && found.missingServicesSection === undefined && profile !== w.root) {
      found = explainEndpoint(service, w.rootData, this.files.services, this.env)
      from = w.root
    }
    if (found.missingServicesSection !== undefined) {
      this.fail(
        w,
        profile,
        `profile "${from}" has services = ${found.missingServicesSection}, but there is no [services ${found.missingServicesSection}] section`,
        `add [services ${found.missingServicesSection}] to the AWS config file or remove services from ${header(from)}`,
        'ServicesSectionNotFound',
      )
    }
    return { region, endpoint: found.url }
  }
}

const whyNoCredentials = (d: Section, asSource: boolean): string => {
  if (str(d, 'aws_access_key_id') !== undefined) return 'has aws_access_key_id but no aws_secret_access_key'
  if (str(d, 'aws_secret_access_key') !== undefined) return 'has aws_secret_access_key but no aws_access_key_id'
  if (str(d, 'role_arn') !== undefined) return 'has role_arn but neither source_profile, credential_source nor web_identity_token_file'
  if (str(d, 'web_identity_token_file') !== undefined) return 'has web_identity_token_file but no role_arn'
  if (!asSource && hasCredentialSource(d))
    return 'has credential_source but no role_arn (credential_source alone only works in a source_profile)'
  if (!asSource && hasSourceProfile(d)) return 'has source_profile but no role_arn'
  return 'has no credentials'
}

/**
 * Resolves each wanted profile to its chain of links. A link used by several
 * profiles appears once in `links`; a profile that cannot be resolved gets an
 * entry in `errors` (keyed by that wanted profile) and does not stop the others.
 */
export const buildProfileGraph = (files: AwsProfileData, wanted: string[], env: Env): ProfileGraph => {
  const graph: ProfileGraph = { links: new Map(), roots: new Map(), errors: new Map<string, CreddError>() }
  const resolver = new Resolver(files, env)
  for (const profile of wanted) {
    if (graph.roots.has(profile) || graph.errors.has(profile)) continue
    try {
      const { id, links } = resolver.resolveRoot(profile)
      // First chain to reach a shared link decides its inherited region/endpoint.
      for (const [lid, link] of links) if (!graph.links.has(lid)) graph.links.set(lid, link)
      graph.roots.set(profile, id)
    } catch (e) {
      if (!(e instanceof ProfileError)) throw e
      graph.errors.set(profile, e)
    }
  }
  return graph
}

/**
 * True when a daemon has something to renew: the profile's credentials come from a
 * call (role, SSO, web identity, process). Static keys, even with a session token
 * (perhaps written by aws-credd itself), cannot be renewed from the files.
 */
export const isTemporaryRoot = (graph: ProfileGraph, profile: string): boolean => {
  const id = graph.roots.get(profile)
  const link = id === undefined ? undefined : graph.links.get(id)
  return link !== undefined && link.kind !== 'static'
}

/** Every profile name in the files, config file order first: the zero-config set. */
export const discoverProfiles = (files: Pick<AwsProfileData, 'profiles'>): string[] => Object.keys(files.profiles)
