// Edits one section of the shared credentials file as TEXT, so that every byte we do
// not own survives (other sections, comments, blank lines, key order, odd spacing,
// line endings). Pure: strings in, string out.
//
// Two readers must both see what we write, so lines are classified the way each reads them:
//  - AWS SDK for JS (`parseIni` in @smithy/core/config, used by @smithy/shared-ini-file-loader):
//    lines split on \r?\n; `#`/`;` at the start or after whitespace starts a comment, inline
//    too; a header is a trimmed line `[...]` named by the text between the brackets, NOT
//    trimmed; a key is split at the first `=` and is case-sensitive; an empty value opens a
//    sub-section that following indented lines extend; duplicate sections merge and the
//    last value of a key wins.
//  - botocore (`raw_config_parse` → configparser.RawConfigParser, strict=True): only whole
//    lines are comments; a header is named by the text up to the LAST `]`; a key is split at
//    the first `=` or `:` and lowercased; a line indented deeper than the previous key line
//    continues that key's value; a duplicate section or duplicate key makes the WHOLE file
//    unreadable (DuplicateSectionError / DuplicateOptionError).
// Choices, each made so that BOTH readers end up on our values:
//  - Our section: a header both readers name `name`. `[ app ]` is " app " for both, so it is
//    left alone and `[app]` is added. A header only one reader names `name` (`[app];x`,
//    an indented `[app]` under a key) throws SectionConflict: no edit satisfies both.
//  - A section ends at the first line EITHER reader takes as a header.
//  - A line either reader takes as one of our keys (any case, `=` or `:`) is ours: the first
//    rewritten in place (lowercase key, indentation kept), the other copies dropped, since a
//    copy is a last-wins override for the SDK and a DuplicateOptionError for botocore. A key
//    line's continuation lines belong to it and go with it. An indented copy only the SDK
//    reads as our key (botocore: continuation of the key above) stays, and ours goes below it.
//  - Duplicate [name] sections are folded into the first (later headers removed, their lines
//    moved up in order): the SDK reads the same merge and botocore can read the file again
//    (unless both copies share another key, which botocore refused before too).
//  - New keys go after the section's last key line, unindented: never a continuation line,
//    never inside an SDK sub-section.
// Known gaps: a lone \r is not a line break here (the SDK's split) but is for Python; a UTF-8
// BOM stops botocore reading the file at all; neither is ours to fix.

/** Every marker we write starts like this; any comment line starting so marks the section as ours. */
export const MARKER_PREFIX = '# managed by aws-credd'
const MARKER_RE = /^\s*[#;]\s*managed by aws-credd\b/i
export const isMarkerLine = (line: string): boolean => MARKER_RE.test(line)

/** A header that one reader takes for the section and the other does not. */
export class SectionConflict extends Error {
  override readonly name = 'SectionConflict'
  constructor(
    readonly section: string,
    readonly line: number,
  ) {
    super(`line ${line} is read as section [${section}] by only one of the AWS SDK and botocore`)
  }
}

export interface SectionInfo {
  exists: boolean
  /** Keys lowercased (as botocore reads them); the last value wins (as the SDK reads them). */
  values: Record<string, string>
  managed: boolean
}

interface Line {
  text: string
  eol: string
}
type Kind = 'blank' | 'comment' | 'header' | 'key' | 'cont' | 'other'
interface Info {
  kind: Kind
  sdkHeader?: string
  pyHeader?: string
  /** A continuation line for botocore. */
  pyCont?: boolean
  /** botocore's key, lowercased. */
  pyKey?: string
  /** The SDK's key when it reads the line as a top-level key (not in a sub-section). */
  sdkKey?: string
  value?: string
  /** Indented while an SDK sub-section is open: the SDK would read a key here as `sub.key`. */
  sdkInSub?: boolean
}

const splitLines = (text: string): Line[] => {
  const lines: Line[] = []
  const re = /\r?\n/g
  let start = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push({ text: text.slice(start, m.index), eol: m[0] })
    start = m.index + m[0].length
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: '' })
  return lines
}

const joinLines = (lines: Line[], eol: string): string =>
  lines.map((l, i) => l.text + (l.eol || (i < lines.length - 1 ? eol : ''))).join('')

