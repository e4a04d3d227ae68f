// How engine events read in the log: one line each, quiet when a failure repeats.
import { formatDuration } from '../core/duration.js'
import { errorLine } from '../core/errors.js'
import type { EngineEvent } from './ports.js'
import type { Logger } from './ports.js'

/** `isRoot(profile, link)`: the link yields a kept profile's credentials (others are logged at debug). */
export const logEvent = (logger: Logger, e: EngineEvent, isRoot: (profile: string, link: string) => boolean, now: number): void => {
  switch (e.type) {
    case 'renewed': {
      const life = e.expiresAt === undefined ? 'does not expire' : `expires in ${formatDuration(e.expiresAt - now)}`
      const line = `${e.first ? 'obtained' : 'renewed'} ${e.kind} credentials, ${life}`
      if (isRoot(e.profile, e.link)) logger.info(line, { profile: e.profile })
      else logger.debug(line, { profile: e.profile, link: e.link })
      return
    }
    case 'failed': {
      // A permanent failure waits for a change; its rare recheck is not a countdown worth showing.
      const next =
        e.retryAt === undefined
          ? {}
          : e.kind === 'transient'
            ? { retryIn: formatDuration(e.retryAt - now) }
            : { waiting: 'for a change (or a recheck)' }
      const fields = { profile: e.profile, code: e.error.code, kind: e.kind, attempt: e.attempt, ...next }
      if (e.repeated) logger.debug(errorLine(e.error), fields)
      else if (e.kind === 'permanent') logger.error(errorLine(e.error), fields)
      else logger.warn(errorLine(e.error), fields)
      return
    }
    case 'recovered':
      logger.info(`recovered after ${formatDuration(e.downFor)}`, { profile: e.profile })
      return
    case 'expired':
      logger.warn('credentials expired before a renewal succeeded; removed from outputs until one does', { profile: e.profile })
      return
    case 'profile-error':
      logger.error(e.keptLastGood ? `${errorLine(e.error)} (keeping its last good definition until this is fixed)` : errorLine(e.error), {
        profile: e.profile,
        code: e.error.code,
      })
  }
}
