// The SSO cache record aws-credd writes: same bytes as botocore, unknown fields kept.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { awsTimestamp } from '../../src/core/aws-time.js'
import { pythonJsonDumps } from '../../src/core/python-json.js'
import {
  cachedRegistration,
  canRefresh,
  loggedInToken,
  refreshedToken,
  serializeSsoToken,
  type SsoCachedToken,
} from '../../src/core/sso-token.js'

const NOW = Date.parse('2026-11-23T10:00:00.750Z')
const session = { ssoSession: 'dev', startUrl: 'https://example.awsapps.com/start', region: 'eu-west-1' }

t.test('awsTimestamp has whole seconds and a Z, never rounding up', async (t) => {
  t.equal(awsTimestamp(NOW), '2026-11-23T10:00:00Z')
  t.equal(awsTimestamp(Date.parse('2026-01-31T12:00:00Z')), '2026-01-31T12:00:00Z')
  t.not(new Date(NOW).toISOString(), awsTimestamp(NOW), 'toISOString would add milliseconds')
})

t.test('pythonJsonDumps matches json.dumps byte for byte', async (t) => {
  const value = {
    startUrl: 'https://x/start',
    n: 3600,
    ok: true,
    nothing: null,
    list: [1, 'a'],
    nested: { 'k é': 'ü\u007f"\\\n' },
    emoji: '😀',
  }
  const python = execFileSync('python3', ['-c', 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read())))'], {
    input: JSON.stringify(value),
  }).toString()
  t.equal(pythonJsonDumps(value), python)
})

t.test('a refresh keeps the registration, unknown fields and key order; rotates the refresh token', async (t) => {
  const prev: SsoCachedToken = {
    startUrl: session.startUrl,
    region: session.region,
    accessToken: 'old-access',
    expiresAt: '2026-11-23T10:00:30Z',
    clientId: 'cid',
    clientSecret: 'csecret',
    registrationExpiresAt: '2027-02-01T00:00:00Z',
    refreshToken: 'old-refresh',
    extraField: { keep: 1 },
  }
  const next = refreshedToken(prev, { accessToken: 'new-access', expiresIn: 3600, refreshToken: 'new-refresh' }, session, NOW)
  t.same(Object.keys(next), Object.keys(prev))
  t.equal(next.accessToken, 'new-access')
  t.equal(next.expiresAt, '2026-11-23T11:00:00Z')
  t.equal(next.refreshToken, 'new-refresh')
  t.same(next.extraField, { keep: 1 })
  t.equal(next.clientSecret, 'csecret')
  const kept = refreshedToken(prev, { accessToken: 'a2', expiresIn: 60 }, session, NOW)
  t.equal(kept.refreshToken, 'old-refresh', 'no new refresh token: the old one stays')
})

t.test('a fresh record is written in botocore order', async (t) => {
  const tok = loggedInToken(
    undefined,
    { accessToken: 'acc', expiresIn: 28800, refreshToken: 'ref' },
    { clientId: 'cid', clientSecret: 'sec', expiresAt: Date.parse('2027-02-21T10:00:00Z') },
    session,
    NOW,
  )
  t.same(Object.keys(tok), [
    'startUrl',
    'region',
    'accessToken',
    'expiresAt',
    'clientId',
    'clientSecret',
    'registrationExpiresAt',
    'refreshToken',
  ])
  t.equal(
    serializeSsoToken(tok),
    '{"startUrl": "https://example.awsapps.com/start", "region": "eu-west-1", "accessToken": "acc", "expiresAt": "2026-11-23T18:00:00Z", "clientId": "cid", "clientSecret": "sec", "registrationExpiresAt": "2027-02-21T10:00:00Z", "refreshToken": "ref"}',
  )
  const legacy = loggedInToken(
    { accessToken: 'x', expiresAt: 'y', refreshToken: 'stale', other: 1 },
    { accessToken: 'acc', expiresIn: 60, refreshToken: 'ref' },
    { clientId: 'c', clientSecret: 's', expiresAt: NOW + 1e9 },
    { ...session, ssoSession: undefined },
    NOW,
  )
  t.same(
    Object.keys(legacy).sort(),
    ['accessToken', 'expiresAt', 'other', 'region', 'startUrl'],
    'legacy tokens hold what the CLI writes for them, plus unknown fields',
  )
})

t.test('canRefresh and cachedRegistration look at the registration expiry', async (t) => {
  const tok: SsoCachedToken = {
    accessToken: 'a',
    expiresAt: 'x',
    clientId: 'c',
    clientSecret: 's',
    refreshToken: 'r',
    registrationExpiresAt: awsTimestamp(NOW + 3600_000),
  }
  t.ok(canRefresh(tok, NOW))
  t.notOk(canRefresh(tok, NOW + 3600_000))
  t.notOk(canRefresh({ ...tok, refreshToken: undefined }, NOW))
  t.ok(cachedRegistration(tok, NOW))
  t.notOk(cachedRegistration(tok, NOW + 3600_000 - 30_000), 'a registration about to expire is not reused')
  t.notOk(cachedRegistration(undefined, NOW))
})
