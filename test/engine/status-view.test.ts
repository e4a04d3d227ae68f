// The one-line summary (systemd STATUS=, the live table's header) and `status`'s
// exit code: an SSO session that no kept profile uses needs nobody's attention. Readiness
// (/readyz, open without a token) never names a profile.
import t from 'tap'
import type { StatusView } from '../../src/engine/ports.js'
import { readiness, statusExitCode, statusLine } from '../../src/engine/status-view.js'

const fresh: StatusView['profiles'][number] = { profile: 'app', source: 'sso', health: 'fresh' }
const session = (profiles: string[], state: 'fresh' | 'relogin-required'): StatusView['ssoSessions'][number] => ({
  label: 'corp',
  state,
  reason: 'x',
  profiles,
})

t.test('a lapsed session counts only when a kept profile uses it', async (t) => {
  const used: StatusView = { profiles: [fresh], ssoSessions: [session(['app'], 'relogin-required')] }
  const unused: StatusView = { profiles: [fresh], ssoSessions: [session([], 'relogin-required')] }
  t.equal(statusLine(used), '1 profile fresh, 1 SSO session needs login')
  t.equal(statusExitCode(used), 1)
  t.equal(statusLine(unused), '1 profile fresh')
  t.equal(statusExitCode(unused), 0)
  t.equal(statusExitCode({ profiles: [{ ...fresh, health: 'unavailable' }], ssoSessions: [] }), 2)
})

t.test('readiness: not before start, not while a profile waits for its first credentials, and the reason names no profile', async (t) => {
  const pending = { profile: 'secret-project-prod', source: 'sso', health: 'pending' } as const
  t.same(readiness(false, { profiles: [fresh], ssoSessions: [] }), { ready: false, reason: 'starting' })
  const waiting = readiness(true, {
    profiles: [fresh, pending, { ...pending, profile: 'other' }],
    ssoSessions: [session(['app'], 'fresh')],
  })
  t.same(waiting, { ready: false, reason: 'waiting for the first credentials of 2 of 3 profiles (aws-credd status names them)' })
  t.notMatch(waiting.reason, /secret-project-prod|other|app|corp/)
  t.equal(
    readiness(true, { profiles: [pending], ssoSessions: [] }).reason,
    'waiting for the first credentials of 1 of 1 profile (aws-credd status names them)',
  )
  t.same(
    readiness(true, { profiles: [fresh, { ...fresh, health: 'unavailable' }], ssoSessions: [] }),
    { ready: true },
    'a definite error counts as resolved',
  )
})
