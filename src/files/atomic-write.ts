// Replace a file so that a reader sees the old bytes or the new bytes, never a mix, and a
// crash leaves one of the two: temp file in the same folder (rename is only atomic within
// one file system), fsync, rename, fsync the folder (so the rename itself survives a crash).
// Symlinks are followed: dotfile managers symlink ~/.aws/credentials, and renaming over the
// link would replace the link with a plain file. But only to files of our own: run as root,
// the kernel stops nothing, and a symlink planted by another user (or pointing at another
// user's file) would have root write, chmod and hand over keys wherever it points.
// Reading a secret from a path others may share (a consumer's token file) is judged more
// strictly, link by link and folder by folder: resolveTrustedPath.
import { randomBytes } from 'node:crypto'
import type { Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, parse, resolve, sep } from 'node:path'
import { ForeignSymlinkError } from '../core/errors.js'
import { realFs, type FsOps } from './fs-ops.js'

export interface AtomicWriteOptions {
  /** Applied with fchmod, so the umask cannot loosen or narrow it. Default 0600. */
  mode?: number
  fs?: FsOps
  /** Runs after the temp file is on disk, right before the rename; false cancels the write. */
  beforeRename?: () => boolean
  /**
   * Create only (O_CREAT|O_EXCL semantics): the finished temp file is hard-linked to `path`,
   * which fails with EEXIST when anything is there, a symlink included, and never follows it;
   * nothing existing is replaced. `path` itself is not resolved through symlinks.
   */
  exclusive?: boolean
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

/** Defined with the other errors (core/errors.ts); exported here too for the callers that import it from here. */
export { ForeignSymlinkError }

/**
 * resolveSymlink, refusing (ForeignSymlinkError) when the path is a symlink and following it
 * would write where this process's user (effective uid `uid`) has no business:
 *  - a symlink on the way belongs to another user (root's links are trusted: only root made them);
 *  - the final file exists and belongs to another user, root included, when we are not root;
 *  - the final file's folder belongs to neither us nor root (its owner could swap the file).
 * A path that is no symlink is not judged here (`sudo` editing a user's own file stays possible).
 * `uid` undefined (Windows) disables the checks.
 */
export const resolveOwnedTarget = async (
  path: string,
  fs: FsOps = realFs,
  uid: number | undefined = process.geteuid?.(),
): Promise<string> => {
  const first = resolve(path)
  let p = first
  for (let hops = 0; hops < 40; hops++) {
    let st: Awaited<ReturnType<FsOps['lstat']>>
    try {
      st = await fs.lstat(p)
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e
      if (p !== first) checkFolder(path, p, fs, uid)
      return p
    }
    if (!st.isSymbolicLink()) {
      if (p === first || uid === undefined) return p
      if (st.uid !== uid) {
        throw new ForeignSymlinkError(
          path,
          p,
          st.uid,
          `${path} is a symlink to ${p}, which belongs to uid ${st.uid}, not to this daemon's user (uid ${uid}): aws-credd never writes or chmods another user's file through a symlink`,
          `point ${path} at a file owned by uid ${uid}, or replace the symlink with a file of your own (rm ${path}; aws-credd then creates it)`,
        )
      }
      checkFolder(path, p, fs, uid)
      return p
    }
    if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
      throw new ForeignSymlinkError(
        path,
        p,
        st.uid,
        `${p === first ? `${path} is a symlink that` : `${path} leads through the symlink ${p}, which`} belongs to uid ${st.uid}, not to this daemon's user (uid ${uid}) or root: aws-credd does not follow another user's symlink to write`,
        `remove ${p} (aws-credd then creates a plain file), or recreate it as uid ${uid}`,
      )
    }
    p = resolve(dirname(p), await fs.readlink(p))
  }
  throw Object.assign(new Error(`${path}: too many levels of symbolic links`), { code: 'ELOOP' })
}

/** The folder a symlinked write lands in must be ours or root's: another owner could swap the file under us. */
const checkFolder = (path: string, target: string, fs: FsOps, uid: number | undefined): void => {
  if (uid === undefined) return
  const dir = dirname(target)
  let owner: number
  try {
    owner = Number(fs.statSync(dir).uid)
  } catch (e) {
    if (code(e) === 'ENOENT') return // created below by ensureDir, as ours
    throw e
  }
  if (owner === uid || owner === 0) return
  throw new ForeignSymlinkError(
    path,
    dir,
    owner,
    `${path} is a symlink into ${dir}, a folder that belongs to uid ${owner}, not to this daemon's user (uid ${uid}) or root: aws-credd does not write there`,
    `point ${path} at a file in a folder owned by uid ${uid}, or replace the symlink with a file of your own`,
  )
}

/** What resolveTrustedPath found. */
export interface TrustedPath {
  /** The path with every symlink resolved: each folder on it a real folder, its last part no symlink. */
  path: string
  /** The last part's lstat; undefined when it, or a folder on its way, does not exist yet. */
  stats?: Stats
  /** The folder holding it can be written by others (a sticky folder such as /tmp: others would have been refused). */
  shared: boolean
}

const modeText = (mode: number): string => (mode & 0o7777).toString(8)
const writableByOthers = (st: Stats): boolean => (st.mode & 0o022) !== 0

