// The connection budget shared by every listener: its size from the open-files limit, which
// connection it closes when full (oldest idle keep-alive, then oldest that has not sent its
// headers, then the oldest busy one stuck on its client, never one the daemon holds with
// nothing pending, else the newcomer), the cap on pipelined requests per connection, over
// fake sockets and over real HTTP listeners; and the counts the metrics show.
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import {
  ConnectionBudget,
  connectionCap,
  MAX_CONNECTIONS,
  MAX_IN_FLIGHT,
  openFilesLimit,
  processBudget,
} from '../../src/serve/connection-budget.js'
import { controlHandler } from '../../src/serve/control-server.js'
import { startListener } from '../../src/serve/listener.js'
import { DaemonMetrics } from '../../src/serve/metrics.js'
import type { StatusView } from '../../src/engine/ports.js'
import { raw } from '../helpers/serve.js'
import { until } from '../helpers/sandbox.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            256                  4096                 files
Max locked memory         8388608              8388608              bytes
`

t.test('the soft open-files limit is read from /proc/self/limits', async (t) => {
  t.equal(
    openFilesLimit(() => LIMITS),
    256,
    'the soft column',
  )
  t.equal(
    openFilesLimit(() => LIMITS.replace(/256 {18}4096/, 'unlimited            unlimited')),
    undefined,
    'unlimited',
  )
  t.equal(
    openFilesLimit(() => 'nothing here'),
    undefined,
  )
  t.equal(
    openFilesLimit(() => {
      throw new Error('ENOENT')
    }),
    undefined,
    'not Linux',
  )
  if (process.platform === 'linux') t.type(openFilesLimit(), 'number', 'this process has one')
})

t.test('the cap leaves a reserve of a quarter (at least 32) for files, watchers and SDK sockets', async (t) => {
  t.equal(connectionCap(256), 192)
  t.equal(connectionCap(1024), 768)
  t.equal(connectionCap(100), 68, 'at least 32 kept back')
  t.equal(connectionCap(20), 1, 'never below 1')
  t.equal(connectionCap(1_048_576), MAX_CONNECTIONS, 'never more than MAX_CONNECTIONS')
  t.equal(connectionCap(), 768, 'default limit 1024 where the limit is unknown')
  const shared = processBudget()
  t.equal(shared, processBudget(), 'one budget per process')
  t.ok(shared.cap >= 1 && shared.cap <= MAX_CONNECTIONS)
})

/** Enough of a net.Socket for the budget: destroy() closes it, 'close' comes later as with a real one; output as set. */
class FakeSocket extends EventEmitter {
  destroyed = false
  /** Bytes written and not yet taken by the kernel (the client is not reading). */
  writableLength = 0
  writableNeedDrain = false
  constructor(readonly name: string) {
    super()
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true
      setImmediate(() => this.emit('close'))
    }
    return this
  }
}
const sock = (name: string): Socket & FakeSocket => new FakeSocket(name) as unknown as Socket & FakeSocket

t.test('full: the oldest idle keep-alive goes first, then the oldest waiting for headers, never a busy one', async (t) => {
  const b = new ConnectionBudget(4)
  const [waitOld, idleOld, busy, idleNew] = ['wait-old', 'idle-old', 'busy', 'idle-new'].map(sock) as [
    ReturnType<typeof sock>,
    ReturnType<typeof sock>,
    ReturnType<typeof sock>,
    ReturnType<typeof sock>,
  ]
  t.ok(b.admit(waitOld, 'container'))
  for (const s of [idleOld, busy, idleNew]) {
    t.ok(b.admit(s, 'container'))
    b.requestStarted(s)
  }
  b.requestEnded(idleOld)
  b.requestEnded(idleNew)
  t.equal(b.size, 4)
  const n1 = sock('n1')
  t.ok(b.admit(n1, 'imds'), 'a newcomer is let in')
  t.ok(idleOld.destroyed, 'by closing the oldest idle keep-alive connection (idle before the older waiting one)')
  t.equal(b.size, 4)
  t.ok(b.admit(sock('n2'), 'metrics'))
  t.ok(idleNew.destroyed, 'then the next idle one')
  t.ok(b.admit(sock('n3'), 'control'))
  t.ok(waitOld.destroyed, 'then the oldest that never finished its headers')
  t.notOk(busy.destroyed, 'the one being answered stays')
  t.same(b.stats().evicted, { container: 3 })
  t.same(b.stats().open, { container: 1, imds: 1, metrics: 1, control: 1 })
  await new Promise((r) => setImmediate(r))
  t.equal(b.size, 4, "the evicted sockets' close events change nothing more")
})

t.test('full of connections being answered: the newcomer is closed instead', async (t) => {
  const b = new ConnectionBudget(2)
  const a = sock('a')
  const c = sock('c')
  for (const s of [a, c]) {
    b.admit(s, 'container')
    b.requestStarted(s)
  }
  const late = sock('late')
  t.notOk(b.admit(late, 'container'))
  t.ok(late.destroyed)
  t.notOk(a.destroyed || c.destroyed)
  t.same(b.stats().rejected, { container: 1 })
  b.requestEnded(a)
  t.ok(b.admit(sock('next'), 'container'), 'once one is idle again there is room')
  t.ok(a.destroyed)
})

t.test('pipelined requests: busy until the last answer ends; a closed connection leaves the budget', async (t) => {
  const b = new ConnectionBudget(2)
  const s = sock('s')
  const held = sock('held')
  b.admit(s, 'container')
  b.admit(held, 'control')
  b.requestStarted(held)
  b.requestStarted(s)
  b.requestStarted(s)
  b.requestEnded(s)
  t.notOk(b.admit(sock('x'), 'container'), 'one request still in flight, nothing pending: kept')
  t.notOk(s.destroyed)
  b.requestEnded(s)
  t.ok(b.admit(sock('y'), 'container'), 'idle now: evicted for the newcomer')
  t.ok(s.destroyed)
  t.notOk(held.destroyed)
  const gone = new ConnectionBudget(2)
  const g = sock('g')
  gone.admit(g, 'imds')
  g.destroy()
  await new Promise((r) => setImmediate(r))
  t.equal(gone.size, 0)
  t.same(gone.stats().open, { imds: 0 })
})

t.test(
  'full of busy connections: the oldest stuck on its client goes (answers unread, or pipelined), never one held with nothing pending',
  async (t) => {
    const b = new ConnectionBudget(5)
    const busy = (name: string, inFlight = 1): ReturnType<typeof sock> => {
      const s = sock(name)
      t.ok(b.admit(s, 'container'))
      for (let i = 0; i < inFlight; i++) t.ok(b.requestStarted(s))
      return s
    }
    // Oldest first. `hold` is exec's grant: its first line is flushed, its answer stays open.
    const hold = busy('hold')
    const unread = busy('unread') // answers the kernel could not take: the client stopped reading
    unread.writableLength = 370
    const piped = busy('piped', 3) // requests queued behind the one being answered
    const drain = busy('drain') // a write was refused: waiting for 'drain'
    drain.writableNeedDrain = true
    const flushed = busy('flushed') // had unflushed output; the client read it
    flushed.writableLength = 100
    flushed.writableLength = 0
    const newcomer = (name: string): ReturnType<typeof sock> => {
      const s = sock(name)
      t.ok(b.admit(s, 'imds'), `${name} let in`)
      b.requestStarted(s) // held by the daemon from now on
      return s
    }
    newcomer('n1')
    t.ok(unread.destroyed, 'the oldest whose answers are unread goes first (the hold is older)')
    newcomer('n2')
    t.ok(piped.destroyed, 'then the pipelining one')
    newcomer('n3')
    t.ok(drain.destroyed, 'then the one waiting for drain')
    const late = sock('late')
    t.notOk(b.admit(late, 'imds'), 'the rest are held by the daemon with nothing pending: the newcomer is closed')
    t.ok(late.destroyed)
    t.notOk(hold.destroyed, 'the held answer (exec) stays')
    t.notOk(flushed.destroyed, 'and so does one whose output was read')
    t.same(b.stats().evicted, { container: 3 })
    t.same(b.stats().rejected, { imds: 1 })
    flushed.writableLength = 5
    t.ok(b.admit(sock('n4'), 'imds'), 'once its answers back up, it can go too')
    t.ok(flushed.destroyed)
    t.notOk(hold.destroyed)
  },
)

t.test(
  `more than MAX_IN_FLIGHT (${MAX_IN_FLIGHT}) unanswered requests on one connection close it, once what it sent is answered`,
  async (t) => {
    const b = new ConnectionBudget(4)
    const s = sock('s')
    b.admit(s, 'container')
    for (let i = 1; i <= MAX_IN_FLIGHT; i++) t.ok(b.requestStarted(s), `request ${i} in flight`)
    t.notOk(b.requestStarted(s), 'one more: refused')
    t.same(b.stats().evicted, { container: 1 }, 'counted as evicted')
    t.notOk(s.destroyed, 'not closed yet: Node answers (and so frees) what it has already parsed')
    t.notOk(b.requestStarted(s), 'the rest of what it pipelined is refused too')
    for (let i = 0; i < MAX_IN_FLIGHT + 1; i++) b.requestEnded(s)
    t.notOk(s.destroyed, 'one answer still going out')
    b.requestEnded(s)
    t.ok(s.destroyed, 'closed as soon as the last answer is out, before anything more is read from it')
    t.equal(b.size, 0, 'and out of the budget')
    await new Promise((r) => setImmediate(r))
    t.same(b.stats().evicted, { container: 1 }, 'counted once')
    t.same(b.stats().open, { container: 0 })

    const unread = sock('unread')
    b.admit(unread, 'container')
    for (let i = 0; i <= MAX_IN_FLIGHT; i++) b.requestStarted(unread)
    t.notOk(unread.destroyed)
    await new Promise((r) => setImmediate(r))
    t.ok(unread.destroyed, 'answers that cannot go out: closed at the end of this turn of the event loop anyway')
    t.equal(b.size, 0)
    for (let i = 0; i <= MAX_IN_FLIGHT; i++) b.requestEnded(unread)
    t.same(b.stats().open, { container: 0 }, 'its answers ending later change nothing')

    const full = new ConnectionBudget(1)
    const closing = sock('closing')
    full.admit(closing, 'imds')
    for (let i = 0; i <= MAX_IN_FLIGHT; i++) full.requestStarted(closing)
    t.ok(full.admit(sock('newcomer'), 'imds'), 'a closing connection makes room at once when the budget is full')
    t.ok(closing.destroyed)
    t.same(full.stats().evicted, { imds: 1 }, 'counted once')

    const answered = sock('answered')
    b.admit(answered, 'container')
    for (let i = 0; i < 3 * MAX_IN_FLIGHT; i++) {
      t.ok(b.requestStarted(answered))
      b.requestEnded(answered)
    }
    t.notOk(answered.destroyed, 'requests answered one by one are never counted against the cap')
    const strict = new ConnectionBudget(4, { maxInFlight: 2 })
    const p = sock('p')
    strict.admit(p, 'imds')
    t.ok(strict.requestStarted(p) && strict.requestStarted(p))
    t.notOk(strict.requestStarted(p), 'the cap is a setting')
    await new Promise((r) => setImmediate(r))
    t.ok(p.destroyed)
  },
)

// ---- over real listeners -------------------------------------------------------

const open = (t: Test, port: number, first?: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => {
      if (first) c.write(first)
      resolve(c)
    })
    c.resume() // flowing, so the server's FIN is read and 'close' follows
    c.on('error', () => {}) // evicted ones may see a reset
    c.once('error', reject)
    t.teardown(() => c.destroy())
  })
const closed = (c: Socket): Promise<void> => new Promise((r) => (c.destroyed ? r() : c.once('close', () => r())))

/** One request on a connection kept open afterwards (keep-alive): resolves with the socket once the answer is in. */
const keepAliveRequest = (t: Test, port: number): Promise<{ socket: Socket; answer: string }> =>
  new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.write('GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'))
    let answer = ''
    c.setEncoding('utf8')
    c.on('data', (d: string) => {
      answer += d
      if (answer.includes('\r\n\r\n')) resolve({ socket: c, answer })
    })
    c.on('error', reject)
    c.on('close', () => reject(new Error(`closed before an answer: ${JSON.stringify(answer)}`)))
    t.teardown(() => c.destroy())
  })

t.test('real listeners sharing a budget: idle and half-sent connections make room for real requests', async (t) => {
  const budget = new ConnectionBudget(10)
  const handler = (_req: unknown, res: { writeHead: (s: number, h: object) => { end: (b: string) => void } }) =>
    res.writeHead(200, { 'content-length': 2 }).end('ok')
  const a = await startListener({ name: 'container', listen: { port: 0 }, handler: handler as never, budget })
  const m = await startListener({ name: 'metrics', listen: { port: 0 }, handler: handler as never, budget })
  t.teardown(() => Promise.all([a.close(), m.close()]))
  const pa = (a.address as { port: number }).port
  const pm = (m.address as { port: number }).port
  const idle: Socket[] = []
  for (let i = 0; i < 10; i++) {
    idle.push(await open(t, i % 2 ? pa : pm, i % 3 === 0 ? 'GET /v1/cred' : undefined))
    await new Promise((r) => setTimeout(r, 5)) // a clear order of age
  }
  await new Promise((r) => setTimeout(r, 50))
  t.equal(budget.size, 10, 'the budget is full')
  const served: Socket[] = []
  for (let i = 0; i < 5; i++) {
    const { socket, answer } = await keepAliveRequest(t, i % 2 ? pa : pm)
    t.match(answer, /^HTTP\/1\.1 200 /, `request ${i} served`)
    served.push(socket)
  }
  const { evicted } = budget.stats()
  t.equal((evicted.container ?? 0) + (evicted.metrics ?? 0), 5, 'one connection evicted per request')
  // The first request took the oldest waiting connection's place; each later one the previous
  // request's connection, idle in keep-alive by then, which goes before any waiting one.
  await Promise.all([idle[0]!, ...served.slice(0, 4)].map(closed))
  t.pass('evicted: the oldest waiting connection, then the idle keep-alive ones')
  t.ok(
    idle.slice(1).every((c) => !c.destroyed),
    'the other waiting connections are kept',
  )
  t.notOk(served[4]!.destroyed, 'the newest keep-alive connection is kept')
  served[4]!.destroy()
  t.ok(await until(() => budget.size === 9))
  t.equal((await raw({ port: pm, path: '/y' })).status, 200, 'room left: served without evicting')
  t.ok(await until(() => budget.size === 9), 'its connection closed after the answer (Connection: close)')
  const extra = await open(t, pa)
  t.ok(await until(() => budget.size === 10))
  t.equal((await raw({ port: pa, path: '/z' })).status, 200, 'full, no idle keep-alive: served')
  await closed(idle[1]!)
  t.pass('by evicting the oldest waiting connection')
  t.ok(
    [...idle.slice(2), extra].every((c) => !c.destroyed),
    'and only that one',
  )
  t.equal((budget.stats().evicted.container ?? 0) + (budget.stats().evicted.metrics ?? 0), 6)
})

t.test('a connection whose request is being answered is never evicted; with all busy the newcomer is closed', async (t) => {
  const budget = new ConnectionBudget(2)
  const holds: Array<() => void> = []
  const l = await startListener({
    name: 'control',
    listen: { port: 0 },
    handler: (req, res) => {
      const answer = (): void => void res.writeHead(200, { 'content-length': 4 }).end(req.url === '/slow' ? 'slow' : 'fast')
      if (req.url === '/slow') holds.push(answer)
      else answer()
    },
    budget,
  })
  t.teardown(() => l.close())
  const port = (l.address as { port: number }).port
  const slow = [raw({ port, path: '/slow' }), raw({ port, path: '/slow' })]
  t.ok(await until(() => holds.length === 2), 'both requests are being answered')
  const late = await open(t, port)
  await closed(late)
  t.equal(budget.stats().rejected.control, 1, 'the newcomer was rejected')
  t.equal(budget.stats().evicted.control, undefined, 'nothing evicted')
  for (const h of holds) h()
  t.same(
    (await Promise.all(slow)).map((a) => a.body),
    ['slow', 'slow'],
    'the busy requests were answered in full',
  )
  t.ok(await until(() => budget.size === 0), 'their connections closed (Connection: close)')
  const waiting = await open(t, port)
  const other = await open(t, port)
  t.equal((await raw({ port, path: '/fast' })).status, 200, 'a waiting connection made room')
  await closed(waiting)
  t.notOk(other.destroyed, 'only the oldest')
})

t.test(
  'over a unix socket: pipelined requests whose answers are never read cannot pin the budget; a held answer with nothing pending stays',
  async (t) => {
    // A unix socket's buffers are small (~200 KB), so a non-reader backs up after a hundred
    // answers; over TCP the same takes megabytes (test/integration/hostile-clients.test.ts).
    const budget = new ConnectionBudget(4)
    const dir = mkdtempSync(join(tmpdir(), 'credd-')) // short: socket paths are limited to ~107 bytes
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'l.sock')
    const server = new Map<string, Socket>() // client name → the daemon's side of its connection
    const handled = new Map<string, number>()
    const answer = 'x'.repeat(2000)
    // The control socket's own handler for grants: `aws-credd exec`'s grant is held open by the
    // daemon (its first line sent, then nothing) and revoked when its connection closes.
    const revoked: string[] = []
    const control = controlHandler(
      {
        status: () => [200, {}],
        credentials: () => [404, {}],
        mfa: () => [404, {}],
        grant: (b) => [200, { name: b.name, kind: 'exec', token: 'not-a-real-token' }],
        revoke: (name) => (revoked.push(name), [200, {}]),
      },
      secrets,
    )
    const l = await startListener({
      name: 'control',
      socket: path,
      budget,
      handler: (req, res) => {
        const who = String(req.headers['x-client'])
        server.set(who, req.socket)
        handled.set(who, (handled.get(who) ?? 0) + 1)
        if (req.url === '/v1/grants') return control(req, res)
        if (req.url === '/ok') return void res.writeHead(200, { 'content-length': 2 }).end('ok')
        res.writeHead(401, { 'content-length': answer.length }).end(answer)
      },
    })
    t.teardown(() => l.close())
    const get = (who: string): string => `GET /x HTTP/1.1\r\nHost: localhost\r\nx-client: ${who}\r\n\r\n`

    /** exec's side (cli/grant-client.ts holdGrant): posts, reads the grant's line, then holds the connection open. */
    const hold = (who: string): Promise<{ closed: () => boolean; end: () => void }> =>
      new Promise((resolve, reject) => {
        let closed = false
        const data = JSON.stringify({ name: who, kind: 'exec', profiles: ['dev'], hold: true })
        const req = request({
          socketPath: path,
          method: 'POST',
          path: '/v1/grants',
          headers: { host: 'localhost', 'x-client': who, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
          agent: false,
        })
        req.on('response', (res) => {
          res.once('data', () => resolve({ closed: () => closed, end: () => req.destroy() }))
          res.on('error', () => {})
          res.on('close', () => (closed = true))
        })
        req.on('error', reject)
        req.on('close', () => (closed = true))
        t.teardown(() => req.destroy())
        req.end(data)
      })
    /** A client that sends and never reads: its socket is paused from the start. */
    const nonReader = (who: string): Promise<Socket> =>
      new Promise((resolve) => {
        const c = connect(path, () => resolve(c))
        c.pause()
        c.on('error', () => {})
        t.teardown(() => c.destroy())
      })
    const backedUp = (who: string): boolean => (server.get(who)?.writableLength ?? 0) > 0

    const exec = await hold('exec')
    // All at once: closed for its (MAX_IN_FLIGHT + 1)th unanswered request.
    const burst = await nonReader('burst')
    burst.write(get('burst').repeat(2000))
    t.ok(await until(() => (handled.get('burst') ?? 0) > MAX_IN_FLIGHT, 5000, 5), 'the burst was read')
    // A few at a time, each batch answered before the next, until the daemon's output to it backs up:
    // never more than a few in flight, and stuck anyway.
    const paced: string[] = []
    for (const who of ['paced-1', 'paced-2', 'paced-3']) {
      const c = await nonReader(who)
      let sent = 0
      while (!backedUp(who) && sent < 1000 && !c.destroyed) {
        c.write(get(who).repeat(4))
        sent += 4
        await until(() => handled.get(who) === sent, 2000, 1)
      }
      t.ok(backedUp(who), `${who}: its answers back up after ${sent} requests (${server.get(who)?.writableLength} bytes unflushed)`)
      paced.push(who)
    }
    t.ok(server.get('burst')?.destroyed, 'the burst connection was closed')
    t.equal(budget.size, 4, 'full: the held answer and three non-readers')

    const owner = (who = 'owner'): ReturnType<typeof raw> =>
      raw({ socketPath: path, path: '/ok', headers: { host: 'localhost', 'x-client': who } })
    t.equal((await owner()).status, 200, 'a newcomer is served')
    t.ok(server.get('paced-1')?.destroyed, 'by closing the oldest non-reader')
    t.notOk(server.get('paced-2')?.destroyed || server.get('paced-3')?.destroyed, 'only that one')
    t.notOk(exec.closed() || server.get('exec')?.destroyed, "the held answer (exec's grant), older, was not touched")
    // Each round: another held answer fills the budget again, and the next newcomer is served in place of a non-reader.
    const more: Array<Awaited<ReturnType<typeof hold>>> = []
    for (const [i, victim] of [
      [2, 'paced-2'],
      [3, 'paced-3'],
    ] as const) {
      t.ok(await until(() => budget.size === 3), "the newcomer's connection closed after its answer")
      more.push(await hold(`exec-${i}`))
      t.ok(await until(() => budget.size === 4), `full again with exec-${i}`)
      t.equal((await owner()).status, 200, 'a newcomer is served')
      t.ok(server.get(victim)?.destroyed, `in place of ${victim}`)
    }
    t.same(budget.stats().evicted, { control: 4 }, 'the burst and the three non-readers')
    t.ok(await until(() => budget.size === 3))
    more.push(await hold('exec-4'))
    t.ok(await until(() => budget.size === 4), 'four held answers, nothing else')
    await t.rejects(owner('late'), 'the newcomer is closed')
    t.equal(budget.stats().rejected.control, 1)
    t.notOk(
      [exec, ...more].some((h) => h.closed()),
      'every held answer stays open',
    )
    t.same(revoked, [], 'and no exec grant was revoked')
    more[0]!.end()
    t.ok(await until(() => revoked.length === 1), 'exec-2 ends: its grant is revoked (so the check above could see one)')
    t.same(revoked, ['exec-2'])
  },
)

t.test('metrics show open, evicted and rejected connections per listener, and the cap', async (t) => {
  const view: StatusView = { profiles: [], ssoSessions: [] } as unknown as StatusView
  const m = new DaemonMetrics({
    view: () => view,
    now: () => 0,
    defaultMetrics: false,
    connections: () => ({ cap: 192, open: { container: 3, control: 1 }, evicted: { container: 7 }, rejected: { imds: 2 } }),
  })
  const text = await m.text()
  t.match(text, /^aws_credd_connections_open\{listener="container"\} 3$/m)
  t.match(text, /^aws_credd_connections_open\{listener="control"\} 1$/m)
  t.match(text, /^aws_credd_connections_max 192$/m)
  t.match(text, /^aws_credd_connections_evicted_total\{listener="container"\} 7$/m)
  t.match(text, /^aws_credd_connections_rejected_total\{listener="imds"\} 2$/m)
  const real = new DaemonMetrics({ view: () => view, now: () => 0, defaultMetrics: false })
  t.match(await real.text(), new RegExp(`^aws_credd_connections_max ${processBudget().cap}$`, 'm'), 'the process-wide budget by default')
})
