// Doctor rules for SSO sessions: the cached token read as the daemon reads it,
// judged by the same decision the token keeper makes (core/sso-session-state),
// with the login command that fixes it.
import { awsTimestamp } from '../aws-time.js'
import { decideSsoSession, defaultSsoPolicy } from '../sso-session-state.js'
import { fixes } from '../fixes.js'
import type { DoctorContext } from './context.js'
import type { SsoSessionFacts } from './facts.js'
import { finding, span, type Finding } from './findings.js'

const sessionFindings = (s: SsoSessionFacts, now: number): Finding[] => {
  const scope = { ssoSession: s.info.label }
  const fix = fixes.ssoLogin(s.info)
  const users = s.info.profiles.length > 0 ? ` (used by ${s.info.profiles.join(', ')})` : ''
  const data = { cacheFile: s.cacheFile, ...(s.info.profiles.length ? { profiles: s.info.profiles.join(',') } : {}) }
  if (s.unreadable) return [finding('error', scope, 'sso-cache-unreadable', `${s.unreadable}${users}`, fix, data)]
  const t = s.token
  if (!t) {
    const severity = s.info.profiles.length > 0 ? 'error' : 'info'
    return [finding(severity, scope, 'sso-not-logged-in', `not logged in: no cached token at ${s.cacheFile}${users}`, fix, data)]
  }
  const refreshable =
    t.hasRefreshToken && t.hasClientRegistration && (t.registrationExpiresAt === undefined || t.registrationExpiresAt > now)
  const d = decideSsoSession(
    {
      token: {
        expiresAt: t.expiresAt,
        refreshable,
        ...(t.registrationExpiresAt !== undefined ? { registrationExpiresAt: t.registrationExpiresAt } : {}),
      },
    },
    now,
    defaultSsoPolicy(),
    0,
  )
  const at = awsTimestamp(t.expiresAt)
  const withData = { ...data, expiresAt: at }
  if (d.state === 'relogin-required') {
    const when = t.expiresAt <= now ? `; the access token expired ${span(now - t.expiresAt)} ago, at ${at}` : ''
    return [finding('error', scope, 'sso-login-required', `needs a login: ${d.reason}${when}${users}`, fix, withData)]
  }
  if (d.state === 'expiring') {
    const need =
      d.loginNeededAt !== undefined ? `; a login is needed in ${span(d.loginNeededAt - now)}, at ${awsTimestamp(d.loginNeededAt)}` : ''
    return [finding('warning', scope, 'sso-expiring', `${d.reason}${need}${users}`, fix, withData)]
  }
  if (t.expiresAt <= now) {
    return [
      finding(
        'info',
        scope,
        'sso-token-refreshable',
        `the access token expired at ${at}, but the refresh token renews it on next use (aws-credd, the AWS CLI v2 and the SDKs do)${users}`,
        undefined,
        withData,
      ),
    ]
  }
  const until = refreshable ? ', refreshable with its refresh token' : ', then a login is needed (no refresh token)'
  return [
    finding(
      'ok',
      scope,
      'sso-session',
      `logged in; the access token is valid for ${span(t.expiresAt - now)} (until ${at})${until}${users}`,
      undefined,
      withData,
    ),
  ]
}

export const ssoRules = (ctx: DoctorContext): Finding[] => ctx.facts.ssoSessions.flatMap((s) => sessionFindings(s, ctx.now))
