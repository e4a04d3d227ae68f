// The refresher's per-link record, one named row per rule, on a fake clock: when a
// redefined link keeps its credentials (carryOver), what is still servable and until
// when, what a success records (and the too-short answer it refuses), and how failures
// are typed and attributed (viaSource, asCreddError).
import t from 'tap'
import type { Credentials } from '../../src/core/credentials.js'
import { CreddError, UpstreamError, externalCode } from '../../src/core/errors.js'
import type { Link } from '../../src/core/links.js'
import { defaultPolicy } from '../../src/core/renewal-plan.js'
import {
  asCreddError,
  carryOver,
  fingerprintOf,
  newState,
  recordSuccess,
  servable,
  serveDeadline,
  viaSource,
  type LinkState,
} from '../../src/engine/link-state.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { roleLink, ssoLink, staticLink } from '../helpers/graphs.js'

const S = 1_000
const M = 60 * S
const H = 60 * M
const P = defaultPolicy()
const clock = new FakeClock()
const NOW = clock.now()
const creds = (expiresAt: number | undefined, key = 'ASIAEXAMPLEEXAMPLE01'): Credentials => ({
  accessKeyId: key,
  secretAccessKey: 'secret-example',
  sessionToken: 'token-example',
  expiresAt,
})
const holding = (link: Link, c: Credentials | undefined, obtainedAt: number | undefined, withdrawn = false): LinkState => ({
  ...newState(link, 'fp'),
  creds: c,
  obtainedAt,
  withdrawn,
})

t.test("fingerprintOf: a link's definition including everything it depends on", async (t) => {
  const links = (...l: Link[]) => new Map(l.map((x) => [x.id, x]))
  const base = staticLink('base')
  const role = roleLink('admin', 'static:base')
  const reordered = Object.fromEntries(Object.entries(role).reverse()) as Link
  const fp = fingerprintOf(links(base, role), 'assume-role:admin')
  const rows: Array<[string, string, boolean]> = [
    [
      'the same definition with its keys in another order: the same fingerprint',
      fingerprintOf(links(base, reordered), 'assume-role:admin'),
      true,
    ],
    [
      'a changed field of the link: a new fingerprint',
      fingerprintOf(links(base, roleLink('admin', 'static:base', { roleSessionName: 'x' } as Partial<Link>)), 'assume-role:admin'),
      false,
    ],
    [
      'a rotated source key: a new fingerprint for the role too',
      fingerprintOf(links({ ...base, accessKeyId: 'AKIAI44QH8DHBEXAMPLE' } as Link, role), 'assume-role:admin'),
      false,
    ],
  ]
  for (const [proves, got, same] of rows) (same ? t.equal : t.not)(got, fp, proves)
  t.equal(fingerprintOf(links(), 'static:gone'), 'missing:static:gone', 'a missing link has a fingerprint naming it')
  const loop = links(roleLink('x', 'assume-role:y'), roleLink('y', 'assume-role:x'))
  t.match(fingerprintOf(loop, 'assume-role:x'), /<-.*<-missing:assume-role:x$/, 'a cycle ends (as missing) instead of recursing forever')
})

