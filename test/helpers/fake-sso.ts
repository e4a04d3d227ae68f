// Fakes for the SSO token keeper: an in-memory token cache and a scripted
// SSO-OIDC whose answers and refusals a test sets per call.
import { OidcError, type OAuthCode } from '../../src/core/errors.js'
import type { SsoSessionInfo } from '../../src/core/sso-sessions.js'
import type { ClientRegistration, SsoCachedToken, TokenAnswer } from '../../src/core/sso-token.js'
import type { DeviceAuthorization, SsoCacheStore, SsoOidc } from '../../src/engine/ports.js'
import type { FakeClock } from './fake-clock.js'

export class MemorySsoCache implements SsoCacheStore {
  files = new Map<string, SsoCachedToken>()
  writes: Array<{ key: string; token: SsoCachedToken }> = []
  async read(key: string): Promise<SsoCachedToken | undefined> {
    const t = this.files.get(key)
    return t && { ...t }
  }
  async write(key: string, token: SsoCachedToken, replacing?: string): Promise<boolean> {
    if (replacing !== undefined && this.files.get(key)?.accessToken !== replacing) return false
    this.files.set(key, { ...token })
    this.writes.push({ key, token: { ...token } })
    return true
  }
}

let n = 0
const fresh = (prefix: string): string => `${prefix}${++n}`

/** A cached token valid for `seconds`, refreshable unless told otherwise. */
export const cachedToken = (
  now: number,
  seconds: number,
  opts: { refreshable?: boolean; registrationSeconds?: number } = {},
): SsoCachedToken => ({
  startUrl: 'https://example.awsapps.com/start',
  region: 'us-east-1',
  accessToken: fresh('access-'),
  expiresAt: new Date(Math.floor((now + seconds * 1000) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
  ...(opts.refreshable === false
    ? {}
    : {
        clientId: 'client-1',
        clientSecret: fresh('client-secret-'),
        registrationExpiresAt: new Date(now + (opts.registrationSeconds ?? 90 * 86400) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        refreshToken: fresh('refresh-'),
      }),
})

export class FakeSsoOidc implements SsoOidc {
  calls: string[] = []
  /** The next refresh answers fail with these OAuth codes, in order ('other' = transient network error). */
  refreshFailures: OAuthCode[] = []
  /** Fail every refresh with this code while set. */
  refuseAll: OAuthCode | undefined
  tokenSeconds = 3600
  approved = false
  pollFailures: OAuthCode[] = []
  deviceSeconds = 600

  constructor(private readonly clock: FakeClock) {}

  private fail(session: SsoSessionInfo, code: OAuthCode): never {
    const permanent = code === 'invalid_grant' || code === 'invalid_client' || code === 'access_denied'
    throw new OidcError(
      session.label,
      code,
      `SSO session "${session.label}": fake ${code}`,
      permanent ? 'permanent' : 'transient',
      permanent ? 'log in' : undefined,
    )
  }

  async refresh(session: SsoSessionInfo, _t: { clientId: string; clientSecret: string; refreshToken: string }): Promise<TokenAnswer> {
    this.calls.push(`refresh ${session.label}`)
    const code = this.refuseAll ?? this.refreshFailures.shift()
    if (code) this.fail(session, code)
    return { accessToken: fresh('access-'), expiresIn: this.tokenSeconds, refreshToken: fresh('refresh-') }
  }

  async register(session: SsoSessionInfo): Promise<ClientRegistration> {
    this.calls.push(`register ${session.label}`)
    return { clientId: fresh('client-'), clientSecret: fresh('client-secret-'), expiresAt: this.clock.now() + 90 * 86400_000 }
  }

  async startDeviceAuthorization(session: SsoSessionInfo, _reg: ClientRegistration): Promise<DeviceAuthorization> {
    this.calls.push(`start ${session.label}`)
    const userCode = fresh('CODE-')
    return {
      deviceCode: fresh('device-'),
      userCode,
      verificationUri: 'https://device.example/',
      verificationUriComplete: `https://device.example/?user_code=${userCode}`,
      expiresAt: this.clock.now() + this.deviceSeconds * 1000,
      interval: 1,
    }
  }

  async pollDeviceToken(session: SsoSessionInfo, _reg: ClientRegistration, _deviceCode: string): Promise<TokenAnswer> {
    this.calls.push(`poll ${session.label}`)
    const code = this.pollFailures.shift()
    if (code) this.fail(session, code)
    if (!this.approved) this.fail(session, 'authorization_pending')
    return { accessToken: fresh('access-'), expiresIn: this.tokenSeconds, refreshToken: fresh('refresh-') }
  }

  count(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length
  }
}
