// Who may answer on the control socket, decided from what lstat says. Every client
// command connects to a socket in a runtime folder it did not make; in a folder that
// another user created first (a shared temp dir, another user's XDG_RUNTIME_DIR under
// sudo or su) that user's server would answer instead of the daemon, and be handed MFA
// codes and trusted with keys. So the folder must be a real folder of the caller's, closed
// to everyone else, and the socket a socket of the caller's. Also where the runtime
// folder is when XDG_RUNTIME_DIR is unset: the per-uid temp folder unless another user
// got there first, then a folder in the user's home that nobody else can create.
// Pure: the facts come from src/serve/runtime-dir.ts.
import { joinPath } from './posix-path.js'

export type PathKind = 'dir' | 'symlink' | 'socket' | 'file' | 'other'

/** One lstat (or stat) result, reduced to what the checks read; `mode` keeps the permission and sticky bits. */
export type PathFacts = { kind: 'missing' } | { kind: 'error'; code: string } | { kind: PathKind; uid: number; mode: number }

/** Why a folder or socket cannot be trusted: one clause after its path, and the fix. */
export interface TrustProblem {
  path: string
  /** `belongs to uid 65534, not 1000`: reads after the path. */
  reason: string
  fix: string
  /** The owner, when someone else's. */
  owner?: number
}

export const CONTROL_SOCKET_FILE = 'control.sock'

/** The longest unix socket path bind() takes whole (sun_path less its NUL). */
export const maxSocketBytes = (platform: string): number => (platform === 'linux' ? 107 : 103)

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(3, '0')
const OTHERS_WRITE = 0o022
const STICKY = 0o1000

const KIND_NAMES: Record<PathKind, string> = {
  symlink: 'a symlink',
  file: 'a file',
  socket: 'a socket',
  dir: 'a folder',
  other: 'not a file or folder',
}

const PRIVATE_FOLDER = 'set XDG_RUNTIME_DIR to a private folder of yours (mode 700)'

const problem = (path: string, reason: string, fix: string, owner?: number): TrustProblem => ({
  path,
  reason,
  fix,
  ...(owner !== undefined ? { owner } : {}),
})

/**
 * What is wrong with a runtime folder, or undefined when it is fine or absent. `parent` is a
 * stat (symlinks followed) of the folder it sits in: writable by others without the sticky
 * bit, they could rename this one away and put theirs in its place between check and connect.
 */
export const folderProblem = (dir: string, folder: PathFacts, parent: PathFacts | undefined, uid: number): TrustProblem | undefined => {
  if (folder.kind === 'missing') return undefined
  if (folder.kind === 'error')
    return problem(dir, `cannot be checked (${folder.code})`, `run aws-credd as the user who owns ${dir}, or ${PRIVATE_FOLDER}`)
  if (folder.kind !== 'dir')
    return problem(
      dir,
      `is not a folder (it is ${KIND_NAMES[folder.kind]})`,
      `remove ${dir} (aws-credd run makes a real one), or ${PRIVATE_FOLDER}`,
    )
  if (folder.uid !== uid) {
    return problem(
      dir,
      `belongs to uid ${folder.uid}, not ${uid}`,
      `under sudo or su run aws-credd as uid ${folder.uid}; otherwise have root remove ${dir}, or ${PRIVATE_FOLDER}`,
      folder.uid,
    )
  }
  if ((folder.mode & 0o077) !== 0) return problem(dir, `is open to others (mode ${octal(folder.mode)}, expected 700)`, `chmod 700 ${dir}`)
  if (parent?.kind === 'dir') {
    if (parent.uid !== uid && parent.uid !== 0)
      return problem(dir, `is in a folder of uid ${parent.uid}, who could swap it`, PRIVATE_FOLDER, parent.uid)
    if ((parent.mode & OTHERS_WRITE) !== 0 && (parent.mode & STICKY) === 0) {
      return problem(
        dir,
        `is in a folder others can write without the sticky bit (mode ${octal(parent.mode)}), so they could swap it`,
        PRIVATE_FOLDER,
      )
    }
  }
  return undefined
}

/** What is wrong with the control socket itself, or undefined when it is fine or absent. */
export const socketProblem = (socket: string, facts: PathFacts, uid: number): TrustProblem | undefined => {
  if (facts.kind === 'missing') return undefined
  if (facts.kind === 'error') return problem(socket, `cannot be checked (${facts.code})`, `run aws-credd as the user who owns ${socket}`)
  if (facts.kind !== 'socket')
    return problem(socket, `is not a socket (it is ${KIND_NAMES[facts.kind]})`, `remove ${socket}, then start aws-credd run`)
  if (facts.uid !== uid) {
    return problem(
      socket,
      `belongs to uid ${facts.uid}, not ${uid}`,
      `have root remove ${socket} (or run aws-credd as uid ${facts.uid}), then start aws-credd run`,
      facts.uid,
    )
  }
  return undefined
}

