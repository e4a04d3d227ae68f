// Text-level helpers for the credentials file: split out a section, a strict completeness
// check, a port of the AWS CLI's `configure set` writer, and the edits the "editor" makes.
// Every edit targets a named section other than the daemon's, so applying it to the real
// file or to the expected text without that section gives the same result outside it.

/** Lines with their `\n` kept, like Python's readlines(). */
export const lines = (text) => text.match(/[^\n]*\n|[^\n]+$/g) ?? []

const HEADER = /^\s*\[([^\]]+)\]/
const isComment = (line) => /^\s*[#;]/.test(line)
const isHeader = (line) => !isComment(line) && HEADER.test(line)
const isHeaderOf = (line, name) => !isComment(line) && line.trim() === `[${name}]`

/** [start, end) line range of the first `[name]` block, header to the next header. */
const blockOf = (ls, name) => {
  const start = ls.findIndex((l) => isHeaderOf(l, name))
  if (start < 0) return undefined
  let end = start + 1
  while (end < ls.length && !isHeader(ls[end])) end++
  return [start, end]
}

/** The text with every `[name]` block removed (header up to the next header). */
export const withoutSection = (text, name) => {
  const ls = lines(text)
  const out = []
  for (let i = 0; i < ls.length; i++) {
    if (!isHeaderOf(ls[i], name)) {
      out.push(ls[i])
      continue
    }
    while (i + 1 < ls.length && !isHeader(ls[i + 1])) i++
  }
  return out.join('')
}

/**
 * A file is complete when it ends with a newline, every line is blank, a comment, a header
 * or `key = value` with a value, and every section holding a temporary (ASIA) key id also
 * holds its secret and session token. Returns the sections, or the first problem.
 */
export const strictParse = (text) => {
  if (text.length === 0) return { problem: 'the file is empty' }
  if (!text.endsWith('\n')) return { problem: 'the last line has no newline (truncated?)' }
  const sections = {}
  let current
  for (const [i, raw] of lines(text).entries()) {
    const line = raw.slice(0, -1)
    if (line.trim() === '' || isComment(line)) continue
    const h = line.match(/^\[([^\]\s][^\]]*)\]$/)
    if (h) {
      current = sections[h[1]] ??= {}
      continue
    }
    const kv = line.match(/^([A-Za-z0-9_]+) = (\S+)$/)
    if (!kv || !current) return { problem: `line ${i + 1} is neither a header nor "key = value"` }
    current[kv[1]] = kv[2]
  }
  // Other programs may hold partial long-term sections (aws configure set writes one key at a
  // time); temporary keys are only usable with all three.
  for (const [name, s] of Object.entries(sections)) {
    if (!s.aws_access_key_id?.startsWith('ASIA')) continue
    if (!s.aws_secret_access_key || !s.aws_session_token)
      return { problem: `[${name}] has a temporary key id without its secret and session token` }
  }
  return { sections }
}

/** The key id in `[name]` by a quick scan (for polling; undefined when absent). */
export const keyIdIn = (text, name) => {
  const ls = lines(text)
  const b = blockOf(ls, name)
  if (!b) return undefined
  for (let i = b[0] + 1; i < b[1]; i++) {
    const m = ls[i].match(/^aws_access_key_id\s*=\s*(\S+)\s*$/)
    if (m) return m[1]
  }
  return undefined
}

// ---- the AWS CLI v1 writer (awscli/customizations/configure/writer.py), scalar values only ----

const OPTION = /([^:=][^:=]*)\s*([:=])\s*(.*)$/

/** What `aws configure set KEY VALUE --profile SECTION` makes of `text` (credentials keys). */
export const awsConfigureSet = (text, section, key, value) => {
  const contents = lines(text)
  const newLine = `${key} = ${value}\n`
  let start = -1
  for (let i = 0; i < contents.length; i++) {
    if (isComment(contents[i].trim())) continue
    const m = contents[i].match(HEADER)
    if (m && m[0] === `[${section}]`) {
      start = i
      break
    }
  }
  if (start < 0) return text + (text.length > 0 && !text.endsWith('\n') ? '\n' : '') + `[${section}]\n${newLine}`
  let pending = true
  let last = start
  for (let j = start + 1; j < contents.length; j++) {
    const line = contents[j]
    if (HEADER.test(line)) {
      if (pending) contents.splice(last + 1, 0, newLine)
      return contents.join('')
    }
    const m = line.replace(/\n$/, '').match(OPTION)
    if (m) {
      last = j
      if (m[1].trim() === key) {
        contents[j] = newLine
        pending = false
      }
    }
  }
  if (pending) {
    if (!contents.at(-1).endsWith('\n')) contents.push('\n')
    contents.splice(last + 2, 0, newLine) // the writer inserts at line_number + 1 with line_number = last + 1
  }
  return contents.join('')
}

// ---- editor-style edits -------------------------------------------------------------

/** Sets `key = value` in `[section]`: replaces the line, or adds it after the block's last non-blank line. */
export const setKey = (text, section, key, value) => {
  const ls = lines(text)
  const b = blockOf(ls, section)
  if (!b) throw new Error(`soak: no [${section}] to edit`)
  for (let i = b[0] + 1; i < b[1]; i++) {
    if (ls[i].startsWith(`${key} =`)) {
      ls[i] = `${key} = ${value}\n`
      return ls.join('')
    }
  }
  let at = b[1]
  while (at > b[0] + 1 && ls[at - 1].trim() === '') at--
  ls.splice(at, 0, `${key} = ${value}\n`)
  return ls.join('')
}

/** Appends `[name]` with its entries at the end, after a blank line. */
export const appendSection = (text, name, entries) =>
  `${text}${text.endsWith('\n') ? '' : '\n'}\n[${name}]\n${entries.map(([k, v]) => `${k} = ${v}\n`).join('')}`

export const removeSection = (text, name) => withoutSection(text, name)

/** Replaces the first line, which must be a comment. */
export const setFirstComment = (text, comment) => {
  const ls = lines(text)
  if (!ls[0] || !isComment(ls[0])) throw new Error('soak: the file must start with a comment')
  ls[0] = `# ${comment}\n`
  return ls.join('')
}

/** Lines in `a` missing from `b` (as a multiset), for a short report of what was lost. */
export const missingLines = (a, b) => {
  const count = new Map()
  for (const l of lines(b)) count.set(l, (count.get(l) ?? 0) + 1)
  const missing = []
  for (const l of lines(a)) {
    const n = count.get(l) ?? 0
    if (n > 0) count.set(l, n - 1)
    else missing.push(l.replace(/\n$/, ''))
  }
  return missing
}
