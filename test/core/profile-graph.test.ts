import t from 'tap'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fromIni } from '@aws-sdk/credential-providers'
import { buildProfileGraph, discoverProfiles, isTemporaryRoot } from '../../src/core/profile-graph.js'
import { chainOf, type Link, type ProfileGraph } from '../../src/core/links.js'
import { ProfileError } from '../../src/core/errors.js'
import type { AwsFiles } from '../../src/engine/ports.js'
import { readAwsFiles } from '../../src/files/aws-config-files.js'

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const ENV_KEY = 'AKIAENVEXAMPLE000001'
const PROC_KEY = 'AKIAPROCESSEXAMPLE01'
const arn = (acct: string, name: string) => `arn:aws:iam::${acct}:role/${name}`
const role = (name: string, extra = '') => `[profile ${name}]\nrole_arn = ${arn('111111111111', name)}\n${extra}`

// Everything the SDK might read goes to this sandbox, never to the real ~/.aws.
const dir = t.testdir({ token: 'web-identity-token-value' })
for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k]
process.env.HOME = dir
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true' // Node 20 warning noise
process.env.AWS_CONFIG_FILE = join(dir, 'config')
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials')
// For credential_source = Environment, read by the SDK in the cross-check.
process.env.AWS_ACCESS_KEY_ID = ENV_KEY
process.env.AWS_SECRET_ACCESS_KEY = SECRET

const procScript = join(dir, 'creds.sh')
writeFileSync(procScript, `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"${PROC_KEY}","SecretAccessKey":"${SECRET}"}'\n`)
chmodSync(procScript, 0o755)

const CREDENTIALS = `
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = ${SECRET}
[base]
aws_access_key_id = AKIABASEEXAMPLE00001
aws_secret_access_key = ${SECRET}
[creds-only]
aws_access_key_id = AKIACREDSONLY0000001
aws_secret_access_key = ${SECRET}
[temp]
aws_access_key_id = ASIATEMPEXAMPLE00001
aws_secret_access_key = ${SECRET}
aws_session_token = FwoGZXIvYXdzEXAMPLETOKEN
aws_credential_expiration = 2026-01-01T01:00:00Z
`

