// The control socket's credentials answer (what `aws-credd process` prints for
// credential_process): the same serving floor as the HTTP endpoints, with a fake clock;
// long-term keys still pass, as credential_process serves them.
import t from 'tap'
import type { Credentials } from '../../src/core/credentials.js'
import { controlApi } from '../../src/root/control-answers.js'
import type { Daemon } from '../../src/engine/daemon.js'

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
let now = T0
const held = new Map<string, Credentials>()
const temp = (expiresAt: number, obtainedAt?: number): Credentials => ({
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLEtokenEXAMPLEtoken',
  expiresAt,
  ...(obtainedAt !== undefined ? { obtainedAt } : {}),
})
// Only what controlApi reads of a Daemon.
const daemon = {
  keeps: (p: string) => held.has(p),
  refresher: { current: (p: string) => held.get(p) },
  status: () => ({ profiles: [], ssoSessions: [] }),
  view: () => ({ wanted: [...held.keys()] }),
  now: () => now,
} as unknown as Daemon
const controls = controlApi(daemon)
type Body = Record<string, unknown> & { message?: string }
const api = { credentials: (p: string) => controls.credentials(p) as [number, Body] }

t.beforeEach(() => {
  now = T0
  held.clear()
})

t.test('process answers credentials with 15 s or more left, refuses under the floor with the reason', async (t) => {
  held.set('app', temp(T0 + 3600_000, T0))
  now = T0 + 3600_000 - 15_000
  const [status, body] = api.credentials('app')
  t.equal(status, 200, 'exactly at the floor')
  t.same(
    Object.keys(body),
    ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'],
    'obtainedAt is not part of the answer',
  )
  now += 1
  const [s2, b2] = api.credentials('app')
  t.equal(s2, 503)
  t.match(b2.message, /^credentials of profile "app" expire in 14\.9 s, under the 15 s floor .*retry in a few seconds/)
  t.notOk(JSON.stringify(b2).includes('wJalrXUtnFEMI'), 'no secret in the refusal')
})

t.test('short lifetimes scale the floor down; an unknown lifetime keeps 15 s', async (t) => {
  held.set('short', temp(T0 + 10_000, T0))
  now = T0 + 7_000
  t.equal(api.credentials('short')[0], 200, '3 s left of a 10 s lifetime')
  now = T0 + 8_000
  t.equal(api.credentials('short')[0], 503, '2 s left, under 2.5 s')
  held.set('unknown', temp(T0 + 10_000))
  now = T0
  t.equal(api.credentials('unknown')[0], 503, '10 s left and no obtainedAt: the full floor')
})

t.test('long-term keys still answer (credential_process serves them)', async (t) => {
  held.set('keys', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })
  now = T0 + 100 * 86_400_000
  const [status, body] = api.credentials('keys')
  t.equal(status, 200)
  t.same(Object.keys(body), ['Version', 'AccessKeyId', 'SecretAccessKey'])
})

t.test('an unavailable profile: namesProfile says, from the error as data, whether the reason names the profile', async (t) => {
  const { ProfileError, UpstreamError } = await import('../../src/core/errors.js')
  const failures = new Map<string, InstanceType<typeof ProfileError> | InstanceType<typeof UpstreamError>>([
    [
      'own',
      new UpstreamError('own', 'profile "own": AssumeRole failed: AccessDenied: no', {
        code: 'Timeout',
        kind: 'permanent',
        fix: 'check the trust policy',
      }),
    ],
    ['chained', new UpstreamError('base', 'profile "base": AssumeRole failed: AccessDenied: no', { code: 'Timeout', kind: 'permanent' })],
    ['cycle', new ProfileError('cycle', 'profiles form a cycle: cycle → cycle', 'change source_profile', 'ProfileCycle', false)],
  ])
  const d = {
    keeps: (p: string) => failures.has(p) || p === 'sso' || p === 'new',
    refresher: { current: () => undefined },
    status: () => ({
      profiles: [
        ...[...failures].map(([profile, e]) => ({ profile, lastError: e.message })),
        { profile: 'sso', ssoSession: 'corp' },
        { profile: 'new' },
      ],
      ssoSessions: [{ label: 'corp', ssoSession: 'corp', state: 'relogin-required' }],
    }),
    lastFailure: (p: string) => failures.get(p),
    view: () => ({ wanted: [] }),
    now: () => now,
  } as unknown as Daemon
  const answer = (p: string) => controlApi(d).credentials(p) as [number, Body]
  t.same(answer('own'), [503, { message: failures.get('own')!.message, namesProfile: true }])
  t.same(answer('chained')[1].namesProfile, false, 'the error names the source profile, not this one')
  t.same(answer('cycle')[1].namesProfile, false, 'a reason that does not name it')
  t.same(answer('sso'), [503, { message: 'SSO session corp needs login: run aws-credd login --sso-session corp', namesProfile: false }])
  t.same(answer('new')[1], {
    message: 'profile "new" has no credentials yet (the first renewal is under way); try again in a moment',
    namesProfile: true,
  })
})
