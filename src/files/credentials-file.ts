// Writes fresh keys into sections of the shared credentials file (~/.aws/credentials or
// $AWS_SHARED_CREDENTIALS_FILE, resolved by the caller) without ever losing a byte that
// another program (aws configure set, an editor) wrote:
//  1. lock `<file>.lock` against a second aws-credd (proper-lockfile: a folder created with
//     mkdir, stale after 10 s, works when the file does not exist yet);
//  2. re-read the file (never a cache) and edit only our sections (core/ini-section-edit);
//  3. write a temp file beside it, and right before the rename check that the file still
//     holds the bytes we read; if not, someone saved meanwhile: start again from 2.
// What is left: a program that saves between the last stat of that check and the rename
// (two back-to-back syscalls, microseconds) is overwritten; only renameat2(RENAME_EXCHANGE),
// which Node does not offer, could close that window.
// Temp files of a writer killed mid-write are removed by the next apply once older than a minute.
import { dirname } from 'node:path'
import lockfile from 'proper-lockfile'
import type { Credentials } from '../core/credentials.js'
import { isLongTermKeyId } from '../core/credentials.js'
import { CredentialsFileError } from '../core/errors.js'
import {
  MARKER_PREFIX,
  SectionConflict,
  inspectSection,
  removeSectionKeys,
  sectionNameProblem,
  upsertSection,
  valueProblem,
} from '../core/ini-section-edit.js'
import { ensureDir, ForeignSymlinkError, removeStaleTempFiles, resolveOwnedTarget, writeFileAtomic } from './atomic-write.js'
import { realFs, type FsOps } from './fs-ops.js'

export interface CredentialsUpdate {
  /** The credentials-file section to write (the profile entry's `writeTo`). */
  section: string
  /** The profile the keys come from; named in the marker and in errors. */
  profile: string
  /** null removes the keys (they expired and nothing fresh could be fetched). */
  credentials: Credentials | null
}

export interface CredentialsFileWriterOptions {
  path: string
  marker?: (profile: string) => string
  fs?: FsOps
  now?: () => number
  /** Read-edit-write rounds before giving up on a file that keeps changing. */
  maxAttempts?: number
  lockStaleMs?: number
  /** How often to retry a held lock (about 250 ms apart). */
  lockRetries?: number
}

const KEY_ID = 'aws_access_key_id'
const SECRET = 'aws_secret_access_key'
const TOKEN = 'aws_session_token'
const OUR_KEYS = [KEY_ID, SECRET, TOKEN]