/** The facts the client check reads: the folder (lstat), its parent (stat) and the socket (lstat). */
export interface SocketFacts {
  folder: PathFacts
  parent: PathFacts
  socket: PathFacts
}

/** The first problem on the way to a control socket: its folder, then the socket. Undefined: safe to connect (or nothing there). */
export const controlSocketProblem = (socket: string, dir: string, f: SocketFacts, uid: number): TrustProblem | undefined =>
  folderProblem(dir, f.folder, f.parent, uid) ?? (f.folder.kind === 'missing' ? undefined : socketProblem(socket, f.socket, uid))

export type RuntimeVia = 'XDG_RUNTIME_DIR' | 'temp' | 'state'

/** Where the runtime folder is, and why there. */
export interface RuntimeDirChoice {
  dir: string
  via: RuntimeVia
  /** The temp folder that could not be used (someone else's, a symlink, open to others). */
  squatted?: TrustProblem
  /** The control socket's path would be longer than bind() takes. */
  tooLong?: { socket: string; bytes: number; max: number }
}

export interface RuntimeDirInput {
  env: Record<string, string | undefined>
  uid: number
  /** The temp folder (TMPDIR, else /tmp) and the home folder. */
  tmp: string
  home: string
  /** lstat of `${tmp}/aws-credd-UID` and stat of `tmp`. */
  tempFolder: PathFacts
  tempParent: PathFacts
  /**
   * lstat of the control socket in the state folder, read when the temp folder is gone: a
   * daemon that chose the state folder (while another user held the temp one) is there.
   */
  stateSocket?: PathFacts
  maxSocketBytes: number
}

const absolute = (p: string | undefined): p is string => p !== undefined && p.startsWith('/')

/** The per-uid folder in the temp dir: the default without XDG_RUNTIME_DIR. */
export const tempRuntimeDir = (tmp: string, uid: number): string => joinPath(tmp, `aws-credd-${uid}`)

/** Inside the user's home, so no other user can create it first: $XDG_STATE_HOME/aws-credd/run, else ~/.local/state/aws-credd/run. */
export const stateRuntimeDir = (env: Record<string, string | undefined>, home: string): string =>
  absolute(env.XDG_STATE_HOME) ? joinPath(env.XDG_STATE_HOME, 'aws-credd', 'run') : joinPath(home, '.local', 'state', 'aws-credd', 'run')

/**
 * $XDG_RUNTIME_DIR/aws-credd when XDG_RUNTIME_DIR is an absolute path. Else the temp folder
 * when it is ours and private, or absent; when it exists and is not (another user made it
 * first, a symlink, open to others), the state folder. The daemon and every client decide
 * from the same facts, so they agree without talking.
 */
export const chooseRuntimeDir = (i: RuntimeDirInput): RuntimeDirChoice => {
  const withLength = (c: RuntimeDirChoice): RuntimeDirChoice => {
    const socket = joinPath(c.dir, CONTROL_SOCKET_FILE)
    const bytes = Buffer.byteLength(socket)
    return bytes > i.maxSocketBytes ? { ...c, tooLong: { socket, bytes, max: i.maxSocketBytes } } : c
  }
  if (absolute(i.env.XDG_RUNTIME_DIR)) return withLength({ dir: joinPath(i.env.XDG_RUNTIME_DIR, 'aws-credd'), via: 'XDG_RUNTIME_DIR' })
  const temp = tempRuntimeDir(i.tmp, i.uid)
  const state = stateRuntimeDir(i.env, i.home)
  const squatted = folderProblem(temp, i.tempFolder, i.tempParent, i.uid)
  if (squatted) return withLength({ dir: state, via: 'state', squatted })
  if (i.tempFolder.kind === 'missing' && i.stateSocket && i.stateSocket.kind !== 'missing') return withLength({ dir: state, via: 'state' })
  return withLength({ dir: temp, via: 'temp' })
}

/** One clause on why the folder is where it is, for messages: empty in the usual cases. */
export const choiceNote = (c: RuntimeDirChoice): string => {
  const notes: string[] = []
  if (c.squatted) notes.push(`${c.squatted.path} ${c.squatted.reason}, so aws-credd uses ${c.dir} instead`)
  const long = c.tooLong
  if (long)
    notes.push(
      `${long.socket} is ${long.bytes} bytes, over the ${long.max} a unix socket path may have (fix: set XDG_RUNTIME_DIR to a short private folder)`,
    )
  return notes.join('; ')
}
