// Which credentials a program gets when it names no profile in code, for the two
// default chains that disagree. Checked against the sources (and against the real
// clients in test/cli/doctor-clients.test.ts):
//
// JS SDK v3, @aws-sdk/credential-provider-node defaultProvider:
//   fromEnv, SKIPPED when AWS_PROFILE is non-empty (it warns "Multiple credential
//   sources detected" when the env keys are set too) → fromSSO (only with SSO
//   options in code) → fromIni(AWS_PROFILE || "default") → fromProcess →
//   fromTokenFile (AWS_WEB_IDENTITY_TOKEN_FILE) → container (AWS_CONTAINER_
//   CREDENTIALS_RELATIVE_URI/FULL_URI) else IMDS unless AWS_EC2_METADATA_DISABLED.
//   A profile that is missing or has no credentials passes to the next provider.
// botocore (AWS CLI, boto3), botocore/credentials.py create_credential_resolver:
//   profile = AWS_DEFAULT_PROFILE, else AWS_PROFILE (set but empty counts), else
//   "default"; a named profile that does not exist fails the whole session
//   (ProfileNotFound). env keys → assume-role (role_arn) → web identity (env, then
//   profile) → SSO (sso_account_id/sso_role_name) → credentials-file keys →
//   login_session → credential_process → config-file keys → container → IMDS.
//   The env keys are dropped only for a profile given in code or on the command
//   line (`--profile`, boto3 Session(profile_name=)), never for AWS_PROFILE.
import type { Link } from '../links.js'
import type { DoctorContext } from './context.js'
import { hasProfile, keyFile, profileData, sectionName } from './context.js'
import { configHeader, describeKey, isSet } from './findings.js'

export type Client = 'js-sdk-v3' | 'botocore'

export const CLIENT_NAME: Record<Client, string> = {
  'js-sdk-v3': 'the JS SDK v3 (default chain)',
  botocore: 'botocore (the AWS CLI, boto3)',
}

export type ChoiceSource = 'env' | 'profile' | 'web-identity-env' | 'container' | 'imds' | 'none'

export interface CredentialChoice {
  client: Client
  source: ChoiceSource
  profile?: string
  /** In words, key ids masked: `profile dev: static keys AKIA…BBBB (long-term) from [dev] of /h/.aws/credentials`. */
  detail: string
  /** The key id it signs with, when known without a call (raw: mask before showing). */
  accessKeyId?: string
  /** The client stops with this error instead of finding credentials. */
  failure?: string
  /** What fixes the failure. */
  fix?: string
}

export const envKeys = (env: DoctorContext['facts']['env']): { id?: string; secret: boolean } => ({
  ...(isSet(env.AWS_ACCESS_KEY_ID) ? { id: env.AWS_ACCESS_KEY_ID } : {}),
  secret: isSet(env.AWS_SECRET_ACCESS_KEY),
})

const envChoice = (client: Client, id: string): CredentialChoice => ({
  client,
  source: 'env',
  accessKeyId: id,
  detail: `the environment keys AWS_ACCESS_KEY_ID=${describeKey(id)}`,
})

const staticDetail = (ctx: DoctorContext, profile: string, id: string, file: 'credentials' | 'config' | undefined): string =>
  `static keys ${describeKey(id)} from ${file ? sectionName(ctx, file, profile) : `profile ${profile}`}`

const linkDetail = (ctx: DoctorContext, link: Link): string => {
  switch (link.kind) {
    case 'static':
      return staticDetail(ctx, link.profile, link.accessKeyId, keyFile(ctx, link.profile))
    case 'assume-role':
      return `assumes ${link.roleArn} (AssumeRole)`
    case 'mfa-session':
      return `an MFA session (GetSessionToken) for ${link.mfaSerial}`
    case 'sso':
      return `SSO ${link.ssoSession ? `session ${link.ssoSession}` : link.startUrl}, account ${link.accountId}, role ${link.roleName}`
    case 'web-identity':
      return `web identity ${link.roleArn} with ${link.webIdentityTokenFile}`
    // Not the command line itself: it may carry a secret.
    case 'process':
      return 'its credential_process'
    case 'credential-source':
      return `credential_source ${link.credentialSource}`
  }
}

/** Plain-HTTP hosts both SDK families accept for AWS_CONTAINER_CREDENTIALS_FULL_URI besides loopback (ECS, EKS). */
const CONTAINER_HOSTS = new Set(['169.254.170.2', '169.254.170.23', 'fd00:ec2::23', 'localhost'])

