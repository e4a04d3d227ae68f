// What both endpoints do around their routing: answer exactly once, count the status,
// turn a thrown bug into a 500 that says nothing more, and log refusals at debug level
// (method, path and status only: headers may carry tokens).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { errorLine } from '../core/errors.js'
import type { Logger } from '../engine/ports.js'
import { prepareError, send, type EndpointName, type OnRequest, type Prepared, type RequestNote } from './reply.js'

export interface HandlerDeps {
  logger?: Logger
  onRequest?: OnRequest
}

const INTERNAL = prepareError(500, 'internal error; see the aws-credd log', 'InternalError')

export const requestHandler =
  (endpoint: EndpointName, decide: (req: IncomingMessage, note: RequestNote) => Prepared, deps: HandlerDeps) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    let answer: Prepared
    const note: RequestNote = {}
    try {
      answer = decide(req, note)
    } catch (e) {
      deps.logger?.error(`${endpoint} endpoint failed to answer: ${errorLine(e)}`)
      answer = INTERNAL
    }
    send(res, answer)
    deps.onRequest?.(endpoint, answer.status, note)
    if (answer.status >= 400)
      deps.logger?.debug(`${endpoint} endpoint answered ${answer.status}`, { method: req.method, path: pathOf(req.url) })
  }

/** The path without the query string, without building a URL object (hot path). */
export const pathOf = (url: string | undefined): string => {
  if (url === undefined) return '/'
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}
