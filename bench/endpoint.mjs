// Container endpoint vs a bare Node http server sending the same bytes, side by side in
// one run: max throughput (10 connections) and a fixed 1,000 requests/second with p50/p99
// latency. Latency percentiles come from every response's own time (autocannon's
// histogram rounds to whole milliseconds), without coordinated-omission correction.
// Returns rows for bench/run.mjs's table.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const SERVER = fileURLToPath(new URL('./endpoint-server.mjs', import.meta.url))

// Both targets serve keys with this expiry, so their bodies are byte-identical.
const EXPIRES_AT = Math.floor(Date.now() / 1000) * 1000 + 12 * 3600_000

const startTarget = async (name) => {
  const child = spawn(process.execPath, [SERVER, name, String(EXPIRES_AT)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const [line] = await Promise.race([
    once(child.stdout.setEncoding('utf8'), 'data'),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`${name} server exited with ${code}`))),
  ])
  const info = JSON.parse(line)
  return { name, ...info, url: `http://127.0.0.1:${info.port}`, stop: () => (child.stdin.end(), once(child, 'exit')) }
}

const fetchOnce = (t) =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: t.port, path: t.path, headers: t.headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

/** One autocannon run: requests, seconds and every response's own time (float ms). */
const load = async (t, opts) => {
  const times = []
  const instance = autocannon({ url: t.url + t.path, headers: t.headers, connections: 10, ...opts })
  instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime))
  const r = await instance
  return { requests: r.requests.total, duration: r.duration, times, non2xx: r.non2xx, errors: r.errors + r.timeouts }
}

const ROUND_SECONDS = 2

/**
 * `seconds` of load per target, in 2-second rounds that alternate between the targets (the
 * order flipped each round), so a noisy neighbour or CPU frequency drift hits both alike.
 */
const measure = async (targets, seconds, extra, log) => {
  const sums = new Map(targets.map((t) => [t.name, { requests: 0, duration: 0, times: [], non2xx: 0, errors: 0 }]))
  const rounds = Math.max(1, Math.round(seconds / ROUND_SECONDS))
  for (let i = 0; i < rounds; i++) {
    for (const t of i % 2 ? [...targets].reverse() : targets) {
      const r = await load(t, { duration: seconds / rounds, ...extra })
      const s = sums.get(t.name)
      s.requests += r.requests
      s.duration += r.duration
      s.non2xx += r.non2xx
      s.errors += r.errors
      for (const x of r.times) s.times.push(x)
    }
    log(`endpoint:   round ${i + 1}/${rounds}`)
  }
  return new Map(
    [...sums].map(([name, s]) => {
      s.times.sort((a, b) => a - b)
      return [
        name,
        {
          requests: s.requests,
          reqPerSec: Math.round(s.requests / s.duration),
          p50: percentile(s.times, 50),
          p99: percentile(s.times, 99),
          non2xx: s.non2xx,
          errors: s.errors,
        },
      ]
    }),
  )
}

const TARGET_NAMES = { bare: 'bare node http', credd: 'container endpoint' }

export const endpointBench = async ({ seconds = 10, rate = 1000, log = console.error } = {}) => {
  const targets = [await startTarget('bare'), await startTarget('credd')]
  try {
    const [bare, credd] = await Promise.all(targets.map(fetchOnce))
    if (bare.status !== 200 || credd.status !== 200 || !bare.body.equals(credd.body))
      throw new Error(`the targets do not answer the same bytes (${bare.status}, ${credd.status})`)
    for (const t of targets) await load(t, { duration: 2 }) // warm-up: JIT, sockets
    const rows = []
    for (const [mode, extra] of [
      [`max, 10 conns`, {}],
      [`${rate}/s, 10 conns`, { overallRate: rate }],
    ]) {
      log(`endpoint: ${mode}, ${seconds} s per target`)
      const m = await measure(targets, seconds, extra, log)
      for (const t of targets) rows.push({ benchmark: 'endpoint', target: TARGET_NAMES[t.name], mode, ...m.get(t.name) })
    }
    // Ratio to bare: throughput on the max rows, p99 latency on the fixed-rate rows.
    const [bareMax, creddMax, bareRate, creddRate] = rows
    bareMax.ratio = bareRate.ratio = 1
    creddMax.ratio = creddMax.reqPerSec / bareMax.reqPerSec
    creddRate.ratio = creddRate.p99 / bareRate.p99
    const met = creddMax.ratio >= 0.8 && creddRate.p99 < 2
    return { rows, bodyBytes: bare.body.length, aims: { throughputRatio: 0.8, p99MsAtRate: 2 }, met }
  } finally {
    await Promise.all(targets.map((t) => t.stop()))
  }
}
