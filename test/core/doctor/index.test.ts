// The whole rule set over one snapshot: grouping, --profile, exit status, masking.
import t from 'tap'
import { describeKey, exitCodeOf, keyKind, maskKeyId, summarize, type Finding } from '../../../src/core/doctor/findings.js'
import { runDoctor } from '../../../src/core/doctor/index.js'
import { makeFacts, NOW, PROFILE_KEY, SECRET, TEMP_KEY, TOKEN, keys } from '../../helpers/doctor-facts.js'

t.test('masking and key kinds', async (t) => {
  t.equal(maskKeyId('ASIAIOSFODNN7EXAWXYZ'), 'ASIA…WXYZ')
  t.equal(maskKeyId('AKIA123'), 'AKIA…', 'short ids show the prefix only')
  t.equal(keyKind('AKIAIOSFODNN7EXAMPLE'), 'long-term')
  t.equal(keyKind('ASIAIOSFODNN7EXAMPLE'), 'temporary')
  t.equal(keyKind('LSIAIOSFODNN7EXAMPLE'), 'unknown')
  t.equal(describeKey('AKIAIOSFODNN7EXAMPLE'), 'AKIA…MPLE (long-term)')
})

t.test('exit status: 0 ok/info, 1 warnings, 2 errors', async (t) => {
  const f = (severity: Finding['severity']): Finding => ({ severity, scope: 'environment', code: 'x', message: 'x' })
  const cases: Array<[Finding['severity'][], number]> = [
    [[], 0],
    [['ok', 'info'], 0],
    [['ok', 'warning'], 1],
    [['warning', 'error', 'info'], 2],
  ]
  for (const [sev, code] of cases) t.equal(exitCodeOf(summarize(sev.map(f))), code, sev.join(',') || 'none')
  t.same(summarize([f('ok'), f('info'), f('info'), f('warning'), f('error'), f('error')]), { ok: 1, info: 2, warnings: 1, errors: 2 })
})

const facts = () =>
  makeFacts({
    env: { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' },
    config: {
      dev: { sso_session: 'corp', sso_account_id: '111111111111', sso_role_name: 'R', region: 'eu-west-1' },
      ops: { region: 'eu-west-1' },
    },
    ssoSessions: { corp: { sso_start_url: 'https://corp/start', sso_region: 'eu-west-1' } },
    credentials: {
      ops: keys(PROFILE_KEY),
      old: keys(TEMP_KEY, { aws_session_token: TOKEN, aws_credential_expiration: '2026-01-01T00:00:00Z' }),
    },
    sessions: [
      {
        info: {
          ssoSession: 'corp',
          label: 'corp',
          cacheKey: 'corp',
          startUrl: 'https://corp/start',
          region: 'eu-west-1',
          scopes: [],
          profiles: ['dev'],
        },
        cacheFile: '/c.json',
      },
    ],
  })

t.test('every rule, grouped: environment, then profiles, then SSO sessions', async (t) => {
  const r = runDoctor(facts(), NOW)
  const scopes = [...new Set(r.findings.map((f) => JSON.stringify(f.scope)))]
  t.same(scopes, ['"environment"', '{"profile":"dev"}', '{"profile":"ops"}', '{"profile":"old"}', '{"ssoSession":"corp"}'])
  t.equal(r.exitCode, 2, 'expired keys and a session without a login are errors')
  t.same(r.summary, summarize(r.findings))
  const text = JSON.stringify(r)
  t.notMatch(text, SECRET)
  t.notMatch(text, TOKEN)
  t.notMatch(text, /A[KS]IA[A-Z0-9]{16}/)
})

t.test('--profile keeps the environment, that profile and its SSO sessions', async (t) => {
  const dev = runDoctor(facts(), NOW, { profile: 'dev' })
  t.same([...new Set(dev.findings.map((f) => JSON.stringify(f.scope)))], ['"environment"', '{"profile":"dev"}', '{"ssoSession":"corp"}'])
  const ops = runDoctor(facts(), NOW, { profile: 'ops' })
  t.same([...new Set(ops.findings.map((f) => JSON.stringify(f.scope)))], ['"environment"', '{"profile":"ops"}'])
  t.equal(ops.exitCode, 0, "the other profiles' errors do not count")
  const none = runDoctor(facts(), NOW, { profile: 'nosuch' })
  t.match(none.findings.at(-1), {
    severity: 'error',
    code: 'profile-not-found',
    scope: { profile: 'nosuch' },
    fix: /add \[profile nosuch\]/,
  })
  t.equal(none.exitCode, 2)
})

t.test(
  '--profile NAME also shows the writeTo section NAME writes (regression: a shadowed section showed only under --profile SECTION)',
  async (t) => {
    const f = makeFacts({
      env: { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' },
      config: {
        app: { region: 'eu-west-1', role_arn: 'arn:aws:iam::111111111111:role/a', source_profile: 'base' },
        dev: { role_arn: 'arn:aws:iam::111111111111:role/d', source_profile: 'base' },
      },
      credentials: { base: keys(PROFILE_KEY) },
      writeTo: [{ profile: 'app', section: 'dev' }],
    })
    const app = runDoctor(f, NOW, { profile: 'app' })
    t.match(
      app.findings.find((x) => x.code === 'writeto-shadowed'),
      { severity: 'error', scope: { profile: 'dev' } },
    )
    t.equal(app.exitCode, 2)
    t.notOk(
      runDoctor(f, NOW, { profile: 'base' }).findings.some((x) => x.code === 'writeto-shadowed'),
      'not under an unrelated profile',
    )
  },
)
