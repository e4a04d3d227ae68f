// The client side of the control socket against the real control server and grant
// registry: a runtime folder that is not there is "no daemon" without any connection (else
// another user could rename a folder of theirs into the name between check and connect), and
// exec's held grant comes back after a daemon restart unless the owner revoked it.
import t, { type Test } from 'tap'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { askDaemon } from '../../src/cli/control-client.js'
import { holdGrant } from '../../src/cli/grant-client.js'
import { grantControl } from '../../src/root/control-answers.js'
import { GrantRegistry } from '../../src/engine/grant-registry.js'
import { systemClock } from '../../src/runtime/clock.js'
import { tokenCodec } from '../../src/serve/auth-token.js'
import { startControlServer, type ControlApi } from '../../src/serve/control-server.js'
import { pathFacts, type FactsOf } from '../../src/serve/runtime-paths.js'
import { until } from '../helpers/sandbox.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const folder = (t: Test): string => {
  const base = mkdtempSync(join(tmpdir(), 'credd-'))
  t.teardown(() => rmSync(base, { recursive: true, force: true }))
  const dir = join(base, 'aws-credd')
  mkdirSync(dir, { mode: 0o700 })
  return dir
}

t.test('a runtime folder that is not there (at the check) is "no daemon": nothing connects, nothing is sent', async (t) => {
  const dir = folder(t)
  const socket = join(dir, 'control.sock')
  let connections = 0
  const listener = createServer((c) => (connections++, c.destroy()))
  await new Promise<void>((r) => listener.listen(socket, r))
  t.teardown(() => listener.close())
  // The folder appears between the check and the connect: the check saw nothing there.
  const racing: FactsOf = (p, follow) => (p === dir ? { kind: 'missing' } : pathFacts(p, follow))
  const answer = await askDaemon(socket, 'POST', '/v1/mfa', { profile: 'p', code: '123456' }, { facts: racing })
  t.same(answer, { status: 'no-daemon', reason: `no aws-credd daemon is running (nothing at ${socket})` })
  t.equal(connections, 0, 'no connection was made')
  const seen = await askDaemon(socket, 'GET', '/v1/status')
  t.match(seen, { status: 'no-daemon', reason: /did not answer/ }, 'with the folder there, it does connect (this listener hangs up)')
  t.equal(connections, 1)
})

const daemon = async (t: Test, socket: string): Promise<{ grants: GrantRegistry; close: () => Promise<void> }> => {
  const grants = new GrantRegistry({ secrets, clock: systemClock, codec: tokenCodec })
  const api: ControlApi = {
    status: () => [200, {}],
    credentials: () => [404, {}],
    mfa: () => [404, {}],
    ...grantControl(grants, () => true),
  }
  const l = await startControlServer(socket, api, secrets)
  let closed = false
  const close = async (): Promise<void> => {
    if (!closed) ((closed = true), await l.close())
  }
  t.teardown(close)
  return { grants, close }
}

t.test("exec's grant is registered again with a restarted daemon, with the same token", async (t) => {
  const socket = join(folder(t), 'control.sock')
  const first = await daemon(t, socket)
  const held = await holdGrant(socket, { name: 'exec.1.aa', kind: 'exec', profiles: ['dev'] })
  if (!held.ok) return t.fail('hold refused')
  t.teardown(() => held.held.release())
  const token = held.held.grant.token
  t.equal(first.grants.authorize(token, 'dev').outcome, 'allowed')
  await first.close()
  const second = await daemon(t, socket)
  t.ok(await until(() => second.grants.authorize(token, 'dev').outcome === 'allowed', 5000), 'registered again within seconds')
  await held.held.release()
  t.ok(await until(() => second.grants.authorize(token, 'dev').outcome === 'unauthenticated', 2000), 'and revoked when exec lets go')
})

t.test('a held grant the owner revoked is never registered again, not even with a restarted daemon', async (t) => {
  const socket = join(folder(t), 'control.sock')
  const first = await daemon(t, socket)
  const held = await holdGrant(socket, { name: 'exec.2.bb', kind: 'exec', profiles: ['dev'] })
  if (!held.ok) return t.fail('hold refused')
  t.teardown(() => held.held.release())
  const token = held.held.grant.token
  const revoked = await askDaemon(socket, 'DELETE', '/v1/grants/exec.2.bb')
  t.equal(revoked.status, 200)
  t.equal(first.grants.authorize(token, 'dev').outcome, 'unauthenticated')
  await first.close()
  const second = await daemon(t, socket)
  await new Promise((r) => setTimeout(r, 2500)) // more than the client's 1 s re-hold pace, twice
  t.equal(second.grants.authorize(token, 'dev').outcome, 'unauthenticated', 'the revoked token stays dead')
  t.same(
    second.grants.list().filter((g) => g.kind === 'exec'),
    [],
  )
})
