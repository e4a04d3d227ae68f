// Doctor rules for the files themselves: readable, parseable by every reader,
// and closed to other users (keys, SSO tokens, the daemon's endpoint token).
import type { DoctorContext } from './context.js'
import type { FileFacts } from './facts.js'
import { finding, type Finding } from './findings.js'

const ENV = 'environment' as const
const octal = (mode: number): string => mode.toString(8).padStart(3, '0')
const openToOthers = (f: FileFacts): boolean => f.exists && f.mode !== undefined && (f.mode & 0o077) !== 0

const unreadable = (f: FileFacts, what: string): Finding[] =>
  f.unreadable
    ? [
        finding(
          'error',
          ENV,
          'file-unreadable',
          `${what}: ${f.unreadable}`,
          f.unreadableFix ?? `check the owner and permissions of ${f.path}`,
          { file: f.path },
        ),
      ]
    : []

const tooOpen = (f: FileFacts, severity: 'warning' | 'error', why: string): Finding[] =>
  openToOthers(f)
    ? [
        finding(severity, ENV, 'file-mode', `${f.path} is mode ${octal(f.mode!)}: ${why}`, `chmod 600 ${f.path}`, {
          file: f.path,
          mode: octal(f.mode!),
        }),
      ]
    : []

/** The config file is less sensitive: only writable-by-others, or readable-by-others while it holds keys, matters. */
const configMode = (ctx: DoctorContext): Finding[] => {
  const f = ctx.facts.config
  if (!f.exists || f.mode === undefined) return []
  const holdsKeys = Object.values(f.profiles).some((d) => d.aws_secret_access_key !== undefined || d.aws_session_token !== undefined)
  if ((f.mode & 0o022) !== 0) {
    return [
      finding(
        'warning',
        ENV,
        'file-mode',
        `${f.path} is mode ${octal(f.mode)}: other users can change it, and so which role you assume or which credential_process runs as you`,
        `chmod 600 ${f.path}`,
        { file: f.path, mode: octal(f.mode) },
      ),
    ]
  }
  if (holdsKeys && (f.mode & 0o077) !== 0) {
    return [
      finding(
        'warning',
        ENV,
        'file-mode',
        `${f.path} is mode ${octal(f.mode)} and holds keys: other users can read them`,
        `chmod 600 ${f.path}`,
        { file: f.path, mode: octal(f.mode) },
      ),
    ]
  }
  return []
}

export const fileRules = (ctx: DoctorContext): Finding[] => {
  const { config, credentials, ssoCacheFiles, daemonConfig, containerTokenFile } = ctx.facts
  const out: Finding[] = [
    ...unreadable(config, 'the AWS config file'),
    ...unreadable(credentials, 'the AWS credentials file'),
    ...[...config.lint, ...credentials.lint].map((l) =>
      finding('warning', ENV, 'ini-refused', l, 'fix that line (the JS SDK reads past it, botocore does not)'),
    ),
    ...tooOpen(credentials, 'warning', 'other users can read your keys'),
    ...configMode(ctx),
    ...ssoCacheFiles.flatMap((f) => tooOpen(f, 'warning', 'other users can read this SSO token (it grants your SSO roles)')),
    ...tooOpen(
      daemonConfig.tokenFile,
      'error',
      "other users can read the token of aws-credd's endpoint, and aws-credd refuses to start with it",
    ),
    ...(containerTokenFile && containerTokenFile.path !== daemonConfig.tokenFile.path
      ? tooOpen(containerTokenFile, 'warning', "other users can read the container endpoint's token")
      : []),
  ]
  if (daemonConfig.error)
    out.push(
      finding(
        'error',
        ENV,
        'daemon-config',
        daemonConfig.error,
        daemonConfig.errorFix,
        daemonConfig.path ? { file: daemonConfig.path } : undefined,
      ),
    )
  return out
}
