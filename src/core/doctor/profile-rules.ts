// Doctor rules for one profile: does it resolve, what keys it holds and where
// (long-term AKIA or temporary ASIA, expired or not), its region as each SDK
// finds it, and whether the JS SDK v2 can see it at all.
import type { Section } from './facts.js'
import type { DoctorContext } from './context.js'
import { keyCheckFor, keyFile, profileData, sectionName } from './context.js'
import { configHeader, describeKey, finding, keyKind, maskKeyId, span, type Finding } from './findings.js'

const SOON_MS = 15 * 60_000

/** Keys other tools (saml2aws, aws-google-auth, gimme-aws-creds, the JS SDK v3) record expiry in. */
export const EXPIRY_KEYS = [
  'aws_credential_expiration',
  'x_security_token_expires',
  'aws_expiration',
  'aws_session_expiration',
  'expiration',
] as const

/** Epoch ms from an ISO date or epoch seconds/ms, else undefined. */
export const parseExpiry = (raw: string): number | undefined => {
  if (/^\d+$/.test(raw)) return Number(raw) < 1e12 ? Number(raw) * 1000 : Number(raw)
  const ms = Date.parse(raw)
  return Number.isFinite(ms) ? ms : undefined
}

/** The first expiry a section records in a form we can read: its key and the time (epoch ms). */
export const recordedExpiry = (d: Section): { key: string; at: number } | undefined => {
  for (const key of EXPIRY_KEYS) {
    const at = d[key] !== undefined ? parseExpiry(d[key]!) : undefined
    if (at !== undefined) return { key, at }
  }
  return undefined
}

const resolves = (ctx: DoctorContext, p: string): Finding[] => {
  const e = ctx.graph.errors.get(p)
  if (!e) return []
  if (e.code === 'NoCredentials') {
    return [
      finding(
        'info',
        { profile: p },
        'profile-no-credentials',
        `${e.reason}; a program using it falls through to the next provider (environment, container, IMDS)`,
        undefined,
      ),
    ]
  }
  return [finding('error', { profile: p }, 'profile-invalid', e.reason, e.fix, { errorCode: e.code })]
}

const keyRules = (ctx: DoctorContext, p: string): Finding[] => {
  const out: Finding[] = []
  const scope = { profile: p }
  const inConfig = ctx.facts.config.profiles[p]?.aws_access_key_id
  const inCreds = ctx.facts.credentials.profiles[p]?.aws_access_key_id
  if (inConfig !== undefined && inCreds !== undefined && inConfig !== inCreds) {
    out.push(
      finding(
        'warning',
        scope,
        'keys-in-both-files',
        `both files hold keys for profile ${p}: ${describeKey(inCreds)} in the credentials file wins over ${describeKey(inConfig)} in ${configHeader(p)} of ${ctx.facts.config.path} in both SDKs`,
        `delete aws_access_key_id, aws_secret_access_key and aws_session_token from ${configHeader(p)} of ${ctx.facts.config.path}`,
      ),
    )
  }
  const file = keyFile(ctx, p)
  if (!file) return out
  const d = profileData(ctx, p)
  const id = d.aws_access_key_id!
  const where = sectionName(ctx, file, p)
  const kind = keyKind(id)
  const token = d.aws_session_token !== undefined && d.aws_session_token !== ''
  const data = { accessKeyId: maskKeyId(id), file: file === 'credentials' ? ctx.facts.credentials.path : ctx.facts.config.path }
  if (kind === 'long-term' || (kind === 'unknown' && !token)) {
    if (token) {
      out.push(
        finding(
          'warning',
          scope,
          'long-term-key-with-token',
          `${where} holds a long-term key ${describeKey(id)} with an aws_session_token: AWS refuses the pair`,
          `delete aws_session_token from ${where}`,
          data,
        ),
      )
    } else {
      out.push(finding('info', scope, 'keys', `key ${describeKey(id)} in ${where}`, undefined, data))
    }
    return out
  }
  if (kind === 'temporary' && !token) {
    out.push(
      finding(
        'error',
        scope,
        'temporary-key-without-token',
        `${where} holds a temporary key ${describeKey(id)} without aws_session_token: AWS refuses it (InvalidClientTokenId)`,
        `add the aws_session_token issued with it to ${where}, or delete the keys`,
        data,
      ),
    )
    return out
  }
  out.push(...expiryRules(ctx, p, id, where, file, data))
  return out
}

