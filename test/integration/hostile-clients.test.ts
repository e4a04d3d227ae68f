// The built daemon against hostile local clients. Under an open-files limit of 256 (soft and
// hard: Node raises the soft one to the hard one at startup), hundreds of idle and stalled
// connections to the container endpoint, the control socket and the metrics endpoint must not
// stop it: a client with the token is served within a second, `aws-credd status` answers, the
// metrics answer and count the evictions. Neither do connections that pipeline thousands of
// requests and never read the answers. Malformed control-socket requests never stop it.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { requireOrSkip } from '../helpers/prerequisites.js'
import { askDaemon, controlSocketPath } from '../../src/cli/control-client.js'
import { startEmulator } from '../../src/emulator/emulator.js'
import { CLI, runCli, sandbox, writeAws, type Running, type Sandbox } from '../helpers/sandbox.js'

const FD_LIMIT = 256

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0

/** A daemon serving one assumed-role profile, with metrics; `wrap` runs it under another command. */
const startDaemon = async (t: Test, wrap: string[] = []) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const sb: Sandbox = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
  const user = emu.addUser('dev-user')
  const role = emu.addRole({ name: 'Deploy', trust: [user.arn] })
  writeAws(
    sb,
    `[profile deploy]\nrole_arn = ${role.arn}\nsource_profile = keys\n`,
    `[keys]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  )
  const cfg = join(sb.home, 'config.json')
  writeFileSync(cfg, JSON.stringify({ profiles: [{ profile: 'deploy' }], metrics: { listen: '127.0.0.1:0' }, alerts: { desktop: false } }))
  const d: Running = runCli(['run', '--config', cfg, '--log-format', 'text'], sb.env, CLI, wrap)
  t.teardown(() => d.stop())
  const endpoint = /container endpoint on (http:\/\/127\.0\.0\.1:(\d+))/.exec(
    await d.waitFor(/container endpoint on http:\/\/127\.0\.0\.1:\d+/, 15_000),
  )!
  const metrics = /metrics on (http:\/\/127\.0\.0\.1:(\d+))\/metrics/.exec(
    await d.waitFor(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/, 15_000),
  )!
  await d.waitFor(/\[deploy\] obtained/, 15_000)
  const socket = controlSocketPath(sb.env)
  const status = await askDaemon(socket, 'GET', '/v1/status')
  if (status.status !== 200) throw new Error(`no status: ${JSON.stringify(status)}`)
  const token = readFileSync((status.body.containerEndpoint as { tokenFile: string }).tokenFile, 'utf8')
  return { sb, d, token, socket, url: endpoint[1]!, port: Number(endpoint[2]), metricsUrl: metrics[1]!, metricsPort: Number(metrics[2]) }
}

/** Opens a connection and leaves it idle, or sends `partial` (never a complete request) and stalls. */
const hold = (open: Socket[], target: { port: number } | { path: string }, partial?: string): Promise<void> =>
  new Promise((resolve) => {
    const c = 'port' in target ? connect(target.port, '127.0.0.1') : connect(target.path)
    open.push(c)
    c.on('error', () => {}) // the daemon closes (evicts) many of them
    c.resume()
    c.once('connect', () => {
      if (partial) c.write(partial)
      resolve()
    })
    c.once('close', () => resolve())
  })

const metricValue = (text: string, name: string, labels = ''): number => {
  const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\d+)$`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}

