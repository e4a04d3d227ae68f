// Doctor rules about the environment variables: which credentials each default
// chain uses (credential-chain.ts), what shadows what, and keys that cannot work
// as set (a temporary key without its token, half a key pair, an expiry passed).
import type { DoctorContext } from './context.js'
import { hasProfile, keyCheckFor } from './context.js'
import { CLIENT_NAME, credentialChoices, envKeys, type CredentialChoice } from './credential-chain.js'
import { describeKey, finding, isSet, keyKind, maskKeyId, type Finding } from './findings.js'

const ENV = 'environment' as const
const ENV_KEYS = { env: true } as const
const SOON_MS = 15 * 60_000

const choiceFinding = (c: CredentialChoice): Finding => {
  const data = {
    client: c.client,
    source: c.source,
    ...(c.profile !== undefined ? { profile: c.profile } : {}),
    ...(c.accessKeyId !== undefined ? { accessKeyId: maskKeyId(c.accessKeyId) } : {}),
  }
  if (c.failure)
    return finding('error', ENV, 'credential-source', `${CLIENT_NAME[c.client]} fails with ${c.detail}: ${c.failure}`, c.fix, data)
  const what = c.source === 'none' ? `finds no credentials: ${c.detail}` : `uses ${c.detail}`
  return finding('info', ENV, 'credential-source', `${CLIENT_NAME[c.client]} ${what}`, undefined, data)
}

/** AWS_ACCESS_KEY_ID and AWS_PROFILE together: the two chains pick different credentials. */
const shadowing = (ctx: DoctorContext): Finding[] => {
  const env = ctx.facts.env
  const keys = envKeys(env)
  if (keys.id === undefined || !keys.secret) return []
  const key = maskKeyId(keys.id)
  if (isSet(env.AWS_PROFILE) && hasProfile(ctx, env.AWS_PROFILE)) {
    const p = env.AWS_PROFILE
    return [
      finding(
        'warning',
        ENV,
        'env-keys-shadow-profile',
        `AWS_ACCESS_KEY_ID (${key}) and AWS_PROFILE=${p} are both set: botocore and the AWS CLI use the environment keys unless given --profile ${p} (boto3: profile_name), while the JS SDK v3 skips them and uses profile ${p} ("Multiple credential sources detected")`,
        `unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN to use profile ${p} everywhere, or unset AWS_PROFILE to use the keys everywhere`,
        { profile: p, accessKeyId: key },
      ),
    ]
  }
  if (env.AWS_PROFILE === undefined && env.AWS_DEFAULT_PROFILE === undefined && ctx.graph.roots.has('default')) {
    return [
      finding(
        'info',
        ENV,
        'env-keys-shadow-default',
        `the environment keys (${key}) come before profile default in both chains: [default] is used only by programs that name it`,
        undefined,
        { accessKeyId: key },
      ),
    ]
  }
  return []
}

const profileVariables = (ctx: DoctorContext): Finding[] => {
  const env = ctx.facts.env
  const out: Finding[] = []
  if (env.AWS_PROFILE === '' && env.AWS_DEFAULT_PROFILE === undefined) {
    out.push(
      finding(
        'error',
        ENV,
        'aws-profile-empty',
        'AWS_PROFILE is set but empty: botocore and the AWS CLI look for a profile named "" (ProfileNotFound); the JS SDK v3 ignores it',
        'unset AWS_PROFILE',
      ),
    )
  }
  if (env.AWS_DEFAULT_PROFILE !== undefined && env.AWS_DEFAULT_PROFILE !== env.AWS_PROFILE) {
    out.push(
      finding(
        'warning',
        ENV,
        'aws-default-profile',
        `AWS_DEFAULT_PROFILE=${env.AWS_DEFAULT_PROFILE} is set: botocore and the AWS CLI use it before AWS_PROFILE${env.AWS_PROFILE !== undefined ? ` (${env.AWS_PROFILE})` : ''}; the JS SDK v3 ignores it`,
        'unset AWS_DEFAULT_PROFILE and set AWS_PROFILE instead',
      ),
    )
  }
  return out
}

