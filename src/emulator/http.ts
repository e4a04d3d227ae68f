// The small request/response shapes the service handlers work on, so they stay
// independent of node:http and easy to read.
import type { IncomingHttpHeaders } from 'node:http'

export type ServiceName = 'sts' | 'sso' | 'oidc'

export interface EmuRequest {
  method: string
  /** Raw (still percent-encoded) path, as the client signed it. */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface EmuResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** An error a handler answers with; each service renders it in its own wire format. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): EmuResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
})

export const header = (req: EmuRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? v.join(',') : v
}

/** Body as JSON object, or a 400 in the caller's format when it is not one. */
export const jsonBody = (req: EmuRequest): Record<string, unknown> => {
  if (req.body.length === 0) return {}
  try {
    const value: unknown = JSON.parse(req.body.toString('utf8'))
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new ServiceError(400, 'InvalidRequestException', 'Request body is not a JSON object')
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)
