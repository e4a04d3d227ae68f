// The saved run-time grants: a 0600 JSON file written atomically that round-trips, holds
// digests and never a token, and skips what it cannot trust; and where the state folder is.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { GrantRegistry } from '../../src/engine/grant-registry.js'
import type { StoredGrant } from '../../src/engine/ports.js'
import { defaultStateDir, grantFileStore } from '../../src/files/grant-store.js'
import { tokenCodec, tokenDigest } from '../../src/serve/auth-token.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const mode = (p: string): number => statSync(p).mode & 0o777
const T0 = Date.UTC(2026, 0, 1)

const sample: StoredGrant[] = [
  {
    name: 'agent',
    kind: 'runtime',
    profiles: ['dev', 'ci'],
    createdAt: T0,
    expiresAt: T0 + 20_000,
    digest: tokenDigest('a-token-0123456789abcdef'),
  },
  {
    name: 'env-42-abc',
    kind: 'env',
    profiles: ['dev'],
    createdAt: T0 + 1,
    tokenFile: '/run/user/1000/aws-credd/grants/env-42-abc',
    digest: tokenDigest('b-token-0123456789abcdef'),
  },
]

t.test('round-trip: what is saved loads back the same; the file is 0600 in a 0700 folder', async (t) => {
  const dir = join(t.testdir(), 'state', 'aws-credd')
  const store = grantFileStore(dir)
  t.equal(store.file, join(dir, 'grants.json'))
  await store.save(sample)
  t.same(await store.load(), sample)
  t.equal(mode(store.file), 0o600)
  t.equal(mode(dir), 0o700, 'the folder it made is 0700')
  t.same(JSON.parse(readFileSync(store.file, 'utf8')).version, 1)
  t.same(readdirSync(dir), ['grants.json'], 'no temp file left behind')
  await store.save([])
  t.same(await store.load(), [], 'an empty list round-trips too')
  t.equal(mode(store.file), 0o600)
})

t.test('a missing file is an empty list', async (t) => {
  const store = grantFileStore(join(t.testdir(), 'nowhere'))
  t.same(await store.load(), [])
})

t.test('grants.json never holds a token: a minted grant is saved by digest', async (t) => {
  const dir = t.testdir()
  const store = grantFileStore(dir)
  const reg = new GrantRegistry({ secrets, clock: new FakeClock(), codec: tokenCodec, store })
  const rt = reg.mint({ name: 'agent', profiles: ['dev'], ttlMs: 60_000 }, () => true)
  const env = reg.mint({ name: 'env-1', kind: 'env', profiles: ['dev'] }, () => true)
  await reg.flush()
  const text = readFileSync(store.file, 'utf8')
  for (const { token } of [rt, env]) {
    t.notOk(text.includes(token), 'the token is not in the file')
    t.ok(text.includes(tokenDigest(token)), 'its digest is')
  }
  t.notOk(/"token"/.test(text), 'no token field at all')
  t.equal(mode(store.file), 0o600)
  // A restart reads it back: the same tokens work again.
  const again = new GrantRegistry({ secrets, clock: new FakeClock(), codec: tokenCodec, store })
  await again.load()
  t.equal(again.authorize(rt.token, 'dev').outcome, 'allowed')
  t.equal(again.authorize(env.token, 'dev').outcome, 'allowed')
  reg.stop()
  again.stop()
})

t.test('malformed JSON is ignored with a note; malformed entries are skipped one by one', async (t) => {
  const dir = t.testdir()
  const notes: string[] = []
  const store = grantFileStore(dir, (why) => notes.push(why))
  writeFileSync(store.file, '{"version": 1, "grants": [')
  t.same(await store.load(), [])
  t.match(notes, [/grants\.json is not JSON; its grants are ignored \(remove it to start afresh\)/])

  const good = sample[0]!
  const bad: unknown[] = [
    null,
    'agent',
    42,
    [],
    { ...good, name: '' },
    { ...good, name: 7 },
    { ...good, digest: '' },
    { ...good, digest: undefined },
    { ...good, kind: 'owner' },
    { ...good, kind: 'config' },
    { ...good, kind: 'exec' },
    { ...good, createdAt: '2026-01-01' },
    { ...good, profiles: 'dev' },
    { ...good, profiles: ['dev', 3] },
    { ...good, profiles: ['dev', ''] },
    { ...good, expiresAt: 'soon' },
    { ...good, expiresAt: null },
  ]
  notes.length = 0
  writeFileSync(store.file, JSON.stringify({ version: 1, grants: [...bad, good, { ...sample[1], extra: 'ignored', tokenFile: '' }] }))
  const loaded = await store.load()
  t.same(
    loaded.map((g) => g.name),
    ['agent', 'env-42-abc'],
    'only the well-formed entries',
  )
  t.same(loaded[0], good)
  t.notOk('extra' in loaded[1]!, 'unknown fields are not carried')
  t.notOk('tokenFile' in loaded[1]!, 'an empty tokenFile is dropped')
  t.equal(notes.length, bad.length, 'one note per skipped entry')
  t.ok(notes.every((n) => /grants\.json: a malformed grant was skipped/.test(n)))

  notes.length = 0
  for (const doc of ['null', '[]', '{}', '{"grants": {}}', '"x"']) {
    writeFileSync(store.file, doc)
    t.same(await store.load(), [], `${doc}: no grants`)
  }
  t.equal(notes.length, 5, 'valid JSON without a grants list is said, once per load')
  t.ok(notes.every((n) => /grants\.json holds no "grants" list; its grants are ignored/.test(n)))
})

t.test('a grants file that cannot be read is an error, not an empty list', async (t) => {
  const dir = t.testdir({ 'grants.json': {} }) // a folder where the file should be
  await t.rejects(grantFileStore(dir).load(), { code: 'EISDIR' })
})

t.test('defaultStateDir: STATE_DIRECTORY, then XDG_STATE_HOME (absolute only), then HOME', async (t) => {
  const rows: Array<[string, NodeJS.ProcessEnv, string]> = [
    ['systemd StateDirectory', { STATE_DIRECTORY: '/var/lib/aws-credd', XDG_STATE_HOME: '/x', HOME: '/home/u' }, '/var/lib/aws-credd'],
    [
      'systemd with several folders: the first',
      { STATE_DIRECTORY: '/var/lib/aws-credd:/var/lib/other', HOME: '/home/u' },
      '/var/lib/aws-credd',
    ],
    [
      'a relative STATE_DIRECTORY is ignored',
      { STATE_DIRECTORY: 'var/lib/aws-credd', XDG_STATE_HOME: '/xdg', HOME: '/home/u' },
      '/xdg/aws-credd',
    ],
    ['an empty STATE_DIRECTORY is ignored', { STATE_DIRECTORY: '', HOME: '/home/u' }, '/home/u/.local/state/aws-credd'],
    ['XDG_STATE_HOME', { XDG_STATE_HOME: '/home/u/.state', HOME: '/home/u' }, '/home/u/.state/aws-credd'],
    [
      'a relative XDG_STATE_HOME is ignored (the XDG spec)',
      { XDG_STATE_HOME: '.state', HOME: '/home/u' },
      '/home/u/.local/state/aws-credd',
    ],
    ['HOME', { HOME: '/home/u' }, '/home/u/.local/state/aws-credd'],
  ]
  for (const [what, env, want] of rows) t.equal(defaultStateDir(env), want, what)
  t.equal(defaultStateDir({}, '/home/given'), '/home/given/.local/state/aws-credd', 'the home argument when HOME is unset')
  t.ok(defaultStateDir({}).endsWith('/.local/state/aws-credd'), 'without HOME: the os home folder')
})
