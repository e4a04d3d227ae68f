#!/usr/bin/env node
// Benchmarks (run by `npm run bench`, which builds first). Each benchmark is a module in
// bench/ exporting an async function that returns { rows, ...extra }; this file runs them
// in order, prints one table and writes bench/results/<name>-<date>.json and
// bench/results/<name>-latest.json. Options: --seconds N (per run, default 10), --only NAME.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { endpointBench } from './endpoint.mjs'
import { processBench } from './process.mjs'

/** name → run(options); add a benchmark by adding a line here. */
const BENCHMARKS = {
  endpoint: (o) => endpointBench(o),
  process: (o) => processBench(o),
}

const usage = `usage: node bench/run.mjs [--seconds N] [--only ${Object.keys(BENCHMARKS).join('|')}]`
let args
try {
  args = parseArgs({ options: { seconds: { type: 'string' }, only: { type: 'string' } } }).values
} catch (e) {
  console.error(`bench: ${e.message}\n${usage}`)
  process.exit(2)
}
const seconds = args.seconds === undefined ? 10 : Number(args.seconds)
if (!(seconds > 0) || (args.only && !BENCHMARKS[args.only])) {
  console.error(usage)
  process.exit(2)
}

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results')
const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: process.platform }
const fmt = (v, digits = 2) => (typeof v === 'number' ? v.toFixed(digits) : '-')

const table = []
let allMet = true
for (const [name, run] of Object.entries(BENCHMARKS)) {
  if (args.only && args.only !== name) continue
  const startedAt = new Date()
  const result = await run({ seconds })
  const file = `${name}-${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}Z.json`
  const text = `${JSON.stringify({ startedAt: startedAt.toISOString(), options: { seconds }, machine, ...result }, null, 2)}\n`
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, file), text)
  writeFileSync(join(RESULTS, `${name}-latest.json`), text)
  console.error(`bench: wrote bench/results/${file}`)
  if (result.met === false) allMet = false
  for (const r of result.rows)
    table.push([
      r.benchmark,
      r.target,
      r.mode,
      String(r.reqPerSec),
      fmt(r.p50, 3),
      fmt(r.p99, 3),
      r.ratio === undefined ? '-' : fmt(r.ratio),
      String(r.non2xx + r.errors),
    ])
}

const head = ['benchmark', 'target', 'load', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'errors']
const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)))
const line = (cells) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')
console.log(line(head))
console.log(widths.map((w) => '-'.repeat(w)).join('  '))
for (const r of table) console.log(line(r))
console.log(
  `\nvs bare: throughput ratio on "max" rows (aim >= 0.80), p99 ratio on fixed-rate rows (aim: p99 < 2 ms). ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}`,
)
if (!allMet) console.log('bench: an aim was not met (see above)')
