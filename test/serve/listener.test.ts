// Where endpoints listen: a unix socket born 0600 in a 0700 folder, stale sockets cleared,
// live ones and other files left alone, the socket removed at close; TCP with a warning
// off loopback; close() that ends lingering connections; the runtime folder's checks.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { CreddError } from '../../src/core/errors.js'
import { startContainerEndpoint } from '../../src/serve/container-endpoint.js'
import { staticLookup } from '../../src/serve/credential-lookup.js'
import { startListener } from '../../src/serve/listener.js'
import { defaultRuntimeDir, ensureRuntimeDir } from '../../src/serve/runtime-dir.js'
import { fakeCreds, raw, rawBytes } from '../helpers/serve.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const TOKEN = 'test-token-0123456789abcdef'
const mode = (p: string): number => statSync(p).mode & 0o777

/** A short folder for sockets: t.testdir() paths can pass the ~107-byte limit of a socket path. */
const socketDir = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'credd-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
const lookup = staticLookup({ app: { kind: 'ok', creds: fakeCreds(Date.now() + 3600_000) } })

t.test('unix socket: 0600 in a new 0700 folder, served, removed at close', async (t) => {
  const socket = join(socketDir(t), 'run', 'aws-credd', 'container.sock')
  const ep = await startContainerEndpoint({ secrets, socket, token: TOKEN, lookup, now: Date.now })
  t.equal(mode(socket), 0o600)
  t.ok(statSync(socket).isSocket())
  t.equal(mode(join(socket, '..')), 0o700)
  t.same(ep.address, { socket })
  t.equal(ep.warning, undefined)
  const a = await raw({ socketPath: socket, path: '/v1/credentials/app', headers: { authorization: TOKEN, host: 'whatever' } })
  t.equal(a.status, 200, 'served (Host is not checked: no browser reaches a socket)')
  t.equal(
    (await raw({ socketPath: socket, path: '/v1/credentials/app', headers: { authorization: TOKEN, origin: 'https://x' } })).status,
    403,
    'browser headers still refused',
  )
  await ep.close()
  t.notOk(existsSync(socket), 'socket removed')
  await ep.close() // idempotent
})

t.test('a stale socket is replaced; a live one or a plain file is refused and left alone', async (t) => {
  const dir = socketDir(t)
  writeFileSync(join(dir, 'not-a-socket'), 'keep me')
  const stale = join(dir, 'stale.sock')
  // A daemon killed with SIGKILL leaves its socket file behind.
  spawnSync(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ])
  t.ok(statSync(stale).isSocket(), 'the stale socket file exists')
  const ep = await startContainerEndpoint({ secrets, socket: stale, token: TOKEN, lookup, now: Date.now })
  t.equal((await raw({ socketPath: stale, path: '/v1/credentials/app', headers: { authorization: TOKEN } })).status, 200)

  const second = await startContainerEndpoint({ secrets, socket: stale, token: TOKEN, lookup, now: Date.now }).catch((e: unknown) => e)
  t.ok(second instanceof CreddError)
  t.match((second as Error).message, /in use by another process; fix: /)
  t.equal(
    (await raw({ socketPath: stale, path: '/v1/credentials/app', headers: { authorization: TOKEN } })).status,
    200,
    'the live one still answers',
  )
  await ep.close()

  await t.rejects(
    startContainerEndpoint({ secrets, socket: join(dir, 'not-a-socket'), token: TOKEN, lookup, now: Date.now }),
    /exists and is not a socket/,
  )
  t.ok(existsSync(join(dir, 'not-a-socket')))
})

t.test('a socket path too long for bind is refused rather than cut short', async (t) => {
  const long = join(socketDir(t), 'x'.repeat(120), 'container.sock')
  await t.rejects(
    startContainerEndpoint({ secrets, socket: long, token: TOKEN, lookup, now: Date.now }),
    /bytes, over the \d+ this system allows; fix: choose a shorter socket path/,
  )
})