/** Why an SDK refuses this FULL_URI, in its own words, or undefined (botocore ContainerMetadataFetcher, JS credential-provider-http). */
export const containerUrlRefusal = (raw: string, client: Client): string | undefined => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return `AWS_CONTAINER_CREDENTIALS_FULL_URI=${raw} is not a URL`
  }
  if (url.protocol === 'https:') return undefined
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (CONTAINER_HOSTS.has(host) || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return undefined
  return client === 'botocore'
    ? `Unsupported host '${host}'.  Can only retrieve metadata from a loopback address or one of these hosts: 169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost`
    : `Could not load credentials from any providers: its container provider refuses ${url.hostname} over plain HTTP ("URL not accepted. It must either be HTTPS or match …")`
}

const remote = (ctx: DoctorContext, client: Client): CredentialChoice => {
  const env = ctx.facts.env
  if (isSet(env.AWS_CONTAINER_CREDENTIALS_FULL_URI) || isSet(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)) {
    const which = isSet(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
      ? 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'
      : 'AWS_CONTAINER_CREDENTIALS_FULL_URI'
    const refusal =
      which === 'AWS_CONTAINER_CREDENTIALS_FULL_URI' ? containerUrlRefusal(env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, client) : undefined
    if (refusal) {
      return {
        client,
        source: 'container',
        detail: `the container endpoint (${which})`,
        failure: refusal,
        fix: "over plain HTTP the URL must be loopback: share the sidecar's network namespace and use http://127.0.0.1:9911/v1/credentials/PROFILE (or serve HTTPS)",
      }
    }
    return { client, source: 'container', detail: `the container endpoint (${which})` }
  }
  const disabled =
    client === 'botocore'
      ? (env.AWS_EC2_METADATA_DISABLED ?? '').toLowerCase() === 'true'
      : isSet(env.AWS_EC2_METADATA_DISABLED) && env.AWS_EC2_METADATA_DISABLED !== 'false'
  if (disabled) return { client, source: 'none', detail: 'every provider came up empty, and IMDS is disabled by AWS_EC2_METADATA_DISABLED' }
  const at = isSet(env.AWS_EC2_METADATA_SERVICE_ENDPOINT) ? env.AWS_EC2_METADATA_SERVICE_ENDPOINT : 'http://169.254.169.254'
  return { client, source: 'imds', detail: `the instance metadata service at ${at} (off EC2 it finds nothing)` }
}

const webIdentityEnv = (ctx: DoctorContext, client: Client): CredentialChoice | undefined => {
  const env = ctx.facts.env
  if (!isSet(env.AWS_WEB_IDENTITY_TOKEN_FILE) || !isSet(env.AWS_ROLE_ARN)) return undefined
  return {
    client,
    source: 'web-identity-env',
    detail: `web identity ${env.AWS_ROLE_ARN} with AWS_WEB_IDENTITY_TOKEN_FILE=${env.AWS_WEB_IDENTITY_TOKEN_FILE}`,
  }
}

const defined = (ctx: DoctorContext): string => {
  const names = Object.keys(ctx.files.profiles)
  if (names.length === 0) return ''
  return ` (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`
}

const PASS_ON = new Set(['ProfileNotFound', 'NoCredentials'])

const jsChoice = (ctx: DoctorContext): CredentialChoice => {
  const client: Client = 'js-sdk-v3'
  const env = ctx.facts.env
  const named = isSet(env.AWS_PROFILE) ? env.AWS_PROFILE : undefined
  const keys = envKeys(env)
  if (named === undefined && keys.id !== undefined && keys.secret) return envChoice(client, keys.id)
  const profile = named ?? 'default'
  const error = ctx.graph.errors.get(profile)
  if (error && !PASS_ON.has(error.code)) {
    return {
      client,
      source: 'profile',
      profile,
      detail: `profile ${profile}, which fails`,
      failure: error.reason,
      ...(error.fix ? { fix: error.fix } : {}),
    }
  }
  const rootId = ctx.graph.roots.get(profile)
  const root = rootId === undefined ? undefined : ctx.graph.links.get(rootId)
  if (root) {
    const why = named !== undefined ? ' (AWS_PROFILE)' : ''
    return {
      client,
      source: 'profile',
      profile,
      detail: `profile ${profile}${why}: ${linkDetail(ctx, root)}`,
      ...(root.kind === 'static' ? { accessKeyId: root.accessKeyId } : {}),
    }
  }
  const next = webIdentityEnv(ctx, client) ?? remote(ctx, client)
  const missing = !hasProfile(ctx, profile)
  if (named === undefined && missing) return next
  return { ...next, detail: `${next.detail}, since profile ${profile} ${missing ? 'is not defined' : 'has no credentials'}` }
}

const botocoreChoice = (ctx: DoctorContext): CredentialChoice => {
  const client: Client = 'botocore'
  const env = ctx.facts.env
  // configparser refuses the whole file: every command stops before any provider is tried.
  const refused = [ctx.facts.config, ctx.facts.credentials].find((f) => f.lint.length > 0)
  if (refused) {
    return {
      client,
      source: 'none',
      detail: refused.path,
      failure: `ConfigParseError: Unable to parse config file: ${refused.path}`,
      fix: `fix line ${/ line (\d+):/.exec(refused.lint[0]!)?.[1] ?? '?'} of ${refused.path} (the warning above says what is wrong there)`,
    }
  }
  const named = env.AWS_DEFAULT_PROFILE ?? env.AWS_PROFILE
  const variable = env.AWS_DEFAULT_PROFILE !== undefined ? 'AWS_DEFAULT_PROFILE' : 'AWS_PROFILE'
  if (named !== undefined && !hasProfile(ctx, named)) {
    return {
      client,
      source: 'none',
      profile: named,
      detail: `profile "${named}" (${variable})`,
      failure: `ProfileNotFound: The config profile (${named}) could not be found`,
      fix: `set ${variable} to a defined profile${defined(ctx)}, or add ${configHeader(named)} to ${ctx.facts.config.path}`,
    }
  }
  const keys = envKeys(env)
  if (keys.id !== undefined && !keys.secret) {
    return {
      client,
      source: 'env',
      detail: 'the environment keys',
      accessKeyId: keys.id,
      failure: 'PartialCredentialsError: Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY',
      fix: 'export AWS_SECRET_ACCESS_KEY too, or unset AWS_ACCESS_KEY_ID',
    }
  }
  if (keys.id !== undefined) return envChoice(client, keys.id)
  const profile = named ?? 'default'
  const d = profileData(ctx, profile)
  const from = (detail: string, accessKeyId?: string): CredentialChoice => ({
    client,
    source: 'profile',
    profile,
    detail: `profile ${profile}${named !== undefined ? ` (${variable})` : ''}: ${detail}`,
    ...(accessKeyId ? { accessKeyId } : {}),
  })
  if (d.role_arn !== undefined && d.web_identity_token_file === undefined) return from(`assumes ${d.role_arn} (AssumeRole)`)
  const web = webIdentityEnv(ctx, client)
  if (web) return web
  if (d.role_arn !== undefined && d.web_identity_token_file !== undefined)
    return from(`web identity ${d.role_arn} with ${d.web_identity_token_file}`)
  if (d.sso_account_id !== undefined || d.sso_role_name !== undefined) {
    return from(
      `SSO ${d.sso_session ? `session ${d.sso_session}` : (d.sso_start_url ?? '')}, account ${d.sso_account_id ?? '?'}, role ${d.sso_role_name ?? '?'}`,
    )
  }
  const cred = ctx.facts.credentials.profiles[profile]
  if (cred && Object.prototype.hasOwnProperty.call(ctx.facts.credentials.profiles, profile) && cred.aws_access_key_id !== undefined) {
    return from(staticDetail(ctx, profile, cred.aws_access_key_id, 'credentials'), cred.aws_access_key_id)
  }
  if (d.login_session !== undefined) return from(`login_session ${d.login_session}`)
  if (d.credential_process !== undefined) return from('its credential_process')
  const conf = ctx.facts.config.profiles[profile]
  if (conf && Object.prototype.hasOwnProperty.call(ctx.facts.config.profiles, profile) && conf.aws_access_key_id !== undefined) {
    return from(staticDetail(ctx, profile, conf.aws_access_key_id, 'config'), conf.aws_access_key_id)
  }
  return remote(ctx, client)
}

/** What each default chain picks in this environment. */
export const credentialChoices = (ctx: DoctorContext): CredentialChoice[] => [jsChoice(ctx), botocoreChoice(ctx)]
