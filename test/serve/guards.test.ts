// The request checks as plain functions, for the cases a loopback test socket cannot
// produce: remote peers, wildcard and named listen hosts, unix sockets.
import t from 'tap'
import {
  checkHost,
  checkNoBody,
  checkNotBrowser,
  checkRemoteAddress,
  guardRequest,
  hostName,
  isLoopbackAddress,
  requestGuard,
} from '../../src/serve/guards.js'
import { guardConfigFor, isLoopbackHost } from '../../src/serve/listener.js'

t.test('loopback addresses', async (t) => {
  for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1']) t.ok(isLoopbackAddress(a), a)
  for (const a of ['10.0.0.1', '0.0.0.0', '::', '128.0.0.1', '127.0.0', '127.0.0.1.5', '::ffff:10.0.0.1', 'localhost'])
    t.notOk(isLoopbackAddress(a), a)
  t.ok(isLoopbackHost('localhost') && isLoopbackHost('[::1]') && isLoopbackHost('127.0.0.2'))
  t.notOk(isLoopbackHost('0.0.0.0') || isLoopbackHost('example.com'))
})

t.test('remote peers: refused on a loopback listener, allowed when configured, n/a on a socket', async (t) => {
  const local = guardConfigFor({ listen: { port: 0 } })
  t.same(local, { listenHost: '127.0.0.1', allowRemote: false })
  t.equal(checkRemoteAddress('127.0.0.1', local), undefined)
  t.match(checkRemoteAddress('192.168.1.20', local), { status: 403 })
  t.match(checkRemoteAddress(undefined, local), { status: 403 })
  const open = guardConfigFor({ listen: { host: '0.0.0.0', port: 0 } })
  t.equal(checkRemoteAddress('192.168.1.20', open), undefined)
  t.equal(checkRemoteAddress(undefined, guardConfigFor({ socket: '/x' })), undefined)
})

t.test('Host names: loopback always, the listen host, any IP literal on a wildcard listener', async (t) => {
  t.equal(hostName('[::1]:8080'), '::1')
  t.equal(hostName('LocalHost:1'), 'localhost')
  t.equal(hostName('a:b:c'), undefined)
  const named = guardConfigFor({ listen: { host: '172.17.0.1', port: 0 } })
  t.equal(checkHost('172.17.0.1:9911', named), undefined, 'the configured host')
  t.equal(checkHost('localhost', named), undefined)
  t.match(checkHost('172.17.0.2', named), { status: 403 })
  t.match(checkHost('evil.example', named), { status: 403 })
  const wild = guardConfigFor({ listen: { host: '0.0.0.0', port: 0 } })
  t.equal(checkHost('192.168.1.5:9911', wild), undefined, 'an IP literal cannot be rebound')
  t.equal(checkHost('[fe80::1]:9911', wild), undefined)
  t.match(checkHost('attacker.example', wild), { status: 403 }, 'a name still can')
  const v6 = guardConfigFor({ listen: { host: '::1', port: 0 } })
  t.equal(checkHost('[::1]:1', v6), undefined)
  t.equal(checkHost('anything', guardConfigFor({ socket: '/x' })), undefined, 'no browser reaches a unix socket')
})

t.test('browser and body checks, and the order of guardRequest', async (t) => {
  t.equal(checkNotBrowser({}), undefined)
  t.match(checkNotBrowser({ origin: 'null' }), { status: 403 })
  t.equal(checkNoBody({ 'content-length': '0' }), undefined)
  t.match(checkNoBody({ 'content-length': '1' }), { status: 400 })
  t.match(checkNoBody({ 'transfer-encoding': 'chunked' }), { status: 400 })
  const cfg = guardConfigFor({ listen: { port: 0 } })
  t.equal(guardRequest('127.0.0.1', { host: 'localhost' }, cfg), undefined)
  t.match(guardRequest('10.1.1.1', { host: 'evil', origin: 'x' }, cfg), { message: /local clients/ })
  t.match(guardRequest('127.0.0.1', { host: 'evil', origin: 'x' }, cfg), { message: /Host/ })
})

t.test('requestGuard remembers accepted Host values only, and only a few', async (t) => {
  const guard = requestGuard(guardConfigFor({ listen: { port: 0 } }))
  for (let i = 0; i < 3; i++) t.match(guard('127.0.0.1', { host: 'evil.example' }), { status: 403 }, 'a refused Host stays refused')
  for (let i = 0; i < 40; i++) t.equal(guard('127.0.0.1', { host: `127.0.0.${i}:1` }), undefined)
  t.match(guard('127.0.0.1', { host: 'evil.example' }), { status: 403 }, 'still refused when the memory is full')
  t.match(guard('10.0.0.1', { host: '127.0.0.1:1' }), { status: 403 }, 'a remembered Host does not skip the peer check')
  t.match(guard('127.0.0.1', { host: '127.0.0.1:1', origin: 'x' }), { status: 403 }, 'nor the browser check')
  t.equal(guard(undefined, {}) !== undefined, true, 'no Host, no peer')
})
