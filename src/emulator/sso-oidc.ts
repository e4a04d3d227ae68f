// IAM Identity Center OIDC (service "sso-oidc"): client registration, the device
// flow and token refresh. Errors are OAuth-style bodies plus `x-amzn-errortype`,
// which is what gives the SDK error its `name`.
//
// Refresh tokens rotate: a successful refresh revokes the token it used, so a
// caller that forgets to store the new one fails on its next refresh (as it would
// on AWS when the old token is gone). Pass `rotateRefreshTokens: false` to keep both.
// Refresh tokens are issued only to clients registered with the `refresh_token`
// grant type (AWS does the same); seeded clients have it.
import { json, jsonBody, ServiceError, str, type EmuRequest, type EmuResponse } from './http.js'
import { token, userCode as newUserCode } from './ids.js'
import type { DeviceAuthorization, EmulatorState, OidcClient } from './state.js'

const DEVICE_CODE_SECONDS = 600
const POLL_INTERVAL_SECONDS = 1
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

export const OIDC_ROUTES: Record<string, string> = {
  'POST /client/register': 'RegisterClient',
  'POST /device_authorization': 'StartDeviceAuthorization',
  'POST /token': 'CreateToken',
  // Stands in for the browser page: opening verificationUriComplete approves the code.
  'GET /device': 'ApproveDevice',
}

const OAUTH_ERRORS: Record<string, string> = {
  InvalidGrantException: 'invalid_grant',
  InvalidClientException: 'invalid_client',
  AuthorizationPendingException: 'authorization_pending',
  SlowDownException: 'slow_down',
  ExpiredTokenException: 'expired_token',
  InvalidRequestException: 'invalid_request',
  UnsupportedGrantTypeException: 'unsupported_grant_type',
  InvalidClientMetadataException: 'invalid_client_metadata',
  InvalidScopeException: 'invalid_scope',
  AccessDeniedException: 'access_denied',
  UnauthorizedClientException: 'unauthorized_client',
  InternalServerException: 'server_error',
}

export const oidcError = (err: ServiceError): EmuResponse =>
  json(err.status, { error: OAUTH_ERRORS[err.code] ?? err.code, error_description: err.message }, { 'x-amzn-errortype': err.code })

const fail = (code: string, message: string, status = 400): never => {
  throw new ServiceError(status, code, message)
}

const seconds = (ms: number): number => Math.floor(ms / 1000)

const requireClient = (state: EmulatorState, body: Record<string, unknown>): OidcClient => {
  const client = state.oidcClients.get(str(body.clientId) ?? '')
  if (!client || client.clientSecret !== body.clientSecret)
    return fail('InvalidClientException', 'Invalid client: unknown clientId or wrong clientSecret', 401)
  if (client.expiresAt <= state.now()) fail('InvalidClientException', 'Client registration has expired; register the client again', 401)
  return client
}

const registerClient = (state: EmulatorState, body: Record<string, unknown>): EmuResponse => {
  if (!str(body.clientName)) fail('InvalidRequestException', 'clientName is required')
  if (body.clientType !== 'public') fail('InvalidClientMetadataException', "clientType must be 'public'")
  const grantTypes = Array.isArray(body.grantTypes) ? body.grantTypes.filter((g): g is string => typeof g === 'string') : undefined
  const client = state.registerClient(undefined, grantTypes)
  return json(200, {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    clientIdIssuedAt: seconds(client.issuedAt),
    clientSecretExpiresAt: seconds(client.expiresAt),
  })
}

const startDeviceAuthorization = (state: EmulatorState, body: Record<string, unknown>): EmuResponse => {
  const client = requireClient(state, body)
  if (!str(body.startUrl)) fail('InvalidRequestException', 'startUrl is required')
  const device: DeviceAuthorization = {
    deviceCode: token('', 48),
    userCode: newUserCode(),
    clientId: client.clientId,
    expiresAt: state.now() + DEVICE_CODE_SECONDS * 1000,
    intervalSeconds: POLL_INTERVAL_SECONDS,
    approved: false,
    used: false,
  }
  state.devices.set(device.deviceCode, device)
  return json(200, {
    deviceCode: device.deviceCode,
    userCode: device.userCode,
    verificationUri: `${state.url}/device`,
    verificationUriComplete: `${state.url}/device?user_code=${device.userCode}`,
    expiresIn: DEVICE_CODE_SECONDS,
    interval: device.intervalSeconds,
  })
}

