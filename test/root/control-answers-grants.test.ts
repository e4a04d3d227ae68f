// The control socket's grant routes over a real registry: bodies checked for shape (400 with
// a message), the registry's refusals as their HTTP status (400, 404, 409) with the fix, the
// token in the mint answer only, and a list that never carries a token or a digest.
import t from 'tap'
import { grantControl } from '../../src/root/control-answers.js'
import { GrantRegistry } from '../../src/engine/grant-registry.js'
import { tokenCodec, tokenDigest } from '../../src/serve/auth-token.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const KEPT = new Set(['dev', 'ci', 'prod'])

const setup = () => {
  const clock = new FakeClock()
  const reg = new GrantRegistry({ secrets, clock, codec: tokenCodec })
  const api = grantControl(reg, (p) => KEPT.has(p))
  return { clock, reg, api }
}

type Answer = { message?: string; fix?: string; code?: string; token?: string; name?: string; [k: string]: unknown }
const body = (a: [number, unknown]): Answer => a[1] as Answer

t.test('bodies of the wrong shape are 400 with a message naming the field', async (t) => {
  const { api, reg } = setup()
  const rows: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no name', { profiles: ['dev'] }, /expected "name": a string/],
    ['name not a string', { name: 7, profiles: ['dev'] }, /expected "name"/],
    ['no profiles', { name: 'a' }, /expected "profiles": a list of profile names/],
    ['profiles a string', { name: 'a', profiles: 'dev' }, /expected "profiles"/],
    ['profiles with a number', { name: 'a', profiles: ['dev', 1] }, /expected "profiles"/],
    ['profiles with null', { name: 'a', profiles: [null] }, /expected "profiles"/],
    ['ttlMs a string', { name: 'a', profiles: ['dev'], ttlMs: '20s' }, /expected "ttlMs": a number of milliseconds/],
    ['ttlMs null', { name: 'a', profiles: ['dev'], ttlMs: null }, /expected "ttlMs"/],
    ['tokenFile a number', { name: 'a', profiles: ['dev'], tokenFile: 3 }, /expected "tokenFile": a path/],
    ['token a number', { name: 'a', profiles: ['dev'], token: 12345 }, /expected "token": a string/],
    ['kind owner', { name: 'a', profiles: ['dev'], kind: 'owner' }, /expected "kind": runtime, env or exec/],
    ['kind config', { name: 'a', profiles: ['dev'], kind: 'config' }, /expected "kind"/],
    ['kind unknown', { name: 'a', profiles: ['dev'], kind: 'admin' }, /expected "kind"/],
  ]
  for (const [what, b, msg] of rows) {
    const a = api.grant(b)
    t.equal(a[0], 400, what)
    t.match(body(a).message, msg, what)
  }
  t.same(reg.list(), [], 'nothing was made')
})

t.test('the registry refusals: 400 for a bad name, an unknown profile or TTL; 409 for a taken name or token', async (t) => {
  const { api } = setup()
  const first = api.grant({ name: 'agent', profiles: ['dev'] })
  t.equal(first[0], 200)
  const rows: Array<[string, Record<string, unknown>, number, RegExp]> = [
    ['unknown profile', { name: 'x', profiles: ['nope'] }, 400, /profile "nope" not kept by this daemon/],
    ['empty profiles', { name: 'x', profiles: [] }, 400, /at least one profile/],
    ['bad name', { name: '../etc', profiles: ['dev'] }, 400, /is not valid/],
    ['reserved name', { name: 'imds', profiles: ['dev'] }, 400, /reserved/],
    ['TTL too short', { name: 'x', profiles: ['dev'], ttlMs: 999 }, 400, /1s to 7d/],
    ['bad token', { name: 'x', profiles: ['dev'], token: 'has space 0123456789' }, 400, /the token given contains spaces/],
    ['duplicate name', { name: 'agent', profiles: ['ci'] }, 409, /a grant named "agent" already exists/],
    ['duplicate token', { name: 'x', profiles: ['ci'], token: body(first).token }, 409, /already belongs to another grant/],
  ]
  for (const [what, b, status, msg] of rows) {
    const a = api.grant(b)
    t.equal(a[0], status, what)
    t.match(body(a), { message: msg, code: 'GrantRefused' }, what)
    t.ok(body(a).fix, `${what}: with a fix`)
    t.notOk('token' in body(a), `${what}: no token in a refusal`)
  }
})

