// The webhook channel against a real local HTTP server: what is POSTed, and that
// a failure names scheme://host but never the secret path, query or password.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import type { Alert } from '../../src/core/alert.js'
import { AlertChannelError } from '../../src/alerts/channel-error.js'
import { readCapped, WEBHOOK_BODY_KEEP, webhookChannel } from '../../src/alerts/webhook-channel.js'
import { until } from '../helpers/sandbox.js'
import { ConfigError } from '../../src/core/errors.js'
import { sampleAlert } from '../helpers/alerts.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const TOKEN = 'T0EXAMPLE/B0EXAMPLE/xoxbFakeWebhookSecret123'

const alert = sampleAlert

interface Received {
  method?: string
  url?: string
  headers: IncomingMessage['headers']
  body: string
}

/** A loopback server; `answer` decides each response (or never answers). */
const serve = async (t: Test, answer: (req: Received, res: ServerResponse) => void) => {
  const received: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => (body += d))
    req.on('end', () => {
      const r = { method: req.method, url: req.url, headers: req.headers, body }
      received.push(r)
      answer(r, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const { port } = server.address() as AddressInfo
  return { received, base: `http://127.0.0.1:${port}` }
}

const ok = (_r: Received, res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')

t.test('POSTs the alert as JSON with a text chat apps show as is', async (t) => {
  const { received, base } = await serve(t, ok)
  const ch = webhookChannel({ secrets, url: `${base}/services/${TOKEN}?x=1`, headers: { 'X-Extra': 'yes' } })
  t.equal(ch.name, 'webhook')
  await ch.send(alert())
  t.equal(received.length, 1)
  const [req] = received
  t.equal(req!.method, 'POST')
  t.equal(req!.url, `/services/${TOKEN}?x=1`)
  t.equal(req!.headers['content-type'], 'application/json')
  t.equal(req!.headers['x-extra'], 'yes')
  const body = JSON.parse(req!.body)
  t.match(body, {
    event: 'relogin-required',
    message: alert().message,
    ssoSession: 'dev',
    profiles: ['dev-admin', 'dev-read'],
    verificationUriComplete: 'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
    userCode: 'ABCD-EFGH',
    fix: 'aws-credd login --sso-session dev',
  })
  t.equal(body.time, '2026-01-31T12:00:00Z', 'ISO time without fractional seconds')
  t.match(body.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  // The link on its own line, then the code, then the fix (a message never says the fix itself).
  t.equal(
    body.text,
    `${alert().message}\nhttps://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH\nCode: ABCD-EFGH\nFix: aws-credd login --sso-session dev`,
  )
})

t.test('text ends with the fix when the message does not say it; absent fields are left out', async (t) => {
  const { received, base } = await serve(t, ok)
  const a = alert({
    event: 'refresh-failing',
    message: 'profile "ops" cannot refresh: AccessDenied',
    ssoSession: undefined,
    profile: 'ops',
    profiles: ['ops'],
    verificationUriComplete: undefined,
    userCode: undefined,
    fix: 'fix the trust policy of role ops',
  })
  await webhookChannel({ secrets, url: `${base}/hook` }).send(a)
  const body = JSON.parse(received[0]!.body)
  t.equal(body.text, 'profile "ops" cannot refresh: AccessDenied\nFix: fix the trust policy of role ops')
  t.equal(body.profile, 'ops')
  t.notOk('ssoSession' in body)
  t.notOk('verificationUriComplete' in body)
  t.notOk('userCode' in body)
})

t.test('a user:password in the URL is sent as Basic auth, not in the URL', async (t) => {
  const { received, base } = await serve(t, ok)
  await webhookChannel({ secrets, url: base.replace('http://', 'http://alerts:p%40ssword@') + '/hook' }).send(alert())
  t.equal(received[0]!.headers.authorization, `Basic ${Buffer.from('alerts:p@ssword').toString('base64')}`)
})

t.test('non-2xx: rejected with the status and scheme://host only', async (t) => {
  const { base } = await serve(t, (r, res) => {
    if (r.url!.startsWith('/gone')) return res.writeHead(404).end('no_service')
    if (r.url!.startsWith('/echo')) return res.writeHead(400).end(`bad request to ${r.url} with ${r.headers.authorization}`)
    res.writeHead(503).end()
  })
  const secretUrl = (path: string) => base.replace('http://', 'http://alerts:Sup3rSecretPw@') + `/${path}/${TOKEN}?token=QueryTokenEXAMPLE`
  const check = async (path: string, status: number, kind: string, hint = '') => {
    const err = await webhookChannel({ secrets, url: secretUrl(path), headers: { Authorization: 'Bearer HeaderSecretEXAMPLE' } })
      .send(alert())
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    t.type(err, AlertChannelError)
    const e = err as AlertChannelError
    t.equal(e.kind, kind, `${status} is ${kind}`)
    t.match(e.message, `alert channel webhook: ${base} answered HTTP ${status}${hint}`)
    t.notMatch(e.message, /\n/, 'one line')
    for (const secret of [
      path,
      'xoxbFakeWebhookSecret123',
      'T0EXAMPLE',
      'QueryTokenEXAMPLE',
      'Sup3rSecretPw',
      'HeaderSecretEXAMPLE',
      'alerts@',
    ]) {
      t.notOk(e.message.includes(secret), `message does not contain ${secret}`)
    }
  }
  await check('gone', 404, 'permanent', ' (no_service)')
  await check('echo', 400, 'permanent') // a body that echoes the request is not shown
  await check('busy', 503, 'transient')
})

t.test('a redirect is not followed', async (t) => {
  const { received, base } = await serve(t, (r, res) => {
    if (r.url === '/moved') return res.writeHead(302, { location: '/elsewhere' }).end()
    ok(r, res)
  })
  const err = await webhookChannel({ secrets, url: `${base}/moved` })
    .send(alert())
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  t.match((err as Error).message, 'answered HTTP 302')
  t.equal((err as AlertChannelError).kind, 'permanent')
  t.same(
    received.map((r) => r.url),
    ['/moved'],
  )
})

t.test('a server that never answers: rejected after the (short, injected) timeout', async (t) => {
  const { received, base } = await serve(t, () => {})
  const err = await webhookChannel({ secrets, url: `${base}/services/${TOKEN}`, timeoutMs: 200 })
    .send(alert())
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  t.equal(received.length, 1, 'the request arrived')
  t.type(err, AlertChannelError)
  t.match((err as Error).message, `alert channel webhook: ${base} no answer within 0.2s`)
  t.notOk((err as Error).message.includes(TOKEN))
})

t.test('nobody listening: the network error code, not the URL', async (t) => {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  await new Promise((r) => server.close(r))
  const err = await webhookChannel({ secrets, url: `${closed}/services/${TOKEN}` })
    .send(alert())
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  t.match((err as Error).message, `alert channel webhook: ${closed} request failed: ECONNREFUSED`)
  t.notOk((err as Error).message.includes(TOKEN))
})

t.test('a refused request (fetch forbids this port) says why without the URL', async (t) => {
  const err = await webhookChannel({ secrets, url: `http://127.0.0.1:1/services/${TOKEN}` })
    .send(alert())
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  t.match((err as Error).message, 'alert channel webhook: http://127.0.0.1:1 request failed: bad port')
  t.notOk((err as Error).message.includes(TOKEN))
})

t.test('an unusable URL or header is a ConfigError that does not quote it', async (t) => {
  t.throws(() => webhookChannel({ secrets, url: 'not a url/services/' + TOKEN }), ConfigError)
  t.throws(() => webhookChannel({ secrets, url: `ftp://example.com/${TOKEN}` }), {
    message: /must start with https:\/\/ or http:\/\//,
    name: 'ConfigError',
  })
  try {
    webhookChannel({ secrets, url: 'https://hooks.example.com/x', headers: { Authorization: 'Bearer Secret\nInjected' } })
    t.fail('should throw')
  } catch (e) {
    t.type(e, ConfigError)
    t.notMatch((e as Error).message, /Secret/)
  }
  try {
    webhookChannel({ secrets, url: `https://hooks.example.com/services/${TOKEN} x` })
  } catch (e) {
    t.notOk((e as Error).message.includes(TOKEN))
  }
})

/** A server answering `status` with a body that never ends (64 KiB chunks, as fast as the client takes them). */
const endless = async (t: Test, status: number) => {
  const state = { written: 0, closed: false }
  const chunk = Buffer.alloc(64 * 1024, 'x')
  const server = createServer((req, res) => {
    req.resume()
    res.writeHead(status, { 'content-type': 'text/plain' })
    res.on('close', () => (state.closed = true))
    const pump = (): void => {
      while (!res.destroyed) {
        state.written += chunk.length
        if (!res.write(chunk)) return void res.once('drain', pump)
      }
    }
    pump()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` }
}

/** Node's fetch, its answer's body passed through a counter that reads only what the channel asks for. */
const countingFetch = () => {
  const seen = { bytes: 0, biggestChunk: 0, cancelled: false }
  const f = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const res = await fetch(input, init)
    const reader = res.body!.getReader()
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(ctrl) {
          const { done, value } = await reader.read()
          if (done) return ctrl.close()
          seen.bytes += value.byteLength
          seen.biggestChunk = Math.max(seen.biggestChunk, value.byteLength)
          ctrl.enqueue(value)
        },
        cancel: (reason) => ((seen.cancelled = true), reader.cancel(reason)),
      },
      { highWaterMark: 0 },
    )
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
  }) as typeof fetch
  return { f, seen }
}

for (const status of [200, 500]) {
  t.test(`an endless answer body (HTTP ${status}) is read up to ${WEBHOOK_BODY_KEEP} bytes, then dropped`, async (t) => {
    const { state, url } = await endless(t, status)
    const { f, seen } = countingFetch()
    const rssBefore = process.memoryUsage().rss
    const sent = webhookChannel({ secrets, url, fetch: f, timeoutMs: 30_000 }).send(alert())
    if (status === 200) await sent
    else {
      const e = (await sent.then(
        () => undefined,
        (e: unknown) => e,
      )) as AlertChannelError
      t.match(e.message, /answered HTTP 500(;|$)/, 'the status, no body quoted')
      t.notMatch(e.message, /xxx/)
    }
    t.ok(seen.bytes > 0, `read ${seen.bytes} bytes`)
    t.ok(seen.bytes <= WEBHOOK_BODY_KEEP + seen.biggestChunk, `at most the cap plus one chunk (${seen.biggestChunk} bytes)`)
    t.ok(seen.cancelled, 'the rest of the body was cancelled')
    t.ok(await until(() => state.closed, 5000), 'the server saw the connection closed')
    const grown = process.memoryUsage().rss - rssBefore
    t.ok(grown < 64 * 1024 * 1024, `RSS grew ${Math.round(grown / 1024)} KiB, not by the body`)
  })
}

t.test("with Node's own fetch the endless body is dropped too", async (t) => {
  const { state, url } = await endless(t, 200)
  await webhookChannel({ secrets, url, timeoutMs: 30_000 }).send(alert())
  t.ok(await until(() => state.closed, 5000), 'connection closed')
  const written = state.written
  await new Promise((r) => setTimeout(r, 200))
  t.equal(state.written, written, 'nothing more is sent')
  t.ok(written < 32 * 1024 * 1024, `the server got ${Math.round(written / 1024)} KiB out before the close (socket buffers), not more`)
})

t.test('readCapped: short bodies whole, long ones cut at the cap, none empty', async (t) => {
  const stream = (...parts: string[]) => new Response(parts.join('')).body
  t.same(await readCapped(stream('no_service'), 4096), { text: 'no_service', bytes: 10 })
  t.same(await readCapped(null, 4096), { text: '', bytes: 0 })
  const cut = await readCapped(stream('a'.repeat(10_000)), 100)
  t.equal(cut.text, 'a'.repeat(100))
  t.ok(cut.bytes >= 100)
})

t.test('upstream text in any field is redacted and escaped in the POSTed JSON (raw bytes and parsed values)', async (t) => {
  const { assertClean, plantedText } = await import('../helpers/planted.js')
  secrets.register('registered-source-secret-0123')
  const planted = plantedText('registered-source-secret-0123')
  const { received, base } = await serve(t, ok)
  const ch = webhookChannel({ secrets, url: `${base}/hook` })
  await ch.send(
    alert({ event: 'refresh-failing', message: planted, fix: planted, profile: 'p\x1b[2J', ssoSession: undefined, userCode: planted }),
  )
  t.equal(received.length, 1)
  assertClean(t, 'webhook raw body', received[0]!.body, 'registered-source-secret-0123')
  const body = JSON.parse(received[0]!.body) as Record<string, string>
  for (const k of ['message', 'text', 'fix', 'userCode', 'profile'])
    assertClean(t, `webhook ${k}`, body[k]!, 'registered-source-secret-0123')
  t.match(body.message, 'password=[redacted]')
  t.match(body.message, '\\x1b[31mRED')
})
