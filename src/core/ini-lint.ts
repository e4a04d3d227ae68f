// Lines that the AWS SDK's lenient parser skips but botocore's configparser (and
// so the AWS CLI) refuses, failing every command: worth a warning, since the
// daemon itself keeps working and the person would otherwise learn it from
// "ConfigParseError: Unable to parse config file".

export interface IniProblem {
  line: number
  problem: string
}

export const lintIni = (text: string): IniProblem[] => {
  const problems: IniProblem[] = []
  let inSection = false
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, i) => {
    const line = i + 1
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return
    // configparser: an indented line continues the previous value.
    if (/^\s/.test(raw) && inSection) return
    if (trimmed.startsWith('[')) {
      if (!/^\[[^\]]+\]/.test(trimmed)) problems.push({ line, problem: `section header "${clip(trimmed)}" has no closing ]` })
      else inSection = true
      return
    }
    // Not echoed at all: such a line is often a secret pasted on a line of its own.
    if (!/[=:]/.test(trimmed))
      problems.push({ line, problem: 'this line is neither a [section] nor a key = value line (a value pasted on a line of its own?)' })
    else if (!inSection) problems.push({ line, problem: 'a key = value line before any [section]' })
  })
  return problems
}

// Section headers are clipped: a stray line may still hold a pasted secret.
const clip = (s: string): string => (s.length > 24 ? `${s.slice(0, 20)}…` : s)
