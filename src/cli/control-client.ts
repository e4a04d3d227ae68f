// Talks to the running daemon over its control socket. Kept free of the AWS SDK
// and of the daemon's code so commands that run on every SDK refresh
// (`aws-credd process`) start in milliseconds.
import { request } from 'node:http'
import { join } from 'node:path'
import { defaultRuntimeDir } from '../serve/runtime-dir.js'

export const CONTROL_TIMEOUT_MS = 3000

/** Where the control socket is: $XDG_RUNTIME_DIR/aws-credd/control.sock (or the per-user temp folder). */
export const controlSocketPath = (env: NodeJS.ProcessEnv = process.env): string => join(defaultRuntimeDir(env), 'control.sock')

export type ControlAnswer = { status: number; body: Record<string, unknown> } | { status: 'no-daemon'; reason: string }

/** One request; `no-daemon` when nothing listens on the socket. */
export const askDaemon = (socketPath: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<ControlAnswer> =>
  new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      { socketPath, method, path, headers: { host: 'localhost', ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) }, timeout: CONTROL_TIMEOUT_MS },
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
    req.on('error', (e: NodeJS.ErrnoException) => {
      const none = e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
      resolve({ status: 'no-daemon', reason: none ? `no aws-credd daemon is running (nothing at ${socketPath})` : `the daemon at ${socketPath} did not answer (${e.code ?? e.message})` })
    })
    req.end(data)
  })
