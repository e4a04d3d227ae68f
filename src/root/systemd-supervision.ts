// What `run` tells systemd (Type=notify): READY=1 once every profile was resolved
// once or has a definite error (or after READY_DEADLINE, so a slow upstream cannot
// fail the start), STATUS= whenever the one-line summary changes, WATCHDOG=1 at half
// of WatchdogSec, RELOADING=1/READY=1 around SIGHUP, STOPPING=1 on the way out.
// Outside systemd every call is a no-op.
import type { Logger } from '../engine/ports.js'
import { statusLine } from '../engine/status-view.js'
import type { StatusView } from '../engine/ports.js'
import { createNotifier, watchdogInterval } from '../runtime/systemd-notify.js'

const READY_DEADLINE_MS = 60_000
const STATUS_EVERY_MS = 2_000

export interface Supervisor {
  reloading(): void
  reloaded(): void
  stopping(): void
  close(): void
}

export const superviseUnderSystemd = (
  env: NodeJS.ProcessEnv,
  logger: Logger,
  view: () => StatusView,
  ready: () => { ready: boolean },
): Supervisor => {
  const notifier = createNotifier(env, (msg) => logger.warn(msg))
  if (!notifier.active) return { reloading: () => undefined, reloaded: () => undefined, stopping: () => undefined, close: () => undefined }
  if (notifier.via === 'systemd-notify') {
    logger.info(
      'systemd notifications go through the systemd-notify tool (npm did not build the unix-dgram addon); the unit needs NotifyAccess=all, as the shipped units set',
    )
  }
  const startedAt = Date.now()
  let isReady = false
  let lastStatus = ''
  const tick = (): void => {
    const line = statusLine(view())
    if (!isReady && (ready().ready || Date.now() - startedAt > READY_DEADLINE_MS)) {
      isReady = true
      lastStatus = line
      return notifier.send({ READY: '1', STATUS: line, MAINPID: String(process.pid) })
    }
    if (isReady && line !== lastStatus) {
      lastStatus = line
      notifier.send({ STATUS: line })
    }
  }
  const status = setInterval(tick, 250)
  status.unref()
  // Fast while waiting for READY, then every STATUS_EVERY_MS.
  const slow = setInterval(() => {
    if (isReady) {
      clearInterval(status)
      clearInterval(slow)
      const every = setInterval(tick, STATUS_EVERY_MS)
      every.unref()
      timers.push(every)
    }
  }, 500)
  slow.unref()
  const timers: NodeJS.Timeout[] = [status, slow]
  const dog = watchdogInterval(env)
  if (dog !== undefined) {
    const ping = setInterval(() => notifier.send({ WATCHDOG: '1' }), dog)
    ping.unref()
    timers.push(ping)
  }
  tick()
  return {
    reloading: () =>
      notifier.send({ RELOADING: '1', MONOTONIC_USEC: String(process.hrtime.bigint() / 1000n), STATUS: 'reloading the config' }),
    // Before the first READY=1, a reload must not declare the start finished: tick() does that.
    reloaded: () => (isReady ? notifier.send({ READY: '1', STATUS: statusLine(view()) }) : notifier.send({ STATUS: statusLine(view()) })),
    stopping: () => notifier.send({ STOPPING: '1', STATUS: 'stopping' }),
    close: () => {
      for (const t of timers) clearInterval(t)
      notifier.close()
    },
  }
}
