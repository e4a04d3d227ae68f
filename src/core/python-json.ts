// JSON text exactly as Python's json.dumps writes it with default settings: ", "
// and ": " separators and every character outside printable ASCII escaped as
// \uXXXX (ensure_ascii). The AWS CLI v2 and botocore write the SSO token cache
// this way; writing the same bytes keeps a diff of ~/.aws/sso/cache quiet.

const escapeNonAscii = (json: string): string =>
  json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

export const pythonJsonDumps = (value: unknown): string => {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return escapeNonAscii(JSON.stringify(value))
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${escapeNonAscii(JSON.stringify(k))}: ${pythonJsonDumps(v)}`)
    return `{${parts.join(', ')}}`
  }
  return 'null'
}
