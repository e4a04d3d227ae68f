// `aws-credd grant`'s options checked before the daemon is asked (one line, exit 2), and the
// table `aws-credd grants` prints.
import t from 'tap'
import { validateGrantOptions } from '../../src/cli/grant.js'
import { formatGrants } from '../../src/cli/grants.js'

t.test('validateGrantOptions: each problem is one line naming the option', async (t) => {
  const rows: Array<[string, Parameters<typeof validateGrantOptions>[0], RegExp]> = [
    ['no name', { profile: ['dev'] }, /^give the grant a name: --name NAME/],
    ['empty name', { name: '', profile: ['dev'] }, /^give the grant a name/],
    ['no profile', { name: 'agent' }, /^name at least one profile: --profile NAME/],
    ['empty profile list', { name: 'agent', profile: [] }, /^name at least one profile/],
    ['bare number TTL', { name: 'agent', profile: ['dev'], ttl: '20' }, /^--ttl "20" is not a duration: a bare number has no unit/],
    ['nonsense TTL', { name: 'agent', profile: ['dev'], ttl: 'soon' }, /^--ttl "soon" is not a duration/],
    ['units out of order', { name: 'agent', profile: ['dev'], ttl: '30m1h' }, /^--ttl .*largest to smallest/],
  ]
  for (const [what, opts, want] of rows) {
    const got = validateGrantOptions(opts, '/home/u')
    t.type(got, 'string', what)
    t.match(got, want, what)
    t.notOk(/[\r\n]/.test(got as string), `${what}: one line`)
  }
})

t.test('validateGrantOptions: what it hands on', async (t) => {
  t.same(
    validateGrantOptions({ name: 'agent', profile: ['dev'] }, '/home/u'),
    { name: 'agent', profiles: ['dev'], json: false },
    'no TTL: until revoked',
  )
  t.same(validateGrantOptions({ name: 'agent', profile: ['dev', 'ci'], ttl: '20s', json: true }, '/home/u'), {
    name: 'agent',
    profiles: ['dev', 'ci'],
    json: true,
    ttlMs: 20_000,
  })
  t.same(validateGrantOptions({ name: 'agent', profile: ['dev'], ttl: '1h30m' }, '/home/u'), {
    name: 'agent',
    profiles: ['dev'],
    json: false,
    ttlMs: 5_400_000,
  })
  t.same(
    validateGrantOptions({ name: 'a', profile: ['dev'], tokenFile: 'shared/agent.token' }, '/home/u'),
    { name: 'a', profiles: ['dev'], json: false, tokenFile: '/home/u/shared/agent.token' },
    'a relative token file is made absolute against the cwd',
  )
  t.same(validateGrantOptions({ name: 'a', profile: ['dev'], tokenFile: '/srv/t' }, '/home/u'), {
    name: 'a',
    profiles: ['dev'],
    json: false,
    tokenFile: '/srv/t',
  })
  // The name and the TTL bounds are the daemon's to judge (one rule for every client): passed on as given.
  t.same(validateGrantOptions({ name: 'a b', profile: ['dev'], ttl: '30d' }, '/home/u'), {
    name: 'a b',
    profiles: ['dev'],
    json: false,
    ttlMs: 30 * 86_400_000,
  })
})

t.test('formatGrants: one padded row per grant, never a token', async (t) => {
  const T = Date.UTC(2026, 0, 1, 12, 0, 0)
  const out = formatGrants([
    { name: 'owner', kind: 'owner', profiles: [] },
    { name: 'ci', kind: 'config', profiles: ['ci'], tokenFile: '/run/secrets/ci', lastUsedAt: T + 1500 },
    { name: 'agent-with-long-name', kind: 'runtime', profiles: ['dev', 'prod'], expiresAt: T + 20_000 },
  ])
  t.equal(
    out,
    [
      'NAME                  KIND     PROFILES  EXPIRES               LAST USED',
      'owner                 owner    (all)     never                 -',
      'ci                    config   ci        never                 2026-01-01T12:00:01Z',
      'agent-with-long-name  runtime  dev,prod  2026-01-01T12:00:20Z  -',
      '',
    ].join('\n'),
  )
  t.equal(formatGrants([]), 'NAME  KIND  PROFILES  EXPIRES  LAST USED\n', 'the header alone when there are none')
})
