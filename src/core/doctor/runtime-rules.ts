// Doctor rules for the runtime folder and the control socket: which folder the daemon
// and the commands would use and why, whether it is a private folder of this user's,
// whether the socket in it is this user's, and a temp folder another user made first.
// The commands refuse a socket that fails these checks (src/cli/control-client.ts);
// this says so before a command does, with the fix.
import { CONTROL_SOCKET_FILE, folderProblem, socketProblem, type RuntimeVia } from '../runtime-trust.js'
import type { DoctorContext } from './context.js'
import { finding, type Finding } from './findings.js'

const ENV = 'environment' as const

const PRIVATE_FOLDER = 'set XDG_RUNTIME_DIR to a private folder of yours (mode 700)'

const why = (via: RuntimeVia, squatted: boolean): string =>
  via === 'XDG_RUNTIME_DIR'
    ? 'from XDG_RUNTIME_DIR'
    : via === 'temp'
      ? 'in the temp folder, as XDG_RUNTIME_DIR is unset'
      : squatted
        ? 'in the state folder, as XDG_RUNTIME_DIR is unset and the temp folder is not usable'
        : "in the state folder, where a daemon's socket is, as XDG_RUNTIME_DIR is unset and the temp folder is gone"

export const runtimeRules = (ctx: DoctorContext): Finding[] => {
  const r = ctx.facts.runtime
  if (!r) return []
  const { choice, uid } = r
  const out: Finding[] = []
  const socket = `${choice.dir}/${CONTROL_SOCKET_FILE}`
  const where = `${choice.dir} (${why(choice.via, choice.squatted !== undefined)})`
  const data = { dir: choice.dir, via: choice.via }
  const s = choice.squatted
  if (s) {
    out.push(
      finding(
        'warning',
        ENV,
        'runtime-dir-squatted',
        `the temp runtime folder ${s.path} ${s.reason}${s.owner !== undefined ? ' (another user made it first)' : ''}: aws-credd uses ${choice.dir} instead`,
        s.owner !== undefined ? `have root remove ${s.path} (and find out why uid ${s.owner} made it), or ${PRIVATE_FOLDER}` : s.fix,
        { path: s.path, ...(s.owner !== undefined ? { owner: s.owner } : {}), dir: choice.dir },
      ),
    )
  }
  const long = choice.tooLong
  if (long) {
    out.push(
      finding(
        'error',
        ENV,
        'runtime-dir-too-long',
        `the control socket ${long.socket} would be ${long.bytes} bytes, over the ${long.max} a unix socket path may have: aws-credd run cannot start there`,
        'set XDG_RUNTIME_DIR to a short private folder of yours (mode 700), e.g. /run/user/UID',
        data,
      ),
    )
  }
  const folder = folderProblem(choice.dir, r.folder, r.parent, uid)
  if (folder) {
    return [
      ...out,
      finding(
        'error',
        ENV,
        'runtime-dir-unsafe',
        `runtime folder ${where} ${folder.reason}: aws-credd run refuses it, and the commands refuse to talk to a daemon there`,
        folder.fix,
        { ...data, ...(folder.owner !== undefined ? { owner: folder.owner } : {}) },
      ),
    ]
  }
  if (r.folder.kind === 'missing') {
    return [
      ...out,
      finding(
        'info',
        ENV,
        'runtime-dir',
        `runtime folder ${where} does not exist yet; aws-credd run creates it (mode 700)`,
        undefined,
        data,
      ),
    ]
  }
  out.push(finding('ok', ENV, 'runtime-dir', `runtime folder ${where} is yours and private (mode 700)`, undefined, data))
  const sock = socketProblem(socket, r.socket, uid)
  if (sock) {
    out.push(
      finding(
        'error',
        ENV,
        'control-socket-untrusted',
        `control socket ${socket} ${sock.reason}: the commands refuse to talk to it`,
        sock.fix,
        { socket, ...(sock.owner !== undefined ? { owner: sock.owner } : {}) },
      ),
    )
  } else if (r.socket.kind !== 'missing') {
    out.push(finding('ok', ENV, 'control-socket', `control socket ${socket} is yours`, undefined, { socket }))
  }
  return out
}
