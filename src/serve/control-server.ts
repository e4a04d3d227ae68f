// The daemon's control socket: how `aws-credd status`, `process`, `env`, `exec`
// and `mfa` talk to the running daemon. A unix socket, 0600 in a 0700 folder, so
// only the same user can connect; HTTP with small JSON bodies so any client
// (curl --unix-socket) can read it too. Every answer passes the outgoing-text gate
// (core/outgoing-text.ts) in send(); the credentials answer only in its message fields.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { outgoingFields, outgoingValue } from '../core/outgoing-text.js'
import { checkNotBrowser } from './guards.js'
import { startListener, type Listener } from './listener.js'

/** What the daemon answers on the control socket. Each returns [HTTP status, JSON body]. */
export interface ControlApi {
  status(): [number, unknown]
  credentials(profile: string): [number, unknown]
  mfa(profile: string, code: string): [number, unknown]
}

export const CONTROL_SOCKET_NAME = 'control.sock'
const MAX_BODY = 4096

/** The fields of a credentials answer that are words for a person, not the credentials. */
const MESSAGE_FIELDS = ['message', 'reason', 'error'] as const

/**
 * Answers `body` as JSON, redacted and escaped: all of it, or (`credentials`, an answer
 * that carries keys on purpose) only its message fields.
 */
const send = (res: ServerResponse, status: number, body: unknown, credentials = false): void => {
  const clean = credentials && body !== null && typeof body === 'object' ? outgoingFields(body, MESSAGE_FIELDS) : outgoingValue(body)
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
  })

export const controlHandler = (api: ControlApi) => (req: IncomingMessage, res: ServerResponse): void => {
  // A browser can reach a unix socket only through a local proxy; refuse it anyway.
  const refusal = checkNotBrowser(req.headers)
  if (refusal) return send(res, refusal.status, { message: refusal.message })
  const url = new URL(req.url ?? '/', 'http://localhost')
  const path = url.pathname
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
  if (req.method === 'POST' && path === '/v1/mfa') {
    void readJson(req).then((body) => {
      if (!body || typeof body.profile !== 'string' || typeof body.code !== 'string') return send(res, 400, { message: 'expected {"profile": "...", "code": "123456"}' })
      send(res, ...api.mfa(body.profile, body.code))
    })
    return
  }
  send(res, 404, { message: `no such control request: ${req.method} ${path}` })
}

export const startControlServer = (socket: string, api: ControlApi): Promise<Listener> =>
  startListener({ socket, handler: controlHandler(api) })