t.test('a mint answer carries the token once; the list never carries a token or a digest', async (t) => {
  const { api, reg } = setup()
  reg.setOwner('owner-token-0123456789abcdef')
  reg.setConfigConsumers([{ name: 'ci', profiles: ['ci'], tokenFile: '/run/secrets/ci', token: 'ci-token-0123456789abcdef' }])
  const a = api.grant({ name: 'agent', profiles: ['dev', 'prod'], ttlMs: 20_000, tokenFile: '/tmp/agent.token' })
  t.equal(a[0], 200)
  const minted = body(a)
  t.match(minted, {
    name: 'agent',
    kind: 'runtime',
    profiles: ['dev', 'prod'],
    tokenFile: '/tmp/agent.token',
    token: /^[A-Za-z0-9_-]{43}$/,
  })
  t.notOk('digest' in minted, 'no digest in the mint answer')
  const e = body(api.grant({ name: 'exec-1', kind: 'exec', profiles: ['dev'] }))
  t.equal(e.kind, 'exec')
  reg.authorize(minted.token, 'dev')

  const [status, listed] = api.grants()
  t.equal(status, 200)
  const grants = (listed as { grants: Array<Record<string, unknown>> }).grants
  t.same(
    grants.map((g) => g.name),
    ['owner', 'ci', 'agent', 'exec-1'],
  )
  for (const g of grants) {
    t.notOk('token' in g, `${String(g.name)}: no token`)
    t.notOk('digest' in g, `${String(g.name)}: no digest`)
  }
  const text = JSON.stringify(listed)
  for (const secret of [minted.token!, e.token!, 'owner-token-0123456789abcdef', 'ci-token-0123456789abcdef'])
    t.notOk(text.includes(secret) || text.includes(tokenDigest(secret)), 'neither a token nor its digest in the list')
  t.equal(grants.find((g) => g.name === 'agent')?.lastUsedAt, reg.list().find((g) => g.name === 'agent')?.lastUsedAt)
  t.type(grants.find((g) => g.name === 'agent')?.lastUsedAt, 'number')
})

t.test('revoke: 200 with the grant, 404 for an unknown name, 400 for the owner and config consumers', async (t) => {
  const { api, reg } = setup()
  reg.setOwner('owner-token-0123456789abcdef')
  reg.setConfigConsumers([{ name: 'ci', profiles: ['ci'], tokenFile: '/run/secrets/ci', token: 'ci-token-0123456789abcdef' }])
  const token = body(api.grant({ name: 'agent', profiles: ['dev'] })).token!
  const ok = api.revoke('agent')
  t.equal(ok[0], 200)
  t.match(body(ok).revoked, { name: 'agent', kind: 'runtime', profiles: ['dev'] })
  t.notOk(JSON.stringify(ok[1]).includes(tokenDigest(token)), 'no digest in the answer')
  t.equal(reg.authorize(token, 'dev').outcome, 'unauthenticated', 'the token stops at once')

  const rows: Array<[string, number, RegExp]> = [
    ['agent', 404, /no grant named "agent"/],
    ['never-was', 404, /no grant named "never-was"/],
    ['owner', 400, /owner's token/],
    ['ci', 400, /consumer from the config/],
  ]
  for (const [name, status, msg] of rows) {
    const a = api.revoke(name)
    t.equal(a[0], status, name)
    t.match(body(a), { message: msg, code: 'GrantRefused', fix: /\S/ }, name)
  }
})
