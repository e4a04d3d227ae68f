// Where the daemon's config file is looked for. The config schema itself, its field
// builders, messages and JSON Schema live in core/config/ (schema.ts, fields.ts,
// messages.ts, json-schema.ts); this file keeps only the search path, which is
// moving out of core (it is the one node:path import there).

import { join } from 'node:path'
import { ConfigError } from './errors.js'

/**
 * Where the config file is looked for: $XDG_CONFIG_HOME/aws-credd/config.json,
 * else $HOME/.config/aws-credd/config.json. A relative XDG_CONFIG_HOME is
 * ignored, as the XDG spec requires.
 */
export const configSearchPath = (env: Readonly<Record<string, string | undefined>>): string => {
  const xdg = env.XDG_CONFIG_HOME
  if (xdg && xdg.startsWith('/')) return join(xdg, 'aws-credd', 'config.json')
  const home = env.HOME
  if (!home) throw new ConfigError('cannot find the config file: neither XDG_CONFIG_HOME nor HOME is set', 'set HOME or pass --config <file>')
  return join(home, '.config', 'aws-credd', 'config.json')
}
