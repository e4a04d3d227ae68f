// The one seam for every file-system call the credentials-file writer makes, so a test
// can inject faults (a full disk, a failing fsync or rename) by passing its own object.
import { readFileSync, renameSync, statSync, type BigIntStats, type Stats } from 'node:fs'
import { chmod, link, lstat, mkdir, open, readdir, readFile, readlink, unlink, type FileHandle } from 'node:fs/promises'

export interface FsOps {
  lstat(path: string): Promise<Stats>
  readlink(path: string): Promise<string>
  /** Returns the first folder it created, as fs.mkdir({ recursive: true }) does. */
  mkdir(path: string, opts: { recursive: true; mode: number }): Promise<string | undefined>
  chmod(path: string, mode: number): Promise<void>
  readdir(path: string): Promise<string[]>
  unlink(path: string): Promise<void>
  readFile(path: string): Promise<Buffer>
  open(path: string, flags: string, mode?: number): Promise<FileHandle>
  /** A hard link: fails with EEXIST when anything (a symlink included) is at `to`, never following it. */
  link(from: string, to: string): Promise<void>
  // Synchronous on purpose: the last "did the file change?" check and the rename run back
  // to back, with no event-loop turn between them for another writer to slip into.
  readFileSync(path: string): Buffer
  /** Nanosecond times, to tell two saves within one millisecond apart. */
  statSync(path: string): BigIntStats
  renameSync(from: string, to: string): void
}

export const realFs: FsOps = {
  lstat: (p) => lstat(p),
  readlink: (p) => readlink(p),
  mkdir: (p, opts) => mkdir(p, opts),
  chmod: (p, mode) => chmod(p, mode),
  readdir: (p) => readdir(p),
  unlink: (p) => unlink(p),
  readFile: (p) => readFile(p),
  open: (p, flags, mode) => open(p, flags, mode),
  link: (from, to) => link(from, to),
  readFileSync: (p) => readFileSync(p),
  statSync: (p) => statSync(p, { bigint: true }),
  renameSync: (from, to) => renameSync(from, to),
}
