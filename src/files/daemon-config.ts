// Reads the daemon's config.json: one-line errors naming the file and, for a
// syntax error, the line and column. Also where that file is looked for (configSearchPath):
// a path on this machine, so it is computed here and not in core.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser'
import { ConfigError } from '../core/errors.js'
import { defaultConfig, parseConfig, type Config } from '../core/config/schema.js'

export interface ReadConfigOptions {
  /** 'defaults' returns defaultConfig() when the file does not exist (zero-config start). */
  ifMissing?: 'error' | 'defaults'
}

/** Reads and validates a config file; every failure is a one-line ConfigError naming `path`. */
export const readConfigFile = async (path: string, opts: ReadConfigOptions = {}): Promise<Config> => {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && opts.ifMissing === 'defaults') return defaultConfig()
    if (code === 'ENOENT') {
      throw new ConfigError(
        `${path}: config file not found`,
        'create it (see config.example.json) or leave out --config to run with defaults',
        e,
      )
    }
    if (code === 'EISDIR') throw new ConfigError(`${path}: is a directory, not a config file`, 'point --config at a .json file', e)
    if (code === 'EACCES' || code === 'EPERM') {
      throw new ConfigError(
        `${path}: cannot read the config file (permission denied)`,
        `make it readable by this user: chmod u+r ${path}`,
        e,
      )
    }
    throw new ConfigError(`${path}: cannot read the config file (${code ?? String(e)})`, undefined, e)
  }
  return parseConfig(parseJson(text, path), path)
}

// jsonc-parser's error codes, said the way a person would.
const PROBLEMS: Record<string, string> = {
  InvalidSymbol: 'not a JSON value (strings need double quotes)',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'expected a "key" (a trailing comma?)',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':' after the key",
  CommaExpected: "expected ',' between entries",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'a string is not closed with "',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'invalid \\u escape in a string',
  InvalidEscapeCharacter: 'invalid escape in a string',
  InvalidCharacter: 'line break or control character inside a string',
}

/** JSON.parse, and on failure a one-line ConfigError naming the file, line and column. */
export const parseJson = (text: string, path: string): unknown => {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (body.trim() === '') throw new ConfigError(`${path}: the file is empty`, 'write a JSON object such as {"profiles": []}')
  try {
    return JSON.parse(body)
  } catch (e) {
    // V8's own message gives an offset at best (and on Node 20 sometimes quotes the file
    // instead); jsonc-parser, run strict, says where and what.
    const errors: ParseError[] = []
    parseTree(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false })
    const first = errors[0]
    const offset = first?.offset ?? body.length
    const code = first ? printParseErrorCode(first.error) : 'ValueExpected'
    const { line, column } = lineColumn(body, offset)
    throw new ConfigError(
      `${path}: line ${line}, column ${column}: ${PROBLEMS[code] ?? code}`,
      'correct the JSON there (comments and trailing commas are not allowed)',
      e,
    )
  }
}

const lineColumn = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, column: before[before.length - 1]!.length + 1 }
}

/**
 * Where the config file is looked for: $XDG_CONFIG_HOME/aws-credd/config.json,
 * else $HOME/.config/aws-credd/config.json. A relative XDG_CONFIG_HOME is
 * ignored, as the XDG spec requires.
 */
export const configSearchPath = (env: Readonly<Record<string, string | undefined>>): string => {
  const xdg = env.XDG_CONFIG_HOME
  if (xdg && xdg.startsWith('/')) return join(xdg, 'aws-credd', 'config.json')
  const home = env.HOME
  if (!home)
    throw new ConfigError('cannot find the config file: neither XDG_CONFIG_HOME nor HOME is set', 'set HOME or pass --config <file>')
  return join(home, '.config', 'aws-credd', 'config.json')
}
