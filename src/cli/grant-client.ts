// The client side of grants: mint one, list them, revoke one, and `exec`'s held grant,
// which lives exactly as long as a connection to the daemon stays open (and is made
// again, with the same token, when a restarted daemon comes back).
import { request, type ClientRequest } from 'node:http'
import {
  askDaemon,
  checkControlSocket,
  noDaemon,
  socketPathOf,
  UNTRUSTED_EXIT,
  type ControlAnswer,
  type ControlTarget,
} from './control-client.js'
import { withFix } from '../core/errors.js'
import { fixes } from '../core/fixes.js'

/** What the daemon answers for a new grant: the grant, its token (shown once). */
export interface MintedGrant {
  name: string
  kind: string
  profiles: string[]
  expiresAt?: number
  tokenFile?: string
  token: string
}

export interface GrantBody {
  name: string
  profiles: string[]
  ttlMs?: number
  tokenFile?: string
  kind?: 'runtime' | 'env' | 'exec'
  token?: string
}

export type MintResult = { ok: true; grant: MintedGrant } | { ok: false; answer: ControlAnswer }

const isMinted = (b: Record<string, unknown>): b is Record<string, unknown> & MintedGrant =>
  typeof b.name === 'string' && typeof b.token === 'string' && Array.isArray(b.profiles)

export const mintGrant = async (socket: string | ControlTarget, body: GrantBody): Promise<MintResult> => {
  const answer = await askDaemon(socket, 'POST', '/v1/grants', body)
  return answer.status === 200 && isMinted(answer.body) ? { ok: true, grant: answer.body } : { ok: false, answer }
}

/** Why a grant answer is a failure, as one line (the daemon's own reason and fix when it gave them). */
export const grantFailure = (answer: ControlAnswer): { code: 1 | 3 | 4; message: string } => {
  if (answer.status === 'no-daemon') return { code: 3, message: `${answer.reason}; ${fixes.startDaemon}` }
  if (answer.status === 'untrusted') return { code: UNTRUSTED_EXIT, message: answer.reason }
  if (answer.status === 404 && answer.body.fix === undefined)
    return { code: 1, message: withFix('the running daemon does not know grants (it is older than this aws-credd)', 'restart it') }
  const reason = String(answer.body.message ?? `the daemon answered ${answer.status}`)
  return { code: 1, message: withFix(reason, answer.body.fix ? String(answer.body.fix) : undefined) }
}

export interface HeldGrant {
  grant: MintedGrant
  /** Revokes it and lets go of the connection; resolves once the daemon said so (or could not). */
  release(): Promise<void>
}

const REHOLD_MS = 1000

/**
 * A grant that the daemon revokes when this process goes (its connection closes, even on
 * SIGKILL). If the daemon stops, the same token is registered again once one answers, so
 * a long-running command keeps working across a daemon restart.
 */
export const holdGrant = async (
  target: string | ControlTarget,
  body: GrantBody,
): Promise<{ ok: true; held: HeldGrant } | { ok: false; answer: ControlAnswer }> => {
  let current: ClientRequest | undefined
  let released = false
  let retry: NodeJS.Timeout | undefined
  let token: string | undefined
  let revokedByOwner = false

  const socket = socketPathOf(target)
  const open = (b: GrantBody): Promise<{ ok: true; grant: MintedGrant } | { ok: false; answer: ControlAnswer }> =>
    new Promise((resolve) => {
      // Checked before every (re)connection: the token goes only to a socket that is ours.
      const untrusted = checkControlSocket(target)
      if (untrusted) return resolve({ ok: false, answer: untrusted })
      const data = JSON.stringify({ ...b, hold: true })
      const req = request({
        socketPath: socket,
        method: 'POST',
        path: '/v1/grants',
        headers: { host: 'localhost', 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      })
      let settled = false
      const settle = (v: Awaited<ReturnType<typeof open>>): void => {
        if (!settled) ((settled = true), resolve(v))
      }
      req.on('response', (res) => {
        let buf = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          // After the grant line only one more can come: the owner revoked it; never register it again.
          if (settled) return void (chunk.includes('"revoked":true') && (revokedByOwner = true))
          buf += chunk
          const nl = buf.indexOf('\n')
          if (res.statusCode === 200 && nl >= 0) {
            try {
              const g = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>
              if (buf.slice(nl + 1).includes('"revoked":true')) revokedByOwner = true
              if (isMinted(g)) return settle({ ok: true, grant: g })
            } catch {
              // fall through to the failure below
            }
            settle({ ok: false, answer: { status: 500, body: { message: 'the daemon answered something that is not a grant' } } })
          }
        })
        res.on('end', () => {
          let parsed: Record<string, unknown> = {}
          try {
            parsed = JSON.parse(buf) as Record<string, unknown>
          } catch {
            parsed = { message: 'the daemon answered something that is not JSON' }
          }
          settle({ ok: false, answer: { status: res.statusCode ?? 0, body: parsed } })
        })
        res.on('close', () => onLost(req))
      })
      req.on('error', (e: NodeJS.ErrnoException) => {
        settle({ ok: false, answer: noDaemon(target, e.code ?? e.message) })
        onLost(req)
      })
      current = req
      req.end(data)
    })

  // The daemon went away (restart): register the same token again until one answers.
  const onLost = (req: ClientRequest): void => {
    if (released || revokedByOwner || req !== current || retry || token === undefined) return
    retry = setTimeout(() => {
      retry = undefined
      if (released) return
      void open({ ...body, token }).then((r) => {
        if (!r.ok && !released && !retry) onLost(current!)
      })
    }, REHOLD_MS)
    retry.unref()
  }

  const first = await open(body)
  if (!first.ok) {
    released = true
    current?.destroy()
    return first
  }
  token = first.grant.token
  const release = async (): Promise<void> => {
    released = true
    if (retry) clearTimeout(retry)
    // Revoke explicitly and wait, so the token is dead before exec returns (closing alone
    // would revoke it a moment later, after whoever ran exec may already have moved on).
    await askDaemon(target, 'DELETE', `/v1/grants/${encodeURIComponent(first.grant.name)}`).catch(() => undefined)
    current?.destroy()
  }
  return { ok: true, held: { grant: first.grant, release } }
}
