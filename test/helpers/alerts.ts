// A sample alert for the channel tests.
import type { Alert } from '../../src/core/alert.js'

export const sampleAlert = (over: Partial<Alert> = {}): Alert => ({
  event: 'relogin-required',
  message: 'SSO session "dev" needs login: no cached SSO token (not logged in yet)',
  ssoSession: 'dev',
  profiles: ['dev-admin', 'dev-read'],
  verificationUriComplete: 'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
  userCode: 'ABCD-EFGH',
  fix: 'aws-credd login --sso-session dev',
  at: Date.UTC(2026, 0, 31, 12, 0, 0, 456),
  ...over,
})
