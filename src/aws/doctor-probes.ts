// The network side of `aws-credd doctor`: one unsigned GET per endpoint, with a
// hard timeout, recording whether anything answered, its status and its `Date`
// header (for clock skew). Sends no credentials, no signature, no token: an
// Authorization-less GET gets an error page from every AWS endpoint, which is
// enough to know it is there and what time it thinks it is.
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { ProbeResult, ProbeTarget } from '../core/doctor/facts.js'
import { firstLine } from '../core/errors.js'

export const PROBE_TIMEOUT_MS = 5_000

const codeOf = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException
  return err.code ?? (err.message ? firstLine(err.message) : 'error')
}

/** GET `target.url`; never rejects. `now` is the clock the times are read from. */
export const probe = (target: ProbeTarget, timeoutMs = PROBE_TIMEOUT_MS, now: () => number = Date.now): Promise<ProbeResult> =>
  new Promise((resolve) => {
    const sentAt = now()
    let url: URL
    try {
      url = new URL(target.url)
    } catch {
      resolve({ target, answered: false, sentAt, receivedAt: sentAt, error: 'not a valid URL' })
      return
    }
    let done = false
    const finish = (r: Omit<ProbeResult, 'target' | 'sentAt'>): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve({ target, sentAt, ...r })
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest
    // agent: false, so no keep-alive socket holds the command open once it has its answer.
    const req = request(
      url,
      { method: 'GET', agent: false, headers: { 'user-agent': 'aws-credd-doctor', accept: '*/*' } },
      (res: IncomingMessage) => {
        const receivedAt = now()
        const date = res.headers.date !== undefined ? Date.parse(res.headers.date) : NaN
        res.resume()
        req.destroy()
        finish({ answered: true, status: res.statusCode ?? 0, receivedAt, ...(Number.isFinite(date) ? { serverDate: date } : {}) })
      },
    )
    const timer = setTimeout(() => {
      req.destroy()
      finish({ answered: false, receivedAt: now(), error: `no answer within ${Math.round(timeoutMs / 1000)} s` })
    }, timeoutMs)
    req.on('error', (e) => finish({ answered: false, receivedAt: now(), error: codeOf(e) }))
    req.end()
  })

/** Every target at once; the slowest takes at most `timeoutMs`. */
export const probeAll = (targets: ProbeTarget[], timeoutMs = PROBE_TIMEOUT_MS, now: () => number = Date.now): Promise<ProbeResult[]> =>
  Promise.all(targets.map((t) => probe(t, timeoutMs, now)))