/** The file's own line ending (its first one), LF for a file without any. */
const eolOf = (text: string): string => /\r?\n/.exec(text)?.[0] ?? '\n'

const classify = (lines: Line[]): Info[] => {
  let pySection = false
  let pyOption = false
  let pyIndent = 0
  let sdkSub: string | undefined
  return lines.map(({ text }): Info => {
    const strip = text.trim()
    // Both readers skip these and neither changes its state.
    if (strip === '') return { kind: 'blank' }
    if (strip[0] === '#' || strip[0] === ';') return { kind: 'comment' }
    const indent = text.search(/\S/)
    const sdkInSub = sdkSub !== undefined && indent > 0
    // The SDK's view.
    const sdk = text.split(/(?:^|\s)[;#]/)[0]!.trim()
    let sdkHeader: string | undefined
    let sdkKey: string | undefined
    let sdkValue: string | undefined
    if (sdk.startsWith('[') && sdk.endsWith(']')) {
      sdkHeader = sdk.slice(1, -1)
      sdkSub = undefined
    } else {
      const eq = sdk.indexOf('=')
      if (eq > 0) {
        const k = sdk.slice(0, eq).trim()
        const v = sdk.slice(eq + 1).trim()
        if (v === '') sdkSub = k
        else {
          if (sdkSub !== undefined && indent === 0) sdkSub = undefined
          if (sdkSub === undefined) [sdkKey, sdkValue] = [k, v]
        }
      }
    }
    // botocore's view.
    if (pySection && pyOption && indent > pyIndent) {
      return { kind: sdkHeader !== undefined ? 'header' : 'cont', pyCont: true, sdkHeader, sdkKey, value: sdkValue, sdkInSub }
    }
    pyIndent = indent
    const h = /^\[(.+)\]/.exec(strip)
    if (h) {
      pySection = true
      pyOption = false
      return { kind: 'header', sdkHeader, pyHeader: h[1] }
    }
    if (sdkHeader !== undefined) return { kind: 'header', sdkHeader }
    const d = strip.search(/[=:]/)
    if (pySection && d > 0 && strip.slice(0, d).trim() !== '') {
      pyOption = true
      const pyKey = strip.slice(0, d).trimEnd().toLowerCase()
      return { kind: 'key', pyKey, sdkKey, value: sdkValue ?? strip.slice(d + 1).trim(), sdkInSub }
    }
    return sdkKey !== undefined ? { kind: 'key', sdkKey, value: sdkValue, sdkInSub } : { kind: 'other' }
  })
}

interface Block {
  header: number
  end: number
  contentEnd: number
}

/** Every [name] section, in file order; throws SectionConflict on a header only one reader names so. */
const blocksOf = (lines: Line[], infos: Info[], name: string, strict: boolean): Block[] => {
  const blocks: Block[] = []
  infos.forEach((info, i) => {
    if (info.kind !== 'header') return
    const sdkSays = info.sdkHeader === name
    const pySays = info.pyHeader === name
    if (sdkSays !== pySays && strict) throw new SectionConflict(name, i + 1)
    if (!sdkSays || !pySays) return
    let end = i + 1
    while (end < infos.length && infos[end]!.kind !== 'header') end++
    // Blank and comment lines at the end usually introduce the next section: they stay put
    // (our marker is not one of them).
    let contentEnd = end
    const trailing = (n: number): boolean => infos[n]!.kind === 'blank' || (infos[n]!.kind === 'comment' && !isMarkerLine(lines[n]!.text))
    while (contentEnd > i + 1 && trailing(contentEnd - 1)) contentEnd--
    blocks.push({ header: i, end, contentEnd })
  })
  return blocks
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k)

/** The owned key a line stands for, to either reader. */
const ownedKey = (info: Info, owned: Set<string>): string | undefined => {
  if (info.kind === 'key' && info.pyKey !== undefined && owned.has(info.pyKey)) return info.pyKey
  if ((info.kind === 'key' || info.kind === 'cont') && info.sdkKey !== undefined && owned.has(info.sdkKey)) return info.sdkKey
  return undefined
}

/** `key = value` keeping the line's indentation, and its `key=` spacing when the key was already lowercase. */
const rewrite = (text: string, key: string, value: string): string => {
  const m = /^(\s*)([^=:]*?)([ \t]*=[ \t]*)/.exec(text)
  if (m && m[2] === key) return `${m[1]}${key}${m[3]}${value}`
  return `${/^\s*/.exec(text)![0]}${key} = ${value}`
}

interface BodyEdit {
  set: Map<string, string>
  remove: Set<string>
  dropMarkers: boolean
  eol: string
}

/** The section's lines with our keys set/removed; untouched lines are the same objects. */
const editBody = (idx: number[], lines: Line[], infos: Info[], e: BodyEdit): Line[] => {
  const owned = new Set([...e.set.keys(), ...e.remove])
  // An indented `key = v` under a key with a value is botocore's continuation line but the
  // SDK's key. For a key we set, it stays (botocore's value of the key above is kept) and
  // our line goes after it, where it wins for the SDK; for a key we remove, it goes.
  const sdkOnly = new Set(
    idx
      .map((i) => infos[i]!)
      .filter((x) => x.kind === 'cont')
      .map((x) => ownedKey(x, owned)),
  )
  const out: Array<{ line: Line; content: boolean }> = []
  const written = new Set<string>()
  for (let j = 0; j < idx.length; j++) {
    const info = infos[idx[j]!]!
    const line = lines[idx[j]!]!
    if (e.dropMarkers && info.kind === 'comment' && isMarkerLine(line.text)) continue
    const key = ownedKey(info, owned)
    if (key !== undefined && info.kind === 'cont' && e.set.has(key)) {
      out.push({ line, content: true })
      continue
    }
    if (key === undefined) {
      out.push({ line, content: info.kind !== 'blank' && info.kind !== 'comment' })
      continue
    }
    // botocore reads the indented lines after a key line as part of its value: they go with it.
    let last = j
    if (info.kind === 'key') {
      for (let q = j + 1; q < idx.length; q++) {
        const kind = infos[idx[q]!]!.kind
        if (kind === 'cont') last = q
        else if (kind !== 'blank' && kind !== 'comment') break
      }
    }
    const value = e.set.get(key)
    // Rewritten in place only where both readers will read the rewritten line as a plain key.
    if (value !== undefined && !written.has(key) && !sdkOnly.has(key) && info.kind === 'key' && info.pyKey === key && !info.sdkInSub) {
      out.push({ line: { text: rewrite(line.text, key, value), eol: line.eol }, content: true })
      written.add(key)
    }
    j = last
  }
  let at = out.length
  while (at > 0 && !out[at - 1]!.content) at--
  const missing = [...e.set]
    .filter(([k]) => !written.has(k))
    .map(([k, v]) => ({ line: { text: `${k} = ${v}`, eol: e.eol }, content: true }))
  out.splice(at, 0, ...missing)
  return out.map((o) => o.line)
}

const checkArgs = (name: string, entries: Array<[string, string]>, marker?: string): void => {
  const bad = sectionNameProblem(name)
  if (bad) throw new TypeError(`section name ${JSON.stringify(name)} ${bad}`)
  for (const [k, v] of entries) {
    if (!/^[a-z0-9_]+$/.test(k)) throw new TypeError(`key ${JSON.stringify(k)} must be lowercase letters, digits and _`)
    const vb = valueProblem(v)
    if (vb) throw new TypeError(`the value of ${k} ${vb}`)
  }
  if (marker !== undefined && (!isMarkerLine(marker) || /[\r\n]/.test(marker))) {
    throw new TypeError(`the marker must be one comment line starting with "${MARKER_PREFIX}"`)
  }
}

/** Why a section name cannot be written so that both readers find it, or undefined. */
export const sectionNameProblem = (name: string): string | undefined => {
  if (name === '') return 'is empty'
  if (/[[\]\r\n]/.test(name)) return 'contains a bracket or a line break'
  if (name.trim() !== name) return 'starts or ends with a space'
  if (/(^|\s)[#;]/.test(name)) return 'contains # or ; that the AWS SDK reads as a comment'
  if (name === 'DEFAULT') return "is botocore's default section, whose keys apply to every profile"
  if (name === '__proto__') return 'is refused by the AWS SDK'
  // parseIni reads "word other" as a typed section ([profile x]) or ignores it.
  if (/^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/.test(name))
    return 'looks like "<type> <name>", which the AWS SDK does not read as a credentials profile'
  return undefined
}

/** Why a value would not read back the same in both readers, or undefined. */
export const valueProblem = (value: string): string | undefined =>
  /^[^\s#;]\S*$/.test(value) ? undefined : 'must be one word without spaces, not starting with # or ;'

/** Where the first [name] section is, as character offsets (header start to section end). */
export const findSection = (text: string, name: string): { start: number; end: number; duplicates: number } | undefined => {
  const lines = splitLines(text)
  const blocks = blocksOf(lines, classify(lines), name, false)
  const first = blocks[0]
  if (!first) return undefined
  const offset = (n: number): number => lines.slice(0, n).reduce((s, l) => s + l.text.length + l.eol.length, 0)
  return { start: offset(first.header), end: offset(first.end), duplicates: blocks.length - 1 }
}

/** What the section holds, merged over duplicates; `managed` when our marker is in it. */
export const inspectSection = (text: string, name: string): SectionInfo => {
  const lines = splitLines(text)
  const infos = classify(lines)
  const blocks = blocksOf(lines, infos, name, false)
  const values: Record<string, string> = Object.create(null)
  let managed = false
  for (const b of blocks) {
    for (const i of range(b.header + 1, b.end)) {
      const info = infos[i]!
      if (info.kind === 'comment' && isMarkerLine(lines[i]!.text)) managed = true
      const key = info.kind === 'key' ? (info.pyKey ?? info.sdkKey) : undefined
      if (key !== undefined && info.value !== undefined) values[key] = info.value
    }
  }
  return { exists: blocks.length > 0, values, managed }
}

/** Sets exactly these keys in [name] (created at the end if absent) and puts `marker` right under the header. */
export const upsertSection = (text: string, name: string, entries: Array<[string, string]>, marker: string): string => {
  checkArgs(name, entries, marker)
  const lines = splitLines(text)
  const infos = classify(lines)
  const eol = eolOf(text)
  const set = new Map(entries)
  const blocks = blocksOf(lines, infos, name, true)
  const [first, ...later] = blocks
  if (!first) {
    let prefix = text
    if (lines.length > 0 && lines.at(-1)!.eol === '') prefix += eol
    if (lines.length > 0 && lines.at(-1)!.text.trim() !== '') prefix += eol
    return prefix + [`[${name}]`, marker, ...entries.map(([k, v]) => `${k} = ${v}`)].map((l) => l + eol).join('')
  }
  const moved = new Set(later.flatMap((b) => range(b.header, b.contentEnd)))
  const body = [first, ...later].flatMap((b) => range(b.header + 1, b.contentEnd))
  // An identical marker already under the header is kept byte for byte.
  const keepMarker = body.length > 0 && lines[body[0]!]!.text === marker
  const out: Line[] = []
  for (let i = 0; i < lines.length; i++) {
    if (moved.has(i)) continue
    out.push(lines[i]!)
    if (i !== first.header) continue
    out.push(keepMarker ? lines[body.shift()!]! : { text: marker, eol })
    out.push(...editBody(body, lines, infos, { set, remove: new Set(), dropMarkers: true, eol }))
    i = first.contentEnd - 1
  }
  return joinLines(out, eol)
}

/** Removes these keys from every [name] section, keeping the header, the marker and all else. */
export const removeSectionKeys = (text: string, name: string, keys: string[]): string => {
  checkArgs(name, [])
  const lines = splitLines(text)
  const infos = classify(lines)
  const blocks = blocksOf(lines, infos, name, true)
  if (blocks.length === 0) return text
  const remove = new Set(keys.map((k) => k.toLowerCase()))
  const out: Line[] = []
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]!)
    const b = blocks.find((x) => x.header === i)
    if (!b) continue
    out.push(...editBody(range(i + 1, b.contentEnd), lines, infos, { set: new Map(), remove, dropMarkers: false, eol: eolOf(text) }))
    i = b.contentEnd - 1
  }
  return joinLines(out, eolOf(text))
}