t.test(
  `fd limit ${FD_LIMIT}: hundreds of idle and stalled connections, and a client with the token is served within a second`,
  async (t) => {
    if (!requireOrSkip(t, 'prlimit (util-linux)', hasPrlimit)) return
    const { sb, d, token, socket, url, port, metricsUrl, metricsPort } = await startDaemon(t, [
      'prlimit',
      `--nofile=${FD_LIMIT}:${FD_LIMIT}`,
      '--',
    ])
    const limits = readFileSync(`/proc/${d.child.pid}/limits`, 'utf8')
    t.match(limits, new RegExp(`^Max open files\\s+${FD_LIMIT}\\s+${FD_LIMIT}\\s`, 'm'), 'the daemon runs under the limit (soft and hard)')
    const before = await (await fetch(`${metricsUrl}/metrics`)).text()
    const cap = metricValue(before, 'aws_credd_connections_max')
    t.equal(cap, FD_LIMIT - 64, 'the budget: the limit less a quarter')

    const open: Socket[] = []
    t.teardown(() => open.forEach((c) => c.destroy()))
    const flood = async (): Promise<void> => {
      const partialGet = `GET /v1/credentials/deploy HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthoriz`
      const jobs: Array<Promise<void>> = []
      for (let i = 0; i < 400; i++) jobs.push(hold(open, { port }, i % 4 === 3 ? partialGet : i % 4 === 2 ? 'GET /v1/cre' : undefined))
      for (let i = 0; i < 40; i++) jobs.push(hold(open, { path: socket }, i % 2 ? 'GET /v1/sta' : undefined))
      for (let i = 0; i < 40; i++) jobs.push(hold(open, { port: metricsPort }, i % 2 ? 'GET /metrics HTTP/1.1\r\n' : undefined))
      await Promise.all(jobs)
      await new Promise((r) => setTimeout(r, 300)) // the daemon has accepted them all
    }
    await flood()
    const alive = open.filter((c) => !c.destroyed).length
    t.comment(`${open.length} connections opened, ${alive} still open (cap ${cap})`)
    t.ok(alive <= cap, 'no more connections held open than the budget')

    const started = performance.now()
    const res = await fetch(`${url}/v1/credentials/deploy`, { headers: { authorization: token } })
    const body = (await res.json()) as { AccessKeyId?: string }
    const took = performance.now() - started
    t.equal(res.status, 200, 'served')
    t.match(body.AccessKeyId, /^ASIA/)
    t.comment(`served under the flood in ${took.toFixed(1)} ms`)
    t.ok(took < 1000, `within a second (${took.toFixed(0)} ms)`)

    const status = runCli(['status'], sb.env)
    const { code } = await status.exited
    t.equal(code, 0, `aws-credd status answers with its normal code: ${status.output().slice(0, 300)}`)

    const scrape = await fetch(`${metricsUrl}/metrics`)
    t.equal(scrape.status, 200, 'metrics answer')
    const text = await scrape.text()
    const evicted = ['container', 'control', 'metrics'].map((l) =>
      metricValue(text, 'aws_credd_connections_evicted_total', `listener="${l}"`),
    )
    t.comment(
      `evicted: container ${evicted[0]}, control ${evicted[1]}, metrics ${evicted[2]}; rejected ${metricValue(text, 'aws_credd_connections_rejected_total', 'listener="container"')}`,
    )
    t.ok(evicted[0]! > 0, 'idle and stalled container connections were evicted')
    t.ok(evicted.reduce((a, b) => a + b, 0) >= open.length - cap, 'at least as many as were over the budget')
    t.ok(metricValue(text, 'aws_credd_connections_open', 'listener="container"') <= cap)
    t.equal((await fetch(`${metricsUrl}/healthz`)).status, 200)

    // A second wave while those are still open: served again.
    await flood()
    const again = performance.now()
    const second = await fetch(`${url}/v1/credentials/deploy`, { headers: { authorization: token } })
    await second.arrayBuffer()
    const took2 = performance.now() - again
    t.equal(second.status, 200)
    t.comment(`second wave: served in ${took2.toFixed(1)} ms`)
    t.ok(took2 < 1000, 'within a second again')
    t.equal(d.child.exitCode, null, 'the daemon is still running')
    for (const c of open) c.destroy()
    open.length = 0
    t.same(await d.stop(), { code: 0, signal: null }, 'and stops cleanly')
  },
)

/** CPU time a process has used (user + system, in clock ticks), from /proc/PID/stat. */
const cpuTicks = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // from field 3 (state) on
  return Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
}
/** Resident memory of a process in MB, from /proc/PID/status. */
const rssMb = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024

/** Resolves true once the process has spent (almost) no CPU for `stepMs` (it has read what it will read), false after `maxMs`. */
const quiet = async (pid: number, stepMs = 300, maxMs = 20_000): Promise<boolean> => {
  const end = Date.now() + maxMs
  let last = cpuTicks(pid)
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, stepMs))
    const now = cpuTicks(pid)
    if (now - last <= 3) return true
    last = now
  }
  return false
}

// The limit of the report this test comes from (`ulimit -n 128`: a budget of 96). Lower limits
// are no use here: the daemon opens up to ~75 files at once while it loads.
const PIPELINE_FD_LIMIT = 128

