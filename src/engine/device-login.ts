// The OAuth device authorization flow (RFC 8628) against SSO-OIDC, shared by
// `aws-credd login` and the daemon's alert-driven login: register (or reuse the
// cached registration), start, then poll CreateToken at `interval`, slowing by 5 s
// on slow_down (RFC 8628 §3.5), until approved or the device code expires.
import { LoginCancelled } from '../core/errors.js'
import type { SsoSessionInfo } from '../core/sso-sessions.js'
import { cachedRegistration, loggedInToken, type SsoCachedToken } from '../core/sso-token.js'
import type { DeviceAuthorization, SsoOidc } from './ports.js'
import { OidcError } from '../core/errors.js'
import { fixes } from '../core/fixes.js'
import type { Clock } from './ports.js'

export interface DeviceLoginDeps {
  oidc: SsoOidc
  clock: Clock
}

export interface DeviceLogin {
  /** Link and code to show a person. */
  authorization: DeviceAuthorization
  /** The token record to write, once approved; rejects with OidcError expired_token when nobody approved in time. */
  token: Promise<SsoCachedToken>
  /** Stops polling; `token` then rejects with LoginCancelled. */
  cancel(): void
}

/** Defined with the other errors; exported here too for the callers that import it from the login. */
export { LoginCancelled }

const SLOW_DOWN_SECONDS = 5

/** Starts a device login; resolves once the link exists (polling continues in the background). */
export const startDeviceLogin = async (
  deps: DeviceLoginDeps,
  session: SsoSessionInfo,
  cached: SsoCachedToken | undefined,
): Promise<DeviceLogin> => {
  const { oidc, clock } = deps
  const reg = cachedRegistration(cached, clock.now()) ?? (await oidc.register(session))
  const auth = await oidc.startDeviceAuthorization(session, reg)
  let cancelled = false
  let timer: unknown
  let rejectPending: ((e: Error) => void) | undefined
  const token = new Promise<SsoCachedToken>((resolve, reject) => {
    rejectPending = reject
    let interval = Math.max(1, auth.interval)
    const poll = (): void => {
      if (cancelled) return
      oidc.pollDeviceToken(session, reg, auth.deviceCode).then(
        (answer) => {
          if (!cancelled) resolve(loggedInToken(cached, answer, reg, session, clock.now()))
        },
        (e: unknown) => {
          if (cancelled) return
          const code = e instanceof OidcError ? e.oauth : 'other'
          if (code === 'slow_down') interval += SLOW_DOWN_SECONDS
          const retry =
            code === 'authorization_pending' ||
            code === 'slow_down' ||
            (e instanceof OidcError && e.kind === 'transient' && code === 'other')
          if (!retry) return reject(e)
          if (clock.now() + interval * 1000 >= auth.expiresAt) {
            return reject(
              new OidcError(
                session.label,
                'expired_token',
                `SSO session "${session.label}": nobody approved the login link before it expired`,
                'permanent',
                fixes.runSsoLogin(session),
              ),
            )
          }
          timer = clock.setTimeout(poll, interval * 1000)
        },
      )
    }
    timer = clock.setTimeout(poll, interval * 1000)
  })
  return {
    authorization: auth,
    token,
    cancel: () => {
      cancelled = true
      clock.clearTimeout(timer)
      rejectPending?.(new LoginCancelled(session.label))
    },
  }
}