const CONFIG = `
[default]
region = us-west-2
[x-unprefixed]
aws_access_key_id = AKIAUNPREFIXED000001
aws_secret_access_key = ${SECRET}
[profile base]
region = eu-north-1
aws_access_key_id = AKIAOVERRIDDENBYCRED
[profile r1]
role_arn = ${arn('111111111111', 'r1')}
source_profile = base
external_id = ext-1
role_session_name = s1
duration_seconds = 900
region = eu-west-1
${role('r2', 'source_profile = r1')}
${role('mfa-a', 'source_profile = base\nmfa_serial = arn:aws:iam::111111111111:mfa/me')}
${role('mfa-b', 'source_profile = base\nmfa_serial = arn:aws:iam::111111111111:mfa/me')}
${role('mfa-temp', 'source_profile = temp\nmfa_serial = arn:aws:iam::111111111111:mfa/me')}
${role('r3', 'source_profile = r2\nexternal_id = ext-3')}
${role('shared-a', 'source_profile = base')}
${role('shared-b', 'source_profile = base')}
${role('loop', 'source_profile = loop')}
${role('c1', 'source_profile = c2')}
${role('c2', 'source_profile = c3')}
${role('c3', 'source_profile = c1')}
${role('into-cycle', 'source_profile = c2')}
${role('selfish', `source_profile = selfish\naws_access_key_id = AKIASELFISH000000001\naws_secret_access_key = ${SECRET}`)}
${role('keyed-role', `source_profile = base\naws_access_key_id = AKIAKEYEDROLE0000001\naws_secret_access_key = ${SECRET}`)}
${role('over-keyed', 'source_profile = keyed-role')}
${role('c-static', `source_profile = c-mid\naws_access_key_id = AKIACSTATIC000000001\naws_secret_access_key = ${SECRET}`)}
${role('c-mid', 'source_profile = c-static')}
${role('from-env', 'credential_source = Environment')}
${role('from-ec2', 'credential_source = Ec2InstanceMetadata')}
${role('from-ecs', 'credential_source = EcsContainer')}
${role('bad-source', 'credential_source = Ec2InstanceMetaData')}
${role('both-sources', 'source_profile = base\ncredential_source = Environment')}
[profile ec2-base]
credential_source = Ec2InstanceMetadata
${role('on-ec2-base', 'source_profile = ec2-base')}
${role('web', `web_identity_token_file = ${join(dir, 'token')}\nrole_session_name = pod`)}
${role('on-web', 'source_profile = web')}
[profile proc]
credential_process = ${procScript}
${role('on-proc', 'source_profile = proc')}
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
sso_registration_scopes = sso:account:access
[sso-session half]
sso_start_url = https://half.awsapps.com/start
[profile sso-new]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Dev
region = eu-west-1
[profile sso-agree]
sso_session = corp
sso_region = eu-central-1
sso_account_id = 123456789012
sso_role_name = Dev
[profile sso-legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-2
sso_account_id = 123456789012
sso_role_name = Admin
[profile sso-no-role]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-2
sso_account_id = 123456789012
[profile sso-ghost]
sso_session = ghost
sso_account_id = 123456789012
sso_role_name = Dev
[profile sso-half]
sso_session = half
sso_account_id = 123456789012
sso_role_name = Dev
[profile sso-conflict]
sso_session = corp
sso_region = us-west-2
sso_account_id = 123456789012
sso_role_name = Dev
[profile sso-conflict-url]
sso_session = corp
sso_start_url = https://other.awsapps.com/start
sso_account_id = 123456789012
sso_role_name = Dev
${role('on-sso', 'source_profile = sso-new')}
${role('orphan', 'source_profile = ghost')}
${role('role-only')}
${role('bad-duration', 'source_profile = base\nduration_seconds = 1h')}
[profile login]
login_session = arn:aws:iam::111111111111:user/me
`
writeFileSync(join(dir, 'config'), CONFIG)
writeFileSync(join(dir, 'credentials'), CREDENTIALS)
const env = { HOME: dir, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') }

interface Row {
  profile: string
  /** Link ids, root first. */
  chain?: string[]
  error?: string
  match?: RegExp
  /** Cross-check with the SDK's fromIni (no network: fake STS, local files only). */
  sdk: boolean
}

const rows: Row[] = [
  { profile: 'default', chain: ['static:default'], sdk: true },
  { profile: 'base', chain: ['static:base'], sdk: true },
  { profile: 'creds-only', chain: ['static:creds-only'], sdk: true },
  { profile: 'temp', chain: ['static:temp'], sdk: true },
  { profile: 'x-unprefixed', error: 'ProfileNotFound', match: /"x-unprefixed" is not defined/, sdk: true },
  { profile: 'nobody', error: 'ProfileNotFound', match: /fix: add \[profile nobody\]/, sdk: true },
  { profile: 'r3', chain: ['assume-role:r3', 'assume-role:r2', 'assume-role:r1', 'static:base'], sdk: true },
  { profile: 'shared-a', chain: ['assume-role:shared-a', 'static:base'], sdk: true },
  // Not the SDK's calls on purpose: long-term keys hold one MFA session (GetSessionToken) for every role behind the device.
  { profile: 'mfa-a', chain: ['assume-role:mfa-a', 'mfa-session:base:arn:aws:iam::111111111111:mfa/me', 'static:base'], sdk: false },
  { profile: 'mfa-b', chain: ['assume-role:mfa-b', 'mfa-session:base:arn:aws:iam::111111111111:mfa/me', 'static:base'], sdk: false },
  { profile: 'mfa-temp', chain: ['assume-role:mfa-temp', 'static:temp'], sdk: false },
  { profile: 'shared-b', chain: ['assume-role:shared-b', 'static:base'], sdk: true },
  { profile: 'loop', error: 'ProfileCycle', match: /cycle: loop → loop/, sdk: true },
  { profile: 'c1', error: 'ProfileCycle', match: /cycle: c1 → c2 → c3 → c1/, sdk: true },
  { profile: 'into-cycle', error: 'ProfileCycle', match: /cycle: c2 → c3 → c1 → c2 \(needed by profile "into-cycle"\)/, sdk: true },
  { profile: 'selfish', chain: ['assume-role:selfish', 'static:selfish'], sdk: true },
  { profile: 'keyed-role', chain: ['assume-role:keyed-role', 'static:base'], sdk: true },
  { profile: 'over-keyed', chain: ['assume-role:over-keyed', 'static:keyed-role'], sdk: true },
  // A cycle broken by static keys on the way back round is not a cycle.
  { profile: 'c-static', chain: ['assume-role:c-static', 'assume-role:c-mid', 'static:c-static'], sdk: true },
  { profile: 'from-env', chain: ['assume-role:from-env', 'credential-source:from-env'], sdk: true },
  { profile: 'from-ec2', chain: ['assume-role:from-ec2', 'credential-source:from-ec2'], sdk: false },
  { profile: 'from-ecs', chain: ['assume-role:from-ecs', 'credential-source:from-ecs'], sdk: false },
  {
    profile: 'bad-source',
    error: 'InvalidCredentialSource',
    match: /credential_source = Ec2InstanceMetaData; expected Environment, Ec2InstanceMetadata or EcsContainer/,
    sdk: true,
  },
  { profile: 'both-sources', error: 'ConflictingSource', match: /both source_profile and credential_source/, sdk: true },
  { profile: 'ec2-base', error: 'NoCredentials', match: /credential_source but no role_arn/, sdk: true },
  { profile: 'on-ec2-base', chain: ['assume-role:on-ec2-base', 'credential-source:ec2-base'], sdk: false },
  { profile: 'web', chain: ['web-identity:web'], sdk: true },
  { profile: 'on-web', chain: ['assume-role:on-web', 'web-identity:web'], sdk: true },
  { profile: 'proc', chain: ['process:proc'], sdk: true },
  { profile: 'on-proc', chain: ['assume-role:on-proc', 'process:proc'], sdk: true },
  { profile: 'sso-new', chain: ['sso:sso-new'], sdk: false },
  { profile: 'sso-agree', chain: ['sso:sso-agree'], sdk: false },
  { profile: 'sso-legacy', chain: ['sso:sso-legacy'], sdk: false },
  { profile: 'on-sso', chain: ['assume-role:on-sso', 'sso:sso-new'], sdk: false },
  { profile: 'sso-no-role', error: 'SsoIncomplete', match: /lacks sso_role_name/, sdk: true },
  { profile: 'sso-ghost', error: 'SsoSessionNotFound', match: /no \[sso-session ghost\]/, sdk: true },
  { profile: 'sso-half', error: 'SsoIncomplete', match: /\[sso-session half\] lacks sso_region/, sdk: true },
  // The SDK's conflict check is unreachable from fromIni; botocore refuses these.
  {
    profile: 'sso-conflict',
    error: 'SsoSessionConflict',
    match: /sso_region = us-west-2 but its \[sso-session corp\] says eu-central-1/,
    sdk: false,
  },
  { profile: 'sso-conflict-url', error: 'SsoSessionConflict', match: /sso_start_url/, sdk: false },
  { profile: 'orphan', error: 'ProfileNotFound', match: /source_profile = ghost, but profile "ghost" does not exist/, sdk: true },
  { profile: 'role-only', error: 'NoCredentials', match: /role_arn but neither source_profile/, sdk: true },
  // The SDK would send DurationSeconds: NaN; we refuse up front.
  { profile: 'bad-duration', error: 'InvalidProfile', match: /duration_seconds = "1h"/, sdk: false },
  { profile: 'login', error: 'UnsupportedProfile', match: /login_session/, sdk: false },
]

/** What the SDK does for `profile`: its AssumeRole calls and the final key, or that it failed. */
const sdkRun = async (profile: string): Promise<string[] | Error> => {
  const calls: string[] = []
  const fake = (name: string) => ({ accessKeyId: `ASIA${name.toUpperCase()}`, secretAccessKey: SECRET, sessionToken: 'tok' })
  try {
    const creds = await fromIni({
      profile,
      filepath: env.AWS_SHARED_CREDENTIALS_FILE,
      configFilepath: env.AWS_CONFIG_FILE,
      ignoreCache: true,
      mfaCodeProvider: async () => '123456',
      roleAssumer: async (src, p) => {
        const session = p.RoleSessionName?.startsWith('aws-sdk-js-') ? '-' : p.RoleSessionName
        calls.push(
          `AssumeRole ${p.RoleArn} ext=${p.ExternalId ?? '-'} session=${session} dur=${p.DurationSeconds} mfa=${p.SerialNumber ?? '-'} as ${src.accessKeyId}`,
        )
        return fake(p.RoleArn.split('/').pop() as string)
      },
      roleAssumerWithWebIdentity: async (p) => {
        calls.push(`AssumeRoleWithWebIdentity ${p.RoleArn} session=${p.RoleSessionName} token=${p.WebIdentityToken}`)
        return fake(p.RoleArn.split('/').pop() as string)
      },
    })()
    calls.push(`=> ${creds.accessKeyId}`)
    return calls
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e))
  }
}

