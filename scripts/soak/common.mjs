// Shared plumbing of the soak phases: a throwaway HOME per phase, child env without the
// caller's AWS_* variables, the built daemon as a child process, and small probes.
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CLI = join(ROOT, 'dist', 'cli', 'main.js')

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** A temp HOME with ~/.aws (0700) and an env that points every AWS tool at it and at the emulator. */
export const sandbox = (label, emulatorUrl) => {
  const home = mkdtempSync(join(tmpdir(), `aws-credd-soak-${label}-`))
  const aws = join(home, '.aws')
  mkdirSync(aws, { recursive: true, mode: 0o700 })
  const env = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('TAP')) env[k] = v
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    AWS_CONFIG_FILE: join(aws, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(aws, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1', // botocore reads only this one
    AWS_ENDPOINT_URL: emulatorUrl,
    // Tests run many daemons at once: each takes a free port instead of 9911.
    AWS_CREDD_SERVER_LISTEN: '127.0.0.1:0',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  })
  return {
    home,
    awsDir: aws,
    configFile: env.AWS_CONFIG_FILE,
    credentialsFile: env.AWS_SHARED_CREDENTIALS_FILE,
    env,
    writeDaemonConfig: (config) => {
      const p = join(home, 'credd.json')
      writeFileSync(p, JSON.stringify(config))
      return p
    },
    remove: () => rmSync(home, { recursive: true, force: true }),
  }
}

/** The built CLI as a child; output is kept for the secret scan and for failure reports. */
export const startDaemon = (configPath, env) => {
  const child = spawn(process.execPath, [CLI, 'run', '--config', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })))
  return {
    pid: child.pid,
    exited,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      const r = await exited
      clearTimeout(timer)
      return r
    },
  }
}

/** Resident memory of a process in KiB, from /proc (Linux); undefined elsewhere or once it exited. */
export const rssKiB = (pid) => {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m)
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

/** Run a tool (the AWS CLI, python3) to completion. */
export const runTool = (cmd, args, env, timeoutMs = 60_000) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (e) => (stderr += String(e)))
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** Fake long-term key id, random per run: `AKIA` + 16 of the base32-ish alphabet AWS uses. */
export const fakeAkia = () => {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let s = 'AKIA'
  for (let i = 0; i < 16; i++) s += abc[Math.floor(Math.random() * abc.length)]
  return s
}

/** Violations and figures of one phase. */
export const recorder = (phase) => {
  const violations = []
  return {
    violations,
    violation: (what) => {
      violations.push({ phase, at: new Date().toISOString(), what })
      if (violations.length <= 20) process.stderr.write(`[soak:${phase}] VIOLATION ${what}\n`)
    },
    log: (msg) => process.stderr.write(`[soak:${phase}] ${msg}\n`),
  }
}
