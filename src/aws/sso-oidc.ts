// SSO-OIDC calls: refresh an access token, register a client, run the device
// authorization flow. Errors come back as OidcError with the OAuth error code
// (invalid_grant, slow_down, …) so the keeper and `login` decide by code, never
// by message text.
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc'
import { firstLine, OidcError, type FailureKind, type OAuthCode } from '../core/errors.js'
import { fixes } from '../core/fixes.js'
import type { SsoSessionInfo } from '../core/sso-sessions.js'
import type { ClientRegistration, TokenAnswer } from '../core/sso-token.js'
import { failureKindOf, type SdkErrorShape } from './classify-error.js'
import { clientsByPlacement } from './client-config.js'
import type { DeviceAuthorization, SsoOidc } from '../engine/ports.js'

const OAUTH_BY_NAME: Record<string, OAuthCode> = {
  InvalidGrantException: 'invalid_grant',
  InvalidClientException: 'invalid_client',
  AuthorizationPendingException: 'authorization_pending',
  SlowDownException: 'slow_down',
  ExpiredTokenException: 'expired_token',
  AccessDeniedException: 'access_denied',
  InvalidRequestException: 'invalid_request',
  UnauthorizedClientException: 'unauthorized_client',
}

/** Refusals after which only a person (a new login) helps. */
const PERMANENT: ReadonlySet<OAuthCode> = new Set([
  'invalid_grant',
  'invalid_client',
  'access_denied',
  'unauthorized_client',
  'invalid_request',
])

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

export class AwsSsoOidc implements SsoOidc {
  private readonly clientFor = clientsByPlacement((config) => new SSOOIDCClient(config))
  constructor(
    private readonly now: () => number,
    private readonly clientName = 'aws-credd',
  ) {}

  async refresh(session: SsoSessionInfo, t: { clientId: string; clientSecret: string; refreshToken: string }): Promise<TokenAnswer> {
    const out = await this.call(session, 'CreateToken (refresh_token)', () =>
      this.client(session).send(
        new CreateTokenCommand({
          grantType: 'refresh_token',
          clientId: t.clientId,
          clientSecret: t.clientSecret,
          refreshToken: t.refreshToken,
        }),
      ),
    )
    return tokenAnswer(session, out)
  }

  async register(session: SsoSessionInfo): Promise<ClientRegistration> {
    const legacy = session.ssoSession === undefined
    const out = await this.call(session, 'RegisterClient', () =>
      this.client(session).send(
        new RegisterClientCommand({
          clientName: `${this.clientName}-${Math.floor(this.now() / 1000)}`,
          clientType: 'public',
          // As the AWS CLI: a legacy profile's client gets no scopes and no refresh grant.
          ...(legacy ? {} : { scopes: session.scopes, grantTypes: [DEVICE_GRANT, 'refresh_token'] }),
        }),
      ),
    )
    if (!out.clientId || !out.clientSecret || !out.clientSecretExpiresAt) throw invalidAnswer(session, 'RegisterClient')
    return { clientId: out.clientId, clientSecret: out.clientSecret, expiresAt: out.clientSecretExpiresAt * 1000 }
  }

  async startDeviceAuthorization(session: SsoSessionInfo, reg: ClientRegistration): Promise<DeviceAuthorization> {
    const out = await this.call(session, 'StartDeviceAuthorization', () =>
      this.client(session).send(
        new StartDeviceAuthorizationCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: session.startUrl }),
      ),
    )
    if (!out.deviceCode || !out.userCode || !out.verificationUri) throw invalidAnswer(session, 'StartDeviceAuthorization')
    return {
      deviceCode: out.deviceCode,
      userCode: out.userCode,
      verificationUri: out.verificationUri,
      verificationUriComplete: out.verificationUriComplete ?? `${out.verificationUri}?user_code=${out.userCode}`,
      expiresAt: this.now() + (out.expiresIn ?? 600) * 1000,
      interval: out.interval ?? 5,
    }
  }

  async pollDeviceToken(session: SsoSessionInfo, reg: ClientRegistration, deviceCode: string): Promise<TokenAnswer> {
    const out = await this.call(session, 'CreateToken (device_code)', () =>
      this.client(session).send(
        new CreateTokenCommand({ grantType: DEVICE_GRANT, clientId: reg.clientId, clientSecret: reg.clientSecret, deviceCode }),
      ),
    )
    return tokenAnswer(session, out)
  }

  private async call<T>(session: SsoSessionInfo, action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      throw oidcErrorOf(session, action, e)
    }
  }

  private client(session: SsoSessionInfo): SSOOIDCClient {
    return this.clientFor(session.region, session.oidcEndpoint)
  }
}

const tokenAnswer = (session: SsoSessionInfo, out: { accessToken?: string; expiresIn?: number; refreshToken?: string }): TokenAnswer => {
  if (!out.accessToken || !out.expiresIn) throw invalidAnswer(session, 'CreateToken')
  return { accessToken: out.accessToken, expiresIn: out.expiresIn, ...(out.refreshToken ? { refreshToken: out.refreshToken } : {}) }
}

const invalidAnswer = (session: SsoSessionInfo, action: string): OidcError =>
  new OidcError(
    session.label,
    'other',
    `SSO session "${session.label}": ${action} answered without the expected fields`,
    'transient',
    'none needed if it passes; aws-credd retries',
  )

/** Wraps what the SDK threw; the SDK message can quote the request, never tokens, but only its first line is kept. */
export const oidcErrorOf = (session: SsoSessionInfo, action: string, e: unknown): OidcError => {
  const err = (e ?? {}) as SdkErrorShape
  const oauth = OAUTH_BY_NAME[err.name ?? ''] ?? 'other'
  const kind: FailureKind = oauth === 'other' ? failureKindOf(err) : PERMANENT.has(oauth) ? 'permanent' : 'transient'
  const detail = firstLine(err.message ?? String(e))
  const fix =
    kind === 'permanent'
      ? fixes.runSsoLogin(session)
      : oauth === 'other'
        ? 'none needed if it passes; aws-credd retries (check network access and AWS_ENDPOINT_URL_SSO_OIDC)'
        : undefined
  return new OidcError(
    session.label,
    oauth,
    `SSO session "${session.label}": ${action} failed: ${err.name ?? 'Error'}: ${detail}`,
    kind,
    fix,
    e,
  )
}
