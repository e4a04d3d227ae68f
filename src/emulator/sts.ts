// STS over the AWS query protocol: form-encoded POST in, XML out, errors in the
// <ErrorResponse> shape both the JS SDK and botocore parse.
import { awsId, requestId } from './ids.js'
import { header, ServiceError, type EmuRequest, type EmuResponse } from './http.js'
import { parseAuthorization, verifySignature } from './sigv4-verify.js'
import type { EmulatorState, Role, Session, User } from './state.js'

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/'
const MAX_SKEW_MS = 5 * 60_000
const CHAINED_ROLE_MAX_SECONDS = 3600

type Caller = { kind: 'user'; user: User } | { kind: 'session'; session: Session }

// A carriage return is written as a character reference: a raw one would be read back as a line
// feed (XML end-of-line handling), and an injected fault's message must reach the client as sent.
const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;')

/** `{A: 'x', B: {C: 'y'}}` → `<A>x</A><B><C>y</C></B>`. */
type XmlTree = { [name: string]: string | XmlTree }
const xml = (tree: XmlTree): string =>
  Object.entries(tree)
    .map(([k, v]) => `<${k}>${typeof v === 'string' ? esc(v) : xml(v)}</${k}>`)
    .join('')

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

const ok = (action: string, result: XmlTree): EmuResponse => {
  const id = requestId()
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
    body:
      `<${action}Response xmlns="${NS}"><${action}Result>${xml(result)}</${action}Result>` +
      `<ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></${action}Response>`,
  }
}

export const stsError = (err: ServiceError): EmuResponse => {
  const id = requestId()
  const type = err.status >= 500 ? 'Receiver' : 'Sender'
  return {
    status: err.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
    body:
      `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${esc(err.code)}</Code>` +
      `<Message>${esc(err.message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
  }
}

const fail = (status: number, code: string, message: string): never => {
  throw new ServiceError(status, code, message)
}

/** The form parameters of a query-protocol request (body for POST, URL for GET). */
export const stsParams = (req: EmuRequest): URLSearchParams =>
  req.method === 'POST' ? new URLSearchParams(req.body.toString('utf8')) : req.query

/** Who signed the request; throws the error AWS would answer with. */
const authenticate = async (state: EmulatorState, req: EmuRequest): Promise<Caller> => {
  const info = parseAuthorization(req)
  if (info === 'missing') return fail(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token')
  if (info === 'malformed')
    return fail(400, 'IncompleteSignature', 'The Authorization header or X-Amz-Date is not valid AWS Signature Version 4')
  const user = state.users.get(info.accessKeyId)
  const session = state.sessions.get(info.accessKeyId)
  if (!user && !session) return fail(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.')
  if (session) {
    if (header(req, 'x-amz-security-token') !== session.sessionToken)
      fail(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.')
    if (session.expiresAt <= state.now()) fail(403, 'ExpiredToken', 'The security token included in the request is expired')
  }
  if (info.service !== 'sts') fail(403, 'SignatureDoesNotMatch', "Credential should be scoped to correct service: 'sts'.")
  // Skew is judged on the real clock: clients sign with it even when tests move `now`.
  if (Math.abs(Date.now() - info.signedAt) > MAX_SKEW_MS)
    fail(403, 'SignatureDoesNotMatch', `Signature expired: ${header(req, 'x-amz-date')} is outside the 5 minute window of the server time.`)
  const secretAccessKey = (user ?? session)!.secretAccessKey
  if (!(await verifySignature(req, info, { secretAccessKey, sessionToken: session?.sessionToken })))
    fail(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    )
  return user ? { kind: 'user', user } : { kind: 'session', session: session! }
}

const durationParam = (p: URLSearchParams, fallback: number, min: number, max: number, tooLong: string): number => {
  const raw = p.get('DurationSeconds')
  if (raw === null) return Math.min(fallback, max)
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min)
    fail(
      400,
      'ValidationError',
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    )
  if (n > max) fail(400, 'ValidationError', tooLong)
  return n
}

const sessionNameParam = (p: URLSearchParams): string => {
  const name = p.get('RoleSessionName') ?? ''
  if (!/^[\w+=,.@-]{2,64}$/.test(name))
    fail(
      400,
      'ValidationError',
      `1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    )
  return name
}

