// The audit log: who asked for which profile's credentials and what they got, on every
// listener, as JSON lines in the state folder (0600). Answers are counted per second and
// per (listener, consumer, profile, status), so a client polling hundreds of times a
// second costs one line a second, not one write per request; nothing is written while
// nobody asks. Never a token or a key: the consumer is a grant's name. Unauthenticated
// answers are counted without the profile asked for, so a flood of made-up names costs one
// line a second too. Written through one handle opened without following a symlink (a
// root daemon must not append to, or chmod, a file another user pointed the log at), and
// rotated to FILE.1..FILE.3, so a flood cannot push all history out in seconds.
import { constants } from 'node:fs'
import { open, rename, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { awsTimestamp } from '../core/aws-time.js'
import { CreddError } from '../core/errors.js'
import { ensureDir, resolveOwnedTarget } from './atomic-write.js'

export interface AuditEvent {
  listener: 'container' | 'imds' | 'control'
  /** The grant's name; `anonymous` where no token is asked (IMDS) or none matched. */
  consumer: string
  profile?: string
  status: number
}

/** What a status means for the reader of the log. */
export const auditOutcome = (status: number): string =>
  status === 200
    ? 'served'
    : status === 401
      ? 'unauthenticated'
      : status === 403
        ? 'forbidden'
        : status === 404
          ? 'not-found'
          : status === 429
            ? 'rate-limited'
            : status === 503
              ? 'unavailable'
              : status >= 500
                ? 'error'
                : 'refused'

export interface AuditLogOptions {
  file: string
  now: () => number
  /** Rotated to FILE.1 past this size (default 10 MiB); FILE.1..FILE.3 are kept. */
  maxBytes?: number
  onError?: (e: unknown) => void
}

/** Distinct keys kept per second; past it, answers are counted under profile "(other)". */
const MAX_KEYS = 1000
/** How long after a second ends its lines are written when no later answer closes it. */
const WINDOW_SLACK_MS = 10
/** A profile name from a URL is a stranger's text: cut short (JSON escapes the rest). */
const MAX_PROFILE = 100
/** Old logs kept: FILE.1 (newest) to FILE.3. */
const ROTATIONS = 3
/**
 * Append, create 0600 if missing, never through a symlink in the last part (ELOOP), and no
 * blocking on a FIFO put there (ENXIO without a reader; with one, the regular-file check refuses it).
 */
const APPEND_NO_FOLLOW =
  constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

/** The log file is not one the daemon may write: another user's, a hard link, not a regular file. */
const unsafeLog = (file: string, reason: string, fix: string): CreddError =>
  new CreddError(`audit log ${file} ${reason}`, { code: 'UnsafeAuditLog', kind: 'permanent', fix })

export class AuditLog {
  private window = 0
  private readonly counts = new Map<string, { e: AuditEvent; count: number }>()
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<void> = Promise.resolve()
  /** Whether this run has opened the log yet (then its folder is made and an old, wider mode narrowed). */
  private opened = false
  /** A refusal (CreddError) was reported and nothing has been written since: later ones are not repeated. */
  private refusalReported = false

  constructor(private readonly opts: AuditLogOptions) {}

  /** Counts one answer; cheap enough for every request. */
  record(e: AuditEvent): void {
    // Who failed to authenticate may name any profile: their names would be one key each.
    if (e.consumer === 'anonymous' && e.status === 401 && e.profile !== undefined)
      e = { listener: e.listener, consumer: e.consumer, status: e.status }
    const second = Math.floor(this.opts.now() / 1000)
    if (second !== this.window) {
      this.flush()
      this.window = second
    }
    const profile = e.profile === undefined ? '' : e.profile.length > MAX_PROFILE ? e.profile.slice(0, MAX_PROFILE) : e.profile
    let key = `${e.listener}\0${e.consumer}\0${profile}\0${e.status}`
    let shown = profile
    let slot = this.counts.get(key)
    if (!slot && this.counts.size >= MAX_KEYS) {
      key = `${e.listener}\0${e.consumer}\0(other)\0${e.status}`
      shown = '(other)'
      slot = this.counts.get(key)
    }
    // The profile as counted, kept whole: a name from a URL may itself hold a NUL.
    if (slot) slot.count++
    else this.counts.set(key, { e: { ...e, ...(e.profile !== undefined ? { profile: shown } : {}) }, count: 1 })
    // One timer while there is something to write; none while idle.
    this.timer ??= this.armAtWindowEnd()
  }

  /**
   * A timer for just after the counted second ends, so a second nobody closes (no later
   * answer) is still written, and written once: flushing while the second is still open
   * would split it into two lines.
   */
  private armAtWindowEnd(): NodeJS.Timeout {
    return setTimeout(
      () => {
        this.timer = undefined
        if (this.counts.size === 0) return
        if (Math.floor(this.opts.now() / 1000) === this.window) this.timer = this.armAtWindowEnd()
        else this.flush()
      },
      Math.max(0, (this.window + 1) * 1000 - this.opts.now()) + WINDOW_SLACK_MS,
    ).unref()
  }

  /** Writes what was counted so far. */
  flush(): void {
    if (this.counts.size === 0) return
    const time = awsTimestamp(this.window * 1000)
    let text = ''
    for (const { e, count } of this.counts.values())
      text += `${JSON.stringify({ time, listener: e.listener, consumer: e.consumer, ...(e.profile !== undefined ? { profile: e.profile } : {}), status: e.status, outcome: auditOutcome(e.status), count })}\n`
    this.counts.clear()
    this.writing = this.writing
      .then(() => this.append(text))
      .then(
        () => void (this.refusalReported = false),
        (err: unknown) => {
          // A refused file (a planted symlink, another user's file) would fail every second: said once; counting goes on.
          if (err instanceof CreddError) {
            if (this.refusalReported) return
            this.refusalReported = true
          }
          this.opts.onError?.(err)
        },
      )
  }

  /** Flushes and waits for the writes (on stop). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.flush()
    await this.writing
  }

  private async append(text: string): Promise<void> {
    const max = this.opts.maxBytes ?? 10 * 1024 * 1024
    const first = !this.opened
    if (first) await ensureDir(dirname(this.opts.file))
    let log = await this.openLog()
    try {
      if (log.size > max) {
        await log.handle.close()
        await this.rotate(log.target)
        log = await this.openLog()
      }
      this.opened = true
      await log.handle.appendFile(text)
      // The mode given to open applies only to a new file, through the umask; an old log left wider is narrowed once.
      if (first || log.size === 0) await log.handle.chmod(0o600)
    } finally {
      await log.handle.close().catch(() => undefined)
    }
  }

  /**
   * The log, opened for appending through one handle: a symlink to a file of ours is followed
   * (resolveOwnedTarget refuses another user's link, file or folder), then the target is opened
   * with O_NOFOLLOW, and what was opened is checked on the handle (fstat): a regular file of ours
   * with no other name. So neither a link planted in between nor a hard link to someone's file
   * (root's /etc/…, when protected_hardlinks is off) is appended to or chmodded.
   */
  private async openLog(): Promise<{ handle: FileHandle; size: number; target: string }> {
    const { file } = this.opts
    const target = await resolveOwnedTarget(file)
    let handle: FileHandle
    try {
      handle = await open(target, APPEND_NO_FOLLOW, 0o600)
    } catch (e) {
      if (['ELOOP', 'EMLINK'].includes((e as NodeJS.ErrnoException).code ?? ''))
        throw unsafeLog(
          file,
          'became a symlink while being opened',
          `remove ${target}, or point audit.file at a folder only this daemon's user can write`,
        )
      throw e
    }
    try {
      const st = await handle.stat()
      const uid = process.geteuid?.()
      if (!st.isFile()) throw unsafeLog(file, 'is not a regular file', `remove ${target}, or choose another audit.file`)
      const fix = `remove ${target} (aws-credd then creates its own), or choose another audit.file`
      if (uid !== undefined && st.uid !== uid)
        throw unsafeLog(
          file,
          `belongs to uid ${st.uid}, not to this daemon's user (uid ${uid}): aws-credd does not append to or chmod another user's file`,
          fix,
        )
      if (st.nlink > 1) throw unsafeLog(file, `has ${st.nlink} hard links: another name may be someone else's file`, fix)
      return { handle, size: st.size, target }
    } catch (e) {
      await handle.close().catch(() => undefined)
      throw e
    }
  }

  /** FILE.2 -> FILE.3, FILE.1 -> FILE.2, FILE -> FILE.1 (rename moves names, never follows a symlink). */
  private async rotate(target: string): Promise<void> {
    const ignoreMissing = (e: unknown): void => {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
    for (let i = ROTATIONS - 1; i >= 1; i--) await rename(`${target}.${i}`, `${target}.${i + 1}`).catch(ignoreMissing)
    await rename(target, `${target}.1`)
  }
}
