// POSTs each alert as JSON to a URL: Slack and Mattermost incoming webhooks show
// its `text`; anything else can read the fields. Webhook URLs embed secrets
// (Slack's /services/T…/B…/XXXX), so errors name only scheme://host.
import { AlertChannelError, ConfigError, firstLine } from '../core/errors.js'
import { cleanAlert, type Alert } from '../core/alert.js'
import type { AlertChannel } from '../engine/ports.js'
import { awsTimestamp } from '../core/aws-time.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import { alertText } from './format.js'

export const WEBHOOK_TIMEOUT_MS = 10_000
/** Most bytes of an answer's body read: enough for a status word, never a body that does not end. */
export const WEBHOOK_BODY_KEEP = 4096

export interface WebhookOptions {
  url: string
  headers?: Record<string, string>
  timeoutMs?: number
  /** Node's global fetch unless a test passes another. */
  fetch?: typeof fetch
  /** The daemon's registered secrets, redacted from every text sent. */
  secrets: SecretRegistry
}

/** The JSON body sent for `alert`, every text redacted and escaped (cleanAlert). */
export const webhookBody = (alert: Alert, secrets: SecretRegistry): Record<string, unknown> => {
  const a = cleanAlert(alert, secrets)
  return {
    event: a.event,
    message: a.message,
    text: alertText(a, secrets),
    ssoSession: a.ssoSession,
    profile: a.profile,
    profiles: a.profiles,
    verificationUriComplete: a.verificationUriComplete,
    userCode: a.userCode,
    fix: a.fix,
    time: awsTimestamp(a.at),
  }
}

/** scheme://host[:port] only: no user, password, path or query. */
export const safeOrigin = (url: URL): string => `${url.protocol}//${url.host}`

const FIX = 'check alerts.webhook.url and alerts.webhook.headers in the daemon config'

/** The part of an answer's body safe to show: a short status word such as Slack's `no_service`. */
const bodyHint = (body: string): string => (/^[\w .:-]{1,80}$/.test(body.trim()) ? ` (${body.trim()})` : '')

/** The reason a fetch failed, without the URL parts undici may quote in its messages. */
const networkReason = (e: unknown, timeoutMs: number, secrets: string[]): string => {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return `no answer within ${timeoutMs / 1000}s`
  const cause = e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined
  if (cause && typeof cause.code === 'string') return `request failed: ${cause.code}`
  const text = firstLine(String(cause?.message ?? (e instanceof Error ? e.message : e)), 120)
  return `request failed: ${secrets.some((s) => text.includes(s)) ? 'network error' : text}`
}

/**
 * Reads a body up to `cap` bytes (the chunk that crosses it included), then cancels the rest:
 * a webhook answering with an endless or huge body cannot grow the daemon. Returns the text
 * of the first `cap` bytes and how many bytes were read.
 */
export const readCapped = async (body: ReadableStream<Uint8Array> | null, cap: number): Promise<{ text: string; bytes: number }> => {
  if (body === null) return { text: '', bytes: 0 }
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let bytes = 0
  try {
    while (bytes < cap) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      bytes += value.byteLength
    }
  } finally {
    // Stops the transfer (the connection is dropped instead of reused); a no-op on a finished body.
    await reader.cancel().catch(() => undefined)
  }
  return { text: Buffer.concat(chunks).subarray(0, cap).toString('utf8'), bytes }
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

export const webhookChannel = (opts: WebhookOptions): AlertChannel => {
  let url: URL
  try {
    url = new URL(opts.url)
  } catch {
    throw new ConfigError('alerts.webhook.url is not a valid URL', 'set it to the full https:// address of the webhook')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(
      `alerts.webhook.url must start with https:// or http://, not ${url.protocol}//`,
      'set it to the full https:// address of the webhook',
    )
  }
  // fetch refuses URLs with user:password@; send them as Basic auth instead.
  const basic = url.username || url.password ? Buffer.from(`${decode(url.username)}:${decode(url.password)}`).toString('base64') : undefined
  // Everything in the URL but scheme://host is treated as secret.
  const urlSecrets = [url.href, url.username, url.password, url.pathname, url.search, url.hash].filter((s) => s.length > 1)
  url.username = ''
  url.password = ''
  let headers: Headers
  try {
    headers = new Headers(opts.headers)
  } catch {
    // The message of Headers' TypeError may quote a value, and values are often tokens.
    throw new ConfigError('alerts.webhook.headers holds an invalid header name or value', 'use plain header names and single-line values')
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  if (basic && !headers.has('authorization')) headers.set('authorization', `Basic ${basic}`)
  const origin = safeOrigin(url)
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS
  const doFetch = opts.fetch ?? fetch
  const name = 'webhook'
  return {
    name,
    send: async (a) => {
      let res: Response
      let body = ''
      const signal = AbortSignal.timeout(timeoutMs)
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(webhookBody(a, opts.secrets)),
          signal,
          redirect: 'manual', // a redirect would resend the alert somewhere the config does not name
        })
        // Read (a short body lets the socket return to the pool), but never more than a few KiB.
        body = (await readCapped(res.body, WEBHOOK_BODY_KEEP)).text
      } catch (e) {
        throw new AlertChannelError(name, `${origin} ${networkReason(e, timeoutMs, urlSecrets)}`, { fix: FIX })
      }
      if (res.ok) return
      // A redirect or a 4xx (revoked URL, bad token) will answer the same again; 408/429 and 5xx may not.
      const permanent = res.status < 500 && res.status !== 408 && res.status !== 429
      throw new AlertChannelError(name, `${origin} answered HTTP ${res.status}${bodyHint(body)}`, {
        fix: FIX,
        kind: permanent ? 'permanent' : 'transient',
      })
    },
  }
}
