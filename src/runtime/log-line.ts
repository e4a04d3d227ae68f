// One log line, formatted: the daemon's text and JSON-lines formats, each line
// redacted and escaped through the one gate all outgoing text passes
// (core/outgoing-text.ts): registered secrets, secret-named fields and values, AWS
// secret shapes, control characters. Pure: no winston, no stream, no clock (the
// time comes in), so the CLI and tests can format lines on their own
// (runtime/logger.ts writes them).

import type { LogFields } from '../engine/ports.js'
import { renderError } from '../core/errors.js'
import { isSecretFieldName, outgoingText, outgoingValue, REDACTED, type SecretRegistry } from '../core/outgoing-text.js'

/** The four levels, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const textValue = (raw: unknown, clean: unknown): string => {
  // An error renders as everywhere else (core/errors.ts renderError), over its redacted copy: "Name: message (cause: …)" on one line.
  if (raw instanceof Error && clean && typeof clean === 'object')
    return JSON.stringify(renderError(clean, { name: true, cause: true, lines: 'escape' }))
  if (typeof clean === 'string') return /^[^\s"=]+$/.test(clean) ? clean : JSON.stringify(clean)
  return JSON.stringify(clean) ?? String(clean)
}

/** What one line says: when, how severe, the message and its fields. */
export interface LineInput {
  time: number
  level: LogLevel
  msg: string
  fields: LogFields
}

/** How a line is cleaned. */
export interface LineOptions {
  /** Include error stacks (debug level). */
  stack?: boolean
  /** Whose registered secrets to redact: the daemon's registry, or a command's or a test's own. */
  secrets: SecretRegistry
}

const textLine = ({ time, level, msg, fields }: LineInput, secrets: SecretRegistry): string => {
  const { profile, ...rest } = fields
  let line = `${isoSeconds(time)} ${level.padEnd(5)} `
  if (typeof profile === 'string') line += `[${outgoingText(profile, { secrets })}] `
  else if (profile !== undefined) rest.profile = profile
  line += outgoingText(msg, { secrets })
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue
    const clean = isSecretFieldName(k) && v !== null && v !== '' ? REDACTED : outgoingValue(v, { secrets })
    line += ` ${outgoingText(k, { secrets })}=${textValue(v, clean)}`
  }
  return line
}

const jsonLine = ({ time, level, msg, fields }: LineInput, opts: LineOptions): string => {
  const out: Record<string, unknown> = {
    time: new Date(time).toISOString(),
    level,
    msg: outgoingText(msg, { secrets: opts.secrets, multiline: true }),
  }
  const clean = outgoingValue(fields, opts) as Record<string, unknown>
  // A field named like a built-in one is kept, not allowed to overwrite it.
  for (const [k, v] of Object.entries(clean)) out[k in out ? `field.${k}` : k] = v
  return JSON.stringify(out)
}

/**
 * Formats one log line, redacted and escaped. Message, field names and values each
 * pass core/outgoing-text.ts; a final pass over the whole line catches anything
 * the structural pass missed (a secret split across two fields).
 */
export const formatLine = (input: LineInput, format: 'text' | 'json', opts: LineOptions): string =>
  outgoingText(format === 'json' ? jsonLine(input, opts) : textLine(input, opts.secrets), { secrets: opts.secrets })
