// The control socket of a running daemon (status, credentials, mfa, grants for the
// commands), opened first: it is what makes the daemon the one for this user. A second
// daemon stops here, naming the first (or the socket that failed the trust check).
import { CreddError } from '../core/errors.js'
import type { ControlApi } from '../serve/control-server.js'
import { startControlServer } from '../serve/control-server.js'
import type { Listener } from '../serve/listener.js'
import type { SecretRegistry } from '../core/outgoing-text.js'

/** Asks whoever holds a control socket for its status (the commands' client, passed in: the root does not import cli/). */
export type AskStatus = (
  socket: string,
) => Promise<{ status: 'no-daemon' | 'untrusted'; reason: string } | { status: number; body: Record<string, unknown> }>

/** The control server on `socket`; if another process holds it, an error naming that daemon (exit 1). */
export const claimControlSocket = (socket: string, api: ControlApi, secrets: SecretRegistry, askStatus: AskStatus): Promise<Listener> =>
  startControlServer(socket, api, secrets).catch(async (e: unknown) => {
    // Name the daemon that holds the socket, so the user knows which one to stop.
    const answer = await askStatus(socket)
    // A socket that fails the trust check (root's, say, in our folder) is named, not asked.
    if (answer.status === 'untrusted') throw new CreddError(answer.reason, { code: 'UntrustedControlSocket', kind: 'permanent' })
    const pid = answer.status === 200 ? answer.body.pid : undefined
    if (pid === undefined) throw e
    throw new CreddError(`another aws-credd (pid ${String(pid)}) is already running for this user (${socket})`, {
      code: 'AlreadyRunning',
      kind: 'permanent',
      fix: 'use it (aws-credd status), or stop it first',
    })
  })
