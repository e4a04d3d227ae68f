// Replace a file so that a reader sees the old bytes or the new bytes, never a mix, and a
// crash leaves one of the two: temp file in the same folder (rename is only atomic within
// one file system), fsync, rename, fsync the folder (so the rename itself survives a crash).
// Symlinks are followed: dotfile managers symlink ~/.aws/credentials, and renaming over the
// link would replace the link with a plain file.
import { randomBytes } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { realFs, type FsOps } from './fs-ops.js'

export interface AtomicWriteOptions {
  /** Applied with fchmod, so the umask cannot loosen or narrow it. Default 0600. */
  mode?: number
  fs?: FsOps
  /** Runs after the temp file is on disk, right before the rename; false cancels the write. */
  beforeRename?: () => boolean
}

/** A crashed writer's leftover: `.credentials.<pid>.<12 hex>.tmp`, beside the file. */
export const isTempFileOf = (target: string, name: string): boolean => {
  const base = basename(target)
  return name.startsWith(`.${base}.`) && /^\.\d+\.[0-9a-f]{12}\.tmp$/.test(name.slice(base.length + 1))
}

const tempPathFor = (target: string): string =>
  join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code

/** The file a path finally names after following symlinks (the target may not exist yet). */
export const resolveSymlink = async (path: string, fs: FsOps = realFs): Promise<string> => {
  let p = resolve(path)
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean
    try {
      isLink = (await fs.lstat(p)).isSymbolicLink()
    } catch (e) {
      if (code(e) === 'ENOENT') return p
      throw e
    }
    if (!isLink) return p
    p = resolve(dirname(p), await fs.readlink(p))
  }
  throw Object.assign(new Error(`${path}: too many levels of symbolic links`), { code: 'ELOOP' })
}

/** Creates the folder (and missing parents) as 0700: it is going to hold keys. */
export const ensureDir = async (dir: string, fs: FsOps = realFs): Promise<void> => {
  const first = await fs.mkdir(dir, { recursive: true, mode: 0o700 })
  if (first === undefined) return
  // mkdir's mode passes through the umask; set it exactly on every folder we created.
  for (let d = resolve(dir); ; d = dirname(d)) {
    await fs.chmod(d, 0o700)
    if (d === resolve(first) || dirname(d) === d) break
  }
}

/**
 * Leftover temp files of `target` older than `maxAgeMs` (a live writer's exists for
 * milliseconds; one older than a minute belongs to a writer that was killed).
 */
export const removeStaleTempFiles = async (target: string, now: number, maxAgeMs = 60_000, fs: FsOps = realFs): Promise<string[]> => {
  const dir = dirname(resolve(target))
  const removed: string[] = []
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!isTempFileOf(target, name)) continue
    const p = join(dir, name)
    const st = await fs.lstat(p).catch(() => undefined)
    if (!st?.isFile() || now - st.mtimeMs <= maxAgeMs) continue
    await fs.unlink(p).then(() => removed.push(p), () => undefined)
  }
  return removed
}

const fsyncDir = async (dir: string, fs: FsOps): Promise<void> => {
  let h: FileHandle | undefined
  try {
    h = await fs.open(dir, 'r')
    await h.sync()
  } catch (e) {
    // Some platforms and file systems cannot fsync a folder; the rename is done either way.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'ENOTSUP', 'EBADF'].includes(code(e) ?? '')) throw e
  } finally {
    await h?.close().catch(() => undefined)
  }
}

/** Writes `data` to `path` atomically; false when `beforeRename` cancelled it (nothing changed). */
export const writeFileAtomic = async (path: string, data: string | Buffer, opts: AtomicWriteOptions = {}): Promise<boolean> => {
  const fs = opts.fs ?? realFs
  const mode = opts.mode ?? 0o600
  const target = await resolveSymlink(path, fs)
  const dir = dirname(target)
  await ensureDir(dir, fs)
  const tmp = tempPathFor(target)
  let handle: FileHandle | undefined
  let renamed = false
  try {
    handle = await fs.open(tmp, 'wx', mode)
    await handle.writeFile(data)
    await handle.chmod(mode)
    // root editing another user's file (sudo) must not hand it to root.
    if (process.getuid?.() === 0) {
      const old = await fs.lstat(target).catch(() => undefined)
      if (old) await handle.chown(old.uid, old.gid)
    }
    await handle.sync()
    await handle.close()
    handle = undefined
    if (opts.beforeRename && !opts.beforeRename()) return false
    fs.renameSync(tmp, target)
    renamed = true
  } finally {
    await handle?.close().catch(() => undefined)
    if (!renamed) await fs.unlink(tmp).catch(() => undefined)
  }
  await fsyncDir(dir, fs)
  return true
}
