// The default home of aws-credd's sockets and token file: $XDG_RUNTIME_DIR/aws-credd
// (per-user, tmpfs, 0700 by the login manager), else a per-uid folder in the temp dir,
// else (another user made that one first) a folder in the user's home. The choice and
// the checks are pure (src/core/runtime-trust.ts), the lstat facts come from
// src/files/runtime-paths.ts; this file creates the daemon's folder, refusing one that
// is not ours and private, and checks a control socket before a client connects.
import { chmod, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { CreddError } from '../core/errors.js'
import { choiceNote, controlSocketProblem, folderProblem, CONTROL_SOCKET_FILE, type TrustProblem } from '../core/runtime-trust.js'
import { ensureDir } from '../files/atomic-write.js'
import { pathFacts, runtimeDirChoice, socketFacts, type FactsOf } from './runtime-paths.js'

const uidOf = (): number => process.getuid?.() ?? 0

/** Where the runtime folder is (not created). */
export const defaultRuntimeDir = (env: NodeJS.ProcessEnv = process.env, uid = uidOf()): string => runtimeDirChoice(env, uid).dir

const unsafe = (p: TrustProblem): CreddError =>
  new CreddError(`runtime folder ${p.path} ${p.reason}`, { code: 'UnsafeRuntimeDir', kind: 'permanent', fix: p.fix })

/**
 * Creates the folder 0700 if missing and returns it; refuses one that is a symlink, belongs
 * to someone else or is open to others (in a shared temp dir another user could have made it first).
 */
export const ensureRuntimeDir = async (dir: string = defaultRuntimeDir(), uid = uidOf()): Promise<string> => {
  // Parents (e.g. XDG_RUNTIME_DIR itself) get 0700 only if we create them; the last one always is ours.
  await ensureDir(join(dir, '..'))
  const created = await mkdir(dir, { mode: 0o700 }).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return false
      throw unsafe({
        path: dir,
        reason: `cannot be created (${e.code ?? e.message})`,
        fix: 'check its parent folder, or set XDG_RUNTIME_DIR to a private folder of yours (mode 700)',
      })
    },
  )
  if (created) await chmod(dir, 0o700) // mkdir's mode went through the umask
  const problem = folderProblem(dir, pathFacts(dir), pathFacts(dirname(dir), true), uid)
  if (problem) throw unsafe(problem)
  return dir
}

export interface PreparedRuntimeDir {
  dir: string
  /** One log line when the temp folder was taken and the state folder is used instead. */
  warning?: string
}

/**
 * The daemon's runtime folder, created: the choice of runtimeDirChoice, and the state folder
 * when another user creates the temp one between the look and the mkdir.
 */
export const prepareRuntimeDir = async (env: NodeJS.ProcessEnv = process.env, uid = uidOf()): Promise<PreparedRuntimeDir> => {
  let choice = runtimeDirChoice(env, uid)
  if (choice.via === 'temp' && !choice.tooLong) {
    try {
      return { dir: await ensureRuntimeDir(choice.dir, uid) }
    } catch (e) {
      const again = runtimeDirChoice(env, uid)
      if (again.via !== 'state') throw e
      choice = again
    }
  }
  const long = choice.tooLong
  if (long) {
    const why = choice.squatted ? ` (${choiceNote({ dir: choice.dir, via: choice.via, squatted: choice.squatted })})` : ''
    throw new CreddError(
      `the control socket ${long.socket} would be ${long.bytes} bytes, over the ${long.max} a unix socket path may have${why}`,
      {
        code: 'UnsafeRuntimeDir',
        kind: 'permanent',
        fix: 'set XDG_RUNTIME_DIR to a short private folder of yours (mode 700), e.g. /run/user/UID',
      },
    )
  }
  const dir = await ensureRuntimeDir(choice.dir, uid)
  const s = choice.squatted
  if (!s) return { dir }
  const who = s.owner !== undefined ? ' (another user made it first)' : ''
  return {
    dir,
    warning: `the temp runtime folder ${s.path} ${s.reason}${who}: using ${dir} instead; set XDG_RUNTIME_DIR to a private folder to choose another`,
  }
}

/** A control socket and, when its folder is not the usual one, why: said only when something fails. */
export interface ControlTarget {
  path: string
  note?: string
}

/** The control socket the clients connect to. */
export const controlTarget = (env: NodeJS.ProcessEnv = process.env, uid = uidOf()): ControlTarget => {
  const choice = runtimeDirChoice(env, uid)
  const note = choiceNote(choice)
  return { path: join(choice.dir, CONTROL_SOCKET_FILE), ...(note ? { note } : {}) }
}

/**
 * Before a client connects: the socket's folder must be a real folder of `uid`'s closed to
 * everyone else, and the socket a socket of `uid`'s. Undefined: safe (or nothing there).
 * No uid on this platform (Windows): nothing to check against.
 */
export const verifyControlSocket = (
  socket: string,
  uid: number | undefined = process.getuid?.(),
  facts: FactsOf = pathFacts,
): TrustProblem | undefined =>
  uid === undefined ? undefined : controlSocketProblem(socket, dirname(socket), socketFacts(socket, facts), uid)
