// How long `credential_process = aws-credd process PROFILE` makes an SDK wait: the built
// CLI run start to exit against a daemon that holds the role (emulator-backed, in a temp
// HOME), next to a bare `node -e 0` (Node's own start) and to the same command with no
// daemon (it then loads the SDK and calls STS itself). Runs are sequential and interleaved
// so noise hits each alike. Returns rows for bench/run.mjs's table; run alone it prints them.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { CLI as BUILT_CLI, ROOT, sandbox, sleep, startDaemon } from '../scripts/soak/common.mjs'

// AWS_CREDD_BENCH_CLI: another entry point with the same commands (a trial build, say).
const CLI = process.env.AWS_CREDD_BENCH_CLI ?? BUILT_CLI

/** One run to its exit: wall milliseconds from spawn, exit code, stderr. */
const timed = (args, env) =>
  new Promise((resolve) => {
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stdout, stderr }))
  })

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

const summary = (times, failures) => {
  const s = [...times].sort((a, b) => a - b)
  const mean = s.reduce((a, b) => a + b, 0) / s.length
  return {
    runs: s.length,
    reqPerSec: Number((1000 / mean).toFixed(1)),
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    non2xx: 0,
    errors: failures,
  }
}

/** A run that must print credential_process JSON with a temporary key. */
const isCredentials = (r) => r.code === 0 && /^\{"Version":1,"AccessKeyId":"ASIA/.test(r.stdout)

export const run = async ({ runs = 30, log = console.error } = {}) => {
  const { startEmulator } = await import(pathToFileURL(`${ROOT}dist/emulator/emulator.js`).href)
  const emu = await startEmulator()
  const user = emu.addUser('bench')
  const role = emu.addRole({ name: 'Bench', trust: [user.arn] })
  const sb = sandbox('bench-process', emu.url)
  writeFileSync(sb.configFile, `[profile bench]\nrole_arn = ${role.arn}\nsource_profile = base\n`, { mode: 0o600 })
  writeFileSync(sb.credentialsFile, `[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`, {
    mode: 0o600,
  })
  const targets = {
    bare: { name: 'node -e 0', args: ['-e', '0'], ok: (r) => r.code === 0 },
    daemon: { name: 'aws-credd process (daemon)', args: [CLI, 'process', 'bench'], ok: isCredentials },
    alone: { name: 'aws-credd process (no daemon)', args: [CLI, 'process', 'bench'], ok: isCredentials },
  }
  const daemon = startDaemon(sb.writeDaemonConfig({ profiles: [{ profile: 'bench' }] }), sb.env)
  try {
    let first
    for (let i = 0; i < 150 && !(first && isCredentials(first)); i++) {
      if (!daemon.alive()) throw new Error(`the daemon exited:\n${daemon.output()}`)
      first = await timed(targets.daemon.args, sb.env)
      if (/unknown command/.test(first.stderr)) throw new Error(`${CLI} has no \`process\` command yet`)
      if (!isCredentials(first)) await sleep(100)
    }
    if (!isCredentials(first)) throw new Error(`aws-credd process never got credentials from the daemon: ${first?.stderr}`)
    const measured = { bare: [], daemon: [], alone: [] }
    const failures = { bare: 0, daemon: 0, alone: 0 }
    const once = async (key, keep) => {
      const r = await timed(targets[key].args, sb.env)
      if (!targets[key].ok(r)) failures[key]++
      else if (keep) measured[key].push(r.ms)
    }
    log(`process: ${runs} runs each with the daemon up (after 3 warm-up runs)`)
    for (let i = 0; i < runs + 3; i++) for (const key of i % 2 ? ['daemon', 'bare'] : ['bare', 'daemon']) await once(key, i >= 3)
    await daemon.stop()
    log(`process: ${runs} runs with no daemon (each assumes the role itself)`)
    for (let i = 0; i < runs + 1; i++) await once('alone', i >= 1)
    const rows = Object.entries(targets).map(([key, t]) => ({
      benchmark: 'process',
      target: t.name,
      mode: `${runs} sequential runs`,
      ...summary(measured[key], failures[key]),
    }))
    const bare = rows[0].p50
    for (const r of rows) r.ratio = r.p50 / bare // median time relative to Node's own start
    return { rows, runs, note: 'p50/p90/p99: wall ms from spawn to exit; ratio: p50 / p50 of node -e 0' }
  } finally {
    await daemon.stop()
    await emu.close()
    sb.remove()
  }
}

export const processBench = run

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows } = await run()
  for (const r of rows)
    console.log(
      `${r.target.padEnd(30)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p90 ${r.p90.toFixed(1).padStart(7)} ms  x${r.ratio.toFixed(2)}  errors ${r.errors}`,
    )
}
