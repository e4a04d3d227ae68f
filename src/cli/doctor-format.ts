// What `aws-credd doctor` prints: a block for the environment, then one per profile
// and per SSO session; each finding on one line with its severity, its fix on the
// next line; a summary line last. No colours, so it pastes into a ticket. Pure.
import type { DoctorReport, Finding, Scope } from '../core/doctor/index.js'

const title = (s: Scope): string =>
  s === 'environment' ? 'Environment' : 'profile' in s ? `Profile ${s.profile}` : `SSO session ${s.ssoSession}`
const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ')
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

const line = (f: Finding): string => {
  const head = `  ${f.severity.padEnd(8)} ${oneLine(f.message)}`
  return f.fix ? `${head}\n  ${' '.repeat(8)} fix: ${oneLine(f.fix)}` : head
}

export const formatDoctor = (r: DoctorReport): string => {
  const blocks: string[] = []
  let current: string | undefined
  for (const f of r.findings) {
    const t = title(f.scope)
    if (t !== current) {
      blocks.push(t)
      current = t
    }
    blocks[blocks.length - 1] += `\n${line(f)}`
  }
  const s = r.summary
  const notes = s.info > 0 ? ` (${plural(s.info, 'note')})` : ''
  return `${[...blocks, `${plural(s.warnings, 'warning')}, ${plural(s.errors, 'error')}${notes}`].join('\n\n')}\n`
}