const expiryRules = (
  ctx: DoctorContext,
  p: string,
  id: string,
  where: string,
  file: 'credentials' | 'config',
  data: Finding['data'],
): Finding[] => {
  const scope = { profile: p }
  const d = profileData(ctx, p)
  const recorded = recordedExpiry(d)
  const managed = file === 'credentials' && ctx.facts.credentials.managed.includes(p)
  const renew = managed
    ? 'start aws-credd (aws-credd run), which rewrites this section'
    : `delete the keys from ${where} or renew them with the tool that wrote them (or let aws-credd keep this section fresh: "writeTo": "${p}" in its config)`
  if (recorded !== undefined) {
    const { key, at } = recorded
    const left = at - ctx.now
    const when = `${d[key]} (${key})`
    if (left <= 0)
      return [
        finding(
          'error',
          scope,
          'session-token-expired',
          `temporary keys ${maskKeyId(id)} in ${where} expired ${span(left)} ago, at ${when}`,
          renew,
          { ...data, expiresAt: at },
        ),
      ]
    if (left <= SOON_MS)
      return [
        finding(
          'warning',
          scope,
          'session-token-expiring',
          `temporary keys ${maskKeyId(id)} in ${where} expire in ${span(left)}, at ${when}`,
          renew,
          { ...data, expiresAt: at },
        ),
      ]
    return [
      finding('ok', scope, 'keys', `temporary keys ${maskKeyId(id)} in ${where}, valid for ${span(left)} more`, undefined, {
        ...data,
        expiresAt: at,
      }),
    ]
  }
  if (!managed) {
    const check = keyCheckFor(ctx, scope)
    if (check?.outcome === 'expired') {
      return [
        finding(
          'error',
          scope,
          'session-token-expired',
          `temporary keys ${maskKeyId(id)} in ${where} have expired: STS answered ${check.code} ("The security token included in the request is expired")`,
          renew,
          data,
        ),
      ]
    }
    if (check?.outcome === 'refused') {
      return [
        finding(
          'error',
          scope,
          'keys-refused',
          `STS refuses the temporary keys ${maskKeyId(id)} in ${where} (${check.code}): they are revoked, mistyped or from another partition`,
          renew,
          data,
        ),
      ]
    }
    const now = check?.outcome === 'valid' ? 'STS accepts them now, but nothing says until when' : 'no expiry recorded with them'
    return [
      finding(
        'warning',
        scope,
        'temporary-keys-no-expiry',
        `temporary keys ${maskKeyId(id)} in ${where}, not written by aws-credd: ${now}; once they expire, every call fails with ExpiredToken`,
        renew,
        data,
      ),
    ]
  }
  const daemon = ctx.facts.network?.daemon
  if (daemon?.running)
    return [
      finding('ok', scope, 'keys', `temporary keys ${maskKeyId(id)} in ${where}, kept fresh by the running aws-credd`, undefined, data),
    ]
  if (daemon) {
    return [
      finding(
        'warning',
        scope,
        'managed-keys-not-renewed',
        `temporary keys ${maskKeyId(id)} in ${where} were written by aws-credd, but ${daemon.untrusted ? 'no aws-credd was asked whether it renews them: its control socket fails the trust check' : `no aws-credd runs to renew them (${daemon.reason})`}`,
        renew,
        data,
      ),
    ]
  }
  return [
    finding(
      'info',
      scope,
      'keys',
      `temporary keys ${maskKeyId(id)} in ${where}, written by aws-credd (whether it runs was not checked: --no-network)`,
      undefined,
      data,
    ),
  ]
}

/** Profiles that other profiles name in source_profile: their region rarely matters. */
const sourcesOnly = (ctx: DoctorContext): Set<string> => {
  const sources = new Set(
    Object.values(ctx.files.profiles)
      .map((d) => d.source_profile)
      .filter((s): s is string => s !== undefined),
  )
  for (const w of ctx.facts.daemonConfig.writeTo) sources.delete(w.section)
  return sources
}

const regionRules = (ctx: DoctorContext, p: string, sources: Set<string>): Finding[] => {
  const scope = { profile: p }
  const env = ctx.facts.env
  const own = profileData(ctx, p).region
  if (own) return [finding('ok', scope, 'region', `region ${own}`)]
  const js = env.AWS_REGION || undefined
  const py = env.AWS_DEFAULT_REGION || undefined
  const fix = `aws configure set region ${js ?? py ?? 'REGION'} --profile ${p}`
  if (js && py)
    return [finding('ok', scope, 'region', `no region of its own; AWS_REGION=${js} (JS SDK) and AWS_DEFAULT_REGION=${py} (botocore) apply`)]
  if (js)
    return [
      finding(
        'info',
        scope,
        'region-js-only',
        `no region of its own; AWS_REGION=${js} reaches only the JS SDK: botocore and the AWS CLI do not read AWS_REGION (NoRegionError)`,
        fix,
      ),
    ]
  if (py)
    return [
      finding(
        'info',
        scope,
        'region-botocore-only',
        `no region of its own; AWS_DEFAULT_REGION=${py} reaches only botocore and the AWS CLI: the JS SDK v3 does not read it ("Region is missing")`,
        fix,
      ),
    ]
  if (sources.has(p))
    return [
      finding(
        'info',
        scope,
        'region-missing',
        `no region, and neither AWS_REGION nor AWS_DEFAULT_REGION is set (fine while it is only a source_profile)`,
        fix,
      ),
    ]
  return [
    finding(
      'warning',
      scope,
      'region-missing',
      `no region: not in ${configHeader(p)}, and neither AWS_REGION nor AWS_DEFAULT_REGION is set; the AWS CLI and botocore stop with NoRegionError, the JS SDK v3 with "Region is missing"`,
      fix,
    ),
  ]
}

/** The JS SDK v2 reads ~/.aws/config only with AWS_SDK_LOAD_CONFIG. */
const sdkV2Rules = (ctx: DoctorContext, p: string): Finding[] => {
  const { config, credentials, env } = ctx.facts
  if (
    env.AWS_SDK_LOAD_CONFIG ||
    !Object.prototype.hasOwnProperty.call(config.profiles, p) ||
    Object.prototype.hasOwnProperty.call(credentials.profiles, p)
  )
    return []
  return [
    finding(
      'info',
      { profile: p },
      'sdk-v2-config-only',
      `defined only in ${config.path}: the JS SDK v2 (aws-sdk) does not see it unless AWS_SDK_LOAD_CONFIG is set`,
      'export AWS_SDK_LOAD_CONFIG=1 (for programs on the JS SDK v2)',
    ),
  ]
}

export const profileRules = (ctx: DoctorContext): Finding[] => {
  const sources = sourcesOnly(ctx)
  return Object.keys(ctx.files.profiles).flatMap((p) => [
    ...resolves(ctx, p),
    ...keyRules(ctx, p),
    ...regionRules(ctx, p, sources),
    ...sdkV2Rules(ctx, p),
  ])
}
