// A local stand-in for STS, the SSO portal and SSO-OIDC on one 127.0.0.1 port.
// Real clients reach it through endpoint overrides; requests are routed by shape
// (path + method), since all three services share the host.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { json, ServiceError, type EmuRequest, type EmuResponse, type ServiceName } from './http.js'
import { approveDevice, handleOidc, OIDC_ROUTES, oidcError } from './sso-oidc.js'
import { handleSso, SSO_ROUTES, ssoError } from './sso-portal.js'
import { EmulatorState } from './state.js'
import { createRole, handleSts, stsError, stsParams } from './sts.js'

export type { ServiceName } from './http.js'

export interface EmulatorOptions {
  /** 0 (default) = a free port. */
  port?: number
  /** Clock for issued expirations and token checks (not for SigV4 skew, which uses the real clock). */
  now?: () => number
  /** When set, every issued credential lives this long regardless of DurationSeconds. */
  credentialLifetimeSeconds?: number
  /** Lifetime of SSO access tokens from CreateToken (default 3600). */
  accessTokenLifetimeSeconds?: number
  accountId?: string
  /** Refresh grant revokes the refresh token it used (default true). */
  rotateRefreshTokens?: boolean
}

export interface Fault {
  status: number
  code: string
  message?: string
}

export interface EmulatorCall {
  service: ServiceName
  action: string
  /** 0 when the connection was destroyed by `faults.down`. */
  status: number
  at: number
}

export interface Emulator {
  url: string
  close(): Promise<void>
  /** A user with long-term keys; `secretAccessKey` chooses the secret (a test may want one no secret-shape rule would catch). */
  addUser(name: string, opts?: { secretAccessKey?: string }): { accessKeyId: string; secretAccessKey: string; arn: string }
  addRole(opts: {
    name: string
    /** Principal ARNs allowed (user ARN, role ARN, assumed-role ARN or `arn:aws:iam::ACCT:root`); default any. */
    trust?: string[]
    externalId?: string
    maxSessionSeconds?: number
    /** AssumeRole then needs SerialNumber + a six-digit TokenCode. */
    requireMfa?: boolean
    accountId?: string
  }): { arn: string }
  addSsoAccountRole(accountId: string, roleName: string): void
  /** A bearer token as if `aws sso login` had run. */
  issueSsoAccessToken(opts?: { expiresInSeconds?: number }): { accessToken: string; expiresAt: number }
  /** A client registration (90 days by default) allowed the refresh_token grant. */
  registerOidcClient(opts?: { expiresInSeconds?: number }): { clientId: string; clientSecret: string; expiresAt: number }
  issueRefreshToken(clientId: string): string
  /** CreateToken with this token then fails with InvalidGrantException. */
  revokeRefreshToken(token: string): void
  /** The user approving a device code in the browser. */
  approveDevice(userCode: string): void
  /** Every WebIdentityToken received, in order (proves a token file was re-read). */
  webIdentityTokens: readonly string[]
  /** When temporary credentials issued here (STS or the SSO portal) expire; undefined if never issued. */
  expiryOf(accessKeyId: string): number | undefined
  faults: {
    /** The next `count` (default 1) requests to `service` get this error in its wire format.
     *  SDK clients retry 5xx/throttling answers, and each attempt uses one. */
    next(service: ServiceName, fault: Fault, count?: number): void
    /** While on, connections to `service` are destroyed without an answer. */
    down(service: ServiceName, on: boolean): void
    /**
     * Until cleared (`fault` undefined), every request for `action` of `service` (e.g. sts
     * AssumeRole; every action when omitted) gets `fault`, after any queued by next(). For a
     * failure that lasts, whatever the SDK's retries: its `message` can carry any text.
     */
    always(service: ServiceName, fault: Fault | undefined, action?: string): void
  }
  /** Every request routed to one of the three services (unknown paths are not logged). */
  calls: EmulatorCall[]
}

const MAX_BODY_BYTES = 1 << 20

const ERROR_RENDERERS: Record<ServiceName, (err: ServiceError) => EmuResponse> = {
  sts: stsError,
  sso: ssoError,
  oidc: oidcError,
}

