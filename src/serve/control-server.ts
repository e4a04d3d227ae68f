// The daemon's control socket: how `aws-credd status`, `process`, `env`, `exec`
// and `mfa` talk to the running daemon. A unix socket, 0600 in a 0700 folder, so
// only the same user can connect; HTTP with small JSON bodies so any client
// (curl --unix-socket) can read it too. Every answer passes the outgoing-text gate
// (core/outgoing-text.ts) in send(); the credentials answer only in its message fields.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { outgoingFields, outgoingValue, type SecretRegistry } from '../core/outgoing-text.js'
import { checkNotBrowser } from './guards.js'
import { answerInternalError, startListener, type Listener } from './listener.js'
import { pathOf } from './request-handler.js'

/** What the daemon answers on the control socket. Each returns [HTTP status, JSON body]. */
export interface ControlApi {
  status(): [number, unknown]
  credentials(profile: string): [number, unknown]
  mfa(profile: string, code: string): [number, unknown]
  /** POST /v1/grants: mints a grant; the answer carries its token once. */
  grant?(body: Record<string, unknown>): [number, unknown]
  /** GET /v1/grants: the live grants, never a token. */
  grants?(): [number, unknown]
  /** DELETE /v1/grants/NAME. */
  revoke?(name: string): [number, unknown]
}

export const CONTROL_SOCKET_NAME = 'control.sock'
const MAX_BODY = 4096

/** The fields of a credentials answer that are words for a person, not the credentials. */
const MESSAGE_FIELDS = ['message', 'reason', 'error'] as const

type Send = (res: ServerResponse, status: number, body: unknown, credentials?: boolean) => void

/**
 * Answers `body` as JSON, redacted (`secrets`: the daemon's registry) and escaped: all of it,
 * or (`credentials`, an answer that carries keys on purpose) only its message fields.
 */
const sender =
  (secrets: SecretRegistry): Send =>
  (res, status, body, credentials = false) => {
    const clean =
      credentials && body !== null && typeof body === 'object'
        ? outgoingFields(body, MESSAGE_FIELDS, { secrets })
        : outgoingValue(body, { secrets })
    const text = JSON.stringify(clean)
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

const readJson = (req: IncomingMessage): Promise<Record<string, unknown> | undefined> =>
  new Promise((resolve) => {
    let size = 0
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) return req.destroy()
      chunks.push(c)
    })
    req.on('end', () => {
      try {
        const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
        resolve(v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)
      } catch {
        resolve(undefined)
      }
    })
    req.on('error', () => resolve(undefined))
    // Destroyed (too big, or the client went): settle anyway (a no-op after 'end').
    req.on('close', () => resolve(undefined))
  })

const INTERNAL = { message: 'internal error; see the aws-credd log' }

// Only origin-form targets ("/v1/..."): absolute-form, authority-form, "*" and "//host" are refused.
const badTarget = (url: string | undefined): boolean => url === undefined || !url.startsWith('/') || url.startsWith('//')

/** The connections holding an `exec` grant, by grant name: a revoke tells the holder, so it does not register again. */
type Held = Map<string, ServerResponse>