/** The kind of the environment key and what it needs to work. */
const envKeyRules = (ctx: DoctorContext): Finding[] => {
  const env = ctx.facts.env
  const keys = envKeys(env)
  if (keys.id === undefined) {
    return keys.secret
      ? [
          finding(
            'warning',
            ENV,
            'env-secret-without-id',
            'AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID: every SDK ignores it',
            'unset AWS_SECRET_ACCESS_KEY, or export the AWS_ACCESS_KEY_ID that goes with it',
          ),
        ]
      : []
  }
  const id = keys.id
  const kind = keyKind(id)
  const token = isSet(env.AWS_SESSION_TOKEN)
  const out: Finding[] = []
  if (kind === 'temporary' && !token) {
    out.push(
      finding(
        'error',
        ENV,
        'env-temporary-without-token',
        `AWS_ACCESS_KEY_ID holds a temporary key ${describeKey(id)} but AWS_SESSION_TOKEN is not set: AWS refuses it (InvalidClientTokenId)`,
        'export the AWS_SESSION_TOKEN issued with these keys, or unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY',
      ),
    )
  } else if (kind === 'long-term' && token) {
    out.push(
      finding(
        'warning',
        ENV,
        'env-long-term-with-token',
        `AWS_ACCESS_KEY_ID holds a long-term key ${describeKey(id)} but AWS_SESSION_TOKEN is set too: AWS refuses the pair ("The security token included in the request is invalid")`,
        'unset AWS_SESSION_TOKEN',
      ),
    )
  }
  const check = keyCheckFor(ctx, ENV_KEYS)
  const expRaw = env.AWS_CREDENTIAL_EXPIRATION
  const exp = isSet(expRaw) ? Date.parse(expRaw) : NaN
  if (Number.isFinite(exp) && exp <= ctx.now) {
    out.push(
      finding(
        'error',
        ENV,
        'env-keys-expired',
        `the environment keys ${describeKey(id)} expired at ${expRaw} (AWS_CREDENTIAL_EXPIRATION)`,
        'export fresh keys (or run the program with aws-credd exec PROFILE -- COMMAND, which serves renewed ones)',
      ),
    )
  } else if (Number.isFinite(exp) && exp - ctx.now <= SOON_MS) {
    out.push(
      finding(
        'warning',
        ENV,
        'env-keys-expiring',
        `the environment keys ${describeKey(id)} expire at ${expRaw} (AWS_CREDENTIAL_EXPIRATION)`,
        'export fresh keys soon, or use aws-credd exec PROFILE -- COMMAND, which serves renewed ones',
      ),
    )
  } else if (check?.outcome === 'expired') {
    out.push(
      finding(
        'error',
        ENV,
        'env-keys-expired',
        `the environment keys ${describeKey(id)} have expired: STS answered ${check.code} ("The security token included in the request is expired")`,
        'export fresh keys (or run the program with aws-credd exec PROFILE -- COMMAND, which serves renewed ones)',
      ),
    )
  } else if (check?.outcome === 'refused') {
    out.push(
      finding(
        'error',
        ENV,
        'env-keys-refused',
        `STS refuses the environment keys ${describeKey(id)} (${check.code}): they are revoked, mistyped or from another partition`,
        'export working keys, or unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN',
      ),
    )
  } else if (out.length === 0) {
    const accepted = check?.outcome === 'valid' ? ' (STS accepts them now)' : ''
    const note = kind === 'temporary' && !Number.isFinite(exp) ? `; no AWS_CREDENTIAL_EXPIRATION says when they expire${accepted}` : ''
    out.push(
      finding('info', ENV, 'env-key', `AWS_ACCESS_KEY_ID holds ${describeKey(id)}${note}`, undefined, { accessKeyId: maskKeyId(id) }),
    )
  }
  return out
}

/** Fixes for "something earlier in the chain wins over the endpoint". */
const unshadowFix = (c: CredentialChoice): string => {
  if (c.source === 'env') return 'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN'
  if (c.source === 'web-identity-env') return 'unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN'
  if (c.profile === 'default')
    return 'remove the credentials from profile default (or run the program with aws-credd exec PROFILE -- COMMAND)'
  return 'unset AWS_PROFILE'
}

