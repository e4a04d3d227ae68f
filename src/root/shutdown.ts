// How a running daemon ends, and what the signals mean: SIGINT or SIGTERM stop it (systemd
// is told STOPPING=1, renewals and timers stop, a credentials-file write in progress and
// queued alerts get at most 1.5 s to finish, then every listener and watcher closes);
// SIGHUP re-reads the config (systemd is told RELOADING=1, then READY=1).
import type { Daemon } from '../engine/daemon.js'
import type { GrantRegistry } from '../engine/grant-registry.js'
import type { Logger } from '../engine/ports.js'
import type { LiveTerminal } from '../runtime/live-terminal.js'
import type { WallClockCheck } from '../runtime/wall-clock-check.js'
import type { Alerting } from './alerting.js'
import type { Supervisor } from './systemd-supervision.js'
import type { Watchers } from './watchers.js'

/** Everything running that the stop sequence stops, in the order it stops them. */
export interface Running {
  logger: Logger
  supervisor: Supervisor
  wallClock: WallClockCheck
  watchers: Watchers
  daemon: Daemon
  grants: GrantRegistry
  alerts: Alerting
  /** The listeners and files to close once the work in progress is done (control socket, endpoints, audit log). */
  close: () => Promise<unknown>
  live: LiveTerminal | undefined
  /** What SIGHUP does: re-read the config (the watchers' targets follow it). */
  reload: () => Promise<void>
}

/** Runs until SIGINT or SIGTERM, then stops everything in order; resolves with the exit status (0). */
export const untilStopped = (r: Running): Promise<number> =>
  new Promise<number>((done) => {
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      r.logger.info(`stopping (${signal})`)
      r.supervisor.stopping()
      r.wallClock.stop()
      r.watchers.cancelPending()
      r.daemon.stop()
      r.grants.stop()
      // Finish a write in progress (never leave a temp file) and deliver queued alerts, but never take more than 2 seconds.
      const finish = Promise.race([
        Promise.all([r.daemon.output.drain(), r.alerts.idle(), r.grants.flush()]),
        new Promise((res) => setTimeout(res, 1500).unref()),
      ])
      void finish
        .then(() => Promise.all([r.watchers.close(), r.close()]))
        .finally(() => {
          r.supervisor.close()
          r.live?.redraw()
          r.live?.stop()
          done(0)
        })
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGHUP', () => {
      r.supervisor.reloading()
      void r
        .reload()
        .then(() => r.watchers.retarget())
        .finally(() => r.supervisor.reloaded())
    })
  })
