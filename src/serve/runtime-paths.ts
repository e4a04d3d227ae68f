// What the disk says about the runtime folder and the control socket, as the pure
// checks in src/core/runtime-trust.ts read it: lstat results that never throw, and
// the runtime folder choice made from them. Synchronous on purpose: a handful of
// lstat calls on every `aws-credd process`, before anything else happens. Doctor reads
// the same facts (runtimeFacts), so it judges the folder the daemon would use.
import { lstatSync, statSync, type Stats } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  chooseRuntimeDir,
  maxSocketBytes,
  stateRuntimeDir,
  tempRuntimeDir,
  CONTROL_SOCKET_FILE,
  type PathFacts,
  type RuntimeDirChoice,
  type SocketFacts,
} from '../core/runtime-trust.js'
import type { Env, RuntimeFacts } from '../core/doctor/facts.js'

/** lstat (stat with `follow`) of one path, as the pure checks read it; never throws. */
export type FactsOf = (path: string, follow?: boolean) => PathFacts

const kindOf = (st: Stats): 'dir' | 'symlink' | 'socket' | 'file' | 'other' =>
  st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isSocket() ? 'socket' : st.isFile() ? 'file' : 'other'

export const pathFacts: FactsOf = (path, follow = false) => {
  try {
    const st = follow ? statSync(path) : lstatSync(path)
    return { kind: kindOf(st), uid: st.uid, mode: st.mode & 0o7777 }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error'
    return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'error', code }
  }
}

/** The temp folder as os.tmpdir() finds it, but from the given environment. */
export const tempDirOf = (env: NodeJS.ProcessEnv): string => (env.TMPDIR || env.TMP || env.TEMP || '/tmp').replace(/(.)\/+$/, '$1')

const homeOf = (env: NodeJS.ProcessEnv): string => env.HOME || homedir()

const uidOf = (): number => process.getuid?.() ?? 0

/**
 * Where the runtime folder is and why; the daemon and the clients ask the same question. With
 * the temp folder gone, a socket in the state folder decides: a daemon that started while
 * another user held the temp folder listens there (and a second `run` must find it).
 */
export const runtimeDirChoice = (env: NodeJS.ProcessEnv = process.env, uid = uidOf(), opts: { facts?: FactsOf } = {}): RuntimeDirChoice => {
  const facts = opts.facts ?? pathFacts
  const tmp = tempDirOf(env)
  const home = homeOf(env)
  const base = { env, uid, tmp, home, maxSocketBytes: maxSocketBytes(process.platform) }
  // With XDG_RUNTIME_DIR the temp folder plays no part: no need to look at it.
  if (env.XDG_RUNTIME_DIR?.startsWith('/'))
    return chooseRuntimeDir({ ...base, tempFolder: { kind: 'missing' }, tempParent: { kind: 'missing' } })
  const input = { ...base, tempFolder: facts(tempRuntimeDir(tmp, uid)), tempParent: facts(tmp, true) }
  const first = chooseRuntimeDir(input)
  if (first.via !== 'temp' || input.tempFolder.kind !== 'missing') return first
  return chooseRuntimeDir({ ...input, stateSocket: facts(join(stateRuntimeDir(env, home), CONTROL_SOCKET_FILE)) })
}

/** The facts the client check reads for one socket path: its folder (lstat), the folder's parent (stat), the socket (lstat). */
export const socketFacts = (socket: string, facts: FactsOf = pathFacts): SocketFacts => {
  const dir = dirname(socket)
  return { folder: facts(dir), parent: facts(dirname(dir), true), socket: facts(socket) }
}

/** The runtime folder the daemon and the commands would use, and lstat of it and its control socket; none without uids (Windows). */
export const runtimeFacts = (env: Env, uid: number | undefined = process.getuid?.(), facts?: FactsOf): RuntimeFacts | undefined => {
  if (uid === undefined) return undefined
  const choice = runtimeDirChoice(env, uid, facts ? { facts } : {})
  return { uid, choice, ...socketFacts(join(choice.dir, CONTROL_SOCKET_FILE), facts) }
}
