// Node's on-disk compile cache (22.1+): `credential_process = aws-credd process PROFILE`
// starts a fresh Node on every SDK refresh, and most of that start is compiling the same
// JavaScript again. main.ts turns the cache on before it imports anything else, so every
// later module is read from V8's code cache. On Node 20 the API does not exist: a no-op.
// The cache lives in the user's own cache folder, not Node's default (os.tmpdir(), where
// another local user could create the folder first and hand the CLI a code cache to load).
import nodeModule from 'node:module'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'

type Env = Record<string, string | undefined>

/** The slice of node:module this uses; absent before Node 22.1 (the types are Node 20's). */
interface CompileCacheApi {
  enableCompileCache?: (directory?: string) => { status: number; message?: string; directory?: string }
}

/** $CACHE_DIRECTORY (systemd's CacheDirectory=), else $XDG_CACHE_HOME/aws-credd, else ~/.cache/aws-credd; then node-compile-cache. */
export const compileCacheDir = (env: Env, home: string): string => {
  const base =
    absolute(env.CACHE_DIRECTORY) ??
    (absolute(env.XDG_CACHE_HOME) ? join(env.XDG_CACHE_HOME!, 'aws-credd') : join(home, '.cache', 'aws-credd'))
  return join(base, 'node-compile-cache')
}

const absolute = (p: string | undefined): string | undefined => (p && isAbsolute(p) ? p : undefined)

/**
 * Turns the cache on where Node has it; returns whether it is on (false on Node 20, or with
 * NODE_DISABLE_COMPILE_CACHE=1, or when the folder cannot be made). Never throws: a cache must not
 * stop a command. The environment is left as it was, since `exec` hands it to its command unchanged.
 */
export const startCompileCache = (env: Env = process.env, api: CompileCacheApi = nodeModule as CompileCacheApi): boolean => {
  if (typeof api.enableCompileCache !== 'function') return false
  const before = env.NODE_COMPILE_CACHE
  try {
    const { status } = api.enableCompileCache(compileCacheDir(env, homedir())) // homedir() too may throw
    return status === 1 || status === 2 // ENABLED, ALREADY_ENABLED (NODE_COMPILE_CACHE set by the user)
  } catch {
    return false
  } finally {
    if (before === undefined) delete env.NODE_COMPILE_CACHE
    else env.NODE_COMPILE_CACHE = before
  }
}
