// The building blocks of the config schema (core/config/schema.ts): strict sections
// whose "unknown key" message suggests the key that was meant, durations written as
// text, ini names and listen addresses, each with the one-line message for a wrong value.
// Kept apart from the schema so a new section reads as data, not as zod plumbing.

import { z } from 'zod'
import { DURATION_PATTERN, durationProblem, parseDuration } from '../duration.js'
import { parseListenAddress, type ListenAddress } from '../listen-address.js'

/** A value as a message shows it: short, and lists and objects named by kind. */
export const show = (v: unknown): string => {
  if (Array.isArray(v)) return 'a list'
  if (v !== null && typeof v === 'object') return 'an object'
  const s = JSON.stringify(v) ?? String(v)
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

// Edit distance counting a swap of two neighbours as one edit ("lgo" -> "log").
const distance = (a: string, b: string): number => {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }
  return d[a.length]![b.length]!
}

/** The closest of `choices` to a misspelt `word`, if one is close enough to be a likely typo. */
export const didYouMean = (word: string, choices: readonly string[]): string | undefined => {
  const w = word.toLowerCase()
  let best: string | undefined
  let bestScore = Infinity
  for (const c of choices) {
    const l = c.toLowerCase()
    // A prefix counts only when it is long enough to mean something ("a" is not "alerts").
    const score = l === w ? 0 : Math.min(w.length, l.length) >= 3 && (l.startsWith(w) || w.startsWith(l)) ? 1 : distance(w, l)
    if (score < bestScore) [best, bestScore] = [c, score]
  }
  return best !== undefined && bestScore <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined
}

/** A strict object whose "unknown key" message suggests the key that was meant. */
export const section = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, {
    error: (iss) => {
      if (iss.code !== 'unrecognized_keys') return undefined
      const known = Object.keys(shape)
      const hint = (k: string) => {
        const m = didYouMean(k, known)
        return m ? ` (did you mean "${m}"?)` : ''
      }
      if (iss.keys.length === 1) {
        const key = iss.keys[0]!
        return `unknown key${hint(key) || `; allowed keys: ${known.map((k) => `"${k}"`).join(', ')}`}`
      }
      return `unknown keys ${iss.keys.map((k) => `"${k}"${hint(k)}`).join(', ')}`
    },
  })

/**
 * A duration written as text ("20m") and parsed to milliseconds. The input is
 * taken as unknown so every mistake, a bare number included, gets the same
 * message that names the value; `type`/`pattern` are declared for the JSON Schema.
 */
export const duration = (description: string, defaultText: string) =>
  z
    .unknown()
    .transform((value, ctx) => {
      let problem = durationProblem(value)
      if (problem === undefined && parseDuration(value as string) === 0) {
        problem = `${show(value)} is zero; use a positive duration such as "20m"`
      }
      if (problem === undefined) return parseDuration(value as string)
      ctx.issues.push({ code: 'custom', message: problem, input: value })
      return z.NEVER
    })
    .prefault(defaultText)
    .meta({
      description: `${description} A duration: a number followed by ms, s, m, h or d, such as "20m" or "1h30m".`,
      type: 'string',
      pattern: DURATION_PATTERN,
    })

/** Names that must fit between the brackets of an ini section header. */
const INI_NAME_PATTERN = '^[^\\s\\[\\]](?:[^\\r\\n\\[\\]]*[^\\s\\[\\]])?$'
export const iniName = (what: string) =>
  z
    .string()
    .min(1, { error: `must not be empty; write the ${what}` })
    .refine((s) => !/[[\]\r\n]/.test(s), {
      error: (iss) => `${show(iss.input)} cannot be a ${what}: it must not contain brackets or line breaks`,
    })
    .refine((s) => s.trim() === s, { error: (iss) => `${show(iss.input)} has spaces at the start or end; remove them` })
    .meta({ pattern: INI_NAME_PATTERN })

/** "host:port" parsed, or "off" (false). */
export const listenAddress = (description: string, defaultText?: string) => {
  const base = z.string().transform((value, ctx): ListenAddress | false => {
    if (value === 'off') return false
    const parsed = parseListenAddress(value)
    if (typeof parsed !== 'string') return parsed
    ctx.issues.push({ code: 'custom', message: parsed, input: value })
    return z.NEVER
  })
  const meta = { description: `${description} "host:port", or "off".`, type: 'string' } as const
  return (defaultText === undefined ? base.optional() : base.prefault(defaultText)).meta({
    ...meta,
    ...(defaultText ? { default: defaultText } : {}),
  })
}
