// Which SSO sessions the files define and who depends on each (listSsoSessions), how a
// person names one on the command line (findSsoSession), and the login advice every
// message uses. One named row per rule; the files are written as the AWS CLI reads them.
import t from 'tap'
import type { AwsProfileData } from '../../src/core/profile-graph.js'
import { findSsoSession, listSsoSessions, loginFlag, sessionLoginFlag, type SsoSessionInfo } from '../../src/core/sso-sessions.js'
import { fixes } from '../../src/core/fixes.js'
import { graphOf, roleLink, staticLink } from '../helpers/graphs.js'
import type { Link } from '../../src/core/links.js'

const URL_A = 'https://a.awsapps.com/start'
const URL_B = 'https://b.awsapps.com/start'
type Sections = AwsProfileData['profiles']
const files = (profiles: Sections = {}, ssoSessions: Sections = {}, services: Sections = {}): AwsProfileData => ({
  profiles,
  ssoSessions,
  services,
})
const corp = { sso_start_url: URL_A, sso_region: 'eu-west-1' }

t.test('login flags and advice: by session name, or by the legacy profile holding the start URL', async (t) => {
  const rows: Array<[string, string, string]> = [
    ['a named session is logged in by name', loginFlag('corp', 'dev'), '--sso-session corp'],
    ['a legacy session is logged in through its profile', loginFlag(undefined, 'dev'), '--profile dev'],
    ['an empty session name counts as none', loginFlag('', 'dev'), '--profile dev'],
    ['sessionLoginFlag strips the "profile " of a legacy label', sessionLoginFlag({ label: 'profile dev' }), '--profile dev'],
    [
      'sessionLoginFlag uses the session name when there is one',
      sessionLoginFlag({ ssoSession: 'corp', label: 'corp' }),
      '--sso-session corp',
    ],
    [
      'the login advice (fixes.ssoLogin) names both commands',
      fixes.ssoLogin({ ssoSession: 'corp', label: 'corp' }),
      'aws-credd login --sso-session corp (or aws sso login --sso-session corp)',
    ],
    [
      'the fix line (fixes.runSsoLogin) is the advice after run:',
      fixes.runSsoLogin({ label: 'profile dev' }),
      'run: aws-credd login --profile dev (or aws sso login --profile dev)',
    ],
  ]
  for (const [proves, got, want] of rows) t.equal(got, want, proves)
})

t.test('listSsoSessions: every session the files define', async (t) => {
  const named = (over: Partial<SsoSessionInfo> = {}): SsoSessionInfo => ({
    ssoSession: 'corp',
    startUrl: URL_A,
    region: 'eu-west-1',
    cacheKey: 'corp',
    label: 'corp',
    scopes: ['sso:account:access'],
    oidcEndpoint: undefined,
    profiles: [],
    ...over,
  })
  const legacy = (profile: string, url = URL_B): SsoSessionInfo => ({
    startUrl: url,
    region: 'us-east-1',
    cacheKey: url,
    label: `profile ${profile}`,
    scopes: ['sso:account:access'],
    oidcEndpoint: undefined,
    profiles: [],
  })
  const rows: Array<[string, AwsProfileData, Record<string, string | undefined>, SsoSessionInfo[]]> = [
    ['no sessions in empty files', files(), {}, []],
    ["a [sso-session] with a start URL and region, keyed by its name, with the CLI's default scope", files({}, { corp }), {}, [named()]],
    ['a session without sso_region is left out', files({}, { corp: { sso_start_url: URL_A } }), {}, []],
    ['a session without sso_start_url is left out', files({}, { corp: { sso_region: 'eu-west-1' } }), {}, []],
    [
      'sso_registration_scopes split on commas, blanks dropped',
      files({}, { corp: { ...corp, sso_registration_scopes: 'a, b,,c ' } }),
      {},
      [named({ scopes: ['a', 'b', 'c'] })],
    ],
    [
      'blank sso_registration_scopes fall back to the default scope',
      files({}, { corp: { ...corp, sso_registration_scopes: ' , ' } }),
      {},
      [named()],
    ],
    [
      'a legacy profile with sso_start_url is a session keyed by the URL, named after the profile',
      files({ dev: { sso_start_url: URL_B, sso_region: 'us-east-1' } }),
      {},
      [legacy('dev')],
    ],
    [
      'two legacy profiles with one start URL share one session (the first names it)',
      files({ dev: { sso_start_url: URL_B, sso_region: 'us-east-1' }, ops: { sso_start_url: URL_B, sso_region: 'us-east-1' } }),
      {},
      [legacy('dev')],
    ],
    ['a legacy profile without sso_region is no session', files({ dev: { sso_start_url: URL_B } }), {}, []],
    [
      'a profile naming an undefined sso_session is no session, even with its own start URL',
      files({ dev: { sso_session: 'ghost', sso_start_url: URL_B, sso_region: 'us-east-1' } }),
      {},
      [],
    ],
    [
      'the SSO-OIDC endpoint comes from the first profile using the session (endpoint_url)',
      files(
        {
          dev: { sso_session: 'corp', endpoint_url: 'http://127.0.0.1:1' },
          ops: { sso_session: 'corp', endpoint_url: 'http://127.0.0.1:2' },
        },
        { corp },
      ),
      {},
      [named({ oidcEndpoint: 'http://127.0.0.1:1' })],
    ],
    [
      'AWS_ENDPOINT_URL_SSO_OIDC sets the endpoint of a session no profile uses',
      files({}, { corp }),
      { AWS_ENDPOINT_URL_SSO_OIDC: 'http://127.0.0.1:3' },
      [named({ oidcEndpoint: 'http://127.0.0.1:3' })],
    ],
    [
      'AWS_ENDPOINT_URL sets it too, for legacy sessions as well',
      files({ dev: { sso_start_url: URL_B, sso_region: 'us-east-1' } }),
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:4' },
      [{ ...legacy('dev'), oidcEndpoint: 'http://127.0.0.1:4' }],
    ],
    [
      'named sessions come before legacy ones',
      files({ dev: { sso_start_url: URL_B, sso_region: 'us-east-1' } }, { corp }),
      {},
      [named(), legacy('dev')],
    ],
  ]
  for (const [proves, f, env, want] of rows) t.same(listSsoSessions(f, env), want, proves)
})

