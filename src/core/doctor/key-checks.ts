// Temporary keys that carry no expiry (pasted from the SSO portal, exported by a
// script) can only be judged by AWS itself: doctor signs one GetCallerIdentity
// with them (allowed to every identity, changes nothing). Which keys qualify, where
// each would sign, and what the answer means, decided here without I/O.
import { explainEndpoint } from '../endpoints.js'
import { mergeProfiles } from '../profile-graph.js'
import type { DoctorFacts, KeyCheckResult, KeyCheckTarget, Section } from './facts.js'
import { isSet, keyKind } from './findings.js'
import { recordedExpiry } from './profile-rules.js'

export const dnsSuffix = (region: string): string => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com')

/** The STS URL a profile (or, with no data, the environment) signs against; undefined when the profile rules report a broken endpoint setting. */
export const stsUrlOf = (
  facts: DoctorFacts,
  data: Section | undefined,
): { url: string; region: string; key?: string; fromProfile: boolean } | undefined => {
  const found = explainEndpoint('sts', data, facts.config.services, facts.env)
  if (found.missingServicesSection !== undefined) return undefined
  const region = data?.region || facts.env.AWS_REGION || 'us-east-1'
  return {
    url: found.url ?? `https://sts.${region}.${dnsSuffix(region)}`,
    region,
    ...(found.key ? { key: found.key } : {}),
    fromProfile: found.source === 'profile',
  }
}

/** Keys worth a signed check: temporary, with a token, and nothing saying when they expire. */
export const keyCheckTargets = (facts: DoctorFacts, only?: string): KeyCheckTarget[] => {
  const out: KeyCheckTarget[] = []
  const env = facts.env
  const profiles = mergeProfiles(facts.config.profiles, facts.credentials.profiles)
  if (
    only === undefined &&
    isSet(env.AWS_ACCESS_KEY_ID) &&
    keyKind(env.AWS_ACCESS_KEY_ID) === 'temporary' &&
    isSet(env.AWS_SECRET_ACCESS_KEY) &&
    isSet(env.AWS_SESSION_TOKEN) &&
    !isSet(env.AWS_CREDENTIAL_EXPIRATION)
  ) {
    // Signed where a program would sign with them: the environment's region, else the active profile's
    // (the partition matters: keys from cn-north-1 are unknown to us-east-1).
    const name = env.AWS_PROFILE || 'default'
    const active = Object.prototype.hasOwnProperty.call(profiles, name) ? profiles[name] : undefined
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || active?.region || 'us-east-1'
    const sts = stsUrlOf(facts, { ...(active ?? {}), region })
    if (sts)
      out.push({
        owner: { env: true },
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN,
        region: sts.region,
        endpoint: sts.url,
      })
  }
  for (const [name, d] of Object.entries(profiles)) {
    if (only !== undefined && name !== only) continue
    const id = d.aws_access_key_id
    if (!isSet(id) || keyKind(id) !== 'temporary' || !isSet(d.aws_secret_access_key) || !isSet(d.aws_session_token)) continue
    if (recordedExpiry(d)) continue
    // aws-credd's own sections are judged by whether it runs, not by a call.
    if (facts.credentials.managed.includes(name) && facts.credentials.profiles[name]?.aws_access_key_id === id) continue
    const sts = stsUrlOf(facts, d)
    if (sts)
      out.push({
        owner: { profile: name },
        accessKeyId: id,
        secretAccessKey: d.aws_secret_access_key,
        sessionToken: d.aws_session_token,
        region: sts.region,
        endpoint: sts.url,
      })
  }
  return out
}

const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException'])
const REFUSED = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'InvalidToken',
  'IncompleteSignature',
])
/** This machine's clock, not the keys: the clock-skew rule speaks about it. */
const SKEW = /Signature expired|Signature not yet current|RequestTimeTooSkewed|RequestExpired/

/** What an STS error code (and its message) says about the keys. */
export const keyCheckOutcome = (code: string | undefined, message = ''): KeyCheckResult['outcome'] =>
  code === undefined
    ? 'valid'
    : SKEW.test(`${code} ${message}`)
      ? 'unknown'
      : EXPIRED.has(code)
        ? 'expired'
        : REFUSED.has(code)
          ? 'refused'
          : 'unknown'
