// The pure rules behind consumer tokens: what a grant opens at a moment, why a grant
// request is refused, when the sweep timer is due, and what the metrics count a grant under.
import t from 'tap'
import {
  authorize,
  grantRequestProblem,
  isExpired,
  MAX_GRANT_TTL_MS,
  metricsLabel,
  MIN_GRANT_TTL_MS,
  nextGrantExpiry,
  type Grant,
  type GrantRequest,
} from '../../src/core/grants.js'

const T0 = Date.UTC(2026, 0, 1)
const owner: Grant = { name: 'owner', kind: 'owner', profiles: [], createdAt: T0 }
const agent: Grant = { name: 'agent', kind: 'runtime', profiles: ['dev', 'ci'], createdAt: T0, expiresAt: T0 + 20_000 }
const forever: Grant = { name: 'ci', kind: 'config', profiles: ['ci'], createdAt: T0, tokenFile: '/run/secrets/ci' }

t.test('authorize: the table of outcomes', async (t) => {
  const rows: Array<[string, Grant | undefined, string, number, string, string?]> = [
    ['owner opens every profile', owner, 'prod', T0, 'allowed'],
    ['owner opens a name nobody granted', owner, 'anything-at-all', T0 + 10 * 365 * 86_400_000, 'allowed'],
    ['a profile in the grant', agent, 'dev', T0, 'allowed'],
    ['the other profile in the grant', agent, 'ci', T0 + 19_999, 'allowed'],
    ['a profile outside the grant', agent, 'prod', T0, 'forbidden'],
    ['outside the grant is forbidden, not unauthenticated, while live', agent, 'prod', T0 + 19_999, 'forbidden'],
    ['an unknown token', undefined, 'dev', T0, 'unauthenticated', 'unknown'],
    ['expired exactly at expiresAt', agent, 'dev', T0 + 20_000, 'unauthenticated', 'expired'],
    ['expired after expiresAt, even for a profile outside it', agent, 'prod', T0 + 20_001, 'unauthenticated', 'expired'],
    ['a grant without expiry never expires', forever, 'ci', T0 + 10 * 365 * 86_400_000, 'allowed'],
    ['config grant outside its profiles', forever, 'dev', T0, 'forbidden'],
  ]
  for (const [what, grant, profile, now, outcome, reason] of rows) {
    const d = authorize(grant, profile, now)
    t.equal(d.outcome, outcome, what)
    if (reason !== undefined) t.equal((d as { reason?: string }).reason, reason, `${what}: reason`)
    if (grant !== undefined) t.equal((d as { grant?: Grant }).grant, grant, `${what}: names the grant`)
  }
})

t.test('isExpired: the boundary is expiresAt itself', async (t) => {
  t.equal(isExpired({ expiresAt: 1000 }, 999), false)
  t.equal(isExpired({ expiresAt: 1000 }, 1000), true)
  t.equal(isExpired({}, Number.MAX_SAFE_INTEGER), false)
})

