// A throwaway HOME with ~/.aws files and a way to run the built CLI inside it,
// so integration tests never touch the real ~/.aws or real AWS.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

// Unix socket paths are limited to 107 bytes: the runtime folder lives under a short
// temp path, not inside the (long) test folder, and goes away with the test process.
const runtimeDirs: string[] = []
process.on('exit', () => {
  for (const d of runtimeDirs) rmSync(d, { recursive: true, force: true })
})
const shortRuntimeDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'credd-'))
  runtimeDirs.push(d)
  return d
}

export const CLI = join(process.cwd(), 'dist', 'cli', 'main.js')

const CHILD_COVERAGE = pathToFileURL(join(process.cwd(), 'test', 'helpers', 'child-coverage.mjs')).href

/**
 * Under tap, a child inherits tap's hook (@tapjs/processinfo in NODE_OPTIONS), whose loader
 * hooks about double the start of a CLI process; the suite starts hundreds. Children get a
 * lighter preload instead that still records their coverage of dist/ for tap's report.
 * Changes `env` in place (drops tap's keys); returns the keys to add.
 */
const childCoverageEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  const options = env.NODE_OPTIONS ?? ''
  if (!options.includes('@tapjs/processinfo')) return {}
  const kept = options
    .split(/\s+/)
    .filter((o) => o && !o.includes('@tapjs/processinfo'))
    .join(' ')
  for (const k of Object.keys(env)) if (k.startsWith('_TAPJS_PROCESSINFO_')) delete env[k]
  // CREDD_TEST_CHILD_COVERAGE=0: children run with no preload at all (faster, but src/ files only
  // the CLI reaches, such as cli/run.ts, then show no coverage).
  const covered = process.env._TAPJS_PROCESSINFO_COVERAGE_ === '1' && process.env.CREDD_TEST_CHILD_COVERAGE !== '0'
  if (!covered) return { NODE_OPTIONS: kept }
  return {
    NODE_OPTIONS: `${kept} --import=${CHILD_COVERAGE}`.trim(),
    CREDD_CHILD_COVERAGE_ROOT: process.env._TAPJS_PROCESSINFO_CWD_ ?? process.cwd(),
  }
}

export interface Sandbox {
  home: string
  configFile: string
  credentialsFile: string
  ssoCacheDir: string
  env: NodeJS.ProcessEnv
}

/** Env for a child that sees only the sandbox: no real AWS variables leak in from the test runner. */
export const sandbox = (home: string, extra: Record<string, string> = {}): Sandbox => {
  const aws = join(home, '.aws')
  mkdirSync(aws, { recursive: true, mode: 0o700 })
  const configFile = join(aws, 'config')
  const credentialsFile = join(aws, 'credentials')
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('TAP')) env[k] = v
  Object.assign(env, childCoverageEnv(env))
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_RUNTIME_DIR: shortRuntimeDir(),
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1', // botocore reads only this one
    // Tests run many daemons at once: each takes a free port instead of 9911.
    AWS_CREDD_SERVER_LISTEN: '127.0.0.1:0',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  })
  return { home, configFile, credentialsFile, ssoCacheDir: join(aws, 'sso', 'cache'), env }
}

export const writeAws = (sb: Sandbox, config: string, credentials?: string): void => {
  writeFileSync(sb.configFile, config, { mode: 0o600 })
  if (credentials !== undefined) writeFileSync(sb.credentialsFile, credentials, { mode: 0o600 })
}

export interface Running {
  child: ChildProcess
  output: () => string
  waitFor: (re: RegExp, ms?: number) => Promise<string>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Start the built CLI; collects stdout+stderr; `waitFor` resolves on the first match. */
/**
 * Start the built CLI (or another copy of it, `cli`: an installed package); `wrap` runs it
 * under another command, e.g. ['prlimit', '--nofile=256:256', '--'].
 */
export const runCli = (args: string[], env: NodeJS.ProcessEnv, cli = CLI, wrap: string[] = []): Running => {
  const argv = [process.execPath, cli, ...args]
  const child = wrap.length
    ? spawn(wrap[0]!, [...wrap.slice(1), ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const waiters: Array<{ re: RegExp; resolve: (m: string) => void }> = []
  const onData = (d: Buffer): void => {
    out += d.toString()
    for (const w of [...waiters]) {
      const m = out.match(w.re)
      if (m) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(m[0])
      }
    }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  )
  return {
    child,
    output: () => out,
    exited,
    waitFor: (re, ms = 15_000) =>
      new Promise<string>((resolve, reject) => {
        const m = out.match(re)
        if (m) return resolve(m[0])
        const timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${re}; output so far:\n${out}`)), ms)
        waiters.push({ re, resolve: (s) => (clearTimeout(timer), resolve(s)) })
        void exited.then(() => setTimeout(() => reject(new Error(`exited while waiting for ${re}; output:\n${out}`)), 50))
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/** Run a command to completion (the AWS CLI, python3), capturing output. */
export const runTool = (
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.stdin.end(input ?? '')
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })

export const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000, step = 50): Promise<boolean> => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await cond()) return true
    await new Promise((r) => setTimeout(r, step))
  }
  return cond()
}
