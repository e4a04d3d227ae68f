// Wraps any Upstream with the two guarantees the engine relies on: a call
// never hangs (a hung call would hold its link's single flight forever), and
// every secret that passes through is known to the log redactor before any
// line could mention it.
import { secretsOf, type Credentials } from '../core/credentials.js'
import { UpstreamError } from '../core/errors.js'
import type { Link } from '../core/links.js'
import type { Clock, Upstream } from './ports.js'

export const UPSTREAM_TIMEOUT_MS = 60_000

export const guardUpstream = (
  inner: Upstream,
  clock: Clock,
  registerSecret: (s: string) => void,
  timeoutMs = UPSTREAM_TIMEOUT_MS,
): Upstream => ({
  async fetch(link: Link, source: Credentials | undefined): Promise<Credentials> {
    let timer: unknown
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(
        () =>
          reject(
            new UpstreamError(link.profile, `profile "${link.profile}": no answer within ${timeoutMs / 1000}s`, {
              code: 'Timeout',
              kind: 'transient',
              fix: 'check network access to the endpoint; aws-credd retries with backoff',
            }),
          ),
        timeoutMs,
      )
    })
    try {
      const creds = await Promise.race([inner.fetch(link, source), timeout])
      for (const s of secretsOf(creds)) registerSecret(s)
      return creds
    } finally {
      clock.clearTimeout(timer)
    }
  },
})