t.test(
  `fd limit ${PIPELINE_FD_LIMIT}: connections pipelining thousands of requests with a bogus token and never reading the answers, and a client with the token is served within a second`,
  async (t) => {
    if (!requireOrSkip(t, 'prlimit (util-linux)', hasPrlimit)) return
    const { sb, d, token, url, port, metricsUrl } = await startDaemon(t, [
      'prlimit',
      `--nofile=${PIPELINE_FD_LIMIT}:${PIPELINE_FD_LIMIT}`,
      '--',
    ])
    const pid = d.child.pid!
    const cap = metricValue(await (await fetch(`${metricsUrl}/metrics`)).text(), 'aws_credd_connections_max')
    t.equal(cap, PIPELINE_FD_LIMIT - 32, 'the budget: the limit less 32')
    const rssBefore = rssMb(pid)

    // More connections than the budget, each sending 2,500 GETs with a bogus token at once
    // (one 220 KB buffer shared by all, ~23 MB in all) and never reading a byte: the daemon
    // closes each once it has more than MAX_IN_FLIGHT unanswered requests. (A connection whose
    // answers back up while it stays under that cap is evicted when the budget is full: that
    // takes ~4 MB of unread answers per connection over TCP, so test/serve/connection-budget.test.ts
    // shows it over a unix socket.)
    const PER_CONNECTION = 2_500
    const connections = cap + 8
    const flood = Buffer.from(
      `GET /v1/credentials/deploy HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: not-a-token\r\n\r\n`.repeat(PER_CONNECTION),
    )
    const open: Socket[] = []
    t.teardown(() => open.forEach((c) => c.destroy()))
    const started = performance.now()
    await Promise.all(
      Array.from(
        { length: connections },
        () =>
          new Promise<void>((resolve) => {
            const c = connect(port, '127.0.0.1')
            open.push(c)
            c.pause() // never reads
            c.on('error', () => {}) // the daemon closes them
            c.once('connect', () => (c.write(flood), resolve()))
            c.once('close', () => resolve())
          }),
      ),
    )
    // While the daemon is still reading the flood: served (the time is only reported: it depends on the machine).
    const during = performance.now()
    const first = await fetch(`${url}/v1/credentials/deploy`, { headers: { authorization: token }, signal: AbortSignal.timeout(20_000) })
    await first.arrayBuffer()
    t.equal(first.status, 200, 'served while the flood is being read')
    t.comment(`during the flood: served in ${(performance.now() - during).toFixed(1)} ms`)

    t.ok(await quiet(pid), 'the daemon settles')
    t.comment(
      `${connections} connections × ${PER_CONNECTION} pipelined GETs (${(flood.length / 1024).toFixed(0)} KB each); settled after ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
    const asked = performance.now()
    const res = await fetch(`${url}/v1/credentials/deploy`, { headers: { authorization: token }, signal: AbortSignal.timeout(5000) })
    const body = (await res.json()) as { AccessKeyId?: string }
    const took = performance.now() - asked
    t.equal(res.status, 200, 'the client with the token is served')
    t.match(body.AccessKeyId, /^ASIA/)
    t.comment(
      `after the flood: served in ${took.toFixed(1)} ms; daemon RSS ${rssBefore.toFixed(0)} MB before, ${rssMb(pid).toFixed(0)} MB after`,
    )
    t.ok(took < 1000, `within a second (${took.toFixed(0)} ms)`)

    const status = runCli(['status'], sb.env)
    t.equal((await status.exited).code, 0, `aws-credd status answers with its normal code: ${status.output().slice(0, 300)}`)

    const text = await (await fetch(`${metricsUrl}/metrics`)).text()
    const evicted = metricValue(text, 'aws_credd_connections_evicted_total', 'listener="container"')
    t.comment(
      `evicted: container ${evicted}; rejected ${metricValue(text, 'aws_credd_connections_rejected_total', 'listener="container"')}`,
    )
    t.ok(evicted >= connections - cap, 'the non-readers were closed, at least as many as were over the budget')
    t.ok(metricValue(text, 'aws_credd_connections_open', 'listener="container"') <= cap)
    t.equal(d.child.exitCode, null, 'the daemon is still running')
    for (const c of open) c.destroy()
    t.same(await d.stop(), { code: 0, signal: null }, 'and stops cleanly')
  },
)

t.test('malformed control-socket requests never stop the daemon', async (t) => {
  const { sb, d, socket, url, token } = await startDaemon(t)
  const send = (bytes: string): Promise<string> =>
    new Promise((done) => {
      const c = connect(socket)
      let out = ''
      c.setEncoding('latin1')
      c.on('data', (s: string) => (out += s))
      c.on('error', () => done(out))
      c.on('close', () => done(out))
      c.setTimeout(5000, () => c.destroy())
      c.end(bytes)
    })
  const targets = [
    '//x:99999',
    '//x',
    'http://[::1',
    'http://localhost:99999/v1/status',
    'http://localhost/v1/status',
    '*',
    '/%',
    '/v1/credentials/%E0%A4%A',
    '/%%%zz',
    `/${'a'.repeat(20_000)}`,
  ]
  for (const target of targets) {
    const answer = await send(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
    t.match(answer, /^HTTP\/1\.1 4\d\d /, `GET ${target.slice(0, 40)} → ${answer.split('\r\n')[0]}`)
  }
  t.match(await send('CONNECT localhost:80 HTTP/1.1\r\nHost: localhost\r\n\r\n'), /^HTTP\/1\.1 405 /, 'CONNECT')
  t.match(
    await send('POST /v1/mfa HTTP/1.1\r\nHost: localhost\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{"profil'),
    /^HTTP\/1\.1 400 /,
    'a broken mfa body',
  )
  t.equal(d.child.exitCode, null, 'still running')
  const status = runCli(['status'], sb.env)
  t.equal((await status.exited).code, 0, 'aws-credd status answers')
  t.equal((await fetch(`${url}/v1/credentials/deploy`, { headers: { authorization: token } })).status, 200, 'the endpoint still serves')
  t.notMatch(d.output(), /TypeError|Uncaught|ERR_INVALID_URL/, 'nothing thrown into the log')
  t.same(await d.stop(), { code: 0, signal: null })
})