/** The same trace, derived from our graph. */
const ourRun = (graph: ProfileGraph, profile: string): string[] => {
  const chain = chainOf(graph, graph.roots.get(profile) as string).reverse()
  const calls: string[] = []
  let key = ''
  for (const link of chain) {
    switch (link.kind) {
      case 'static':
        key = link.accessKeyId
        break
      case 'process':
        key = PROC_KEY
        break
      case 'credential-source':
        key = link.credentialSource === 'Environment' ? ENV_KEY : 'imds'
        break
      case 'web-identity':
        calls.push(
          `AssumeRoleWithWebIdentity ${link.roleArn} session=${link.roleSessionName} token=${readFileSync(link.webIdentityTokenFile, 'ascii')}`,
        )
        key = `ASIA${(link.roleArn.split('/').pop() as string).toUpperCase()}`
        break
      case 'assume-role':
        calls.push(
          `AssumeRole ${link.roleArn} ext=${link.externalId ?? '-'} session=${link.roleSessionName ?? '-'} dur=${link.durationSeconds ?? 3600} mfa=${link.mfaSerial ?? '-'} as ${key}`,
        )
        key = `ASIA${(link.roleArn.split('/').pop() as string).toUpperCase()}`
        break
      case 'sso':
        key = 'sso'
        break
    }
  }
  calls.push(`=> ${key}`)
  return calls
}