const route = (api: ControlApi, req: IncomingMessage, res: ServerResponse, held: Held, secrets: SecretRegistry): void => {
  const send = sender(secrets)
  // A browser can reach a unix socket only through a local proxy; refuse it anyway.
  const refusal = checkNotBrowser(req.headers)
  if (refusal) return send(res, refusal.status, { message: refusal.message })
  if (badTarget(req.url)) return send(res, 400, { message: 'malformed request target: expected a path such as /v1/status' })
  const path = pathOf(req.url)
  if (req.method === 'GET' && path === '/v1/status') return send(res, ...api.status())
  if (req.method === 'GET' && path.startsWith('/v1/credentials/')) {
    let profile: string
    try {
      profile = decodeURIComponent(path.slice('/v1/credentials/'.length))
    } catch {
      return send(res, 400, { message: 'profile name is not valid URL encoding' })
    }
    const [status, body] = api.credentials(profile)
    return send(res, status, body, true)
  }
  const { grant, grants, revoke } = api
  if (path === '/v1/grants' && req.method === 'GET' && grants) return send(res, ...grants())
  if (path === '/v1/grants' && req.method === 'POST' && grant && revoke) {
    void readJson(req).then((body) => {
      if (!body) return send(res, 400, { message: 'expected a JSON object such as {"name": "agent", "profiles": ["dev"]}' })
      // A new grant's answer carries its token on purpose (shown once): only its message fields are cleaned.
      if (body.hold !== true) {
        const [status, answer] = grant(body)
        return send(res, status, answer, status === 200)
      }
      holdGrant(res, grant, revoke, body, held, secrets)
    })
    return
  }
  if (req.method === 'DELETE' && path.startsWith('/v1/grants/') && revoke) {
    let name: string
    try {
      name = decodeURIComponent(path.slice('/v1/grants/'.length))
    } catch {
      return send(res, 400, { message: 'grant name is not valid URL encoding' })
    }
    const [status, answer] = revoke(name)
    if (status === 200) held.get(name)?.end(`${JSON.stringify({ revoked: true })}\n`)
    return send(res, status, answer)
  }
  if (req.method === 'POST' && path === '/v1/mfa') {
    void readJson(req)
      .then((body) => {
        if (res.destroyed) return
        if (!body || typeof body.profile !== 'string' || typeof body.code !== 'string')
          return send(res, 400, { message: 'expected {"profile": "...", "code": "123456"}' })
        send(res, ...api.mfa(body.profile, body.code))
      })
      .catch(() => answerInternalError(res))
    return
  }
  // The path is the caller's own (same user); cut short, it can still be shown.
  send(res, 404, { message: `no such control request: ${String(req.method).slice(0, 16)} ${path.slice(0, 100)}` })
}

/**
 * Routes one request; anything thrown becomes a 500 without detail (and the daemon keeps running).
 * Every answer is redacted with `secrets`, the daemon's registry.
 */
export const controlHandler = (api: ControlApi, secrets: SecretRegistry): ((req: IncomingMessage, res: ServerResponse) => void) => {
  const held: Held = new Map()
  return (req, res) => handle(api, req, res, held, secrets)
}

const handle = (api: ControlApi, req: IncomingMessage, res: ServerResponse, held: Held, secrets: SecretRegistry): void => {
  const send = sender(secrets)
  try {
    route(api, req, res, held, secrets)
  } catch {
    if (!res.headersSent) send(res, 500, INTERNAL)
    else res.destroy()
  }
}

/**
 * `aws-credd exec`'s grant: alive exactly as long as this connection. The answer's first
 * line is the grant; then nothing is sent until either side goes. When exec ends (even by
 * SIGKILL, which closes its socket) the grant is revoked, so the token its command holds
 * dies with it; when the daemon stops, exec registers the same token again with the next one.
 * When the owner revokes it, a last line `{"revoked":true}` ends the answer: exec then never
 * registers it again, not even with a restarted daemon.
 */
const holdGrant = (
  res: ServerResponse,
  grant: NonNullable<ControlApi['grant']>,
  revoke: NonNullable<ControlApi['revoke']>,
  body: Record<string, unknown>,
  held: Held,
  secrets: SecretRegistry,
): void => {
  const send = sender(secrets)
  const [status, answer] = grant(body)
  if (status !== 200) return send(res, status, answer)
  const name = String((answer as { name?: unknown }).name)
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' })
  res.write(`${JSON.stringify(outgoingFields(answer as object, MESSAGE_FIELDS, { secrets }))}\n`)
  held.set(name, res)
  // The socket's close, not the request's: the request ends as soon as its body is read.
  res.once('close', () => {
    if (held.get(name) === res) held.delete(name)
    void revoke(name)
  })
}

/** Serves `api` on `socket`, every answer redacted with `secrets` (the daemon's registry). */
export const startControlServer = (socket: string, api: ControlApi, secrets: SecretRegistry): Promise<Listener> =>
  startListener({ name: 'control', socket, handler: controlHandler(api, secrets) })
