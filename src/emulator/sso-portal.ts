// The IAM Identity Center portal (service "sso"): restJson, bearer token in the
// `x-amz-sso_bearer_token` header. Errors carry `x-amzn-errortype`, which the
// SDK reads first to name the exception.
import { createHash } from 'node:crypto'
import { header, json, ServiceError, type EmuRequest, type EmuResponse } from './http.js'
import type { EmulatorState } from './state.js'

/** SSO role sessions look like this in GetCallerIdentity. */
const SSO_ROLE_SUFFIX = '0123456789abcdef'
const SSO_SESSION_NAME = 'emulator-user'
const DEFAULT_SSO_SECONDS = 3600

export const SSO_ROUTES: Record<string, string> = {
  'GET /federation/credentials': 'GetRoleCredentials',
  'GET /assignment/accounts': 'ListAccounts',
  'GET /assignment/roles': 'ListAccountRoles',
  'POST /logout': 'Logout',
}

/** Same role → same AROA id across calls, as in AWS. */
const stableRoleId = (accountId: string, roleName: string): string =>
  'AROA' + createHash('sha256').update(`${accountId}/${roleName}`).digest('hex').slice(0, 16).toUpperCase()

export const ssoError = (err: ServiceError): EmuResponse => json(err.status, { message: err.message }, { 'x-amzn-errortype': err.code })

const requireToken = (state: EmulatorState, req: EmuRequest): string => {
  const tokenValue = header(req, 'x-amz-sso_bearer_token')
  const known = tokenValue ? state.accessTokens.get(tokenValue) : undefined
  if (!tokenValue || !known || known.expiresAt <= state.now())
    throw new ServiceError(401, 'UnauthorizedException', 'Session token not found or invalid')
  return tokenValue
}

const getRoleCredentials = (state: EmulatorState, req: EmuRequest): EmuResponse => {
  const accountId = req.query.get('account_id') ?? ''
  const roleName = req.query.get('role_name') ?? ''
  if (!state.ssoAssignments.has(`${accountId}/${roleName}`)) throw new ServiceError(403, 'ForbiddenException', 'No access')
  const session = state.issueSession(
    {
      arn: `arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_${roleName}_${SSO_ROLE_SUFFIX}/${SSO_SESSION_NAME}`,
      userId: `${stableRoleId(accountId, roleName)}:${SSO_SESSION_NAME}`,
      account: accountId,
      roleArn: `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${roleName}_${SSO_ROLE_SUFFIX}`,
    },
    DEFAULT_SSO_SECONDS,
  )
  return json(200, {
    roleCredentials: {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
      expiration: session.expiresAt, // epoch milliseconds, as the portal sends it
    },
  })
}

const assignments = (state: EmulatorState): Array<{ accountId: string; roleName: string }> =>
  [...state.ssoAssignments].map((a) => {
    const [accountId = '', roleName = ''] = a.split('/')
    return { accountId, roleName }
  })

export const handleSso = (state: EmulatorState, req: EmuRequest, action: string): EmuResponse => {
  try {
    const tokenValue = requireToken(state, req)
    switch (action) {
      case 'GetRoleCredentials':
        return getRoleCredentials(state, req)
      case 'ListAccounts': {
        const ids = [...new Set(assignments(state).map((a) => a.accountId))]
        return json(200, {
          accountList: ids.map((accountId) => ({
            accountId,
            accountName: `emulator-${accountId}`,
            emailAddress: `aws+${accountId}@example.com`,
          })),
        })
      }
      case 'ListAccountRoles': {
        const accountId = req.query.get('account_id')
        return json(200, { roleList: assignments(state).filter((a) => a.accountId === accountId) })
      }
      default: // Logout
        state.accessTokens.delete(tokenValue)
        return { status: 200, headers: {}, body: '' }
    }
  } catch (err) {
    if (err instanceof ServiceError) return ssoError(err)
    throw err
  }
}
