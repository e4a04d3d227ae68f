// DaemonMetrics: the exposition text parsed line by line (and checked to be well-formed
// Prometheus text), gauges computed from a fake status view at an injected time, counters
// fed by events, bounded error-code labels, and no secret anywhere in the output.
import t from 'tap'
import type { AlertEvent } from '../../src/core/alert.js'
import { externalCode, UpstreamError, type FailureKind } from '../../src/core/errors.js'
import type { EngineEvent } from '../../src/engine/ports.js'
import type { StatusView } from '../../src/engine/ports.js'
import { DaemonMetrics, MAX_REASONS } from '../../src/serve/metrics.js'
import { fakeCreds } from '../helpers/serve.js'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y
const unescape = (s: string): string => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))

/** Parses Prometheus text format 0.0.4; throws on any line that is not HELP, TYPE or a sample of a typed family. */
const parse = (text: string): Sample[] => {
  const typed = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (meta) {
      if (meta[1] === 'TYPE') {
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(meta[3]!)) throw new Error(`bad TYPE: ${line}`)
        typed.set(meta[2]!, meta[3]!)
      }
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not a sample: ${line}`)
    const name = m[1]!
    const family = typed.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '')
    if (!typed.has(family)) throw new Error(`sample without TYPE: ${line}`)
    const labels: Record<string, string> = {}
    const body = m[2] ?? ''
    LABEL.lastIndex = 0
    while (LABEL.lastIndex < body.length) {
      const l = LABEL.exec(body)
      if (!l) throw new Error(`bad labels: ${line}`)
      labels[l[1]!] = unescape(l[2]!)
    }
    // As Prometheus (Go's ParseFloat): NaN and Inf in any case; prom-client writes `Nan` before the first event-loop sample.
    const word = m[3]!.toLowerCase()
    const value = word === 'nan' ? NaN : /^[+-]?inf$/.test(word) ? (word.startsWith('-') ? -Infinity : Infinity) : Number(m[3])
    if (Number.isNaN(value) && word !== 'nan') throw new Error(`bad value: ${line}`)
    samples.push({ name, labels, value })
  }
  return samples
}

const pick = (samples: Sample[], name: string): Sample[] => samples.filter((s) => s.name === name)
/** The value of the one sample with exactly these labels, or undefined. */
const valueOf = (samples: Sample[], name: string, labels: Record<string, string>): number | undefined => {
  const hits = pick(samples, name).filter(
    (s) => JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()),
  )
  if (hits.length > 1) throw new Error(`duplicate series ${name} ${JSON.stringify(labels)}`)
  return hits[0]?.value
}

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const SECRET = fakeCreds(T0)
const view: StatusView = {
  profiles: [
    { profile: 'app', source: 'assume-role ← static', health: 'fresh', expiresAt: T0 + 1234_000 },
    {
      profile: 'my "odd" app',
      source: 'sso',
      health: 'renewing-failed',
      expiresAt: T0 + 60_500,
      lastError: `failed with ${SECRET.secretAccessKey}`,
    },
    { profile: 'static', source: 'static', health: 'fresh' },
    { profile: 'broken', source: '-', health: 'unavailable', lastError: `token ${SECRET.sessionToken}` },
    { profile: 'new', source: 'sso', health: 'pending' },
  ],
  ssoSessions: [
    { label: 'dev', ssoSession: 'dev', state: 'fresh', reason: 'ok', profiles: ['my "odd" app'], tokenExpiresAt: T0 + 7200_000 },
    { label: 'profile legacy', state: 'relogin-required', reason: 'expired', profiles: [], tokenExpiresAt: T0 - 30_000 },
    {
      label: 'nocache',
      ssoSession: 'nocache',
      state: 'logging-in',
      reason: 'device code',
      profiles: [],
      verificationUriComplete: 'https://device.example/?code=SECRETCODE',
    },
  ],
}

const renewed = (profile: string): EngineEvent => ({
  type: 'renewed',
  link: `l:${profile}`,
  profile,
  kind: 'assume-role',
  expiresAt: T0 + 3600_000,
  first: false,
})
const failed = (profile: string, code: string, kind: FailureKind, message = 'refused'): EngineEvent => ({
  type: 'failed',
  link: `l:${profile}`,
  profile,
  kind,
  attempt: 1,
  repeated: false,
  error: new UpstreamError(profile, message, { code: externalCode(code), kind }),
})

const make = (v: StatusView = view, now = T0, defaultMetrics = false): DaemonMetrics =>
  new DaemonMetrics({ view: () => v, now: () => now, defaultMetrics })

t.test('state gauges come from the view at the injected time', async (t) => {
  const s = parse(await make().text())
  const expiry = pick(s, 'aws_credd_credentials_expiry_seconds')
  t.same(expiry.map((x) => x.labels.profile).sort(), ['app', 'my "odd" app'], 'profiles without valid expiring credentials are omitted')
  t.equal(valueOf(s, 'aws_credd_credentials_expiry_seconds', { profile: 'app' }), 1234)
  t.equal(valueOf(s, 'aws_credd_credentials_expiry_seconds', { profile: 'my "odd" app' }), 60.5)

  for (const [profile, health] of view.profiles.map((p) => [p.profile, p.health])) {
    const series = pick(s, 'aws_credd_profile_healthy').filter((x) => x.labels.profile === profile)
    t.equal(series.length, 4, `${profile}: one series per health value`)
    t.same(
      series.filter((x) => x.value === 1).map((x) => x.labels.health),
      [health],
      `${profile}: only its health is 1`,
    )
    t.ok(series.every((x) => x.value === 0 || x.value === 1))
  }

  t.equal(valueOf(s, 'aws_credd_sso_session_state', { sso_session: 'dev', state: 'fresh' }), 1)
  t.equal(valueOf(s, 'aws_credd_sso_session_state', { sso_session: 'dev', state: 'expiring' }), 0)
  t.equal(valueOf(s, 'aws_credd_sso_session_state', { sso_session: 'profile legacy', state: 'relogin-required' }), 1)
  t.equal(valueOf(s, 'aws_credd_sso_session_state', { sso_session: 'nocache', state: 'logging-in' }), 1)
  t.equal(pick(s, 'aws_credd_sso_session_state').length, 12, '4 states for each of 3 sessions')
  t.equal(pick(s, 'aws_credd_sso_session_state').filter((x) => x.value === 1).length, 3)

  t.equal(valueOf(s, 'aws_credd_sso_token_expiry_seconds', { sso_session: 'dev' }), 7200)
  t.equal(valueOf(s, 'aws_credd_sso_token_expiry_seconds', { sso_session: 'profile legacy' }), -30, 'an expired token is negative')
  t.equal(valueOf(s, 'aws_credd_sso_token_expiry_seconds', { sso_session: 'nocache' }), undefined, 'no token, no series')
})

t.test('gauges follow the view and the clock between scrapes; gone profiles disappear', async (t) => {
  let v: StatusView = view
  let now = T0
  const m = new DaemonMetrics({ view: () => v, now: () => now, defaultMetrics: false })
  await m.text()
  now = T0 + 234_000
  v = { profiles: [{ profile: 'app', source: 'static', health: 'renewing-failed', expiresAt: T0 + 1234_000 }], ssoSessions: [] }
  const s = parse(await m.text())
  t.equal(valueOf(s, 'aws_credd_credentials_expiry_seconds', { profile: 'app' }), 1000)
  t.same(pick(s, 'aws_credd_credentials_expiry_seconds').length, 1)
  t.equal(valueOf(s, 'aws_credd_profile_healthy', { profile: 'app', health: 'renewing-failed' }), 1)
  t.equal(valueOf(s, 'aws_credd_profile_healthy', { profile: 'app', health: 'fresh' }), 0)
  t.equal(pick(s, 'aws_credd_profile_healthy').length, 4, 'removed profiles are not reported any more')
  t.equal(pick(s, 'aws_credd_sso_session_state').length, 0)
  t.equal(pick(s, 'aws_credd_sso_token_expiry_seconds').length, 0)
})

t.test('the view and the clock are read once per scrape', async (t) => {
  let views = 0
  let clocks = 0
  const m = new DaemonMetrics({ view: () => (views++, view), now: () => (clocks++, T0), defaultMetrics: false })
  await m.text()
  t.equal(views, 1)
  t.equal(clocks, 1)
})

t.test('counters count engine events, endpoint answers and alerts', async (t) => {
  const m = make()
  let s = parse(await m.text())
  for (const p of view.profiles) t.equal(valueOf(s, 'aws_credd_renewals_total', { profile: p.profile }), 0, `${p.profile} starts at 0`)
  t.equal(pick(s, 'aws_credd_renewal_failures_total').length, 0)

  m.onEngineEvent(renewed('app'))
  m.onEngineEvent(renewed('app'))
  m.onEngineEvent(renewed('base')) // a link profile that is not itself configured
  m.onEngineEvent(failed('app', 'AccessDenied', 'permanent'))
  for (let i = 0; i < 3; i++) m.onEngineEvent(failed('app', 'Throttling', 'transient'))
  m.onEngineEvent(failed('base', 'Throttling', 'transient'))
  // Not counted: these are not renewals nor failed fetches.
  m.onEngineEvent({ type: 'recovered', link: 'l:app', profile: 'app', downFor: 1000 })
  m.onEngineEvent({ type: 'expired', profile: 'app' })
  // Passed unbound, as the endpoints and the dispatcher do.
  const onRequest = m.onEndpointRequest
  const onAlert = m.onAlert
  onRequest('container', 200)
  onRequest('container', 200)
  onRequest('container', 403)
  onRequest('imds', 200)
  // Per consumer: the grant's label (exec/env grants share theirs), "anonymous" when no token matched.
  onRequest('container', 200, { profile: 'app', consumer: 'litellm', consumerLabel: 'litellm' })
  onRequest('container', 403, { profile: 'prod', consumer: 'litellm', consumerLabel: 'litellm' })
  onRequest('container', 200, { profile: 'app', consumer: 'exec.1.abc', consumerLabel: 'exec' })
  onRequest('container', 200, { profile: 'app', consumer: 'exec.2.def', consumerLabel: 'exec' })
  onRequest('container', 401, { profile: 'app' })
  const events: AlertEvent[] = ['relogin-required', 'relogin-required', 'recovered']
  for (const e of events) onAlert(e)

  s = parse(await m.text())
  t.equal(valueOf(s, 'aws_credd_renewals_total', { profile: 'app' }), 2)
  t.equal(valueOf(s, 'aws_credd_renewals_total', { profile: 'base' }), 1)
  t.equal(valueOf(s, 'aws_credd_renewals_total', { profile: 'static' }), 0)
  t.equal(valueOf(s, 'aws_credd_renewal_failures_total', { profile: 'app', reason: 'AccessDenied', kind: 'permanent' }), 1)
  t.equal(valueOf(s, 'aws_credd_renewal_failures_total', { profile: 'app', reason: 'Throttling', kind: 'transient' }), 3)
  t.equal(valueOf(s, 'aws_credd_renewal_failures_total', { profile: 'base', reason: 'Throttling', kind: 'transient' }), 1)
  t.equal(pick(s, 'aws_credd_renewal_failures_total').length, 3)
  t.equal(valueOf(s, 'aws_credd_endpoint_requests_total', { endpoint: 'container', status: '200' }), 5)
  t.equal(valueOf(s, 'aws_credd_endpoint_requests_total', { endpoint: 'container', status: '403' }), 2)
  t.equal(valueOf(s, 'aws_credd_endpoint_requests_total', { endpoint: 'container', status: '401' }), 1)
  t.equal(valueOf(s, 'aws_credd_endpoint_requests_total', { endpoint: 'imds', status: '200' }), 1)
  t.equal(valueOf(s, 'aws_credd_consumer_requests_total', { consumer: 'litellm', status: '200' }), 1)
  t.equal(valueOf(s, 'aws_credd_consumer_requests_total', { consumer: 'litellm', status: '403' }), 1)
  t.equal(valueOf(s, 'aws_credd_consumer_requests_total', { consumer: 'exec', status: '200' }), 2)
  t.equal(valueOf(s, 'aws_credd_consumer_requests_total', { consumer: 'anonymous', status: '401' }), 1)
  t.equal(pick(s, 'aws_credd_consumer_requests_total').length, 4, 'requests without a profile (no such path) are not per consumer')
  t.equal(valueOf(s, 'aws_credd_alerts_total', { event: 'relogin-required' }), 2)
  t.equal(valueOf(s, 'aws_credd_alerts_total', { event: 'recovered' }), 1)

  m.onEngineEvent(renewed('app'))
  t.equal(valueOf(parse(await m.text()), 'aws_credd_renewals_total', { profile: 'app' }), 3, 'counters only go up')
})

t.test('error-code labels are cleaned, truncated and capped', async (t) => {
  const m = make()
  m.onEngineEvent(failed('app', `Weird code\n"${'x'.repeat(100)}`, 'transient'))
  m.onEngineEvent(failed('app', '', 'transient'))
  for (let i = 0; i < MAX_REASONS + 10; i++) m.onEngineEvent(failed('app', `Code${i}`, 'permanent'))
  m.onEngineEvent(failed('app', 'Code0', 'permanent'))
  const reasons = pick(parse(await m.text()), 'aws_credd_renewal_failures_total')
  const weird = reasons.find((r) => r.labels.reason!.startsWith('Weird'))!
  t.equal(weird.labels.reason, `Weird_code__${'x'.repeat(52)}`)
  t.equal(weird.labels.reason!.length, 64)
  t.ok(
    reasons.some((r) => r.labels.reason === 'unknown'),
    'an empty code is "unknown"',
  )
  t.equal(new Set(reasons.map((r) => r.labels.reason)).size, MAX_REASONS + 1, 'at most MAX_REASONS distinct codes, plus "other"')
  t.equal(reasons.find((r) => r.labels.reason === 'other')!.value, 12, 'codes past the cap are counted as other')
  t.equal(reasons.find((r) => r.labels.reason === 'Code0')!.value, 2, 'known codes keep counting')
})

