// Delivers each profile's credentials to its `writeTo` section of the
// credentials file. Updates that arrive together (ten profiles renewed at start)
// become one locked read-edit-write; a failed write is retried with backoff and
// never blocks renewals.
import type { Credentials } from '../core/credentials.js'
import { CreddError, errorLine } from '../core/errors.js'
import { retryDelay, type RenewalPolicy } from '../core/renewal-plan.js'
import type { Clock, Logger, SectionUpdate, SectionWriter, TimerHandle } from './ports.js'

/** Longer than the writer's own lock wait (about 14 s), so a busy lock is reported by the writer. */
export const WRITE_TIMEOUT_MS = 30_000

export interface CredentialsOutputDeps {
  writer: SectionWriter
  clock: Clock
  logger: Logger
  policy: RenewalPolicy
  random: () => number
  onWriteError?: (section: string, error: CreddError | Error) => void
}

export class CredentialsFileOutput {
  private sectionByProfile = new Map<string, string>() // profile → section
  private pending = new Map<string, SectionUpdate>() // section → latest update
  private timer: TimerHandle | undefined
  private flushing: Promise<void> | undefined
  private failures = 0
  private lastError = new Map<string, string>()
  private stopped = false

  constructor(private readonly deps: CredentialsOutputDeps) {}

  /** Which section each profile writes to (from the daemon config). */
  setTargets(targets: Map<string, string>): void {
    this.sectionByProfile = new Map(targets)
  }

  /** Profile → section, as last set. */
  targets(): ReadonlyMap<string, string> {
    return this.sectionByProfile
  }

  onCredentials(profile: string, credentials: Credentials | null): void {
    const section = this.sectionByProfile.get(profile)
    if (section === undefined) return
    this.pending.set(section, { section, profile, credentials })
    this.kick(0)
  }

  /** Resolves once everything queued so far is written (or has failed). */
  async drain(): Promise<void> {
    while (this.flushing || (this.pending.size > 0 && this.failures === 0)) {
      if (!this.flushing) this.flush()
      await this.flushing
    }
  }

  /** No more timed writes; `drain()` still finishes what is queued. */
  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer)
    this.timer = undefined
  }

  /** A write that never settles (a hung network mount) must not block every later one. */
  private withTimeout(write: Promise<void>): Promise<void> {
    let timer: unknown
    const timeout = new Promise<never>((_, reject) => {
      timer = this.deps.clock.setTimeout(
        () =>
          reject(
            new CreddError(`writing the credentials file took more than ${WRITE_TIMEOUT_MS / 1000}s`, {
              code: 'CredentialsFileWriteTimeout',
              kind: 'transient',
              fix: 'check the disk or network mount holding ~/.aws; aws-credd retries',
            }),
          ),
        WRITE_TIMEOUT_MS,
      )
    })
    return Promise.race([write, timeout]).finally(() => this.deps.clock.clearTimeout(timer))
  }

  private kick(delay: number): void {
    if (this.stopped || this.timer !== undefined || this.flushing) return
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined
      this.flush()
    }, delay)
  }

  private flush(): void {
    if (this.flushing || this.pending.size === 0) return
    const batch = [...this.pending.values()]
    this.pending.clear()
    this.flushing = this.withTimeout(this.deps.writer.apply(batch))
      .then(() => {
        this.failures = 0
        for (const u of batch) {
          this.lastError.delete(u.section)
          // Why keys are cleared (expired, profile removed, login needed) is logged by the engine.
          this.deps.logger.info(u.credentials ? `wrote credentials to [${u.section}]` : `cleared the keys in [${u.section}]`, {
            profile: u.profile,
            ...(u.credentials ? { accessKeyId: u.credentials.accessKeyId } : {}),
          })
        }
      })
      .catch((e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e))
        for (const u of batch) {
          const msg = errorLine(err)
          if (this.lastError.get(u.section) !== msg) this.deps.logger.error(msg, { profile: u.profile })
          this.lastError.set(u.section, msg)
          this.deps.onWriteError?.(u.section, err)
        }
        // A refusal is not retried: the next renewal or file change tries again.
        if (err instanceof CreddError && err.kind === 'permanent') return
        // Newer updates queued meanwhile win over the failed batch.
        for (const u of batch) if (!this.pending.has(u.section)) this.pending.set(u.section, u)
        this.failures++
      })
      .finally(() => {
        this.flushing = undefined
        if (this.pending.size > 0) {
          this.kick(this.failures ? retryDelay(this.failures, this.deps.policy, this.deps.random()) : 0)
        }
      })
  }
}
