// The one way the endpoints answer: fixed headers (never cached, never CORS, never
// sniffed), JSON refusals that name the problem without echoing anything sent to
// us, and a count per status for metrics. Every error text passes the outgoing-text
// gate here (an upstream error quoted in a 503 may carry a secret or an escape);
// the credential bodies (200) do not: they are prepared once per renewal.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { outgoingText, SecretRegistry } from '../core/outgoing-text.js'

export type EndpointName = 'container' | 'imds'

/** Who asked for what, filled in by a decider for the audit log and the per-consumer metrics. */
export interface RequestNote {
  /** The grant's name once a token matched one. */
  consumer?: string
  /** The grant's metrics label (per-run grants share one). */
  consumerLabel?: string
  profile?: string
}

/** Called once per answered request (including refusals), e.g. to count by status. */
export type OnRequest = (endpoint: EndpointName, status: number, note?: RequestNote) => void

/** A refusal decided before any credentials are looked at. */
export interface Refusal {
  status: number
  message: string
  /** Extra headers, e.g. `allow` on a 405. */
  headers?: OutgoingHttpHeaders
}

/** An answer built once and sent many times (the hot path writes no JSON per request). */
export interface Prepared {
  status: number
  body: Buffer
  headers: OutgoingHttpHeaders
}

const COMMON = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const

export const prepare = (status: number, contentType: string, body: string | Buffer, extra: OutgoingHttpHeaders = {}): Prepared => {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  return { status, body: bytes, headers: { ...COMMON, 'content-type': contentType, 'content-length': bytes.length, ...extra } }
}

export const prepareJson = (status: number, value: unknown, extra?: OutgoingHttpHeaders): Prepared =>
  prepare(status, 'application/json', JSON.stringify(value), extra)

/**
 * `{"message": ...}` plus a stable `code` for programs, for a text that may quote something
 * from outside (an upstream error, a request path): message and code redacted and escaped
 * (core/outgoing-text.ts), `secrets` being the daemon's registered secrets.
 */
export const prepareQuotingError = (
  secrets: SecretRegistry,
  status: number,
  message: string,
  code?: string,
  extra?: OutgoingHttpHeaders,
): Prepared => {
  const clean = outgoingText(message, { secrets })
  return prepareJson(status, code ? { message: clean, code: outgoingText(code, { secrets }) } : { message: clean }, extra)
}

/**
 * The same for a text written here, which quotes nothing from outside and so can hold no
 * registered secret: it still passes the gate (names and shapes, escapes), with an empty registry.
 */
export const prepareError = (status: number, message: string, code?: string, extra?: OutgoingHttpHeaders): Prepared =>
  prepareQuotingError(new SecretRegistry(), status, message, code, extra)

export const send = (res: ServerResponse, answer: Prepared): void => {
  res.writeHead(answer.status, answer.headers)
  res.end(answer.body)
}

export const refusalAnswer = (r: Refusal): Prepared => prepareError(r.status, r.message, undefined, r.headers)