const tokenAnswer = (state: EmulatorState, client: OidcClient, refreshToken?: string): EmuResponse => {
  const { accessToken } = state.issueAccessToken()
  const withRefresh = refreshToken ?? (client.grantTypes?.includes('refresh_token') ? state.issueRefreshToken(client.clientId) : undefined)
  return json(200, {
    accessToken,
    tokenType: 'Bearer',
    expiresIn: state.opts.accessTokenLifetimeSeconds,
    ...(withRefresh ? { refreshToken: withRefresh } : {}),
  })
}

const deviceCodeGrant = (state: EmulatorState, client: OidcClient, body: Record<string, unknown>): EmuResponse => {
  const device = state.devices.get(str(body.deviceCode) ?? '')
  if (!device || device.clientId !== client.clientId || device.used) return fail('InvalidGrantException', 'Invalid device code provided')
  const now = state.now()
  if (device.expiresAt <= now) fail('ExpiredTokenException', 'Device code has expired; start the device authorization again')
  if (!device.approved) {
    const tooFast = device.lastPollAt !== undefined && now - device.lastPollAt < device.intervalSeconds * 1000
    device.lastPollAt = now
    if (tooFast) fail('SlowDownException', `Polling faster than the ${device.intervalSeconds}s interval`)
    fail('AuthorizationPendingException', 'Authorization is still pending')
  }
  device.used = true
  return tokenAnswer(state, client)
}

const refreshTokenGrant = (state: EmulatorState, client: OidcClient, body: Record<string, unknown>): EmuResponse => {
  const presented = str(body.refreshToken)
  if (!presented) return fail('InvalidRequestException', 'refreshToken is required for the refresh_token grant')
  const known = state.refreshTokens.get(presented)
  if (!known || known.revoked || known.clientId !== client.clientId) return fail('InvalidGrantException', 'Invalid refresh token provided')
  if (!state.opts.rotateRefreshTokens) return tokenAnswer(state, client, presented)
  known.revoked = true
  return tokenAnswer(state, client, state.issueRefreshToken(client.clientId))
}

const createToken = (state: EmulatorState, req: EmuRequest, body: Record<string, unknown>): EmuResponse => {
  if (req.query.has('aws_iam')) fail('InvalidRequestException', 'CreateTokenWithIAM is not supported by the emulator')
  const client = requireClient(state, body)
  switch (body.grantType) {
    case DEVICE_GRANT:
      return deviceCodeGrant(state, client, body)
    case 'refresh_token':
      return refreshTokenGrant(state, client, body)
    default:
      return fail('UnsupportedGrantTypeException', `Unsupported grant type: ${String(body.grantType)}`)
  }
}

/** Marks a pending device code approved, as the user clicking "Allow" would. */
export const approveDevice = (state: EmulatorState, code: string): void => {
  const device = [...state.devices.values()].find((d) => d.userCode === code && !d.used)
  if (!device) throw new Error(`emulator: no pending device authorization with user code ${code}; call StartDeviceAuthorization first`)
  device.approved = true
}

export const handleOidc = (state: EmulatorState, req: EmuRequest, action: string): EmuResponse => {
  try {
    if (action === 'ApproveDevice') {
      approveDevice(state, req.query.get('user_code') ?? '')
      return json(200, { approved: true })
    }
    const body = jsonBody(req)
    if (action === 'RegisterClient') return registerClient(state, body)
    if (action === 'StartDeviceAuthorization') return startDeviceAuthorization(state, body)
    return createToken(state, req, body)
  } catch (err) {
    if (err instanceof ServiceError) return oidcError(err)
    if (action === 'ApproveDevice' && err instanceof Error) return json(404, { message: err.message })
    throw err
  }
}
