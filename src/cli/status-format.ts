// What `aws-credd status` prints: the daemon's status view as two plain tables (no
// colours, so it pastes into a ticket), times relative to `now`. Pure: view and `now`
// in, text out. Every cell passes the outgoing-text gate (an upstream error in LAST
// ERROR may carry an escape sequence meant for the terminal).
import stringWidth from 'string-width'
import { outgoingText, type SecretRegistry } from '../core/outgoing-text.js'
import { formatDuration } from '../core/duration.js'
import type { StatusView } from '../engine/ports.js'

/** The status answer of the control socket: the view plus what only the daemon process knows. */
export interface StatusAnswer extends StatusView {
  pid?: number
  containerEndpoint?: { url: string; tokenFile: string }
  imdsEndpoint?: string
}

const NONE = '-'

/** "59m 30s", "expired 3m ago", "never" (long-term keys), or "-" when unknown. */
export const expiresIn = (at: number | undefined, now: number, neverWhenAbsent = false): string => {
  if (at === undefined) return neverWhenAbsent ? 'never' : NONE
  return at > now ? formatDuration(at - now) : `expired ${formatDuration(now - at)} ago`
}

/** "in 44m 10s", or "due now" once the time has come. */
export const dueIn = (at: number | undefined, now: number): string => {
  if (at === undefined) return NONE
  return at > now ? `in ${formatDuration(at - now)}` : 'due now'
}

/**
 * Left-aligned columns two spaces apart; the last one is not padded (it holds long
 * messages). Widths are terminal columns, not UTF-16 units: a CJK profile name takes two per character.
 * Cells are redacted and escaped to one line first (core/outgoing-text.ts, with `secrets`), so widths count what is shown.
 */
export const table = (head: string[], dirty: string[][], secrets: SecretRegistry): string => {
  const rows = dirty.map((r) => r.map((c) => outgoingText(c, { secrets })))
  const widths = head.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i] ?? ''))))
  const pad = (c: string, w: number): string => c + ' '.repeat(Math.max(0, w - stringWidth(c)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(head), ...rows.map(line)].join('\n')
}

const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ')

const profileRows = (v: StatusView, now: number): string[][] =>
  v.profiles.map((p) => [
    p.profile,
    p.source,
    p.health,
    // Served credentials without an expiry are long-term keys.
    expiresIn(p.expiresAt, now, p.health === 'fresh' || p.health === 'renewing-failed'),
    dueIn(p.nextRenewalAt, now),
    p.lastError ? oneLine(p.lastError) : NONE,
  ])

const sessionRows = (v: StatusView, now: number): string[][] =>
  v.ssoSessions.map((s) => {
    const why = s.state === 'logging-in' && s.verificationUriComplete ? `open ${s.verificationUriComplete}` : s.reason
    const more = s.lastError && s.lastError !== s.reason ? `; last error: ${s.lastError}` : ''
    return [s.label, s.state, expiresIn(s.tokenExpiresAt, now), s.profiles.join(',') || NONE, oneLine(why + more)]
  })

/** The status tables; `secrets`: whose registered secrets to redact (the command's own, or the daemon's for the live table). */
export const formatStatus = (v: StatusAnswer, now: number, secrets: SecretRegistry): string => {
  const parts: string[] = []
  parts.push(
    v.profiles.length > 0
      ? table(['PROFILE', 'SOURCE', 'STATE', 'EXPIRES IN', 'NEXT RENEWAL', 'LAST ERROR'], profileRows(v, now), secrets)
      : 'No profiles kept: the daemon keeps the profiles with temporary credentials in the AWS config file, or those listed in its config.',
  )
  if (v.ssoSessions.length > 0)
    parts.push(table(['SESSION', 'STATE', 'TOKEN EXPIRES IN', 'PROFILES', 'REASON/LINK'], sessionRows(v, now), secrets))
  const facts: string[] = []
  if (v.containerEndpoint)
    facts.push(`container endpoint: ${v.containerEndpoint.url}/v1/credentials/PROFILE (token file ${v.containerEndpoint.tokenFile})`)
  if (v.imdsEndpoint) facts.push(`IMDSv2 endpoint: ${v.imdsEndpoint}`)
  if (v.pid !== undefined) facts.push(`daemon pid ${v.pid}`)
  if (facts.length > 0) parts.push(facts.map((f) => outgoingText(f, { secrets })).join('\n'))
  return `${parts.join('\n\n')}\n`
}
