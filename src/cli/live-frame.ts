// The live table `aws-credd run` draws at the bottom of a terminal: one header
// line, the profiles and the SSO sessions. Pure: view, `now` and the terminal's
// width in, lines out. Every line is cut to the width, because the redraw moves
// the cursor up by the number of lines it drew, and a wrapped line would break
// that count. Text from the view passes the outgoing-text gate (table() and the
// header): an escape sequence in a profile or SSO reason could move the cursor too.
import stringWidth from 'string-width'
import { outgoingText, type SecretRegistry } from '../core/outgoing-text.js'
import type { StatusView } from '../engine/ports.js'
import { dueIn, expiresIn, table } from './status-format.js'
import { statusLine } from '../engine/status-view.js'

export interface FrameOptions {
  /** Terminal width in columns. */
  columns: number
  /** ANSI colours for states (off with NO_COLOR). */
  color: boolean
  /** Wall-clock time shown in the header, e.g. "14:02:11". */
  clock: string
  /** The daemon's registered secrets, redacted from every cell. */
  secrets: SecretRegistry
}

const GREEN = '\x1b[32m'
const YELLOW = '\x1b[33m'
const RED = '\x1b[31m'
const DIM = '\x1b[2m'
const RESET = '\x1b[0m'

const STATE_COLOR: Record<string, string> = {
  fresh: GREEN,
  pending: YELLOW,
  'renewing-failed': YELLOW,
  expiring: YELLOW,
  'logging-in': YELLOW,
  unavailable: RED,
  'relogin-required': RED,
}

/** Cuts a plain line to `width` terminal columns, marking the cut (a wrapped line would break the in-place redraw). */
export const fit = (line: string, width: number): string => {
  if (stringWidth(line) <= width) return line
  let out = ''
  let used = 0
  for (const ch of line) {
    const w = stringWidth(ch)
    if (used + w > width - 1) break
    out += ch
    used += w
  }
  return `${out}…`
}

/**
 * Colours the state words of a table line. Done after cutting, on the words that
 * survived the cut, so escape codes never count against the width.
 */
const paint = (line: string, states: string[]): string => {
  for (const s of states) {
    const c = STATE_COLOR[s]
    if (c && line.includes(`  ${s}  `)) return line.replace(`  ${s}  `, `  ${c}${s}${RESET}  `)
  }
  return line
}

export const liveFrame = (v: StatusView, now: number, opts: FrameOptions): string[] => {
  const width = Math.max(1, opts.columns - 1)
  const rule = '─'.repeat(width)
  const lines: string[] = [
    rule,
    fit(outgoingText(`aws-credd ${opts.clock} · ${statusLine(v)} · Ctrl-C stops`, { secrets: opts.secrets }), width),
  ]
  const states: string[] = []
  // Whole seconds: a countdown in milliseconds flickers at a 1-second redraw.
  const sec = (at: number | undefined): number | undefined => (at === undefined ? undefined : now + Math.ceil((at - now) / 1000) * 1000)
  if (v.profiles.length > 0) {
    const rows = v.profiles.map((p) => {
      states.push(p.health)
      const long = p.health === 'fresh' || p.health === 'renewing-failed'
      return [p.profile, p.source, p.health, expiresIn(sec(p.expiresAt), now, long), dueIn(sec(p.nextRenewalAt), now)]
    })
    lines.push(
      ...table(['PROFILE', 'SOURCE', 'STATE', 'EXPIRES IN', 'NEXT RENEWAL'], rows, opts.secrets)
        .split('\n')
        .map((l) => fit(l, width)),
    )
  } else lines.push(fit('no profiles kept yet: add temporary profiles to ~/.aws/config, or list them in the config', width))
  if (v.ssoSessions.length > 0) {
    const rows = v.ssoSessions.map((s) => {
      states.push(s.state)
      const next =
        s.state === 'logging-in' && s.verificationUriComplete
          ? `open ${s.verificationUriComplete}`
          : s.nextRefreshAt !== undefined
            ? dueIn(sec(s.nextRefreshAt), now)
            : s.reason
      return [s.label, s.state, expiresIn(sec(s.tokenExpiresAt), now), next]
    })
    lines.push(
      ...table(['SSO SESSION', 'STATE', 'TOKEN EXPIRES IN', 'NEXT REFRESH / ACTION'], rows, opts.secrets)
        .split('\n')
        .map((l) => fit(l, width)),
    )
  }
  if (!opts.color) return lines
  return lines.map((l, i) => (i === 0 ? `${DIM}${l}${RESET}` : paint(l, states)))
}
