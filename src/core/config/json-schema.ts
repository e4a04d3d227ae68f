// The JSON Schema of config.json for editors, generated from the zod schema
// (./schema.ts). scripts/write-schema.mjs writes configJsonSchemaText() to
// config.schema.json at build, and a test fails when the committed file is stale.

import { z } from 'zod'
import { configSchema } from './schema.js'

type JsonSchemaNode = { [key: string]: unknown; properties?: Record<string, JsonSchemaNode>; items?: JsonSchemaNode }

// Objects default to `{}`; show editors what that means by spelling out each
// key's own default instead.
const spellOutDefaults = (node: JsonSchemaNode): void => {
  if (node.items) spellOutDefaults(node.items)
  if (!node.properties) return
  for (const child of Object.values(node.properties)) spellOutDefaults(child)
  if (node.default === undefined || JSON.stringify(node.default) !== '{}') return
  node.default = Object.fromEntries(
    Object.entries(node.properties)
      .filter(([, c]) => c.default !== undefined)
      .map(([k, c]) => [k, c.default]),
  )
}

/** The JSON Schema of the config file as written (durations as text), for editors. */
export const configJsonSchema = (): Record<string, unknown> => {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7' }) as JsonSchemaNode
  spellOutDefaults(schema)
  return schema
}

/** Exact contents of config.schema.json; the test compares the committed file to this. */
export const configJsonSchemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`
