// What `aws-credd doctor` reports: findings with a severity, the profile or
// session they are about, one line of cause and one line of fix. Also the two
// rules every rule shares: how a key id is shown (masked) and how the findings
// become an exit status.

export type Severity = 'ok' | 'info' | 'warning' | 'error'

/** The environment (variables, files, network), one profile, or one SSO session. */
export type Scope = 'environment' | { profile: string } | { ssoSession: string }

export interface Finding {
  severity: Severity
  scope: Scope
  /** Stable machine-readable code, e.g. `env-keys-shadow-profile`. */
  code: string
  /** One line: what is wrong (or right) and why. Never a secret; key ids masked. */
  message: string
  /** The command or edit that fixes it. */
  fix?: string
  /** Details for --json readers (masked key ids, names, seconds). */
  data?: Record<string, string | number | boolean>
}

export interface Summary {
  ok: number
  info: number
  warnings: number
  errors: number
}

/** `ASIA…WXYZ`: the prefix says temporary or long-term, the last 4 tell keys apart; the rest stays hidden. */
export const maskKeyId = (id: string): string => (id.length >= 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : `${id.slice(0, 4)}…`)

export type KeyKind = 'long-term' | 'temporary' | 'unknown'

/** AKIA: an IAM user's long-term key; ASIA: temporary (STS), useless without its session token. */
export const keyKind = (id: string): KeyKind => (id.startsWith('AKIA') ? 'long-term' : id.startsWith('ASIA') ? 'temporary' : 'unknown')

/** `AKIA…BBBB (long-term)`. */
export const describeKey = (id: string): string => {
  const kind = keyKind(id)
  return `${maskKeyId(id)} (${kind === 'unknown' ? 'neither AKIA nor ASIA' : kind})`
}

export const summarize = (findings: Finding[]): Summary => ({
  ok: findings.filter((f) => f.severity === 'ok').length,
  info: findings.filter((f) => f.severity === 'info').length,
  warnings: findings.filter((f) => f.severity === 'warning').length,
  errors: findings.filter((f) => f.severity === 'error').length,
})

/** 0 nothing to do, 1 warnings, 2 errors. */
export const exitCodeOf = (s: Summary): number => (s.errors > 0 ? 2 : s.warnings > 0 ? 1 : 0)

export const scopeKey = (s: Scope): string =>
  s === 'environment' ? 'environment' : 'profile' in s ? `profile:${s.profile}` : `sso-session:${s.ssoSession}`

/** Finding builders, so rules read as data. */
export const finding = (
  severity: Severity,
  scope: Scope,
  code: string,
  message: string,
  fix?: string,
  data?: Finding['data'],
): Finding => ({ severity, scope, code, message, ...(fix !== undefined ? { fix } : {}), ...(data !== undefined ? { data } : {}) })

/** A profile's section header as a person finds it in the config file. */
export const configHeader = (profile: string): string => (profile === 'default' ? '[default]' : `[profile ${profile}]`)

/** `12 min`, `5 h`, `3 days`: how long ago or ahead, to the unit a person reads. */
export const span = (ms: number): string => {
  const m = Math.round(Math.abs(ms) / 60_000)
  if (m < 120) return `${m} min`
  const h = Math.round(m / 60)
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} days`
}

/** An environment variable or INI value that is present and not empty (an empty one counts as unset in every SDK). */
export const isSet = (v: string | undefined): v is string => v !== undefined && v !== ''