let files: AwsFiles
let graph: ProfileGraph
t.before(async () => {
  files = await readAwsFiles(env)
  graph = buildProfileGraph(files, [...discoverProfiles(files), 'nobody', 'x-unprefixed'], {})
})

t.test('discoverProfiles lists every profile of both files', async (t) => {
  const names = discoverProfiles(files)
  for (const p of ['default', 'base', 'creds-only', 'temp', 'r3', 'sso-new', 'login']) t.ok(names.includes(p), p)
  t.notOk(names.includes('x-unprefixed'), '[x] in the config file is not a profile')
  t.notOk(
    names.some((n) => n.startsWith('sso-session') || n.startsWith('services')),
    'no section names',
  )
})

t.test('each profile resolves (or fails) as the SDK does', async (t) => {
  for (const row of rows) {
    const rootId = graph.roots.get(row.profile)
    const err = graph.errors.get(row.profile)
    if (row.chain) {
      t.notOk(err, `${row.profile}: no error${err ? ` (${err.message})` : ''}`)
      t.same(rootId ? chainOf(graph, rootId).map((l) => l.id) : undefined, row.chain, `${row.profile}: chain`)
    } else {
      t.notOk(rootId, `${row.profile}: no root`)
      t.ok(err instanceof ProfileError, `${row.profile}: ProfileError`)
      t.equal(err?.code, row.error, `${row.profile}: code`)
      t.match(err?.message, row.match ?? /./, `${row.profile}: message`)
      t.ok(err?.fix, `${row.profile}: has a fix`)
      t.equal((err as ProfileError).profile, row.profile, `${row.profile}: keyed by the wanted profile`)
      t.notOk(err?.message.includes(SECRET) || err?.message.includes('\n'), `${row.profile}: one line, no secret`)
    }
    if (!row.sdk) continue
    const sdk = await sdkRun(row.profile)
    if (row.chain) {
      t.same(sdk instanceof Error ? `SDK failed: ${sdk.message}` : sdk, ourRun(graph, row.profile), `${row.profile}: same calls as the SDK`)
    } else {
      t.ok(sdk instanceof Error, `${row.profile}: the SDK fails too`)
    }
  }
})

