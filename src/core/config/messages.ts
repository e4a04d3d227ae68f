// What a person reads when config.json is wrong: one line per problem naming the
// file, the key path and the value (a value that may be a credential named by its
// type only), unknown keys first, with a did-you-mean where a typo is likely.

import type { z } from 'zod'
import { ConfigError } from '../errors.js'
import { didYouMean, show } from './fields.js'

/** A config that failed validation; `problems` holds every one-line problem, the message the first. */
export class InvalidConfigError extends ConfigError {
  constructor(readonly problems: string[]) {
    super(problems.length > 1 ? `${problems[0]} (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : problems[0]!)
  }
}

const pathLabel = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '')

const valueAt = (json: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), json)

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)

/** Values under these keys may be credentials (a webhook's Authorization header, a Slack webhook URL): named by type only. */
const SECRET_PATH = /^(headers|webhook|.*(token|secret|password|authorization).*)$/i
const showAt = (path: readonly PropertyKey[], value: unknown): string =>
  path.some((k) => typeof k === 'string' && SECRET_PATH.test(k))
    ? `the ${value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value} value`
    : show(value)

const describeIssue = (iss: z.core.$ZodIssue, json: unknown): string => {
  const value = valueAt(json, iss.path)
  const show = (v: unknown): string => showAt(iss.path, v)
  switch (iss.code) {
    case 'unrecognized_keys':
      if (iss.keys.length === 1) return `${pathLabel([...iss.path, iss.keys[0]!])}: ${iss.message}`
      return iss.path.length ? `${pathLabel(iss.path)}: ${iss.message}` : iss.message
    case 'invalid_type': {
      const label = pathLabel(iss.path)
      if (iss.path.length === 0) return `the file must contain a JSON object, not ${show(value)}`
      if (value === undefined) return `${label}: missing; it is required`
      const expected = iss.expected === 'array' ? 'list' : iss.expected
      return `${label}: ${show(value)} is not ${article(expected)}`
    }
    case 'invalid_value': {
      const choices = iss.values.map(String)
      const guess = typeof value === 'string' ? didYouMean(value, choices) : undefined
      return `${pathLabel(iss.path)}: ${show(value)} is not one of ${choices.map((c) => JSON.stringify(c)).join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`
    }
    default:
      return `${pathLabel(iss.path)}: ${iss.message}`
  }
}

/** One line per problem in `issues` (from parsing `json`, read from `source`), unknown keys first. */
export const configProblems = (issues: readonly z.core.$ZodIssue[], json: unknown, source: string): string[] =>
  // Unknown keys first: a misspelt key is usually the cause of the other problems.
  [...issues]
    .sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'))
    .map((iss) => `${source}: ${describeIssue(iss, json).replace(/\s*\n\s*/g, ' ')}`)