const roleParam = (state: EmulatorState, p: URLSearchParams): Role => {
  const arn = p.get('RoleArn') ?? ''
  const role = state.roles.get(arn)
  if (!role)
    return fail(
      403,
      'AccessDenied',
      `Not authorized to perform sts:AssumeRole on resource ${arn || '(no RoleArn)'}: the role does not exist`,
    )
  return role
}

const checkMfa = (p: URLSearchParams, required: boolean, callerHasMfa = false): void => {
  const serial = p.get('SerialNumber')
  const code = p.get('TokenCode')
  // A session from GetSessionToken with a code carries MFA into roles assumed from it (aws:MultiFactorAuthPresent).
  if (!serial && !code && (!required || callerHasMfa)) return
  // Any six digits pass: the emulator has no authenticator to compare with.
  if (!serial || !code || !/^\d{6}$/.test(code))
    fail(403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.')
}

const credentialsXml = (s: Session): XmlTree => ({
  AccessKeyId: s.accessKeyId,
  SecretAccessKey: s.secretAccessKey,
  SessionToken: s.sessionToken,
  Expiration: isoSeconds(s.expiresAt),
})

const assumeRoleSession = (state: EmulatorState, role: Role, sessionName: string, seconds: number): Session =>
  state.issueSession(
    {
      arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
      userId: `${role.roleId}:${sessionName}`,
      account: role.account,
      roleArn: role.arn,
    },
    seconds,
  )

const assumedRoleResult = (s: Session): XmlTree => ({
  Credentials: credentialsXml(s),
  AssumedRoleUser: { AssumedRoleId: s.userId, Arn: s.arn },
})

const assumeRole = (state: EmulatorState, caller: Caller, p: URLSearchParams): EmuResponse => {
  const role = roleParam(state, p)
  const sessionName = sessionNameParam(p)
  const callerArn = caller.kind === 'user' ? caller.user.arn : caller.session.arn
  const callerAccount = caller.kind === 'user' ? caller.user.account : caller.session.account
  // A role session is trusted through its role's IAM ARN as well as its own ARN.
  const principals = [callerArn, `arn:aws:iam::${callerAccount}:root`]
  if (caller.kind === 'session' && caller.session.roleArn) principals.push(caller.session.roleArn)
  if (role.trust && !role.trust.some((t) => principals.includes(t)))
    fail(403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${role.arn}`)
  if (role.externalId !== undefined && p.get('ExternalId') !== role.externalId)
    fail(
      403,
      'AccessDenied',
      `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${role.arn} (ExternalId does not match)`,
    )
  checkMfa(p, role.requireMfa, caller.kind === 'session' && caller.session.mfa === true)
  const chained = caller.kind === 'session' && caller.session.roleArn !== undefined
  const seconds = chained
    ? durationParam(
        p,
        3600,
        900,
        CHAINED_ROLE_MAX_SECONDS,
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      )
    : durationParam(p, 3600, 900, role.maxSessionSeconds, 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.')
  return ok('AssumeRole', assumedRoleResult(assumeRoleSession(state, role, sessionName, seconds)))
}

/** JWT payload claims when the token looks like a JWT; {} otherwise. */
const jwtClaims = (jwt: string): Record<string, unknown> => {
  try {
    const claims: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

const assumeRoleWithWebIdentity = (state: EmulatorState, p: URLSearchParams): EmuResponse => {
  const jwt = p.get('WebIdentityToken') ?? ''
  state.webIdentityTokens.push(jwt)
  const role = roleParam(state, p)
  const sessionName = sessionNameParam(p)
  // Rule: three dot-separated parts make a token; literal 'expired' or a past `exp` claim is expired.
  if (jwt === 'expired') fail(400, 'ExpiredTokenException', 'Token expired: the web identity token is expired')
  if (jwt.split('.').length !== 3) fail(400, 'InvalidIdentityToken', 'The web identity token is not a JWT (header.payload.signature)')
  const claims = jwtClaims(jwt)
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= state.now())
    fail(
      400,
      'ExpiredTokenException',
      `Token expired: current date/time must be before the expiration date/time ${isoSeconds(claims.exp * 1000)}`,
    )
  const seconds = durationParam(
    p,
    3600,
    900,
    role.maxSessionSeconds,
    'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  )
  const session = assumeRoleSession(state, role, sessionName, seconds)
  return ok('AssumeRoleWithWebIdentity', {
    ...assumedRoleResult(session),
    SubjectFromWebIdentityToken: typeof claims.sub === 'string' ? claims.sub : 'emulator-subject',
    Audience: typeof claims.aud === 'string' ? claims.aud : 'sts.amazonaws.com',
    Provider: typeof claims.iss === 'string' ? claims.iss : 'emulator-oidc-provider',
  })
}

const getSessionToken = (state: EmulatorState, caller: Caller, p: URLSearchParams): EmuResponse => {
  if (caller.kind !== 'user') return fail(403, 'AccessDenied', 'Cannot call GetSessionToken with session credentials')
  checkMfa(p, false)
  const seconds = durationParam(p, 43200, 900, 129600, 'The requested DurationSeconds exceeds the 36 hour limit for GetSessionToken.')
  const { arn, userId, account } = caller.user
  const mfa = p.get('TokenCode') !== null
  return ok('GetSessionToken', { Credentials: credentialsXml(state.issueSession({ arn, userId, account, mfa }, seconds)) })
}

const getCallerIdentity = (caller: Caller): EmuResponse => {
  const who = caller.kind === 'user' ? caller.user : caller.session
  return ok('GetCallerIdentity', { UserId: who.userId, Account: who.account, Arn: who.arn })
}

/** Answers one STS request; `action` was already read by the router. */
export const handleSts = async (state: EmulatorState, req: EmuRequest, action: string): Promise<EmuResponse> => {
  try {
    const p = stsParams(req)
    if (action === 'AssumeRoleWithWebIdentity') return assumeRoleWithWebIdentity(state, p)
    const caller = await authenticate(state, req)
    switch (action) {
      case 'GetCallerIdentity':
        return getCallerIdentity(caller)
      case 'AssumeRole':
        return assumeRole(state, caller, p)
      case 'GetSessionToken':
        return getSessionToken(state, caller, p)
      default:
        return fail(
          400,
          'InvalidAction',
          `Could not find operation ${action || '(no Action)'} for version ${p.get('Version') ?? '2011-06-15'}`,
        )
    }
  } catch (err) {
    if (err instanceof ServiceError) return stsError(err)
    throw err
  }
}

/** Creates a role in the emulator's IAM; the ARN is what AssumeRole takes. */
export const createRole = (
  state: EmulatorState,
  opts: { name: string; trust?: string[]; externalId?: string; maxSessionSeconds?: number; requireMfa?: boolean; accountId?: string },
): Role => {
  const account = opts.accountId ?? state.opts.accountId
  const role: Role = {
    name: opts.name,
    arn: `arn:aws:iam::${account}:role/${opts.name}`,
    roleId: awsId('AROA'),
    account,
    ...(opts.trust ? { trust: opts.trust } : {}),
    ...(opts.externalId !== undefined ? { externalId: opts.externalId } : {}),
    maxSessionSeconds: opts.maxSessionSeconds ?? 3600,
    requireMfa: opts.requireMfa ?? false,
  }
  state.roles.set(role.arn, role)
  return role
}
