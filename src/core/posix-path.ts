// Joining POSIX paths without node:path, so core stays free of Node modules: the same
// answers as path.posix.join (separators collapsed, `.` and `..` resolved, a trailing
// slash kept), checked against it in test/core/posix-path.test.ts. Paths here are POSIX.

/** `p` normalized as path.posix.normalize does it. */
export const normalizePath = (p: string): string => {
  if (p === '') return '.'
  const absolute = p.startsWith('/')
  const trailing = p.endsWith('/')
  const out: string[] = []
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop()
      else if (!absolute) out.push('..')
      continue
    }
    out.push(seg)
  }
  let joined = out.join('/')
  if (joined === '' && !absolute) joined = '.'
  if (joined !== '' && trailing) joined += '/'
  return absolute ? `/${joined}` : joined
}

/** The parts joined with `/` and normalized, as path.posix.join does it (empty parts are skipped). */
export const joinPath = (...parts: string[]): string => {
  const kept = parts.filter((p) => p.length > 0)
  return kept.length === 0 ? '.' : normalizePath(kept.join('/'))
}
