// The GrantRegistry with a fake clock and an in-memory store: what a token opens and for
// how long, that the one sweep timer ends grants and the saved list follows, that revoke,
// config reloads and restarts end exactly what they should, and that digests, never
// tokens, are what is saved.
import t from 'tap'
import type { Grant } from '../../src/core/grants.js'
import { GrantError, GrantRegistry } from '../../src/engine/grant-registry.js'
import type { GrantStore, StoredGrant } from '../../src/engine/ports.js'
import { recordingLogger } from '../helpers/fake-logger.js'
import { tokenCodec, tokenDigest } from '../../src/serve/auth-token.js'
import { FakeClock, settle } from '../helpers/fake-clock.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const KEPT = new Set(['dev', 'ci', 'prod'])
const kept = (p: string): boolean => KEPT.has(p)

/** A store that keeps what was saved, and counts the saves. */
class MemoryStore implements GrantStore {
  saves: StoredGrant[][] = []
  constructor(public saved: StoredGrant[] = []) {}
  async load(): Promise<StoredGrant[]> {
    return this.saved.map((g) => ({ ...g }))
  }
  async save(grants: StoredGrant[]): Promise<void> {
    this.saved = grants.map((g) => ({ ...g }))
    this.saves.push(this.saved)
  }
  names(): string[] {
    return this.saved.map((g) => g.name).sort()
  }
}

const setup = (opts: { store?: MemoryStore; clock?: FakeClock } = {}) => {
  const clock = opts.clock ?? new FakeClock()
  const store = opts.store ?? new MemoryStore()
  const logger = recordingLogger()
  const ended: Grant[] = []
  const reg = new GrantRegistry({ secrets, clock, codec: tokenCodec, store, logger, onEnded: (g) => ended.push(g) })
  return { clock, store, logger, ended, reg }
}

const outcome = (reg: GrantRegistry, token: string | undefined, profile: string): string => {
  const d = reg.authorize(token, profile)
  return d.outcome === 'unauthenticated' ? `unauthenticated/${d.reason}` : d.outcome
}

const grantError = (fn: () => unknown): GrantError => {
  try {
    fn()
  } catch (e) {
    if (e instanceof GrantError) return e
    throw e
  }
  throw new Error('expected a GrantError')
}

t.test('a 20 s grant opens its profile until 20 s, then nothing; the sweep removes it and saves the list', async (t) => {
  const { clock, store, reg, ended, logger } = setup()
  const { grant, token } = reg.mint({ name: 'agent', profiles: ['dev'], ttlMs: 20_000 }, kept)
  t.equal(grant.expiresAt, clock.now() + 20_000)
  t.notOk('digest' in grant, 'the minted grant carries no digest')
  t.match(token, /^[A-Za-z0-9_-]{43}$/)
  await reg.flush()
  t.same(store.names(), ['agent'], 'saved at once')
  t.equal(store.saved[0]!.digest, tokenDigest(token))
  t.equal(clock.pending(), 1, 'one sweep timer')

  t.equal(outcome(reg, token, 'dev'), 'allowed')
  t.equal(outcome(reg, token, 'prod'), 'forbidden')
  t.equal(outcome(reg, undefined, 'dev'), 'unauthenticated/missing')
  t.equal(outcome(reg, 'x'.repeat(43), 'dev'), 'unauthenticated/unknown')

  // Up to the last millisecond it works; at 20 s it does not, even before the sweep runs.
  clock.t += 19_999
  t.equal(outcome(reg, token, 'dev'), 'allowed', 'at 19.999 s')
  clock.t += 1
  t.equal(outcome(reg, token, 'dev'), 'unauthenticated/expired', 'at 20 s exactly, before the sweep')
  t.equal(outcome(reg, token, 'prod'), 'unauthenticated/expired', 'an expired token is no longer told what it may not read')
  t.same(
    reg.list().map((g) => [g.name, g.expired]),
    [['agent', true]],
    'listed as expired until swept',
  )

  await clock.advance(100)
  await reg.flush()
  t.same(reg.list(), [], 'the sweep removed it')
  t.equal(reg.has('agent'), false)
  t.same(store.names(), [], 'and saved the list without it')
  t.equal(outcome(reg, token, 'dev'), 'unauthenticated/unknown', 'once swept the token is simply unknown')
  t.same(
    ended.map((g) => g.name),
    ['agent'],
    'onEnded told',
  )
  t.ok(logger.entries.some((e) => e.level === 'info' && /grant "agent" ended \(its TTL ran out\)/.test(e.msg)))
  t.equal(clock.pending(), 0, 'no timer left when nothing can expire')
  t.notOk(JSON.stringify(logger.entries).includes(token), 'the token is never logged')
})