const link = (id: string): Link | undefined => graph.links.get(id)

t.test('link fields', async (t) => {
  t.same(link('assume-role:r1'), {
    kind: 'assume-role',
    id: 'assume-role:r1',
    profile: 'r1',
    region: 'eu-west-1',
    roleArn: arn('111111111111', 'r1'),
    roleSessionName: 's1',
    externalId: 'ext-1',
    durationSeconds: 900,
    source: 'static:base',
  })
  t.match(link('assume-role:mfa-a'), { source: 'mfa-session:base:arn:aws:iam::111111111111:mfa/me' })
  t.equal(
    (link('assume-role:mfa-a') as { mfaSerial?: string }).mfaSerial,
    undefined,
    'the code goes to GetSessionToken, not to every AssumeRole',
  )
  t.match(link('mfa-session:base:arn:aws:iam::111111111111:mfa/me'), {
    kind: 'mfa-session',
    mfaSerial: 'arn:aws:iam::111111111111:mfa/me',
    source: 'static:base',
  })
  t.match(
    link('assume-role:mfa-temp'),
    { mfaSerial: 'arn:aws:iam::111111111111:mfa/me', source: 'static:temp' },
    'temporary keys cannot call GetSessionToken: the code goes to AssumeRole',
  )
  t.same(
    link('static:base'),
    { kind: 'static', id: 'static:base', profile: 'base', accessKeyId: 'AKIABASEEXAMPLE00001', secretAccessKey: SECRET },
    'credentials-file keys override the config file; no region on a static link',
  )
  t.same(link('static:temp'), {
    kind: 'static',
    id: 'static:temp',
    profile: 'temp',
    accessKeyId: 'ASIATEMPEXAMPLE00001',
    secretAccessKey: SECRET,
    sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
    expiresAt: Date.UTC(2026, 0, 1, 1),
  })
  t.same(link('credential-source:from-env'), {
    kind: 'credential-source',
    id: 'credential-source:from-env',
    profile: 'from-env',
    credentialSource: 'Environment',
  })
  t.same(link('web-identity:web'), {
    kind: 'web-identity',
    id: 'web-identity:web',
    profile: 'web',
    region: 'us-east-1',
    roleArn: arn('111111111111', 'web'),
    webIdentityTokenFile: join(dir, 'token'),
    roleSessionName: 'pod',
  })
  t.same(link('process:proc'), { kind: 'process', id: 'process:proc', profile: 'proc', command: procScript })
  t.same(
    link('sso:sso-new'),
    {
      kind: 'sso',
      id: 'sso:sso-new',
      profile: 'sso-new',
      region: 'eu-central-1',
      ssoSession: 'corp',
      startUrl: 'https://corp.awsapps.com/start',
      ssoRegion: 'eu-central-1',
      accountId: '123456789012',
      roleName: 'Dev',
      cacheKey: 'corp',
    },
    'sso_session: values from the session, cache key = session name, region = sso_region',
  )
  t.same(
    link('sso:sso-legacy'),
    {
      kind: 'sso',
      id: 'sso:sso-legacy',
      profile: 'sso-legacy',
      region: 'us-east-2',
      startUrl: 'https://legacy.awsapps.com/start',
      ssoRegion: 'us-east-2',
      accountId: '123456789012',
      roleName: 'Admin',
      cacheKey: 'https://legacy.awsapps.com/start',
    },
    'legacy: cache key = start URL',
  )
})