t.test('carryOver: a redefined link keeps serving only credentials of the same identity', async (t) => {
  const c = creds(NOW + H)
  const oldAt = NOW - 10 * M
  const web = (roleArn: string, file: string): Link => ({
    kind: 'web-identity',
    id: 'web-identity:k',
    profile: 'k',
    roleArn,
    webIdentityTokenFile: file,
  })
  const proc = (command: string): Link => ({ kind: 'process', id: 'process:p', profile: 'p', command })
  const rows: Array<[string, LinkState | undefined, Link, boolean]> = [
    ['no previous state: nothing to keep', undefined, roleLink('a', 'static:base'), false],
    [
      'previous state without credentials: nothing to keep',
      holding(roleLink('a', 'static:base'), undefined, undefined),
      roleLink('a', 'static:base', { region: 'eu-west-1' } as Partial<Link>),
      false,
    ],
    [
      'a role with a new role_session_name: same role, kept',
      holding(roleLink('a', 'static:base'), c, oldAt),
      roleLink('a', 'static:base', { roleSessionName: 'new' } as Partial<Link>),
      true,
    ],
    ['a role with a new source: same role, kept', holding(roleLink('a', 'static:base'), c, oldAt), roleLink('a', 'static:other'), true],
    [
      "a role with another role_arn: someone else's credentials, dropped",
      holding(roleLink('a', 'static:base'), c, oldAt),
      roleLink('a', 'static:base', { roleArn: 'arn:aws:iam::123456789012:role/other' } as Partial<Link>),
      false,
    ],
    [
      'static keys with the same key id: kept',
      holding(staticLink('base'), c, oldAt),
      { ...staticLink('base'), region: 'eu-west-1' } as Link,
      true,
    ],
    [
      'static keys with another key id: dropped',
      holding(staticLink('base'), c, oldAt),
      { ...staticLink('base'), accessKeyId: 'AKIAI44QH8DHBEXAMPLE' } as Link,
      false,
    ],
    [
      'web identity with a new token file but the same role: kept',
      holding(web('arn:aws:iam::1:role/r', '/a'), c, oldAt),
      web('arn:aws:iam::1:role/r', '/b'),
      true,
    ],
    [
      'web identity with another role: dropped',
      holding(web('arn:aws:iam::1:role/r', '/a'), c, oldAt),
      web('arn:aws:iam::1:role/s', '/a'),
      false,
    ],
    [
      'SSO with the same account and role (new region): kept',
      holding(ssoLink('dev'), c, oldAt),
      { ...ssoLink('dev'), ssoRegion: 'eu-west-1' } as Link,
      true,
    ],
    ['SSO with another role name: dropped', holding(ssoLink('dev'), c, oldAt), { ...ssoLink('dev'), roleName: 'Admin' } as Link, false],
    [
      'SSO with another account: dropped',
      holding(ssoLink('dev'), c, oldAt),
      { ...ssoLink('dev'), accountId: '210987654321' } as Link,
      false,
    ],
    [
      'credential_process is known by its profile only: a new command keeps serving until it runs',
      holding(proc('a'), c, oldAt),
      proc('b'),
      true,
    ],
    [
      'assume-role redefined as web identity of the same ARN: another kind of identity, dropped',
      holding(roleLink('k', 'static:base', { roleArn: 'arn:aws:iam::1:role/r' } as Partial<Link>), c, oldAt),
      { ...web('arn:aws:iam::1:role/r', '/a'), id: 'assume-role:k' } as Link,
      false,
    ],
  ]
  for (const [proves, old, link, kept] of rows) {
    const next = carryOver(old, link, 'new-fp', NOW)
    t.same(
      { creds: next.creds, obtainedAt: next.obtainedAt, renewAt: next.renewAt, link: next.link, fingerprint: next.fingerprint },
      kept
        ? { creds: c, obtainedAt: oldAt, renewAt: NOW, link, fingerprint: 'new-fp' }
        : { creds: undefined, obtainedAt: undefined, renewAt: undefined, link, fingerprint: 'new-fp' },
      proves,
    )
  }
  const withdrawn = carryOver(holding(staticLink('base'), c, oldAt, true), staticLink('base'), 'fp', NOW)
  t.equal(withdrawn.withdrawn, true, 'kept credentials stay withdrawn if outputs were told they are gone')
  t.equal(carryOver(undefined, staticLink('base'), 'fp', NOW).withdrawn, false, 'a new state starts not withdrawn')
  t.equal(
    carryOver(holding(roleLink('a', 's'), c, oldAt), roleLink('a', 's'), 'fp', NOW).failure,
    undefined,
    'an old failure is not carried over',
  )
})

t.test('servable and serveDeadline: what an output may hold now, and until when', async (t) => {
  const link = staticLink('base')
  const rows: Array<[string, LinkState, number, boolean]> = [
    ['nothing held: nothing servable', holding(link, undefined, undefined), NOW, false],
    ['long-term keys are always servable', holding(link, creds(undefined), NOW - 100 * H), NOW + 100 * H, true],
    ['an hour-long credential, just obtained: servable', holding(link, creds(NOW + H), NOW), NOW, true],
    ['1 ms before the 5 s margin: servable', holding(link, creds(NOW + H), NOW), NOW + H - 5 * S - 1, true],
    ['at the 5 s margin: withdrawn', holding(link, creds(NOW + H), NOW), NOW + H - 5 * S, false],
    ['3 s left of an hour: withdrawn (margin 5 s)', holding(link, creds(NOW + 3 * S), NOW - H), NOW, false],
    [
      '3 s left, obtainedAt unknown: counted from now (margin 10% of 3 s), servable',
      holding(link, creds(NOW + 3 * S), undefined),
      NOW,
      true,
    ],
  ]
  for (const [proves, s, now, ok] of rows) t.equal(servable(s, P, now), ok ? s.creds : undefined, proves)
  const deadlines: Array<[string, LinkState, number | undefined]> = [
    ['nothing held: no deadline', holding(link, undefined, undefined), undefined],
    ['long-term keys: no deadline', holding(link, creds(undefined), NOW), undefined],
    ['an hour-long credential: 5 s before expiry', holding(link, creds(NOW + H), NOW), NOW + H - 5 * S],
    ['20 s credential: 10% of its life (2 s) before expiry', holding(link, creds(NOW + 20 * S), NOW), NOW + 18 * S],
    ['obtainedAt unknown: counted from the epoch, so the full 5 s margin', holding(link, creds(NOW + 20 * S), undefined), NOW + 15 * S],
  ]
  for (const [proves, s, want] of deadlines) t.equal(serveDeadline(s, P), want, proves)
})

