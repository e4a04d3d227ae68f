// The default home of aws-credd's sockets and token file: $XDG_RUNTIME_DIR/aws-credd
// (per-user, tmpfs, 0700 by the login manager), else a per-uid folder in the temp dir
// that is refused unless it is ours, a real folder, and closed to everyone else.
import { chmod, lstat, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { CreddError } from '../core/errors.js'
import { ensureDir } from '../files/atomic-write.js'

const uidOf = (): number => process.getuid?.() ?? 0

/** Where the runtime folder is (not created). */
export const defaultRuntimeDir = (env: NodeJS.ProcessEnv = process.env, uid = uidOf()): string => {
  const xdg = env.XDG_RUNTIME_DIR
  if (xdg && isAbsolute(xdg)) return join(xdg, 'aws-credd')
  return join(tmpdir(), `aws-credd-${uid}`)
}

const unsafe = (dir: string, reason: string): CreddError =>
  new CreddError(`runtime folder ${dir} ${reason}`, { code: 'UnsafeRuntimeDir', kind: 'permanent', fix: `remove ${dir} (or set XDG_RUNTIME_DIR to a private folder) and start again` })

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
      if (e.code !== 'EEXIST') throw unsafe(dir, `cannot be created (${e.code ?? e.message})`)
      return false
    },
  )
  if (created) await chmod(dir, 0o700) // mkdir's mode went through the umask
  const st = await lstat(dir)
  if (!st.isDirectory()) throw unsafe(dir, 'is not a folder (a symlink or file is there)')
  if (st.uid !== uid) throw unsafe(dir, `belongs to uid ${st.uid}, not ${uid}`)
  if ((st.mode & 0o077) !== 0) throw unsafe(dir, `is open to others (mode ${(st.mode & 0o777).toString(8)}, expected 700)`)
  return dir
}