t.test('TCP: loopback by default, a warning off loopback, a clear error when the port is taken', async (t) => {
  const ep = await startContainerEndpoint({ secrets, listen: { port: 0 }, token: TOKEN, lookup, now: Date.now })
  t.teardown(() => ep.close())
  t.match(ep.address, { host: '127.0.0.1' })
  t.equal(ep.warning, undefined)
  const port = (ep.address as { port: number }).port
  const clash = await startContainerEndpoint({ secrets, listen: { port }, token: TOKEN, lookup, now: Date.now }).catch((e: unknown) => e)
  t.match(clash, { code: 'ListenFailed', message: new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE; fix: `) })

  const open = await startContainerEndpoint({ secrets, listen: { host: '0.0.0.0', port: 0 }, token: TOKEN, lookup, now: Date.now })
  t.teardown(() => open.close())
  t.match(open.warning, /^listening on 0\.0\.0\.0:\d+, which other machines can reach/)
  t.match(open.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(
    (await raw({ port: (open.address as { port: number }).port, path: '/v1/credentials/app', headers: { authorization: TOKEN } })).status,
    200,
  )
})

t.test('close() ends idle keep-alive and half-sent requests instead of waiting for them', async (t) => {
  let answered = 0
  const l = await startListener({ listen: { port: 0 }, handler: (_req, res) => (answered++, res.end('ok')), closeTimeoutMs: 60_000 })
  const port = (l.address as { port: number }).port
  const sockets = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')]
  for (const s of sockets) s.on('error', () => undefined) // the reset is the point
  await Promise.all(sockets.map((s) => new Promise((r) => s.once('connect', r))))
  sockets[0]!.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n') // then kept alive
  sockets[1]!.write('GET / HTTP/1.1\r\nHost: loc') // never finished
  await new Promise((r) => sockets[0]!.once('data', r))
  const closed = sockets.map((s) => new Promise((r) => s.once('close', r)))
  // A loose hang guard, not a timing: without closeAllConnections the idle socket alone lingers 5 s.
  const hang = new Promise<string>((r) => setTimeout(() => r('still open after 3 s'), 3000).unref())
  t.equal(
    await Promise.race([
      l
        .close()
        .then(() => Promise.all(closed))
        .then(() => 'closed'),
      hang,
    ]),
    'closed',
  )
  t.equal(answered, 1)
})

t.test('a handler that throws costs one 500 without detail, not the process; CONNECT is answered 405', async (t) => {
  const l = await startListener({
    listen: { port: 0 },
    handler: (req, res) => {
      if (req.url === '/throw') throw new Error('handler bug SECRET')
      if (req.url === '/throw-late') {
        res.writeHead(200, { 'content-length': 10 })
        res.write('half')
        throw new Error('after the head')
      }
      res.end('ok')
    },
  })
  t.teardown(() => l.close())
  const port = (l.address as { port: number }).port
  const a = await raw({ port, path: '/throw' })
  t.equal(a.status, 500)
  t.same(a.json, { message: 'internal error; see the aws-credd log', code: 'InternalError' })
  t.notMatch(a.body, /SECRET|bug/)
  const late = await raw({ port, path: '/throw-late' }).then(
    (r) => `answered ${r.status}`,
    (e: NodeJS.ErrnoException) => e.code ?? e.message,
  )
  t.not(late, 'answered 200 with a whole body', `an answer already started is cut off (${late})`)
  t.equal((await raw({ port, path: '/' })).body, 'ok', 'still serving')
  const connectAnswer = await rawBytes(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
  t.match(connectAnswer, /^HTTP\/1\.1 405 Method Not Allowed\r\n/)
  t.equal((await raw({ port, path: '/' })).body, 'ok', 'still serving')
})

t.test('runtime folder: XDG_RUNTIME_DIR, else a private folder in the temp dir', async (t) => {
  const dir = t.testdir({ xdg: {} })
  t.equal(defaultRuntimeDir({ XDG_RUNTIME_DIR: join(dir, 'xdg') }, 1000), join(dir, 'xdg', 'aws-credd'))
  t.match(defaultRuntimeDir({ XDG_RUNTIME_DIR: 'relative' }, 1000), /aws-credd-1000$/, 'a relative XDG_RUNTIME_DIR is ignored')
  t.match(defaultRuntimeDir({}, 1000), /aws-credd-1000$/)
  const made = await ensureRuntimeDir(join(dir, 'xdg', 'aws-credd'))
  t.equal(mode(made), 0o700)
  t.equal(await ensureRuntimeDir(made), made, 'an existing private folder is fine')
})

t.test("runtime folder: refused if open to others, a symlink, or someone else's", async (t) => {
  const dir = t.testdir({ real: {} })
  const open = join(dir, 'open')
  mkdirSync(open)
  chmodSync(open, 0o755)
  await t.rejects(ensureRuntimeDir(open), {
    code: 'UnsafeRuntimeDir',
    message: /is open to others \(mode 755, expected 700\); fix: chmod 700 /,
  })
  const link = join(dir, 'link')
  symlinkSync(join(dir, 'real'), link)
  await t.rejects(ensureRuntimeDir(link), /not a folder/)
  const file = join(dir, 'file')
  writeFileSync(file, '')
  await t.rejects(ensureRuntimeDir(file), /not a folder/)
  const mine = join(dir, 'mine')
  await t.rejects(ensureRuntimeDir(mine, (process.getuid?.() ?? 0) + 1), /belongs to uid \d+, not \d+/)
})