t.test('grantRequestProblem: each problem, in order, with a fix', async (t) => {
  const kept = (p: string): boolean => ['dev', 'ci', 'prod'].includes(p)
  const live = new Map<string, unknown>([['taken', {}]])
  const ok: GrantRequest = { name: 'agent', profiles: ['dev'] }
  const rows: Array<[string, GrantRequest, RegExp | undefined, boolean?]> = [
    ['a valid request', ok, undefined],
    ['a valid request with every field', { name: 'a.b_c:d@e-1', profiles: ['dev', 'ci'], ttlMs: 20_000, tokenFile: '/tmp/x' }, undefined],
    ['empty name', { ...ok, name: '' }, /grant name "" is not valid/],
    ['name starting with a dash', { ...ok, name: '-x' }, /is not valid/],
    ['name with a slash', { ...ok, name: 'a/b' }, /is not valid/],
    ['name with a space', { ...ok, name: 'a b' }, /is not valid/],
    ['name with a newline', { ...ok, name: 'a\nb' }, /is not valid/],
    ['name of 65 characters', { ...ok, name: 'a'.repeat(65) }, /is not valid/],
    ['name of 64 characters', { ...ok, name: 'a'.repeat(64) }, undefined],
    ['reserved "owner"', { ...ok, name: 'owner' }, /grant name "owner" is reserved/],
    ['reserved "imds"', { ...ok, name: 'imds' }, /grant name "imds" is reserved/],
    ['a name already live', { ...ok, name: 'taken' }, /a grant named "taken" already exists/, true],
    ['no profiles', { ...ok, profiles: [] }, /at least one profile/],
    ['one unknown profile', { ...ok, profiles: ['dev', 'nope'] }, /^profile "nope" not kept/],
    ['two unknown profiles', { ...ok, profiles: ['x', 'dev', 'y'] }, /^profiles "x", "y" not kept/],
    ['TTL below 1s', { ...ok, ttlMs: MIN_GRANT_TTL_MS - 1 }, /TTL must be from 1s to 7d/],
    ['TTL of 0', { ...ok, ttlMs: 0 }, /TTL must be from 1s to 7d/],
    ['negative TTL', { ...ok, ttlMs: -5000 }, /TTL must be from 1s to 7d/],
    ['TTL exactly 1s', { ...ok, ttlMs: MIN_GRANT_TTL_MS }, undefined],
    ['TTL exactly 7d', { ...ok, ttlMs: MAX_GRANT_TTL_MS }, undefined],
    ['TTL past 7d', { ...ok, ttlMs: MAX_GRANT_TTL_MS + 1 }, /TTL must be from 1s to 7d/],
    ['TTL NaN', { ...ok, ttlMs: Number.NaN }, /TTL must be from 1s to 7d/],
    ['TTL Infinity', { ...ok, ttlMs: Number.POSITIVE_INFINITY }, /TTL must be from 1s to 7d/],
  ]
  for (const [what, req, reason, conflict] of rows) {
    const p = grantRequestProblem(req, live, kept)
    if (reason === undefined) {
      t.equal(p, undefined, what)
      continue
    }
    t.match(p?.reason, reason, what)
    t.ok(p?.fix && p.fix.length > 0, `${what}: has a fix`)
    t.equal(p?.conflict === true, conflict === true, `${what}: ${conflict ? 'a conflict (409)' : 'a bad request (400)'}`)
    t.notOk(/[\r\n]/.test(`${p?.reason}${p?.fix}`), `${what}: one line`)
  }
  t.equal(MAX_GRANT_TTL_MS, 7 * 86_400_000)
})

t.test('grantRequestProblem: a long bad name is cut in the message', async (t) => {
  const p = grantRequestProblem({ name: `${'x'.repeat(200)}/`, profiles: ['dev'] }, new Map(), () => true)
  t.ok(p)
  t.ok(p!.reason.length < 140, 'the reason quotes at most 80 characters of the name')
})

t.test('nextGrantExpiry: the earliest end, ignoring grants without one', async (t) => {
  t.equal(nextGrantExpiry([]), undefined)
  t.equal(nextGrantExpiry([owner, forever]), undefined)
  t.equal(nextGrantExpiry([owner, agent, forever]), T0 + 20_000)
  t.equal(nextGrantExpiry([{ ...agent, expiresAt: T0 + 50 }, agent, { ...agent, expiresAt: T0 + 5 }]), T0 + 5)
  t.equal(nextGrantExpiry(new Map([['a', agent]]).values()), T0 + 20_000, 'any iterable')
})

t.test('metricsLabel: per-process grants share one label, the rest are named', async (t) => {
  t.equal(metricsLabel({ name: 'exec-123-abc', kind: 'exec' }), 'exec')
  t.equal(metricsLabel({ name: 'env-123-abc', kind: 'env' }), 'env')
  t.equal(metricsLabel({ name: 'agent', kind: 'runtime' }), 'agent')
  t.equal(metricsLabel({ name: 'ci', kind: 'config' }), 'ci')
  t.equal(metricsLabel({ name: 'owner', kind: 'owner' }), 'owner')
})