t.test('recordSuccess: what fresh credentials change, and the dying answer it refuses', async (t) => {
  const s = holding(roleLink('admin', 'static:base'), undefined, undefined, true)
  s.failure = {
    error: new CreddError('x', { code: externalCode('X'), kind: 'transient' }),
    kind: 'transient',
    attempts: 3,
    since: NOW - M,
    retryAt: NOW + M,
  }
  const c = creds(NOW + H)
  recordSuccess(s, c, NOW, P, 0)
  t.same(s.creds, { ...c, obtainedAt: NOW }, 'the credentials, stamped with when they were obtained')
  t.not(s.creds, c, "a copy: the upstream's object is not changed")
  t.equal(c.obtainedAt, undefined, "the upstream's object carries no stamp")
  t.equal(s.obtainedAt, NOW, 'obtainedAt is now')
  t.equal(s.renewAt, NOW + 40 * M, 'renewAt from the policy: 1 h with 20 min left at random 0')
  t.equal(s.failure, undefined, 'the failure is cleared')
  t.equal(s.withdrawn, false, 'outputs may serve again')

  const keys = holding(staticLink('base'), undefined, undefined)
  recordSuccess(keys, creds(undefined), NOW, P, 0.5)
  t.equal(keys.renewAt, undefined, 'long-term keys: no renewal scheduled')

  const edge = holding(staticLink('edge'), undefined, undefined)
  recordSuccess(edge, creds(NOW + 5 * S), NOW, P, 0)
  t.ok(edge.creds, 'exactly MIN_USEFUL_LIFETIME (5 s) left is accepted')

  const dying = holding(roleLink('admin', 'static:base'), creds(NOW + H, 'ASIAOLDOLDOLDOLDOLD1'), NOW - M)
  const err = (() => {
    try {
      recordSuccess(dying, creds(NOW + 5 * S - 1), NOW, P, 0)
    } catch (e) {
      return e
    }
  })()
  t.ok(err instanceof UpstreamError, '1 ms under 5 s left is refused with an UpstreamError')
  t.match(
    err,
    {
      code: 'ShortLivedCredentials',
      kind: 'transient',
      profile: 'admin',
      message: /^profile "admin": the upstream returned credentials that expire in 5s; fix: check the clock/,
    },
    'transient, naming the profile and the fix',
  )
  t.equal(dying.creds?.accessKeyId, 'ASIAOLDOLDOLDOLDOLD1', 'the refused answer replaces nothing')
  t.equal(dying.obtainedAt, NOW - M, 'and leaves obtainedAt alone')
  t.notOk(String((err as Error).message).includes('secret-example'), 'the refusal carries no secret')
})

t.test('viaSource and asCreddError: failures typed and attributed', async (t) => {
  const own = new UpstreamError('admin', 'profile "admin": AssumeRole failed', {
    code: externalCode('AccessDenied'),
    kind: 'permanent',
    fix: 'check the trust policy',
  })
  t.equal(viaSource('admin', 'base', own), own, "the root's own failure is passed through unchanged")
  const srcErr = new UpstreamError('base', 'profile "base": InvalidClientTokenId', {
    code: externalCode('InvalidClientTokenId'),
    kind: 'permanent',
    fix: 'rotate the keys',
  })
  const via = viaSource('admin', 'base', srcErr)
  t.match(
    via,
    { profile: 'admin', code: 'InvalidClientTokenId', kind: 'permanent', fix: 'rotate the keys', cause: srcErr },
    "the source's code, kind and fix, under the root's profile",
  )
  t.equal(
    via.message,
    'profile "admin" (via source profile "base"): profile "base": InvalidClientTokenId; fix: rotate the keys',
    'the message names both profiles',
  )
  const plain = new CreddError('network down', { code: externalCode('ECONNRESET'), kind: 'transient' })
  t.match(
    viaSource('admin', 'base', plain),
    { profile: 'admin', kind: 'transient', code: 'ECONNRESET' },
    'a CreddError that is not an UpstreamError is wrapped too, keeping its kind',
  )

  const typed = new CreddError('x', { code: externalCode('X'), kind: 'permanent' })
  const rows: Array<[string, unknown, { code: string; kind: string; message: string } | CreddError]> = [
    ['a CreddError is returned as it is', typed, typed],
    [
      'an Error becomes a transient UpstreamError coded by its name, first line only',
      Object.assign(new TypeError('fetch failed\n  at secret place'), {}),
      { code: 'TypeError', kind: 'transient', message: 'profile "p": fetch failed' },
    ],
    ['a thrown string is a transient failure coded Unknown', 'boom', { code: 'Unknown', kind: 'transient', message: 'profile "p": boom' }],
  ]
  for (const [proves, thrown, want] of rows) {
    const got = asCreddError('p', thrown)
    if (want instanceof CreddError) t.equal(got, want, proves)
    else t.match(got, { ...want, profile: 'p', cause: thrown }, proves)
  }
})