t.test('default process metrics, content type, and a registry per daemon', async (t) => {
  const a = new DaemonMetrics({ view: () => view, now: () => T0 })
  const b = make()
  t.match(a.contentType, /^text\/plain; version=0\.0\.4/)
  const s = parse(await a.text())
  t.ok(pick(s, 'process_cpu_user_seconds_total').length === 1, 'process metrics are collected')
  t.ok(pick(s, 'nodejs_heap_size_used_bytes').length === 1)
  t.equal(pick(parse(await b.text()), 'process_cpu_user_seconds_total').length, 0, 'defaultMetrics: false leaves them out')
  a.onEngineEvent(renewed('app'))
  t.equal(valueOf(parse(await b.text()), 'aws_credd_renewals_total', { profile: 'app' }), 0, 'two instances never share counters')
  const { register } = await import('prom-client')
  t.notOk((await register.metrics()).includes('aws_credd_'), 'nothing lands in the global registry')
})

t.test('no secret appears in the output', async (t) => {
  const m = make()
  m.onEngineEvent(failed('my "odd" app', 'ExpiredToken', 'permanent', `key ${SECRET.secretAccessKey} token ${SECRET.sessionToken}`))
  const text = await m.text()
  for (const secret of [SECRET.secretAccessKey, SECRET.sessionToken!, 'SECRETCODE', 'refused'])
    t.notOk(text.includes(secret), `${secret.slice(0, 8)}… absent`)
  t.match(
    text,
    /aws_credd_renewal_failures_total\{profile="my \\"odd\\" app",reason="ExpiredToken",kind="permanent"\} 1/,
    'label values are escaped',
  )
})
