// Reads the daemon's config.json. JSON.parse's own messages differ between Node
// versions and often give only a character offset, so on a syntax error we
// scan the text ourselves to report "line 4, column 3: expected ',' or '}'".

import { readFile } from 'node:fs/promises'
import { ConfigError } from '../core/errors.js'
import { defaultConfig, parseConfig, type Config } from '../core/config-schema.js'

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
      throw new ConfigError(`${path}: config file not found`, 'create it (see config.example.json) or leave out --config to run with defaults', e)
    }
    if (code === 'EISDIR') throw new ConfigError(`${path}: is a directory, not a config file`, 'point --config at a .json file', e)
    if (code === 'EACCES' || code === 'EPERM') {
      throw new ConfigError(`${path}: cannot read the config file (permission denied)`, `make it readable by this user: chmod u+r ${path}`, e)
    }
    throw new ConfigError(`${path}: cannot read the config file (${code ?? String(e)})`, undefined, e)
  }
  return parseConfig(parseJson(text, path), path)
}

/** JSON.parse with a one-line ConfigError that names the file, line and column. */
export const parseJson = (text: string, path: string): unknown => {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (body.trim() === '') throw new ConfigError(`${path}: the file is empty`, 'write a JSON object such as {"profiles": []}')
  try {
    return JSON.parse(body)
  } catch (e) {
    const found = findSyntaxError(body) ?? { offset: body.length, problem: 'invalid JSON' }
    const { line, column } = lineColumn(body, found.offset)
    throw new ConfigError(`${path}: line ${line}, column ${column}: ${found.problem}`, 'fix the JSON syntax (comments and trailing commas are not allowed)', e)
  }
}

const lineColumn = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, column: before[before.length - 1]!.length + 1 }
}

interface SyntaxProblem {
  offset: number
  problem: string
}

class Stop extends Error {
  constructor(readonly found: SyntaxProblem) {
    super(found.problem)
  }
}

/**
 * The first syntax error in `text`, by a small recursive-descent scan of the
 * JSON grammar, or undefined if the text is valid JSON.
 */
export const findSyntaxError = (text: string): SyntaxProblem | undefined => {
  let i = 0
  const what = () => (i >= text.length ? 'the end of the file' : `${JSON.stringify(text[i])}`)
  const fail = (expected: string): never => {
    let problem = `expected ${expected}, found ${what()}`
    if (text.startsWith('//', i) || text.startsWith('/*', i)) problem = 'comments are not allowed in JSON'
    throw new Stop({ offset: i, problem })
  }
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const string = () => {
    if (text[i] !== '"') fail('a double-quoted string')
    i++
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i)
      if (c < 0x20) throw new Stop({ offset: i, problem: 'line break or control character inside a string; write it as \\n' })
      if (text[i] === '\\') {
        i++
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('four hex digits after \\u')
          i += 4
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail('a valid escape after \\')
      }
      i++
    }
    if (i >= text.length) throw new Stop({ offset: i, problem: 'unterminated string: missing closing "' })
    i++
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      ws()
      if (text[i] === '}') return void i++
      for (;;) {
        ws()
        if (text[i] === '}') throw new Stop({ offset: i, problem: "trailing comma before '}'" })
        string()
        ws()
        if (text[i] !== ':') fail("':' after the key")
        i++
        value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === '}') return void i++
        else fail("',' or '}'")
      }
    }
    if (c === '[') {
      i++
      ws()
      if (text[i] === ']') return void i++
      for (;;) {
        ws()
        if (text[i] === ']') throw new Stop({ offset: i, problem: "trailing comma before ']'" })
        value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === ']') return void i++
        else fail("',' or ']'")
      }
    }
    if (c === '"') return string()
    const literal = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)/.exec(text.slice(i, i + 400))
    if (!literal || /[A-Za-z0-9_]/.test(text[i + literal[0].length] ?? '')) fail('a value (string, number, object, list, true, false or null)')
    i += literal![0].length
  }
  try {
    value()
    ws()
    if (i < text.length) fail('the end of the file after the JSON value')
    return undefined
  } catch (e) {
    // Anything else (say, nesting deep enough to overflow the stack): no location.
    return e instanceof Stop ? e.found : undefined
  }
}
