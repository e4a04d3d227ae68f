// Durations as people write them in the config and on the command line
// ("20m", "1h30m", "500ms") and as status output shows them ("19m 58s").
// Bare numbers are refused: "20" could be seconds or minutes, and guessing
// wrong makes the daemon refresh far too often or too late.

import { ConfigError } from './errors.js'

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const
type Unit = keyof typeof UNIT_MS
/** Largest first: the order units must appear in, and the order formatDuration uses. */
const UNITS_DESC: readonly Unit[] = ['d', 'h', 'm', 's', 'ms']

const PART = '[0-9]+(?:\\.[0-9]+)?(?:ms|d|h|m|s)'
/**
 * What a duration looks like: one or more number+unit parts, optionally
 * separated by one space ("1h30m", "1h 30m"). Shared with the JSON Schema so
 * editors and parseDuration agree on what is valid.
 */
export const DURATION_PATTERN = `^${PART}(?: ?${PART})*$`
const DURATION_RE = new RegExp(DURATION_PATTERN)
const PART_RE = /([0-9]+(?:\.[0-9]+)?)(ms|d|h|m|s)/g

export const DURATION_HINT = 'use a number followed by ms, s, m, h or d, such as "20m" or "1h30m"'

const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v)
  return s.length > 40 ? `${s.slice(0, 37)}...` : s
}

/**
 * Why `value` is not a valid duration, as the tail of a one-line message, or
 * undefined when it is fine. Non-throwing so the config schema can attach the
 * key path itself.
 */
export const durationProblem = (value: unknown): string | undefined => {
  if (typeof value === 'number') {
    return `${show(value)} is not a duration: a bare number has no unit; write it as a string such as "${value}s" or "${value}m"`
  }
  if (typeof value !== 'string') return `${show(value)} is not a duration; ${DURATION_HINT}`
  if (/^[0-9]+(\.[0-9]+)?$/.test(value)) {
    return `${show(value)} is not a duration: a bare number has no unit; write "${value}s" or "${value}m"`
  }
  if (!DURATION_RE.test(value)) return `${show(value)} is not a duration; ${DURATION_HINT}`
  let rank = -1
  for (const [, , unit] of value.matchAll(PART_RE)) {
    const r = UNITS_DESC.indexOf(unit as Unit)
    if (r <= rank) return `${show(value)} is not a duration: write units from largest to smallest, each once, such as "1h30m"`
    rank = r
  }
  if (!Number.isSafeInteger(sum(value))) return `${show(value)} is too long a duration`
  return undefined
}

const sum = (text: string): number => {
  let total = 0
  for (const [, n, unit] of text.matchAll(PART_RE)) total += Number(n) * UNIT_MS[unit as Unit]
  return Math.round(total)
}

/** Milliseconds in `text` ("90s", "1h30m", "500ms", "2d"); throws ConfigError otherwise. */
export const parseDuration = (text: string): number => {
  const problem = durationProblem(text)
  if (problem !== undefined) throw new ConfigError(problem)
  return sum(text)
}

/**
 * A short human form for status output: the two largest non-zero units,
 * truncated toward zero ("19m 58s", "2h 5m", "45s"), with a leading "-" for
 * times in the past ("-3m"). Infinity (credentials that never expire) is "never".
 */
export const formatDuration = (ms: number): string => {
  if (Number.isNaN(ms)) return 'unknown'
  if (ms === Infinity) return 'never'
  if (ms === -Infinity) return '-never'
  const sign = ms < 0 ? '-' : ''
  let rest = Math.trunc(Math.abs(ms))
  if (rest === 0) return '0s'
  if (rest < 1000) return `${sign}${rest}ms`
  const parts: string[] = []
  for (const unit of UNITS_DESC) {
    if (unit === 'ms') break
    const n = Math.floor(rest / UNIT_MS[unit])
    rest -= n * UNIT_MS[unit]
    // Start at the first non-zero unit and show at most the next one too.
    if (parts.length === 0 && n === 0) continue
    if (n > 0) parts.push(`${n}${unit}`)
    if (parts.length === 2 || (parts.length === 1 && n === 0)) break
  }
  return sign + parts.join(' ')
}