export const defaultMarker = (profile: string): string =>
  `${MARKER_PREFIX}: profile ${profile.replace(/[\r\n]+/g, ' ')}; these keys are replaced on every refresh`

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const errno = (e: unknown): string => (e as NodeJS.ErrnoException | undefined)?.code ?? 'error'
const PERMANENT_IO = ['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'ELOOP']

export class CredentialsFileWriter {
  readonly path: string
  private readonly marker: (profile: string) => string
  private readonly fs: FsOps
  private readonly now: () => number
  private readonly maxAttempts: number
  private readonly lockStaleMs: number
  private readonly lockRetries: number
  /** Applies in this process run one after another; the lock orders them against other processes. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(opts: CredentialsFileWriterOptions) {
    this.path = opts.path
    this.marker = opts.marker ?? defaultMarker
    this.fs = opts.fs ?? realFs
    this.now = opts.now ?? Date.now
    this.maxAttempts = opts.maxAttempts ?? 20
    this.lockStaleMs = opts.lockStaleMs ?? 10_000
    this.lockRetries = opts.lockRetries ?? 60
  }

  /** Applies many section updates in one locked read-edit-write. `null` removes the keys. */
  apply(updates: CredentialsUpdate[]): Promise<void> {
    const run = this.queue.then(() => this.applyNow(updates))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async applyNow(updates: CredentialsUpdate[]): Promise<void> {
    // A bad or refused update does not hold back the others (each profile has its own
    // consumers); the first refusal is thrown once the rest is written.
    const invalid: CredentialsFileError[] = []
    const valid = updates.filter((u) => {
      const e = this.invalid(u)
      if (e) invalid.push(e)
      return !e
    })
    if (valid.length === 0) return throwFirst(invalid)
    let target: string
    try {
      // Before the lock, the chmod and the write: nothing is done next to another user's file.
      target = await resolveOwnedTarget(this.path, this.fs)
      await ensureDir(dirname(target), this.fs)
    } catch (e) {
      throw this.ioError(this.path, e)
    }
    let lost = false
    const release = await this.lock(target, () => (lost = true))
    try {
      await removeStaleTempFiles(target, this.now(), 60_000, this.fs).catch(() => undefined)
      for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
        const before = await this.read(target)
        const text = before === undefined ? '' : this.decode(target, before)
        const { next, refusals } = this.edit(target, text, valid)
        refusals.unshift(...invalid)
        if (next === text) {
          if (before !== undefined)
            await this.fs.chmod(target, 0o600).catch((e) => {
              throw this.ioError(target, e)
            })
          return throwFirst(refusals)
        }
        const unchanged = (): boolean => !lost && sameBytes(this.fs, target, before)
        let done: boolean
        try {
          done = await writeFileAtomic(target, next, { mode: 0o600, fs: this.fs, beforeRename: unchanged })
        } catch (e) {
          throw this.ioError(target, e)
        }
        if (done) return throwFirst(refusals)
        if (lost) {
          throw new CredentialsFileError(target, `${target}: lost the lock ${target}.lock while writing`, {
            code: 'CredentialsFileLockLost',
            kind: 'transient',
            fix: 'retried on the next refresh; make sure no other program removes the lock',
          })
        }
      }
      throw new CredentialsFileError(target, `${target}: another program changed the file during each of ${this.maxAttempts} writes`, {
        code: 'CredentialsFileBusy',
        kind: 'transient',
        fix: 'retried on the next refresh; stop whatever rewrites the file in a loop',
      })
    } finally {
      await release().catch(() => undefined)
    }
  }

  private invalid(u: CredentialsUpdate): CredentialsFileError | undefined {
    const bad = sectionNameProblem(u.section)
    if (bad) {
      return new CredentialsFileError(
        this.path,
        `${this.path}: cannot write section [${u.section}] for profile ${u.profile}: the name ${bad}`,
        {
          code: 'InvalidSectionName',
          fix: 'choose another "writeTo" section name',
        },
      )
    }
    const c = u.credentials
    if (!c) return undefined
    // Never show the value itself: it may be a secret.
    for (const [what, v] of [
      ['access key id', c.accessKeyId],
      ['secret access key', c.secretAccessKey],
      ['session token', c.sessionToken],
    ] as const) {
      if (v === undefined || (what === 'session token' && v === '')) continue
      const vb = valueProblem(v)
      if (vb) {
        return new CredentialsFileError(
          this.path,
          `${this.path}: the ${what} of profile ${u.profile} cannot be written to section [${u.section}]: it ${vb}`,
          {
            code: 'InvalidCredentialValue',
            fix: `check what the source of profile ${u.profile} returns`,
          },
        )
      }
    }
    return undefined
  }

  private edit(file: string, text: string, updates: CredentialsUpdate[]): { next: string; refusals: CredentialsFileError[] } {
    let next = text
    const refusals: CredentialsFileError[] = []
    for (const u of updates) {
      const info = inspectSection(next, u.section)
      // Long-term keys someone put there by hand (even inside a section aws-credd manages,
      // as `aws configure set` keeps our marker): overwriting them would destroy the only
      // copy. aws-credd itself writes AKIA keys only for a static profile, and then the same ones.
      const present = info.values[KEY_ID] ?? ''
      if (isLongTermKeyId(present) && (!info.managed || present !== u.credentials?.accessKeyId)) {
        refusals.push(
          new CredentialsFileError(
            file,
            `${file}: section [${u.section}] holds long-term keys (AKIA...) that aws-credd did not write; not touching them for profile ${u.profile}`,
            {
              code: 'UnmanagedLongTermKeys',
              fix: `set another "writeTo" section for profile ${u.profile}, or move those keys out of [${u.section}]`,
            },
          ),
        )
        continue
      }
      try {
        if (!u.credentials) next = removeSectionKeys(next, u.section, OUR_KEYS)
        else {
          const c = u.credentials
          const entries: Array<[string, string]> = [
            [KEY_ID, c.accessKeyId],
            [SECRET, c.secretAccessKey],
          ]
          if (c.sessionToken) entries.push([TOKEN, c.sessionToken])
          next = upsertSection(next, u.section, entries, this.marker(u.profile))
          // A token left from earlier keys would pair with keys it does not belong to.
          if (!c.sessionToken) next = removeSectionKeys(next, u.section, [TOKEN])
        }
      } catch (e) {
        if (!(e instanceof SectionConflict)) throw e
        refusals.push(
          new CredentialsFileError(
            file,
            `${file}: line ${e.line} is read as section [${u.section}] by the AWS SDK or by botocore but not by both; not writing profile ${u.profile}`,
            {
              code: 'AmbiguousSectionHeader',
              fix: `make line ${e.line} read exactly [${u.section}] with nothing after it, unindented`,
            },
          ),
        )
      }
    }
    return { next, refusals }
  }

  private async read(target: string): Promise<Buffer | undefined> {
    try {
      return await this.fs.readFile(target)
    } catch (e) {
      if (errno(e) === 'ENOENT') return undefined
      throw this.ioError(target, e)
    }
  }

  /** Bytes that are not UTF-8 would not survive a decode/encode round trip: refuse instead. */
  private decode(target: string, bytes: Buffer): string {
    try {
      return utf8.decode(bytes)
    } catch {
      throw new CredentialsFileError(target, `${target}: is not valid UTF-8 text; not rewriting it`, {
        code: 'CredentialsFileNotUtf8',
        fix: `save ${target} as UTF-8`,
      })
    }
  }

  private async lock(target: string, onLost: () => void): Promise<() => Promise<void>> {
    try {
      return await lockfile.lock(target, {
        realpath: false,
        stale: this.lockStaleMs,
        retries: { retries: this.lockRetries, factor: 1.2, minTimeout: 50, maxTimeout: 250 },
        // The default throws from a timer, which would crash the daemon.
        onCompromised: onLost,
      })
    } catch (e) {
      if (errno(e) === 'ELOCKED') {
        throw new CredentialsFileError(target, `${target}: another aws-credd holds the lock ${target}.lock`, {
          code: 'CredentialsFileLocked',
          kind: 'transient',
          fix: `stop the other aws-credd, or delete ${target}.lock if none runs`,
          cause: e,
        })
      }
      throw this.ioError(target, e)
    }
  }

  private ioError(file: string, e: unknown): CredentialsFileError {
    if (e instanceof CredentialsFileError) return e
    if (e instanceof ForeignSymlinkError) return new CredentialsFileError(e.path, e.reason, { code: e.code, fix: e.fix, cause: e })
    const c = errno(e)
    const permanent = PERMANENT_IO.includes(c)
    return new CredentialsFileError(file, `${file}: cannot write the credentials file (${c})`, {
      code: 'CredentialsFileWriteFailed',
      kind: permanent ? 'permanent' : 'transient',
      fix: permanent ? `check the owner and permissions of ${file} and its folder` : 'retried on the next refresh',
      cause: e,
    })
  }
}

/**
 * Does the file still hold the bytes we read? The content comparison is exact; the stat
 * before and after it catches a save landing during the comparison itself, so what is left
 * unchecked is only the time between the last stat and the rename.
 */
const sameBytes = (fs: FsOps, target: string, before: Buffer | undefined): boolean => {
  try {
    const st1 = fs.statSync(target)
    const now = fs.readFileSync(target)
    const st2 = fs.statSync(target)
    return (
      before !== undefined &&
      now.equals(before) &&
      st1.ino === st2.ino &&
      st1.size === st2.size &&
      st1.mtimeNs === st2.mtimeNs &&
      st1.ctimeNs === st2.ctimeNs
    )
  } catch (e) {
    if (errno(e) !== 'ENOENT' || before !== undefined) return false
    // It did not exist when we read it: it must still not exist.
    try {
      fs.statSync(target)
      return false
    } catch (e2) {
      return errno(e2) === 'ENOENT'
    }
  }
}

const throwFirst = (errors: CredentialsFileError[]): void => {
  if (errors[0]) throw errors[0]
}
