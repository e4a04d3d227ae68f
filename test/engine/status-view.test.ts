// The one-line summary (systemd STATUS=, the live table's header) and `status`'s
// exit code: an SSO session that no kept profile uses needs nobody's attention.
import t from 'tap'
import { statusExitCode, statusLine, type StatusView } from '../../src/engine/status-view.js'

const fresh: StatusView['profiles'][number] = { profile: 'app', source: 'sso', health: 'fresh' }
const session = (profiles: string[], state: 'fresh' | 'relogin-required'): StatusView['ssoSessions'][number] => ({ label: 'corp', state, reason: 'x', profiles })

t.test('a lapsed session counts only when a kept profile uses it', async (t) => {
  const used: StatusView = { profiles: [fresh], ssoSessions: [session(['app'], 'relogin-required')] }
  const unused: StatusView = { profiles: [fresh], ssoSessions: [session([], 'relogin-required')] }
  t.equal(statusLine(used), '1 profile fresh, 1 SSO session needs login')
  t.equal(statusExitCode(used), 1)
  t.equal(statusLine(unused), '1 profile fresh')
  t.equal(statusExitCode(unused), 0)
  t.equal(statusExitCode({ profiles: [{ ...fresh, health: 'unavailable' }], ssoSessions: [] }), 2)
})
