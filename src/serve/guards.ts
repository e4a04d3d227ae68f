// Checks every request passes before any credentials are looked at. Each stops one
// way for something other than a local SDK to reach the keys; a refusal is a JSON
// message that echoes nothing the client sent.
import type { IncomingHttpHeaders } from 'node:http'
import { isIP } from 'node:net'
import type { Refusal } from './reply.js'

export interface GuardConfig {
  /** The configured listen host (TCP); undefined on a unix socket. */
  listenHost?: string
  /** The listener is on a non-loopback host on purpose (the caller warned): peers may be remote. */
  allowRemote?: boolean
  /** Unix socket: the socket's mode is the access check, and no browser can reach it. */
  unixSocket?: boolean
}

const isLoopbackV4 = (s: string): boolean => {
  const parts = s.split('.')
  return parts.length === 4 && parts[0] === '127' && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)
}

/** 127.0.0.0/8 and ::1, also as an IPv4-mapped IPv6 address (how a dual-stack socket reports it). */
export const isLoopbackAddress = (addr: string): boolean => {
  if (addr === '127.0.0.1' || addr === '::ffff:127.0.0.1') return true // nearly every request
  const a = addr.toLowerCase()
  if (a === '::1') return true
  return isLoopbackV4(a.startsWith('::ffff:') ? a.slice(7) : a)
}

export const isWildcardHost = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '[::]'

/** The name part of a Host header: `[::1]:80` → `::1`, `LocalHost:80` → `localhost`; undefined when malformed. */
export const hostName = (header: string): string | undefined => {
  const h = header.toLowerCase()
  const m = h.startsWith('[') ? /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(h) : /^([^:]+)(?::(\d{1,5}))?$/.exec(h)
  return m?.[1]
}

const unbracket = (h: string): string => h.replace(/^\[(.*)\]$/, '$1').toLowerCase()

// Stops remote peers when the listener is meant to be local only (e.g. a host firewall hole or a NAT rule).
export const checkRemoteAddress = (remote: string | undefined, cfg: GuardConfig): Refusal | undefined => {
  if (cfg.unixSocket || cfg.allowRemote) return undefined
  if (remote !== undefined && isLoopbackAddress(remote)) return undefined
  return { status: 403, message: 'only local clients are served' }
}

// Stops DNS rebinding: a web page whose name re-resolves to 127.0.0.1 sends its own name as Host
// (aws-vault issue 578). An IP literal cannot be rebound, so a wildcard listener accepts any.
export const checkHost = (host: string | undefined, cfg: GuardConfig): Refusal | undefined => {
  if (cfg.unixSocket) return undefined
  const name = host === undefined ? undefined : hostName(host)
  if (name !== undefined) {
    if (name === 'localhost' || isLoopbackAddress(name)) return undefined
    if (cfg.listenHost !== undefined && name === unbracket(cfg.listenHost)) return undefined
    if (cfg.listenHost !== undefined && isWildcardHost(cfg.listenHost) && isIP(name) !== 0) return undefined
  }
  return { status: 403, message: 'Host header must name this machine (localhost or a loopback address)' }
}

// Stops any browser request (cross-site fetch, form, rebinding): browsers send Origin or Sec-Fetch-*, SDKs never do.
export const checkNotBrowser = (headers: IncomingHttpHeaders): Refusal | undefined => {
  // Browsers send Sec-Fetch-Site/-Dest on every request; Node's own fetch (undici) sends only
  // Sec-Fetch-Mode, so that one alone must not shut out Node programs.
  if (headers.origin !== undefined || headers['sec-fetch-site'] !== undefined || headers['sec-fetch-dest'] !== undefined)
    return { status: 403, message: 'requests from web browsers are refused' }
  return undefined
}

// Stops request smuggling and memory use through bodies: no route here takes one.
export const checkNoBody = (headers: IncomingHttpHeaders): Refusal | undefined => {
  const length = headers['content-length']
  if (headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0'))
    return { status: 400, message: 'requests with a body are refused', headers: { connection: 'close' } }
  return undefined
}

/** All the checks above, cheapest first; the first refusal wins. */
export const guardRequest = (remote: string | undefined, headers: IncomingHttpHeaders, cfg: GuardConfig): Refusal | undefined =>
  checkRemoteAddress(remote, cfg) ?? checkHost(headers.host, cfg) ?? checkNotBrowser(headers) ?? checkNoBody(headers)

/**
 * guardRequest for one listener, remembering the few Host values it accepted (a client sends
 * the same one every time), so the hot path compares a string instead of parsing it.
 */
export const requestGuard = (cfg: GuardConfig): ((remote: string | undefined, headers: IncomingHttpHeaders) => Refusal | undefined) => {
  const goodHosts = new Set<string>()
  return (remote, headers) => {
    const refused = checkRemoteAddress(remote, cfg)
    if (refused) return refused
    const host = headers.host
    if (host === undefined || !goodHosts.has(host)) {
      const bad = checkHost(host, cfg)
      if (bad) return bad
      if (goodHosts.size < 16) goodHosts.add(host!)
    }
    return checkNotBrowser(headers) ?? checkNoBody(headers)
  }
}

// Stops memory exhaustion and header-parsing tricks: the server refuses bigger headers with 431
// (passed to http.createServer as maxHeaderSize; SDK requests are a few hundred bytes).
export const MAX_HEADER_BYTES = 8 * 1024
