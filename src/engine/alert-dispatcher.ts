// Hands each alert to every channel without ever making the caller wait: a slow
// or failing webhook delays neither the desktop nor the log, and renewals never
// stall on an alert. Per channel: one delivery at a time, a bounded queue, and
// a few retries with backoff on the injected clock. Every alert is redacted and
// escaped once before fan-out (cleanAlert), so no channel sees raw upstream text.
import { cleanAlert, type Alert } from '../core/alert.js'
import type { AlertChannel } from './ports.js'
import { CreddError, errorLine } from '../core/errors.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import type { Clock, Logger, TimerHandle } from './ports.js'

/** Waits before the 2nd, 3rd and 4th attempt; after the 4th failure the alert is given up. */
export const ALERT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000] as const
/** Alerts waiting behind the one being delivered, per channel; the oldest is dropped past this. */
export const ALERT_QUEUE_LIMIT = 20
/** A channel whose send() never settles (its own timeouts failed) is treated as failed after this. */
export const ALERT_DELIVERY_DEADLINE_MS = 60_000

export interface AlertDispatcherDeps {
  channels: AlertChannel[]
  clock: Clock
  logger: Logger
  /** Uniform in [0, 1): spreads retries by ±20% (0.5 gives the exact delays). */
  random: () => number
  /** The daemon's registered secrets, redacted from every alert before fan-out. */
  secrets: SecretRegistry
}

interface Lane {
  channel: AlertChannel
  queue: Alert[]
  /** The alert being delivered or waiting for its retry. */
  current?: { alert: Alert; attempt: number }
  /** Set while a send() runs; a late answer from an abandoned one is ignored. */
  inFlight?: { deadline: TimerHandle }
  retry?: TimerHandle
}

export class AlertDispatcher {
  private readonly lanes: Lane[]
  private stopped = false
  private idleWaiters: Array<() => void> = []

  constructor(private readonly deps: AlertDispatcherDeps) {
    this.lanes = deps.channels.map((channel) => ({ channel, queue: [] }))
  }

  /** Returns at once and never throws. Ignored after stop(). */
  send(raw: Alert): void {
    try {
      if (this.stopped) return
      const alert = cleanAlert(raw, this.deps.secrets)
      for (const lane of this.lanes) {
        lane.queue.push(alert)
        if (lane.queue.length > ALERT_QUEUE_LIMIT) {
          const dropped = lane.queue.shift()!
          this.deps.logger.warn(
            `alert queue for ${lane.channel.name} is full (${ALERT_QUEUE_LIMIT}); dropped the oldest alert (${dropped.event})`,
            {
              channel: lane.channel.name,
              event: dropped.event,
            },
          )
        }
        this.pump(lane)
      }
    } catch (e) {
      // Only a broken logger or clock gets here; the caller must still not see it.
      try {
        this.deps.logger.error(`alert dispatch failed: ${errorLine(e)}`)
      } catch {
        // nothing left to tell
      }
    }
  }

  /** Cancels pending retries and drops queued alerts; deliveries already running finish. */
  stop(): void {
    this.stopped = true
    for (const lane of this.lanes) {
      if (lane.retry !== undefined) this.deps.clock.clearTimeout(lane.retry)
      lane.retry = undefined
      lane.queue = []
      if (!lane.inFlight) lane.current = undefined
    }
    this.checkIdle()
  }

  /**
   * Resolves when no delivery runs and none can start without time passing: an
   * alert waiting for its retry timer does not count (advance the clock, then
   * call idle() again). After stop(), it waits only for running deliveries.
   */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private isIdle(): boolean {
    return this.lanes.every((l) => !l.inFlight && (l.current === undefined ? l.queue.length === 0 : l.retry !== undefined))
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  private pump(lane: Lane): void {
    if (lane.inFlight || lane.retry !== undefined) return
    if (!lane.current) {
      const next = lane.queue.shift()
      if (!next) return this.checkIdle()
      lane.current = { alert: next, attempt: 0 }
    }
    const current = lane.current
    current.attempt++
    const token = {
      deadline: this.deps.clock.setTimeout(
        () => done(new Error(`${lane.channel.name} did not finish within ${ALERT_DELIVERY_DEADLINE_MS / 1000}s`)),
        ALERT_DELIVERY_DEADLINE_MS,
      ),
    }
    lane.inFlight = token
    const done = (error?: unknown): void => {
      if (lane.inFlight !== token) return // settled already (deadline, or a late answer)
      this.deps.clock.clearTimeout(token.deadline)
      lane.inFlight = undefined
      if (error === undefined) {
        if (current.attempt > 1)
          this.deps.logger.info(`alert delivered by ${lane.channel.name} on attempt ${current.attempt}`, {
            channel: lane.channel.name,
            event: current.alert.event,
          })
        lane.current = undefined
      } else {
        this.failed(lane, current, error)
      }
      this.pump(lane)
      this.checkIdle() // pump() returns early while a retry waits
    }
    // A channel that throws synchronously is a failure like any other.
    Promise.resolve()
      .then(() => lane.channel.send(current.alert))
      .then(
        () => done(),
        (e: unknown) => done(e ?? new Error('failed')),
      )
  }

  private failed(lane: Lane, current: { alert: Alert; attempt: number }, error: unknown): void {
    const name = lane.channel.name
    const reason = errorLine(error)
    const fields = { channel: name, event: current.alert.event, attempt: current.attempt }
    const permanent = error instanceof CreddError && error.kind === 'permanent'
    const delay = ALERT_RETRY_DELAYS_MS[current.attempt - 1]
    if (permanent || delay === undefined || this.stopped) {
      const why = permanent ? 'not retried' : this.stopped ? 'stopping, not retried' : `giving up after ${current.attempt} attempts`
      this.deps.logger.error(`alert not delivered by ${name} (${why}): ${reason}`, fields)
      lane.current = undefined
      return
    }
    const wait = Math.round(delay * (0.8 + 0.4 * clamp01(this.deps.random())))
    this.deps.logger.warn(
      `alert delivery by ${name} failed (attempt ${current.attempt}), retrying in ${Math.round(wait / 1000)}s: ${reason}`,
      fields,
    )
    lane.retry = this.deps.clock.setTimeout(() => {
      lane.retry = undefined
      this.pump(lane)
    }, wait)
  }
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0.5)
