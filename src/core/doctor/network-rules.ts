// Doctor rules that need the network: which endpoints to probe (the STS endpoint
// each profile signs against, resolved as core/endpoints.ts resolves it; the SSO
// and SSO-OIDC endpoints of each session; the container/IMDS endpoints the env
// points at), and what the answers mean: no answer, clock skew against the
// `Date` header (SigV4 refuses a request more than 5 minutes off), the daemon.
import { explainEndpoint } from '../endpoints.js'
import type { DoctorContext } from './context.js'
import { mergeProfiles } from '../profile-graph.js'
import type { DoctorFacts, ProbeResult, ProbeService, ProbeTarget } from './facts.js'
import { configHeader, finding, isSet, type Finding } from './findings.js'
import { dnsSuffix, stsUrlOf } from './key-checks.js'

const ENV = 'environment' as const
export const SKEW_WARN_MS = 60_000
/** SigV4: AWS refuses a signature whose time is more than 5 minutes from its own. */
export const SKEW_ERROR_MS = 5 * 60_000

const SERVICE_NAME: Record<ProbeService, string> = {
  sts: 'the STS endpoint',
  sso: 'the SSO portal endpoint',
  'sso-oidc': 'the SSO-OIDC endpoint',
  container: 'the container-credentials endpoint',
  imds: 'the instance-metadata endpoint',
}

/** The endpoints to probe; with `only`, just those that profile uses. */
export const probeTargets = (facts: DoctorFacts, only?: string): ProbeTarget[] => {
  const env = facts.env
  const profiles = mergeProfiles(facts.config.profiles, facts.credentials.profiles)
  const targets = new Map<string, ProbeTarget>()
  const add = (service: ProbeService, url: string, via: string, user: string): void => {
    const key = `${service} ${url}`
    const t = targets.get(key) ?? { url, service, via, users: [] }
    if (!t.users.includes(user)) t.users.push(user)
    targets.set(key, t)
  }
  const sts = (data: Record<string, string> | undefined, user: string, header: string): void => {
    const found = stsUrlOf(facts, data)
    if (!found) return // the profile rules report it
    add('sts', found.url, found.fromProfile ? `endpoint_url of ${header}` : (found.key ?? `the default for ${found.region}`), user)
  }
  const names = only !== undefined ? [only].filter((p) => Object.prototype.hasOwnProperty.call(profiles, p)) : Object.keys(profiles)
  for (const p of names) sts(profiles[p], `profile ${p}`, configHeader(p))
  if (only === undefined && (names.length === 0 || isSet(env.AWS_ACCESS_KEY_ID)))
    sts(undefined, isSet(env.AWS_ACCESS_KEY_ID) ? 'the environment keys' : 'any program on this machine', 'the environment')
  for (const s of facts.ssoSessions) {
    if (only !== undefined && !s.info.profiles.includes(only)) continue
    const user = `SSO session ${s.info.label}`
    add(
      'sso-oidc',
      s.info.oidcEndpoint ?? `https://oidc.${s.info.region}.${dnsSuffix(s.info.region)}`,
      s.info.oidcEndpoint ? 'an endpoint override' : `the default for ${s.info.region}`,
      user,
    )
    const first = s.info.profiles[0]
    const portal = explainEndpoint('sso', first !== undefined ? profiles[first] : undefined, facts.config.services, env)
    add(
      'sso',
      portal.url ?? `https://portal.sso.${s.info.region}.${dnsSuffix(s.info.region)}`,
      portal.key ?? `the default for ${s.info.region}`,
      user,
    )
  }
  if (isSet(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI))
    add(
      'container',
      `http://169.254.170.2${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`,
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'the environment',
    )
  else if (isSet(env.AWS_CONTAINER_CREDENTIALS_FULL_URI))
    add('container', env.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'the environment')
  if (isSet(env.AWS_EC2_METADATA_SERVICE_ENDPOINT))
    add('imds', env.AWS_EC2_METADATA_SERVICE_ENDPOINT, 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'the environment')
  return [...targets.values()]
}

