// The channel that is always there: the daemon's own log (journald under
// systemd), at a level that matches how urgent the alert is. The logger redacts
// and escapes every line itself (core/outgoing-text.ts).
import type { Logger } from '../engine/ports.js'
import type { Alert, AlertEvent } from '../core/alert.js'
import type { AlertChannel } from '../engine/ports.js'

const LEVEL: Record<AlertEvent, 'error' | 'warn' | 'info'> = {
  'relogin-required': 'error',
  'relogin-soon': 'warn',
  'refresh-failing': 'warn',
  'login-started': 'warn',
  'mfa-required': 'warn',
  recovered: 'info',
}

export const logChannel = (logger: Logger): AlertChannel => ({
  name: 'log',
  send: async (a: Alert) => {
    logger[LEVEL[a.event]](a.message, {
      event: a.event,
      ssoSession: a.ssoSession,
      profile: a.profile,
      profiles: a.profiles,
      verificationUriComplete: a.verificationUriComplete,
    })
  },
})