/** Which service and operation a request is for; undefined when it is none of ours. */
const route = (req: EmuRequest): { service: ServiceName; action: string } | undefined => {
  const key = `${req.method} ${req.path}`
  if (SSO_ROUTES[key]) return { service: 'sso', action: SSO_ROUTES[key] }
  if (OIDC_ROUTES[key]) return { service: 'oidc', action: OIDC_ROUTES[key] }
  if (req.path === '/' && (req.method === 'POST' || req.query.has('Action')))
    return { service: 'sts', action: stsParams(req).get('Action') ?? '' }
  return undefined
}

const readBody = async (req: IncomingMessage): Promise<Buffer | undefined> => {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

const send = (res: ServerResponse, answer: EmuResponse): void => {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) })
  res.end(answer.body)
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const state = new EmulatorState({
    now: opts.now ?? Date.now,
    accountId: opts.accountId ?? '123456789012',
    ...(opts.credentialLifetimeSeconds !== undefined ? { credentialLifetimeSeconds: opts.credentialLifetimeSeconds } : {}),
    accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds ?? 3600,
    rotateRefreshTokens: opts.rotateRefreshTokens ?? true,
  })
  const queued: Record<ServiceName, Fault[]> = { sts: [], sso: [], oidc: [] }
  /** Lasting faults by `service` or `service action`. */
  const lasting = new Map<string, Fault>()
  const down = new Set<ServiceName>()
  const calls: EmulatorCall[] = []

  const answer = async (service: ServiceName, action: string, req: EmuRequest): Promise<EmuResponse> => {
    const fault = queued[service].shift() ?? lasting.get(`${service} ${action}`) ?? lasting.get(service)
    if (fault) return ERROR_RENDERERS[service](new ServiceError(fault.status, fault.code, fault.message ?? `Injected fault ${fault.code}`))
    try {
      if (service === 'sts') return await handleSts(state, req, action)
      if (service === 'sso') return handleSso(state, req, action)
      return handleOidc(state, req, action)
    } catch (err) {
      return ERROR_RENDERERS[service](new ServiceError(500, 'InternalFailure', `emulator bug: ${(err as Error).message}`))
    }
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    if (body === undefined) return send(res, json(413, { message: 'Request body over 1 MiB' }))
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const emuReq: EmuRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body }
    const target = route(emuReq)
    if (!target) return send(res, json(404, { message: `emulator: no AWS operation at ${emuReq.method} ${emuReq.path}` }))
    if (down.has(target.service)) {
      calls.push({ ...target, status: 0, at: state.now() })
      req.socket.destroy()
      return
    }
    const reply = await answer(target.service, target.action, emuReq)
    calls.push({ ...target, status: reply.status, at: state.now() })
    send(res, reply)
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.url = url

  let closing: Promise<void> | undefined
  return {
    url,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })),
    addUser: (name, userOpts) => {
      const { accessKeyId, secretAccessKey, arn } = state.addUser(name, undefined, userOpts?.secretAccessKey)
      return { accessKeyId, secretAccessKey, arn }
    },
    addRole: (roleOpts) => ({ arn: createRole(state, roleOpts).arn }),
    addSsoAccountRole: (accountId, roleName) => {
      state.ssoAssignments.add(`${accountId}/${roleName}`)
    },
    issueSsoAccessToken: (o) => state.issueAccessToken(o?.expiresInSeconds),
    registerOidcClient: (o) => {
      const { clientId, clientSecret, expiresAt } = state.registerClient(o?.expiresInSeconds, ['refresh_token'])
      return { clientId, clientSecret, expiresAt }
    },
    issueRefreshToken: (clientId) => {
      if (!state.oidcClients.has(clientId)) throw new Error(`emulator: unknown OIDC client ${clientId}; call registerOidcClient() first`)
      return state.issueRefreshToken(clientId)
    },
    revokeRefreshToken: (t) => {
      const known = state.refreshTokens.get(t)
      if (known) known.revoked = true
    },
    approveDevice: (code) => approveDevice(state, code),
    webIdentityTokens: state.webIdentityTokens,
    expiryOf: (accessKeyId) => state.sessions.get(accessKeyId)?.expiresAt,
    faults: {
      next: (service, fault, count = 1) => {
        for (let i = 0; i < count; i++) queued[service].push(fault)
      },
      down: (service, on) => {
        if (on) down.add(service)
        else down.delete(service)
      },
      always: (service, fault, action) => {
        const key = action === undefined ? service : `${service} ${action}`
        if (fault) lasting.set(key, fault)
        else lasting.delete(key)
      },
    },
    calls,
  }
}