t.test('one timer for the earliest expiry, re-armed as grants come and go', async (t) => {
  const { clock, reg } = setup()
  const a = reg.mint({ name: 'a', profiles: ['dev'], ttlMs: 60_000 }, kept)
  const b = reg.mint({ name: 'b', profiles: ['dev'], ttlMs: 10_000 }, kept)
  reg.mint({ name: 'c', profiles: ['dev'] }, kept)
  t.equal(clock.pending(), 1, 'still one timer')
  await clock.advance(10_010)
  t.same(
    reg
      .list()
      .map((g) => g.name)
      .sort(),
    ['a', 'c'],
    'b ended first',
  )
  t.equal(outcome(reg, b.token, 'dev'), 'unauthenticated/unknown')
  t.equal(outcome(reg, a.token, 'dev'), 'allowed')
  t.equal(clock.pending(), 1, 'one timer, now for a')
  reg.revoke('a')
  t.equal(clock.pending(), 0, 'nothing left to expire: no timer')
  reg.stop()
})

t.test('revoke ends a grant at once and saves; unknown is 404; owner and config cannot be revoked (400 with a fix)', async (t) => {
  const { reg, store, ended } = setup()
  reg.setOwner('owner-token-0123456789abcdef')
  reg.setConfigConsumers([{ name: 'ci', profiles: ['ci'], tokenFile: '/run/secrets/ci', token: 'ci-token-0123456789abcdef' }])
  const { token } = reg.mint({ name: 'agent', profiles: ['dev'] }, kept)
  t.equal(outcome(reg, token, 'dev'), 'allowed')
  const revoked = reg.revoke('agent')
  t.equal(revoked.name, 'agent')
  t.notOk('digest' in revoked)
  t.equal(outcome(reg, token, 'dev'), 'unauthenticated/unknown', 'the next call is a 401')
  await reg.flush()
  t.same(store.names(), [])
  t.same(
    ended.map((g) => g.name),
    ['agent'],
  )

  const unknown = grantError(() => reg.revoke('agent'))
  t.equal(unknown.status, 404)
  t.match(unknown.message, /no grant named "agent"; fix: aws-credd grants/)

  const o = grantError(() => reg.revoke('owner'))
  t.equal(o.status, 400)
  t.match(o.reason, /owner's token/)
  t.match(o.fix, /server\.tokenFile/)
  const c = grantError(() => reg.revoke('ci'))
  t.equal(c.status, 400)
  t.match(c.reason, /consumer from the config/)
  t.match(c.fix, /consumers/)
  t.equal(o.code, 'GrantRefused')
  t.equal(o.kind, 'permanent')
  t.equal(outcome(reg, 'owner-token-0123456789abcdef', 'prod'), 'allowed', 'the owner still opens everything')
  t.equal(outcome(reg, 'ci-token-0123456789abcdef', 'ci'), 'allowed', 'the consumer still works')
})

t.test('the owner opens every profile; config consumers only theirs', async (t) => {
  const { reg } = setup()
  reg.setOwner('owner-token-0123456789abcdef')
  reg.setConfigConsumers([
    { name: 'ci', profiles: ['ci'], tokenFile: '/run/secrets/ci', token: 'ci-token-0123456789abcdef' },
    { name: 'both', profiles: ['dev', 'prod'], tokenFile: '/run/secrets/both', token: 'both-token-0123456789abcdef' },
  ])
  const rows: Array<[string, string, string]> = [
    ['owner-token-0123456789abcdef', 'prod', 'allowed'],
    ['owner-token-0123456789abcdef', 'not-even-kept', 'allowed'],
    ['ci-token-0123456789abcdef', 'ci', 'allowed'],
    ['ci-token-0123456789abcdef', 'dev', 'forbidden'],
    ['both-token-0123456789abcdef', 'dev', 'allowed'],
    ['both-token-0123456789abcdef', 'prod', 'allowed'],
    ['both-token-0123456789abcdef', 'ci', 'forbidden'],
    ['OWNER-TOKEN-0123456789ABCDEF', 'prod', 'unauthenticated/unknown'],
  ]
  for (const [token, profile, want] of rows) t.equal(outcome(reg, token, profile), want, `${token.slice(0, 5)}… → ${profile}`)
  t.same(
    reg.list().map((g) => [g.name, g.kind, g.tokenFile]),
    [
      ['owner', 'owner', undefined],
      ['ci', 'config', '/run/secrets/ci'],
      ['both', 'config', '/run/secrets/both'],
    ],
  )
  // A new owner token: the old one stops working at once.
  reg.setOwner('owner-token-NEW-0123456789abcdef')
  t.equal(outcome(reg, 'owner-token-0123456789abcdef', 'prod'), 'unauthenticated/unknown')
  t.equal(outcome(reg, 'owner-token-NEW-0123456789abcdef', 'prod'), 'allowed')
})

t.test('setConfigConsumers with a new token makes the old one unknown; a consumer left out of the config ends', async (t) => {
  const { reg, ended } = setup()
  const c = { name: 'ci', profiles: ['ci'], tokenFile: '/run/secrets/ci' }
  reg.setConfigConsumers([
    { ...c, token: 'old-token-0123456789abcdef' },
    { name: 'gone', profiles: ['dev'], tokenFile: '/x', token: 'gone-token-0123456789abcdef' },
  ])
  t.equal(outcome(reg, 'old-token-0123456789abcdef', 'ci'), 'allowed')
  ended.length = 0
  reg.setConfigConsumers([{ ...c, token: 'new-token-0123456789abcdef' }])
  t.equal(outcome(reg, 'old-token-0123456789abcdef', 'ci'), 'unauthenticated/unknown', 'the rotated-out token is a 401')
  t.equal(outcome(reg, 'new-token-0123456789abcdef', 'ci'), 'allowed')
  t.equal(outcome(reg, 'gone-token-0123456789abcdef', 'dev'), 'unauthenticated/unknown', 'a consumer removed from the config ends')
  t.same(
    reg.list().map((g) => g.name),
    ['ci'],
  )
  t.same(ended.map((g) => g.name).sort(), ['ci', 'gone'], 'onEnded for the replaced config grants')
  reg.setConfigConsumers([])
  t.same(reg.list(), [])
})

t.test('a config consumer replaces a run-time grant of the same name, logs it, ends it, and the saved list follows', async (t) => {
  const { reg, store, logger, ended, clock } = setup()
  const { token } = reg.mint({ name: 'agent', profiles: ['dev'], ttlMs: 60_000 }, kept)
  await reg.flush()
  t.same(store.names(), ['agent'])
  reg.setConfigConsumers([{ name: 'agent', profiles: ['ci'], tokenFile: '/run/secrets/agent', token: 'config-token-0123456789abcdef' }])
  t.equal(outcome(reg, token, 'dev'), 'unauthenticated/unknown', 'the run-time token no longer works')
  t.equal(outcome(reg, 'config-token-0123456789abcdef', 'ci'), 'allowed')
  t.same(
    reg.list().map((g) => [g.name, g.kind]),
    [['agent', 'config']],
  )
  t.ok(
    logger.entries.some(
      (e) => e.level === 'warn' && /grant "agent" made at run time is replaced by the consumer of the same name in the config/.test(e.msg),
    ),
  )
  t.same(
    ended.map((g) => [g.name, g.kind]),
    [['agent', 'runtime']],
    'onEnded for the replaced run-time grant',
  )
  await reg.flush()
  t.same(store.names(), [], 'the replaced run-time grant is no longer saved (else a restart without that consumer would bring it back)')
  t.equal(clock.pending(), 0, 'no timer left for the replaced grant')

  // After a restart, with the consumer gone from the config, the old run-time token must not come back.
  const again = setup({ store, clock })
  await again.reg.load()
  again.reg.setConfigConsumers([])
  t.equal(outcome(again.reg, token, 'dev'), 'unauthenticated/unknown', 'the replaced grant stays ended across a restart')
})

t.test('exec grants are not saved; runtime and env grants are', async (t) => {
  const { reg, store } = setup()
  reg.mint({ name: 'exec-1', kind: 'exec', profiles: ['dev'] }, kept)
  await reg.flush()
  t.equal(store.saves.length, 0, 'minting an exec grant does not save')
  reg.mint({ name: 'rt', kind: 'runtime', profiles: ['dev'] }, kept)
  reg.mint({ name: 'env-1', kind: 'env', profiles: ['ci'], tokenFile: '/run/user/1000/aws-credd/grants/env-1' }, kept)
  reg.mint({ name: 'default-kind', profiles: ['ci'] }, kept)
  await reg.flush()
  t.same(store.names(), ['default-kind', 'env-1', 'rt'])
  t.same(store.saved.find((g) => g.name === 'default-kind')?.kind, 'runtime', 'runtime is the default kind')
  t.equal(store.saved.find((g) => g.name === 'env-1')?.tokenFile, '/run/user/1000/aws-credd/grants/env-1')
  const before = store.saves.length
  reg.revoke('exec-1')
  await reg.flush()
  t.equal(store.saves.length, before, 'revoking an exec grant does not save either')
  t.same(
    reg
      .list()
      .map((g) => g.name)
      .sort(),
    ['default-kind', 'env-1', 'rt'],
  )
})

t.test('load() restores saved grants and drops the ones that ended while the daemon was down', async (t) => {
  const clock = new FakeClock()
  const now = clock.now()
  const live = tokenCodec.newToken()
  const dead = tokenCodec.newToken()
  const store = new MemoryStore([
    { name: 'live', kind: 'runtime', profiles: ['dev'], createdAt: now - 60_000, expiresAt: now + 30_000, digest: tokenDigest(live) },
    { name: 'dead', kind: 'runtime', profiles: ['dev'], createdAt: now - 60_000, expiresAt: now, digest: tokenDigest(dead) },
    { name: 'forever', kind: 'env', profiles: ['ci'], createdAt: now - 60_000, digest: tokenDigest('forever-token-0123456789abcdef') },
  ])
  const { reg, logger } = setup({ clock, store })
  await reg.load()
  t.same(
    reg
      .list()
      .map((g) => g.name)
      .sort(),
    ['forever', 'live'],
    'expired exactly at load time: dropped',
  )
  t.equal(outcome(reg, live, 'dev'), 'allowed')
  t.equal(outcome(reg, dead, 'dev'), 'unauthenticated/unknown')
  t.equal(outcome(reg, 'forever-token-0123456789abcdef', 'ci'), 'allowed')
  t.ok(logger.entries.some((e) => /restored 2 grants made at run time/.test(e.msg)))
  t.equal(clock.pending(), 1, 'armed for the restored expiry')
  await clock.advance(30_010)
  t.equal(outcome(reg, live, 'dev'), 'unauthenticated/unknown', 'and it ends on time')
  await reg.flush()
  t.same(store.names(), ['forever'], 'the sweep saved the list')
})

t.test('load() without a store does nothing; a duplicate saved name keeps the first', async (t) => {
  const clock = new FakeClock()
  const bare = new GrantRegistry({ secrets, clock, codec: tokenCodec })
  await bare.load()
  t.same(bare.list(), [])
  bare.mint({ name: 'x', profiles: ['dev'] }, kept) // no store: nothing to save, no throw
  await bare.flush()
  const store = new MemoryStore([
    { name: 'dup', kind: 'runtime', profiles: ['dev'], createdAt: 1, digest: tokenDigest('first-token-0123456789abcdef') },
    { name: 'dup', kind: 'runtime', profiles: ['prod'], createdAt: 2, digest: tokenDigest('second-token-0123456789abcdef') },
  ])
  const { reg } = setup({ clock, store })
  await reg.load()
  t.equal(outcome(reg, 'first-token-0123456789abcdef', 'dev'), 'allowed')
  t.equal(outcome(reg, 'second-token-0123456789abcdef', 'prod'), 'unauthenticated/unknown')
})

t.test('a token given by the client is accepted once; the same token again is a 409; a bad one a 400', async (t) => {
  const { reg, store } = setup()
  const held = tokenCodec.newToken()
  const first = reg.mint({ name: 'exec-a', kind: 'exec', profiles: ['dev'], token: held }, kept)
  t.equal(first.token, held, 'the given token is the grant token (re-registration after a daemon restart)')
  t.equal(outcome(reg, held, 'dev'), 'allowed')
  const dup = grantError(() => reg.mint({ name: 'exec-b', kind: 'exec', profiles: ['prod'], token: held }, kept))
  t.equal(dup.status, 409)
  t.match(dup.reason, /that token already belongs to another grant/)
  t.notOk(dup.message.includes(held), 'the token is not in the message')
  t.equal(reg.has('exec-b'), false, 'nothing was added')
  t.equal(outcome(reg, held, 'prod'), 'forbidden', 'the holder did not gain prod')

  // The owner's token cannot be re-registered as a narrower grant (nor steal its digest).
  reg.setOwner('owner-token-0123456789abcdef')
  t.equal(grantError(() => reg.mint({ name: 'sneaky', profiles: ['dev'], token: 'owner-token-0123456789abcdef' }, kept)).status, 409)

  for (const [bad, why] of [
    ['Zq9x', /shorter than 16/],
    ['has a space in it 0123456789', /spaces/],
    ['line-break-0123456789\n', /line break/],
  ] as const) {
    const e = grantError(() => reg.mint({ name: 'bad', profiles: ['dev'], token: bad }, kept))
    t.equal(e.status, 400)
    t.match(e.reason, why)
    t.match(e.reason, /^the token given /)
    t.notOk(e.message.includes(bad), 'the token is not echoed')
  }
  await reg.flush()
  t.equal(store.saves.length, 0, 'refused and exec grants saved nothing')
})

t.test('mint refuses what grantRequestProblem refuses, with the HTTP status', async (t) => {
  const { reg } = setup()
  reg.mint({ name: 'taken', profiles: ['dev'] }, kept)
  const rows: Array<[string, Parameters<GrantRegistry['mint']>[0], number, RegExp]> = [
    ['bad name', { name: 'a b', profiles: ['dev'] }, 400, /not valid/],
    ['reserved', { name: 'owner', profiles: ['dev'] }, 400, /reserved/],
    ['duplicate', { name: 'taken', profiles: ['dev'] }, 409, /already exists/],
    ['no profiles', { name: 'x', profiles: [] }, 400, /at least one profile/],
    ['unknown profile', { name: 'x', profiles: ['nope'] }, 400, /"nope" not kept/],
    ['TTL too long', { name: 'x', profiles: ['dev'], ttlMs: 8 * 86_400_000 }, 400, /1s to 7d/],
  ]
  for (const [what, req, status, reason] of rows) {
    const e = grantError(() => reg.mint(req, kept))
    t.equal(e.status, status, what)
    t.match(e.reason, reason, what)
  }
  const twice = reg.mint({ name: 'twice', profiles: ['dev', 'dev', 'ci'] }, kept)
  t.same(twice.grant.profiles, ['dev', 'ci'], 'profiles listed once')
})

t.test('lastUsedAt is set only by an allowed call', async (t) => {
  const { reg, clock } = setup()
  const { token } = reg.mint({ name: 'agent', profiles: ['dev'] }, kept)
  const used = (): number | undefined => reg.list().find((g) => g.name === 'agent')?.lastUsedAt
  t.equal(used(), undefined, 'never used')
  t.notOk('lastUsedAt' in reg.list()[0]!, 'absent, not undefined')
  clock.t += 1000
  t.equal(outcome(reg, token, 'prod'), 'forbidden')
  t.equal(used(), undefined, 'a forbidden call is not a use')
  const t1 = (clock.t += 1000)
  t.equal(outcome(reg, token, 'dev'), 'allowed')
  t.equal(used(), t1)
  clock.t += 5000
  t.equal(outcome(reg, token, 'prod'), 'forbidden')
  t.equal(used(), t1, 'still the last allowed call')
  const t2 = (clock.t += 1000)
  reg.authorize(token, 'dev')
  t.equal(used(), t2)
})

t.test('list never carries a digest or a token', async (t) => {
  const { reg } = setup()
  reg.setOwner('owner-token-0123456789abcdef')
  reg.setConfigConsumers([{ name: 'ci', profiles: ['ci'], tokenFile: '/s/ci', token: 'ci-token-0123456789abcdef' }])
  const { token } = reg.mint({ name: 'agent', profiles: ['dev'], ttlMs: 5000 }, kept)
  reg.authorize(token, 'dev')
  const text = JSON.stringify(reg.list())
  t.notOk(/digest|"token"/.test(text))
  for (const secret of [
    token,
    tokenDigest(token),
    'owner-token-0123456789abcdef',
    tokenDigest('owner-token-0123456789abcdef'),
    'ci-token-0123456789abcdef',
  ])
    t.notOk(text.includes(secret), 'no token or digest in the list')
})

t.test('a failed save is logged and the grant stays in force', async (t) => {
  const clock = new FakeClock()
  const logger = recordingLogger()
  const store: GrantStore = {
    load: async () => [],
    save: async () => Promise.reject(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' })),
  }
  const reg = new GrantRegistry({ secrets, clock, codec: tokenCodec, store, logger })
  const { token } = reg.mint({ name: 'agent', profiles: ['dev'] }, kept)
  await reg.flush()
  await settle()
  t.ok(logger.entries.some((e) => e.level === 'error' && /could not save the grants: EROFS.*stay in force/.test(e.msg)))
  t.equal(outcome(reg, token, 'dev'), 'allowed')
  // The next save still runs (the chain is not stuck on the failure).
  let saved = 0
  store.save = async () => void saved++
  reg.revoke('agent')
  await reg.flush()
  t.equal(saved, 1)
})

t.test('saves run in order, so the store ends with the latest list', async (t) => {
  const clock = new FakeClock()
  const saved: string[][] = []
  let release: () => void = () => undefined
  const gate = new Promise<void>((r) => (release = r))
  const store: GrantStore = {
    load: async () => [],
    save: async (grants) => {
      if (saved.length === 0) await gate // the first save is slow
      saved.push(grants.map((g) => g.name))
    },
  }
  const reg = new GrantRegistry({ secrets, clock, codec: tokenCodec, store })
  reg.mint({ name: 'a', profiles: ['dev'] }, kept)
  reg.mint({ name: 'b', profiles: ['dev'] }, kept)
  reg.revoke('a')
  release()
  await reg.flush()
  t.same(saved, [['a'], ['a', 'b'], ['b']])
})

t.test('onEnded is called for revoke, expiry and replacement, once each', async (t) => {
  const { reg, ended, clock } = setup()
  reg.mint({ name: 'revoked', profiles: ['dev'] }, kept)
  reg.mint({ name: 'expires', profiles: ['dev'], ttlMs: 1000 }, kept)
  reg.mint({ name: 'replaced', profiles: ['dev'] }, kept)
  reg.revoke('revoked')
  await clock.advance(2000)
  reg.setConfigConsumers([{ name: 'replaced', profiles: ['ci'], tokenFile: '/s/r', token: 'replaced-token-0123456789abcdef' }])
  t.same(
    ended.map((g) => g.name),
    ['revoked', 'expires', 'replaced'],
  )
  t.same(
    ended.map((g) => g.kind),
    ['runtime', 'runtime', 'runtime'],
  )
})

t.test('a config reload that changes nothing about a consumer keeps it as it was: its last use, its start, no onEnded', async (t) => {
  const { reg, clock, ended } = setup()
  const ci = { name: 'ci', profiles: ['ci'], tokenFile: '/run/secrets/ci', token: 'ci-token-0123456789abcdef' }
  const other = { name: 'other', profiles: ['dev'], tokenFile: '/run/secrets/other', token: 'other-token-0123456789abcdef' }
  reg.setConfigConsumers([ci, other])
  const created = clock.now()
  clock.t += 1000
  reg.authorize(ci.token, 'ci')
  const used = clock.now()
  clock.t += 60_000
  // A file beside the token changed (or the config was reloaded): the same consumers again.
  reg.setConfigConsumers([ci, { ...other, profiles: ['dev', 'prod'] }])
  const view = (name: string) => reg.list().find((g) => g.name === name)
  t.equal(view('ci')?.lastUsedAt, used, 'the unchanged consumer keeps its last use')
  t.equal(view('ci')?.createdAt, created)
  t.same(
    ended.map((g) => g.name),
    ['other'],
    'only the changed consumer ended',
  )
  t.same(view('other')?.profiles, ['dev', 'prod'], 'the changed consumer has its new profiles')
  t.equal(outcome(reg, other.token, 'prod'), 'allowed')
  // A new token in the file is a change.
  reg.setConfigConsumers([{ ...ci, token: 'ci-token-NEW-0123456789abcdef' }])
  t.equal(view('ci')?.lastUsedAt, undefined, 'a new token starts afresh')
  t.equal(outcome(reg, ci.token, 'ci'), 'unauthenticated/unknown')
  t.same(
    ended.map((g) => g.name),
    ['other', 'ci', 'other'],
  )
})

t.test('one token, one grant: a consumer whose token another grant already has is left out, with the fix (fail closed)', async (t) => {
  const { reg, logger } = setup()
  const owner = tokenCodec.newToken()
  const shared = tokenCodec.newToken()
  reg.setOwner(owner)
  reg.setConfigConsumers([
    { name: 'agent', profiles: ['dev'], tokenFile: '/shared/agent.token', token: shared },
    // `cp agent.token ops.token`: ops would silently hand agent's token prod as well.
    { name: 'ops', profiles: ['prod'], tokenFile: '/shared/ops.token', token: shared },
    // A consumer pointed at the owner's token file: removing it later must not take the owner's token with it.
    { name: 'lazy', profiles: ['ci'], tokenFile: '/run/aws-credd/token', token: owner },
  ])
  t.equal(outcome(reg, shared, 'dev'), 'allowed')
  t.equal(outcome(reg, shared, 'prod'), 'forbidden', "agent's token did not get ops' profile")
  t.same(
    reg
      .list()
      .map((g) => g.name)
      .sort(),
    ['agent', 'owner'],
  )
  t.match(
    logger.entries.filter((e) => e.level === 'error').map((e) => e.msg),
    [
      /consumer "ops" is left out: its token is also the token of "agent"; fix: give each consumer a token file of its own/,
      /consumer "lazy" is left out: its token is also the token of "owner"/,
    ],
  )
  reg.setConfigConsumers([{ name: 'agent', profiles: ['dev'], tokenFile: '/shared/agent.token', token: shared }])
  t.equal(outcome(reg, owner, 'prod'), 'allowed', "the owner's token still works after the clashing consumer left")
})

t.test('names starting with env. and exec. are kept for env and exec', async (t) => {
  const { reg } = setup()
  t.match(
    grantError(() => reg.mint({ name: 'env.dev', profiles: ['dev'] }, kept)),
    { status: 400, reason: /kept for aws-credd env/ },
  )
  t.match(
    grantError(() => reg.mint({ name: 'exec.1.ab', profiles: ['dev'], kind: 'runtime' }, kept)),
    { status: 400, reason: /kept for aws-credd exec/ },
  )
  t.equal(reg.mint({ name: 'env.dev', profiles: ['dev'], kind: 'env' }, kept).grant.kind, 'env')
  t.equal(reg.mint({ name: 'exec.1.ab', profiles: ['dev'], kind: 'exec' }, kept).grant.kind, 'exec')
})

t.test('every minted token is registered as a secret; setOwner(undefined) leaves no owner', async (t) => {
  const registered: string[] = []
  const reg = new GrantRegistry({ clock: new FakeClock(), codec: tokenCodec, secrets: { register: (s) => void registered.push(s) } })
  const { token } = reg.mint({ name: 'agent', profiles: ['dev'] }, kept)
  t.same(registered, [token])
  const owner = tokenCodec.newToken()
  reg.setOwner(owner)
  t.equal(outcome(reg, owner, 'dev'), 'allowed')
  reg.setOwner(undefined)
  t.equal(outcome(reg, owner, 'dev'), 'unauthenticated/unknown', 'a token file gone bad opens nothing')
})
