// The log channel: a level per event and the fields a person or journald filter needs.
import t from 'tap'
import type { Alert, AlertEvent } from '../../src/core/alert.js'
import { logChannel } from '../../src/alerts/log-channel.js'
import { recordingLogger } from '../helpers/fake-logger.js'

const alert = (event: AlertEvent): Alert => ({
  event,
  message: `SSO session "dev": ${event}`,
  ssoSession: 'dev',
  profiles: ['dev-admin', 'dev-read'],
  verificationUriComplete: 'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
  userCode: 'ABCD-EFGH',
  fix: 'aws-credd login --sso-session dev',
  at: Date.UTC(2026, 0, 31, 12),
})

t.test('one line per alert at the level its event deserves', async (t) => {
  const logger = recordingLogger()
  const ch = logChannel(logger)
  t.equal(ch.name, 'log')
  const events: AlertEvent[] = ['relogin-soon', 'refresh-failing', 'login-started', 'mfa-required', 'relogin-required', 'recovered']
  for (const e of events) await ch.send(alert(e))
  t.same(
    logger.entries.map((e) => e.level),
    ['warn', 'warn', 'warn', 'warn', 'error', 'info'],
  )
  t.same(logger.entries[4], {
    level: 'error',
    msg: 'SSO session "dev": relogin-required',
    fields: {
      event: 'relogin-required',
      ssoSession: 'dev',
      profile: undefined,
      profiles: ['dev-admin', 'dev-read'],
      verificationUriComplete: 'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
    },
  })
})
