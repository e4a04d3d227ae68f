// A profile resolves to a chain of links: each link is one call that yields
// credentials (read static keys, AssumeRole, GetRoleCredentials, …). The graph is
// explicit so that every link's expiry is known and a link shared by several
// profiles is fetched once. Link ids are `${kind}:${profile}` because the same
// profile can be a different link as a chain's start than as a source (the SDK
// prefers a source profile's static keys over its role_arn).

export type LinkId = string

interface LinkBase {
  id: LinkId
  /** The profile in ~/.aws/config or ~/.aws/credentials this link comes from. */
  profile: string
  /** Region for the call this link makes (profile `region`, else AWS_REGION, else the SDK default). */
  region?: string
  /** Endpoint override for the service this link calls, resolved as the SDK resolves it. */
  endpoint?: string
}

export interface StaticLink extends LinkBase {
  kind: 'static'
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** `aws_credential_expiration`, when present (epoch ms). */
  expiresAt?: number
}

export interface AssumeRoleLink extends LinkBase {
  kind: 'assume-role'
  roleArn: string
  roleSessionName?: string
  externalId?: string
  durationSeconds?: number
  mfaSerial?: string
  /** The link whose credentials sign the AssumeRole call. */
  source: LinkId
}

/**
 * A GetSessionToken session for an MFA device, signed by long-term keys: roles with
 * mfa_serial are assumed from it without a new code each hour (aws-vault does the
 * same). Shared by every role profile with the same source and device. The code
 * comes from `aws-credd mfa PROFILE CODE`; a daemon cannot prompt.
 */
export interface MfaSessionLink extends LinkBase {
  kind: 'mfa-session'
  mfaSerial: string
  /** The static (AKIA…) link whose keys call GetSessionToken. */
  source: LinkId
}

export interface CredentialSourceLink extends LinkBase {
  kind: 'credential-source'
  credentialSource: 'Environment' | 'Ec2InstanceMetadata' | 'EcsContainer'
}

export interface WebIdentityLink extends LinkBase {
  kind: 'web-identity'
  roleArn: string
  /** Re-read at every renewal: Kubernetes rotates it. */
  webIdentityTokenFile: string
  roleSessionName?: string
  durationSeconds?: number
}

export interface ProcessLink extends LinkBase {
  kind: 'process'
  command: string
}

export interface SsoLink extends LinkBase {
  kind: 'sso'
  /** Set for `sso_session` profiles; absent for legacy `sso_start_url` ones. */
  ssoSession?: string
  startUrl: string
  ssoRegion: string
  accountId: string
  roleName: string
  /** SHA-1 input of the token cache file name: the session name, or the start URL for legacy profiles. */
  cacheKey: string
}

export type Link = StaticLink | AssumeRoleLink | MfaSessionLink | CredentialSourceLink | WebIdentityLink | ProcessLink | SsoLink
export type LinkKind = Link['kind']

/** Links that take another link's credentials as input. */
export const sourceOf = (link: Link): LinkId | undefined =>
  link.kind === 'assume-role' || link.kind === 'mfa-session' ? link.source : undefined

/** The MFA device a link needs a code for, if any. */
export const mfaSerialOf = (link: Link): string | undefined =>
  link.kind === 'mfa-session' ? link.mfaSerial : link.kind === 'assume-role' ? link.mfaSerial : undefined

export interface ProfileGraph {
  links: Map<LinkId, Link>
  /** Profile name → the link that yields its credentials. */
  roots: Map<string, LinkId>
  /** Profile name → why it cannot be resolved (one bad profile does not stop the others). */
  errors: Map<string, import('./errors.js').CreddError>
}

/** The chain from a root link down to the link that needs no input, root first. */
export const chainOf = (graph: Pick<ProfileGraph, 'links'>, root: LinkId): Link[] => {
  const chain: Link[] = []
  const seen = new Set<LinkId>()
  let id: LinkId | undefined = root
  while (id !== undefined && !seen.has(id)) {
    seen.add(id)
    const link = graph.links.get(id)
    if (!link) break
    chain.push(link)
    id = sourceOf(link)
  }
  return chain
}