t.test('listSsoSessions with a graph: the profiles that depend on each session', async (t) => {
  const sso = (profile: string, cacheKey: string): Link => ({
    kind: 'sso',
    id: `sso:${profile}`,
    profile,
    ssoSession: cacheKey === 'corp' ? 'corp' : undefined,
    startUrl: URL_A,
    ssoRegion: 'eu-west-1',
    accountId: '123456789012',
    roleName: 'Dev',
    cacheKey,
  })
  const f = files({ dev: { sso_session: 'corp' }, old: { sso_start_url: URL_B, sso_region: 'us-east-1' } }, { corp })
  const g = graphOf(
    [sso('dev', 'corp'), sso('old', URL_B), roleLink('admin', 'sso:dev'), roleLink('deep', 'assume-role:admin'), staticLink('keys')],
    { dev: 'sso:dev', admin: 'assume-role:admin', deep: 'assume-role:deep', old: 'sso:old', keys: 'static:keys' },
  )
  const byKey = Object.fromEntries(listSsoSessions(f, {}, g).map((s) => [s.cacheKey, s.profiles]))
  t.same(byKey.corp, ['dev', 'admin', 'deep'], 'the SSO profile itself and every role chained on it, directly or not')
  t.same(byKey[URL_B], ['old'], 'a legacy session lists its own profile')
  t.notOk(Object.values(byKey).flat().includes('keys'), 'a profile with static keys depends on no session')
  t.same(
    listSsoSessions(f, {}).map((s) => s.profiles),
    [[], []],
    'without a graph, no profiles are listed',
  )
})

t.test('findSsoSession: the session a person names', async (t) => {
  const f = files(
    {
      dev: { sso_session: 'corp' },
      old: { sso_start_url: URL_B, sso_region: 'us-east-1' },
      admin: { role_arn: 'arn:aws:iam::123456789012:role/a', source_profile: 'dev' },
      deep: { role_arn: 'arn:aws:iam::123456789012:role/d', source_profile: 'admin' },
      keys: { aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE' },
      loopA: { source_profile: 'loopB' },
      loopB: { source_profile: 'loopA' },
    },
    { corp, other: { sso_start_url: URL_A, sso_region: 'us-east-1' } },
  )
  const sessions = listSsoSessions(f, {})
  const one = listSsoSessions(files({}, { corp }), {})
  const rows: Array<[string, SsoSessionInfo[], { ssoSession?: string; profile?: string }, string | undefined]> = [
    ['--sso-session names a session', sessions, { ssoSession: 'other' }, 'other'],
    ['an unknown --sso-session finds nothing (no fallback to a profile)', sessions, { ssoSession: 'ghost', profile: 'dev' }, undefined],
    ['nothing named and one session: that one', one, {}, 'corp'],
    ['nothing named and several sessions: none (ambiguous)', sessions, {}, undefined],
    ['nothing named and no session: none', [], {}, undefined],
    ['a profile with sso_session: its session', sessions, { profile: 'dev' }, 'corp'],
    ['a legacy profile: the session keyed by its start URL', sessions, { profile: 'old' }, URL_B],
    ['a role profile: the session at the start of its chain', sessions, { profile: 'admin' }, 'corp'],
    ['a role two hops from SSO: still found', sessions, { profile: 'deep' }, 'corp'],
    ['a profile with static keys: none', sessions, { profile: 'keys' }, undefined],
    ['a source_profile cycle ends with none, not a hang', sessions, { profile: 'loopA' }, undefined],
    ['an undefined profile: none', sessions, { profile: 'ghost' }, undefined],
  ]
  for (const [proves, list, by, want] of rows) t.equal(findSsoSession(list, f, by)?.cacheKey, want, proves)
})
