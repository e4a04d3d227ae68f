// The control socket under malformed and hostile requests: every target Node's parser lets
// through or refuses (//host:port, absolute-form, broken IPv6, % garbage, very long paths)
// gets a 4xx, anything the API throws (synchronously or in the async mfa branch) a bare 500,
// and the server keeps answering afterwards. Raw bytes over the unix socket with net.connect.
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startControlServer, type ControlApi } from '../../src/serve/control-server.js'
import { raw } from '../helpers/serve.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const dir = mkdtempSync(join(tmpdir(), 'credd-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const socket = join(dir, 'control.sock')
let boom: 'none' | 'status' | 'mfa' | 'credentials' = 'none'
const api: ControlApi = {
  status: () => {
    if (boom === 'status') throw new Error('status bug with a SECRET detail')
    return [200, { profiles: [], ssoSessions: [], pid: 1 }]
  },
  credentials: (p) => {
    if (boom === 'credentials') return [200, { big: 10n }] // JSON.stringify throws on a BigInt
    return [404, { message: `no profile ${p.slice(0, 20)}` }]
  },
  mfa: () => {
    if (boom === 'mfa') throw new Error('mfa bug with a SECRET detail')
    return [200, { ok: true }]
  },
}
const server = await startControlServer(socket, api, secrets)
t.teardown(() => server.close())

/** Bytes exactly as given over the socket; resolves with everything answered before the server closed. */
const send = (bytes: string): Promise<string> =>
  new Promise((done, fail) => {
    const c = connect(socket)
    let out = ''
    c.setEncoding('latin1')
    c.on('data', (d: string) => (out += d))
    c.on('error', fail)
    c.on('close', () => done(out))
    c.setTimeout(5000, () => c.destroy(new Error(`no answer to ${JSON.stringify(bytes.slice(0, 60))}; got ${JSON.stringify(out)}`)))
    c.end(bytes)
  })
const statusOf = (answer: string): number => Number(/^HTTP\/1\.[01] (\d{3}) /.exec(answer)?.[1] ?? 0)
const stillServing = async (): Promise<number> => (await raw({ socketPath: socket, path: '/v1/status' })).status

const MALFORMED: Array<[string, string]> = [
  ['//host:port (new URL throws on it)', 'GET //x:99999 HTTP/1.1'],
  ['//host', 'GET //evil.example/v1/status HTTP/1.1'],
  ['broken IPv6 authority', 'GET http://[::1 HTTP/1.1'],
  ['absolute-form', 'GET http://localhost/v1/status HTTP/1.1'],
  ['absolute-form with a bad port', 'GET http://localhost:99999/v1/status HTTP/1.1'],
  ['authority-form', 'CONNECT localhost:80 HTTP/1.1'],
  ['asterisk-form', 'OPTIONS * HTTP/1.1'],
  ['% garbage in a profile', 'GET /v1/credentials/%E0%A4%A HTTP/1.1'],
  ['% garbage elsewhere', 'GET /%%%zz/%ff HTTP/1.1'],
  ['a bare %', 'GET /v1/credentials/% HTTP/1.1'],
  ['no path at all', 'GET  HTTP/1.1'],
  ['a path of 20,000 characters', `GET /${'a'.repeat(20_000)} HTTP/1.1`],
  ['a control character', 'GET /v1/st\u0001atus HTTP/1.1'],
  ['not HTTP', 'HELLO'],
  ['an unknown method', 'BREW /v1/status HTTP/1.1'],
]

for (const [name, line] of MALFORMED) {
  t.test(`malformed target: ${name} → 4xx, and the server keeps serving`, async (t) => {
    const answer = await send(`${line}\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
    const status = statusOf(answer)
    t.ok(status >= 400 && status < 500, `answered ${status}: ${JSON.stringify(answer.split('\r\n')[0])}`)
    t.equal(await stillServing(), 200)
  })
}

t.test('anything the API throws is a 500 without detail; the server keeps serving', async (t) => {
  t.teardown(() => void (boom = 'none'))
  boom = 'status'
  const s = await raw({ socketPath: socket, path: '/v1/status' })
  t.equal(s.status, 500)
  t.notMatch(s.body, /SECRET|bug|Error/, 'no detail')
  boom = 'credentials'
  t.equal((await raw({ socketPath: socket, path: '/v1/credentials/x' })).status, 500, 'an answer that cannot be written')
  boom = 'mfa'
  const m = await raw({
    socketPath: socket,
    method: 'POST',
    path: '/v1/mfa',
    headers: { 'content-type': 'application/json' },
    body: '{"profile":"p","code":"123456"}',
  })
  t.equal(m.status, 500, 'the async mfa branch too')
  t.notMatch(m.body, /SECRET|bug/)
  boom = 'none'
  t.equal(await stillServing(), 200)
  const ok = await raw({ socketPath: socket, method: 'POST', path: '/v1/mfa', body: '{"profile":"p","code":"123456"}' })
  t.equal(ok.status, 200)
})

t.test('mfa bodies: malformed JSON 400, oversized cut off, a client that leaves mid-body', async (t) => {
  t.equal((await raw({ socketPath: socket, method: 'POST', path: '/v1/mfa', body: '{"profile":' })).status, 400)
  const big = await send(
    `POST /v1/mfa HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n${'x'.repeat(100_000)}`,
  ).catch((e: Error) => e.message)
  t.notMatch(big, /^HTTP\/1\.1 200/, 'not accepted')
  const c = connect(socket)
  c.on('error', () => {})
  c.write('POST /v1/mfa HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\n{"pro')
  await new Promise((r) => setTimeout(r, 50))
  c.destroy()
  t.equal(await stillServing(), 200)
})