/**
 * For a secret read (or created) at a path other users may have had a hand in. Follows symlinks
 * one path part at a time, so a symlinked folder on the way (a Kubernetes Secret's `..data`) is
 * judged too, and refuses (ForeignSymlinkError) when anyone but this process's user (`uid`) or
 * root could have decided what the path names:
 *  - a symlink on the way belongs to another user;
 *  - a folder on the way (every folder holding a symlink, a folder or the file) belongs to
 *    another user, or others can write it: unless it is sticky (like /tmp) and the entry in it is
 *    ours or root's, as then nobody else can rename, remove or replace that entry.
 * Unlike resolveOwnedTarget (writes, where `sudo` editing a user's own file stays possible), plain
 * paths are judged too. The caller opens the returned path with O_NOFOLLOW and checks what it
 * opened (fstat): every folder to it being ours or root's, nobody else can swap it in between.
 * `uid` undefined (Windows) disables the checks.
 */
export const resolveTrustedPath = async (
  path: string,
  fs: FsOps = realFs,
  uid: number | undefined = process.geteuid?.(),
): Promise<TrustedPath> => {
  if (uid === undefined) {
    const p = await resolveSymlink(path, fs)
    return { path: p, stats: await fs.lstat(p).catch(() => undefined), shared: false }
  }
  const first = resolve(path)
  const parts = (p: string): string[] =>
    p
      .slice(parse(p).root.length)
      .split(sep)
      .filter((c) => c !== '' && c !== '.')
  const todo = parts(first)
  let cur = parse(first).root
  let curSt = await fs.lstat(cur)
  let holder: Stats | undefined
  for (let hops = 0; ;) {
    const part = todo.shift()
    if (part === undefined) return { path: cur, stats: curSt, shared: holder !== undefined && writableByOthers(holder) }
    if (part === '..') {
      // `cur` has no symlink in it, so its lexical parent is its real parent.
      cur = dirname(cur)
      curSt = await fs.lstat(cur)
      holder = undefined
      continue
    }
    const next = join(cur, part)
    let st: Stats
    try {
      st = await fs.lstat(next)
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e
      checkHolder(path, first, cur, curSt, undefined, uid)
      return { path: join(next, ...todo), shared: writableByOthers(curSt) }
    }
    if (st.isSymbolicLink()) {
      if (st.uid !== uid && st.uid !== 0) {
        throw new ForeignSymlinkError(
          path,
          next,
          st.uid,
          `${next === first ? `${path} is a symlink that` : `${path} leads through the symlink ${next}, which`} belongs to uid ${st.uid}, ` +
            `not to this daemon's user (uid ${uid}) or root: another user could point it anywhere`,
          `remove ${next}, or recreate it as uid ${uid} or root`,
        )
      }
      checkHolder(path, first, cur, curSt, { path: next, st }, uid)
      if (++hops > 40) throw Object.assign(new Error(`${path}: too many levels of symbolic links`), { code: 'ELOOP' })
      const target = await fs.readlink(next)
      todo.unshift(...parts(isAbsolute(target) ? target : `${sep}${target}`))
      if (isAbsolute(target)) {
        cur = parse(resolve(target)).root
        curSt = await fs.lstat(cur)
        holder = undefined
      }
      continue
    }
    checkHolder(path, first, cur, curSt, { path: next, st }, uid)
    if (todo.length > 0 && !st.isDirectory()) throw Object.assign(new Error(`${path}: ${next} is not a folder`), { code: 'ENOTDIR' })
    holder = curSt
    cur = next
    curSt = st
  }
}

/** A folder on a trusted path: ours or root's, and nobody else may write it unless it is sticky and the entry ours or root's. */
const checkHolder = (
  path: string,
  first: string,
  dir: string,
  dirSt: Stats,
  entry: { path: string; st: Stats } | undefined,
  uid: number,
): void => {
  if (dirSt.uid !== uid && dirSt.uid !== 0) {
    throw new ForeignSymlinkError(
      path,
      dir,
      dirSt.uid,
      `${path} leads through the folder ${dir}, which belongs to uid ${dirSt.uid}, not to this daemon's user (uid ${uid}) or root: ` +
        'its owner could swap what is there',
      `keep the file, and any symlink to it, in folders owned by uid ${uid} or root`,
    )
  }
  if (!writableByOthers(dirSt)) return
  if ((dirSt.mode & 0o1000) === 0) {
    throw new ForeignSymlinkError(
      path,
      dir,
      dirSt.uid,
      `${path} leads through the folder ${dir}, which others can write (mode ${modeText(dirSt.mode)}) and which is not sticky: anyone could swap what is there`,
      `chmod o-w,g-w ${dir} (or chmod +t ${dir} for a shared folder), or keep the file elsewhere`,
    )
  }
  if (entry && entry.st.uid !== uid && entry.st.uid !== 0) {
    throw new ForeignSymlinkError(
      path,
      entry.path,
      entry.st.uid,
      `${entry.path === first ? `${path} is` : `${path} leads through ${entry.path}, which is`} owned by uid ${entry.st.uid} ` +
        `in the shared folder ${dir} (mode ${modeText(dirSt.mode)}): there only entries of uid ${uid} or root are trusted`,
      `remove ${entry.path}, or keep the file in a folder others cannot write`,
    )
  }
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
    await fs.unlink(p).then(
      () => removed.push(p),
      () => undefined,
    )
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
  const target = opts.exclusive ? resolve(path) : await resolveOwnedTarget(path, fs)
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
    if (opts.exclusive) await fs.link(tmp, target)
    else fs.renameSync(tmp, target)
    renamed = true
  } finally {
    await handle?.close().catch(() => undefined)
    // After an exclusive link the temp name is a second link to the new file: removed, so it has one.
    if (!renamed || opts.exclusive) await fs.unlink(tmp).catch(() => undefined)
  }
  await fsyncDir(dir, fs)
  return true
}