t.test('shared sources are one link, failed chains leave nothing behind', async (t) => {
  t.equal([...graph.links.values()].filter((l) => l.profile === 'base').length, 1, 'static:base once')
  for (const p of ['shared-a', 'shared-b']) {
    const l = link(`assume-role:${p}`)
    t.equal(l?.kind === 'assume-role' ? l.source : undefined, 'static:base', `${p} uses the one static:base link`)
  }
  const reachable = new Set([...graph.roots.values()].flatMap((id) => chainOf(graph, id).map((l) => l.id)))
  t.same([...graph.links.keys()].sort(), [...reachable].sort(), 'every link belongs to a resolved chain')
  t.notOk(graph.links.has('assume-role:orphan'))
  t.notOk(graph.links.has('assume-role:bad-duration'))
})

t.test('isTemporaryRoot', async (t) => {
  t.equal(isTemporaryRoot(graph, 'default'), false, 'long-term keys')
  t.equal(isTemporaryRoot(graph, 'temp'), false, 'static session credentials cannot be renewed from the files')
  t.equal(isTemporaryRoot(graph, 'r3'), true)
  t.equal(isTemporaryRoot(graph, 'sso-new'), true)
  t.equal(isTemporaryRoot(graph, 'selfish'), true, 'root is the role, not its keys')
  t.equal(isTemporaryRoot(graph, 'nobody'), false, 'unresolved')
})

t.test('a bad expiration or a cycle never hangs and stays per profile', async (t) => {
  const profiles = {
    ok: { aws_access_key_id: 'AKIAOK00000000000001', aws_secret_access_key: SECRET },
    badexp: { aws_access_key_id: 'AKIAOK00000000000001', aws_secret_access_key: SECRET, aws_credential_expiration: 'soon' },
    big1: { role_arn: arn('1', 'a'), source_profile: 'big2' },
    big2: { role_arn: arn('1', 'b'), source_profile: 'big1' },
    half: { aws_access_key_id: 'AKIAOK00000000000001' },
    ['toString']: { role_arn: arn('1', 'c'), source_profile: 'constructor' },
  }
  const g = buildProfileGraph({ profiles, ssoSessions: {}, services: {} }, ['ok', 'badexp', 'big1', 'half', 'toString'], {})
  t.same([...g.roots.keys()], ['ok'])
  t.match(g.errors.get('badexp')?.message, /aws_credential_expiration = "soon"/)
  t.equal(g.errors.get('big1')?.code, 'ProfileCycle')
  t.match(g.errors.get('half')?.message, /aws_access_key_id but no aws_secret_access_key/)
  t.equal(g.errors.get('toString')?.code, 'ProfileNotFound', 'Object.prototype names are not profiles')
})

const BASE_KEYS = { aws_access_key_id: 'AKIABASEEXAMPLE00001', aws_secret_access_key: SECRET }

