// Talks to the running daemon over its control socket. Kept free of the AWS SDK
// and of the daemon's code so commands that run on every SDK refresh
// (`aws-credd process`) start in milliseconds. The one way every command reaches
// the daemon, so the trust check lives here: nothing is sent to, or read from, a
// socket whose folder or owner says another user could be answering.
import { request } from 'node:http'
import { dirname } from 'node:path'
import { pathFacts, type FactsOf } from '../serve/runtime-paths.js'
import { controlTarget, verifyControlSocket, type ControlTarget } from '../serve/runtime-dir.js'

export type { ControlTarget } from '../serve/runtime-dir.js'

export const CONTROL_TIMEOUT_MS = 3000

/** Exit status of every command when the control socket fails the trust check. */
export const UNTRUSTED_EXIT = 4

/** Where the control socket is: $XDG_RUNTIME_DIR/aws-credd/control.sock (or the per-user temp folder, or the state folder). */
export const controlSocketPath = (env: NodeJS.ProcessEnv = process.env): string => controlTarget(env).path

/** The control socket with why it is where it is, for the messages: what commands pass to askDaemon. */
export const controlSocket = (env: NodeJS.ProcessEnv = process.env): ControlTarget => controlTarget(env)

/**
 * `no-daemon`: nothing listens there. `untrusted`: the socket or its folder is not the
 * caller's own and private; nothing was sent. Both come with one line naming the path
 * (and for `untrusted` the fix).
 */
export type ControlAnswer =
  { status: number; body: Record<string, unknown> } | { status: 'no-daemon'; reason: string } | { status: 'untrusted'; reason: string }

/** Who the caller is and how paths are looked at: injected by tests. */
export interface TrustOptions {
  uid?: number
  facts?: FactsOf
}

/** Why nothing answered on the socket, in one line: nothing listens there, or the connection failed. */
export const noDaemon = (target: string | ControlTarget, code?: string): { status: 'no-daemon'; reason: string } => {
  const socketPath = socketPathOf(target)
  const note = typeof target === 'string' ? undefined : target.note
  const also = note ? `; ${note}` : ''
  const none = code === undefined || code === 'ENOENT' || code === 'ECONNREFUSED'
  return {
    status: 'no-daemon',
    reason: none
      ? `no aws-credd daemon is running (nothing at ${socketPath}${also})`
      : `the daemon at ${socketPath} did not answer (${code}${also})`,
  }
}

/** The socket's path, whichever form the caller has. */
export const socketPathOf = (target: string | ControlTarget): string => (typeof target === 'string' ? target : target.path)

/**
 * The trust check alone: the answer to give without connecting (`untrusted`, or `no-daemon`
 * when the folder is not there), or undefined when the socket may be used.
 */
export const checkControlSocket = (
  target: string | ControlTarget,
  trust: TrustOptions = {},
): { status: 'untrusted'; reason: string } | { status: 'no-daemon'; reason: string } | undefined => {
  const { path: socketPath, note } = typeof target === 'string' ? { path: target, note: undefined } : target
  const also = note ? `; ${note}` : ''
  const facts = trust.facts ?? pathFacts
  // No folder, no daemon. Connecting anyway would race another user who renames a folder of
  // theirs into the free name between this check and the connect; one that exists and is ours
  // cannot be swapped (it is in a sticky or private parent, which the check below demands).
  if (facts(dirname(socketPath)).kind === 'missing') return noDaemon(target)
  const problem = verifyControlSocket(socketPath, 'uid' in trust ? trust.uid : process.getuid?.(), facts)
  if (!problem) return undefined
  return {
    status: 'untrusted',
    reason:
      `refusing the control socket ${socketPath}: ${problem.path} ${problem.reason}, so another user could answer in the daemon's place${also}; ` +
      `fix: ${problem.fix}`,
  }
}

/** One request, after the trust check; `no-daemon` when nothing listens on the socket. */
export const askDaemon = (
  target: string | ControlTarget,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  trust: TrustOptions = {},
): Promise<ControlAnswer> => {
  const untrusted = checkControlSocket(target, trust)
  if (untrusted) return Promise.resolve(untrusted)
  const socketPath = socketPathOf(target)
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: { host: 'localhost', ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
        timeout: CONTROL_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> })
          } catch {
            resolve({ status: res.statusCode ?? 0, body: { message: 'the daemon answered something that is not JSON' } })
          }
        })
      },
    )
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
    req.on('error', (e: NodeJS.ErrnoException) => resolve(noDaemon(target, e.code ?? e.message)))
    req.end(data)
  })
}
