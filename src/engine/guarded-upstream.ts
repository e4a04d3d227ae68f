// Wraps any Upstream with the guarantees the engine relies on: a call never
// hangs the engine (a hung call would hold its link's single flight forever);
// a call that timed out is not started again while it is still running (a hung
// credential_process would otherwise leave one child behind per retry); and
// every secret that passes through is known to the log redactor before any
// line could mention it.
import { secretsOf, type Credentials } from '../core/credentials.js'
import { UpstreamError } from '../core/errors.js'
import type { Link, LinkId } from '../core/links.js'
import type { Clock, SecretSink, Upstream } from './ports.js'

export const UPSTREAM_TIMEOUT_MS = 60_000

export const guardUpstream = (inner: Upstream, clock: Clock, secrets: SecretSink, timeoutMs = UPSTREAM_TIMEOUT_MS): Upstream => {
  const running = new Map<LinkId, Promise<Credentials>>()
  return {
    async fetch(link: Link, source: Credentials | undefined): Promise<Credentials> {
      // Source secrets are re-registered at each use, so long-lived ones (static keys)
      // never age out of the redactor's bounded memory.
      if (source) for (const s of secretsOf(source)) secrets.register(s)
      let call = running.get(link.id)
      if (!call) {
        call = inner.fetch(link, source)
        running.set(link.id, call)
        const forget = (): void => {
          if (running.get(link.id) === call) running.delete(link.id)
        }
        call.then(forget, forget)
      }
      let timer: unknown
      const timeout = new Promise<never>((_, reject) => {
        timer = clock.setTimeout(
          () =>
            reject(
              new UpstreamError(link.profile, `profile "${link.profile}": no answer within ${timeoutMs / 1000}s`, {
                code: 'Timeout',
                kind: 'transient',
                fix: 'check network access to the endpoint (or what credential_process runs); aws-credd retries with backoff',
              }),
            ),
          timeoutMs,
        )
      })
      try {
        const creds = await Promise.race([call, timeout])
        for (const s of secretsOf(creds)) secrets.register(s)
        return creds
      } finally {
        clock.clearTimeout(timer)
      }
    },
  }
}