const endpointRules = (ctx: DoctorContext, choices: CredentialChoice[]): Finding[] => {
  const env = ctx.facts.env
  const out: Finding[] = []
  const container = isSet(env.AWS_CONTAINER_CREDENTIALS_FULL_URI) || isSet(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
  const imds = isSet(env.AWS_EC2_METADATA_SERVICE_ENDPOINT)
  const wanted = container ? 'container' : imds ? 'imds' : undefined
  if (wanted) {
    const variable = container
      ? isSet(env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
        ? 'AWS_CONTAINER_CREDENTIALS_FULL_URI'
        : 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'
      : 'AWS_EC2_METADATA_SERVICE_ENDPOINT'
    for (const c of choices) {
      if (c.source === wanted || c.failure || c.source === 'none' || c.source === 'imds' || c.source === 'container') continue
      out.push(
        finding(
          'warning',
          ENV,
          'endpoint-shadowed',
          `${variable} is set, but ${CLIENT_NAME[c.client]} never asks it: it finds ${c.detail} first`,
          unshadowFix(c),
          { client: c.client },
        ),
      )
    }
  }
  if (imds && (env.AWS_EC2_METADATA_DISABLED ?? '').toLowerCase() === 'true') {
    out.push(
      finding(
        'warning',
        ENV,
        'imds-disabled',
        'AWS_EC2_METADATA_SERVICE_ENDPOINT is set but AWS_EC2_METADATA_DISABLED=true: no SDK asks the metadata endpoint',
        'unset AWS_EC2_METADATA_DISABLED',
      ),
    )
  }
  const tf = ctx.facts.containerTokenFile
  if (tf && container && (!tf.exists || tf.unreadable)) {
    out.push(
      finding(
        'error',
        ENV,
        'container-token-file',
        `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=${tf.path} ${tf.exists ? `cannot be read (${tf.unreadable})` : 'does not exist'}: the SDKs fail before asking the endpoint`,
        'start the daemon (aws-credd run), which writes it, or point AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE at its tokenFile',
      ),
    )
  }
  return out
}

/** AWS_SHARED_CREDENTIALS_FILE reaches the JS SDK v2 (aws-sdk) only with AWS_SDK_LOAD_CONFIG. */
const sdkV2Rules = (ctx: DoctorContext): Finding[] => {
  const env = ctx.facts.env
  if (isSet(env.AWS_SDK_LOAD_CONFIG) || !isSet(env.AWS_SHARED_CREDENTIALS_FILE)) return []
  return [
    finding(
      'info',
      ENV,
      'sdk-v2-credentials-file',
      `the JS SDK v2 (aws-sdk) reads AWS_SHARED_CREDENTIALS_FILE only with AWS_SDK_LOAD_CONFIG set; without it, it reads ~/.aws/credentials instead of ${env.AWS_SHARED_CREDENTIALS_FILE}`,
      'export AWS_SDK_LOAD_CONFIG=1 (for programs on the JS SDK v2)',
    ),
  ]
}

/** Nothing at all: the first thing a newcomer on a fresh machine needs to hear. */
const nothingConfigured = (ctx: DoctorContext, choices: CredentialChoice[]): Finding[] => {
  const env = ctx.facts.env
  if (Object.keys(ctx.files.profiles).length > 0 || !choices.every((c) => c.source === 'imds' || c.source === 'none')) return []
  if (
    isSet(env.AWS_EC2_METADATA_SERVICE_ENDPOINT) ||
    isSet(env.AWS_CONTAINER_CREDENTIALS_FULL_URI) ||
    isSet(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
  )
    return []
  return [
    finding(
      'warning',
      ENV,
      'nothing-configured',
      `no credentials are configured: no AWS_ACCESS_KEY_ID, no profile in ${ctx.facts.config.path} or ${ctx.facts.credentials.path}; off EC2 the JS SDK fails with "Could not load credentials from any providers" and botocore with "Unable to locate credentials"`,
      'aws configure sso (IAM Identity Center), or aws configure for access keys; then aws-credd run keeps them fresh',
    ),
  ]
}

export const envRules = (ctx: DoctorContext): Finding[] => {
  const choices = credentialChoices(ctx)
  return [
    ...choices.map(choiceFinding),
    ...nothingConfigured(ctx, choices),
    ...shadowing(ctx),
    ...profileVariables(ctx),
    ...envKeyRules(ctx),
    ...endpointRules(ctx, choices),
    ...sdkV2Rules(ctx),
  ]
}