t.test('region of each link', async (t) => {
  const profiles = {
    base: BASE_KEYS,
    mid: { role_arn: arn('1', 'mid'), source_profile: 'base' },
    top: { role_arn: arn('1', 'top'), source_profile: 'mid', region: 'cn-north-1' },
    own: { role_arn: arn('1', 'own'), source_profile: 'top', region: 'eu-west-3' },
  }
  const data = { profiles, ssoSessions: {}, services: {} }
  const region = (g: ProfileGraph, id: string) => g.links.get(id)?.region
  const cases: Array<[string, string[], Record<string, string>, string, string | undefined]> = [
    ['SDK default', ['mid'], {}, 'assume-role:mid', 'us-east-1'],
    ['AWS_REGION', ['mid'], { AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'sa-east-1' }, 'assume-role:mid', 'ap-south-1'],
    ['AWS_DEFAULT_REGION is botocore-only', ['mid'], { AWS_DEFAULT_REGION: 'sa-east-1' }, 'assume-role:mid', 'us-east-1'],
    ['a source inherits the start profile region (as the SDK)', ['top'], { AWS_REGION: 'ap-south-1' }, 'assume-role:mid', 'cn-north-1'],
    ['own region wins', ['top'], {}, 'assume-role:top', 'cn-north-1'],
    ['own region wins over the start profile', ['own'], {}, 'assume-role:top', 'cn-north-1'],
    ['shared link: first wanted profile decides', ['mid', 'top'], {}, 'assume-role:mid', 'us-east-1'],
    ['static links make no call', ['top'], {}, 'static:base', undefined],
  ]
  for (const [name, wanted, e, id, want] of cases) t.equal(region(buildProfileGraph(data, wanted, e), id), want, name)
})

t.test('endpoints are filled per link', async (t) => {
  const data = {
    profiles: {
      base: BASE_KEYS,
      direct: { role_arn: arn('1', 'direct'), source_profile: 'base', endpoint_url: 'http://127.0.0.1:9/profile' },
      mid: { role_arn: arn('1', 'mid'), source_profile: 'base' },
      top: { role_arn: arn('1', 'top'), source_profile: 'mid', services: 'local' },
      sso: { sso_session: 'corp', sso_account_id: '123456789012', sso_role_name: 'Dev', services: 'local' },
      web: { role_arn: arn('1', 'web'), web_identity_token_file: '/t', endpoint_url: 'http://127.0.0.1:9/profile' },
      broken: { role_arn: arn('1', 'broken'), source_profile: 'base', services: 'ghost' },
    },
    ssoSessions: { corp: { sso_start_url: 'https://corp.awsapps.com/start', sso_region: 'eu-central-1' } },
    services: { local: { 'sts.endpoint_url': 'http://127.0.0.1:9/sts', 'sso.endpoint_url': 'http://127.0.0.1:9/sso' } },
  }
  const wanted = ['direct', 'top', 'sso', 'web', 'broken']
  const g = buildProfileGraph(data, wanted, {})
  const ep = (graph: ProfileGraph, id: string) => graph.links.get(id)?.endpoint
  t.equal(ep(g, 'assume-role:direct'), 'http://127.0.0.1:9/profile', 'profile endpoint_url')
  t.equal(ep(g, 'assume-role:top'), 'http://127.0.0.1:9/sts', 'services section, sts key')
  t.equal(ep(g, 'assume-role:mid'), 'http://127.0.0.1:9/sts', "a source without its own config uses the start profile's")
  t.equal(ep(g, 'sso:sso'), 'http://127.0.0.1:9/sso', 'sso links use the sso key')
  t.equal(ep(g, 'web-identity:web'), 'http://127.0.0.1:9/profile')
  t.equal(ep(g, 'static:base'), undefined)
  t.equal(g.errors.get('broken')?.code, 'ServicesSectionNotFound')
  t.match(g.errors.get('broken')?.message, /services = ghost.*fix: add \[services ghost\]/)

  const withEnv = buildProfileGraph(data, wanted, { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9/env' })
  t.equal(ep(withEnv, 'assume-role:top'), 'http://127.0.0.1:9/env', 'AWS_ENDPOINT_URL_STS wins for STS links')
  t.equal(ep(withEnv, 'sso:sso'), 'http://127.0.0.1:9/sso', 'but not for SSO links')
  t.ok(withEnv.roots.has('broken'), 'a missing services section is harmless when env decides (as in the SDK)')

  const ignored = buildProfileGraph(data, wanted, { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })
  t.same([...ignored.links.values()].map((l) => l.endpoint).filter(Boolean), [], 'ignore flag clears them all')
})