const noAnswerFix = (t: ProbeTarget): string => {
  if (t.service === 'container') return `start aws-credd (aws-credd run), or unset ${t.via}`
  if (t.service === 'imds') return 'start aws-credd with imds.listen set, or unset AWS_EC2_METADATA_SERVICE_ENDPOINT'
  if (t.via.startsWith('the default')) return 'check the network connection, proxy and firewall (HTTPS to *.amazonaws.com)'
  return `check that ${t.url} is up, or correct ${t.via}`
}

const seconds = (ms: number): string => `${(Math.abs(ms) / 1000).toFixed(Math.abs(ms) < 10_000 ? 1 : 0)} s`

/** Clock skew: the server's time minus ours, the `Date` header taken at the middle of its second. */
export const skewOf = (p: ProbeResult): number | undefined =>
  p.serverDate === undefined ? undefined : p.serverDate + 500 - (p.sentAt + p.receivedAt) / 2

const probeFindings = (p: ProbeResult): Finding[] => {
  const t = p.target
  const name = `${SERVICE_NAME[t.service]} ${t.url} (${t.via}; used by ${t.users.join(', ')})`
  const data = { url: t.url, service: t.service }
  if (!p.answered)
    return [finding('error', ENV, 'endpoint-no-answer', `${name} does not answer: ${p.error ?? 'no answer'}`, noAnswerFix(t), data)]
  // Any HTTP status proves the endpoint is there (an unsigned GET gets an error page).
  if (t.service !== 'sts')
    return [
      finding(
        'ok',
        ENV,
        'endpoint',
        `${name} is reachable (it answered an unsigned request with HTTP ${p.status ?? '?'})`,
        undefined,
        data,
      ),
    ]
  const skew = skewOf(p)
  if (skew === undefined)
    return [
      finding(
        'info',
        ENV,
        'clock-skew-unknown',
        `${name} answers (HTTP ${p.status ?? '?'}) without a Date header: clock skew not measured`,
        undefined,
        data,
      ),
    ]
  const withSkew = { ...data, skewSeconds: Math.round(skew / 1000) }
  const side = skew > 0 ? 'behind' : 'ahead of'
  const fix = 'sync the clock: sudo timedatectl set-ntp true (or chronyc makestep)'
  if (Math.abs(skew) > SKEW_ERROR_MS) {
    return [
      finding(
        'error',
        ENV,
        'clock-skew',
        `this machine's clock is ${seconds(skew)} ${side} ${t.url} (its Date header): more than the 5 minutes SigV4 allows, so AWS refuses every request (SignatureDoesNotMatch / RequestExpired)`,
        fix,
        withSkew,
      ),
    ]
  }
  if (Math.abs(skew) > SKEW_WARN_MS) {
    return [
      finding(
        'warning',
        ENV,
        'clock-skew',
        `this machine's clock is ${seconds(skew)} ${side} ${t.url} (its Date header): SigV4 allows 5 minutes, and expiry times are off by as much`,
        fix,
        withSkew,
      ),
    ]
  }
  return [
    finding(
      'ok',
      ENV,
      'clock-skew',
      `${name} answers; the clock agrees with it within ${Math.max(1, Math.ceil(Math.abs(skew) / 1000))} s`,
      undefined,
      withSkew,
    ),
  ]
}

const daemonFindings = (ctx: DoctorContext): Finding[] => {
  const d = ctx.facts.network?.daemon
  if (!d) return []
  if (d.running) return [finding('ok', ENV, 'daemon', `aws-credd is running${d.pid !== undefined ? ` (pid ${d.pid})` : ''}`)]
  // Not asked: the runtime rules name the socket, why it is refused, and the fix.
  if (d.untrusted) return []
  const needed = ctx.facts.credentials.managed.length > 0 || ctx.facts.daemonConfig.writeTo.length > 0
  return [
    finding(
      needed ? 'warning' : 'info',
      ENV,
      'daemon-not-running',
      `${d.reason}${needed ? ': the sections it writes are not renewed' : ''}`,
      'aws-credd run (or: systemctl --user start aws-credd)',
    ),
  ]
}

export const networkRules = (ctx: DoctorContext): Finding[] => {
  const net = ctx.facts.network
  if (!net)
    return [
      finding(
        'info',
        ENV,
        'network-skipped',
        'network checks skipped (--no-network): endpoints, clock skew and the daemon were not checked',
      ),
    ]
  return [...net.probes.flatMap(probeFindings), ...daemonFindings(ctx)]
}
