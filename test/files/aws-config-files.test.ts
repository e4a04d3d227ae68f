import t from 'tap'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseKnownFiles } from '@smithy/shared-ini-file-loader'
import { awsPaths, homeDirOf, readAwsFiles } from '../../src/files/aws-config-files.js'
import { AwsFileError } from '../../src/core/errors.js'
import { requireOrSkip } from '../helpers/prerequisites.js'

// Never let anything fall back to the real ~/.aws.
const sandbox = t.testdir({})
process.env.HOME = sandbox
process.env.AWS_CONFIG_FILE = join(sandbox, 'no-config')
process.env.AWS_SHARED_CREDENTIALS_FILE = join(sandbox, 'no-credentials')

const KEY = 'AKIAIOSFODNN7EXAMPLE'
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

type T = Pick<typeof t, 'testdir'>
const setup = (t: T, files: { config?: string; credentials?: string }) => {
  const dir = t.testdir(Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined)))
  return { dir, env: { HOME: dir, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') } }
}

t.test('awsPaths', async (t) => {
  t.same(
    awsPaths({ HOME: '/h' }),
    {
      configFile: '/h/.aws/config',
      credentialsFile: '/h/.aws/credentials',
      ssoCacheDir: '/h/.aws/sso/cache',
    },
    'defaults under HOME',
  )
  t.same(
    awsPaths({ HOME: '/h', AWS_CONFIG_FILE: '/etc/c', AWS_SHARED_CREDENTIALS_FILE: '/etc/k' }),
    {
      configFile: '/etc/c',
      credentialsFile: '/etc/k',
      ssoCacheDir: '/h/.aws/sso/cache',
    },
    'env overrides the files but not the SSO cache',
  )
  t.equal(awsPaths({ HOME: '/h', AWS_CONFIG_FILE: '~/alt/config' }).configFile, '/h/alt/config', '~/ expanded like the SDK')
  t.equal(awsPaths({ HOME: '', AWS_CONFIG_FILE: '', USERPROFILE: '/u' }).configFile, '/u/.aws/config', 'empty values are unset')
  t.equal(homeDirOf({ HOMEDRIVE: 'D:', HOMEPATH: '\\Users\\x' }), 'D:\\Users\\x')
})

t.test('missing files are empty files', async (t) => {
  const { env } = setup(t, {})
  const files = await readAwsFiles(env)
  t.same(files, {
    configFile: env.AWS_CONFIG_FILE,
    credentialsFile: env.AWS_SHARED_CREDENTIALS_FILE,
    profiles: {},
    ssoSessions: {},
    services: {},
    warnings: [],
  })
})

const CONFIG = `# comment
[default]
region = us-west-2

[profile dev]   ; trailing comment
region = eu-west-1
aws_access_key_id = AKIACONFIGEXAMPLE00
output = json

[not-a-profile]
region = ignored

[profile with.dots]
region = ap-south-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-central-1

[services local]
sts =
  endpoint_url = http://127.0.0.1:4566
sso_oidc =
  endpoint_url = http://127.0.0.1:4567
`
const CREDENTIALS = `[default]\r
aws_access_key_id = ${KEY}\r
aws_secret_access_key = ${SECRET}\r
[dev]
aws_access_key_id = AKIACREDSEXAMPLE000
aws_secret_access_key = ${SECRET}
[creds-only]
aws_access_key_id = ${KEY}
aws_secret_access_key = ${SECRET}
[profile prefixed]
aws_access_key_id = ${KEY}
`

t.test('parses and merges like the SDK', async (t) => {
  const { env } = setup(t, { config: CONFIG, credentials: CREDENTIALS })
  const files = await readAwsFiles(env)
  t.same(
    files.profiles.default,
    { region: 'us-west-2', aws_access_key_id: KEY, aws_secret_access_key: SECRET },
    '[default] from both files',
  )
  t.same(
    files.profiles.dev,
    { region: 'eu-west-1', aws_access_key_id: 'AKIACREDSEXAMPLE000', output: 'json', aws_secret_access_key: SECRET },
    'credentials-file keys override config-file keys, other config keys stay',
  )
  t.ok(files.profiles['creds-only'], 'a profile only in the credentials file')
  t.notOk('not-a-profile' in files.profiles, '[x] without "profile " is not a profile in the config file')
  t.ok(files.profiles['with.dots'], 'dots in names survive')
  t.ok(files.profiles['profile.prefixed'] && !files.profiles.prefixed, '[profile x] in the credentials file is not profile x (SDK quirk)')
  t.same(files.ssoSessions, { corp: { sso_start_url: 'https://example.awsapps.com/start', sso_region: 'eu-central-1' } })
  t.same(files.services, { local: { 'sts.endpoint_url': 'http://127.0.0.1:4566', 'sso_oidc.endpoint_url': 'http://127.0.0.1:4567' } })
  t.notOk(
    Object.keys(files.profiles).some((k) => k.startsWith('sso-session.') || k.startsWith('services.')),
    'sections are not profiles',
  )

  // The SDK's own merge, minus the non-profile sections, must be identical.
  const sdk = await parseKnownFiles({ filepath: env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: env.AWS_CONFIG_FILE, ignoreCache: true })
  const sdkProfiles = Object.fromEntries(Object.entries(sdk).filter(([k]) => !k.startsWith('sso-session.') && !k.startsWith('services.')))
  t.same(files.profiles, sdkProfiles, 'same profiles as parseKnownFiles')
})

t.test('[profile default] wins over [default] in the config file, as in the SDK', async (t) => {
  const { env } = setup(t, { config: '[default]\nregion = a\noutput = text\n[profile default]\nregion = b\n' })
  const files = await readAwsFiles(env)
  t.same(files.profiles.default, { region: 'b' })
  const sdk = await parseKnownFiles({ filepath: env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: env.AWS_CONFIG_FILE, ignoreCache: true })
  t.same(files.profiles.default, sdk.default)
})

t.test('re-reads changed files (no stale SDK cache)', async (t) => {
  const { env } = setup(t, { config: '[profile a]\nregion = one\n[sso-session s]\nsso_region = one\n' })
  t.equal((await readAwsFiles(env)).profiles.a?.region, 'one')
  writeFileSync(env.AWS_CONFIG_FILE, '[profile a]\nregion = two\n[sso-session s]\nsso_region = two\n')
  const again = await readAwsFiles(env)
  t.equal(again.profiles.a?.region, 'two')
  t.equal(again.ssoSessions.s?.sso_region, 'two', 'sso sessions re-read too')
})

t.test('profile names that are Object.prototype keys stay data', async (t) => {
  const { env } = setup(t, { credentials: `[toString]\naws_access_key_id = ${KEY}\naws_secret_access_key = ${SECRET}\n` })
  const files = await readAwsFiles(env)
  t.same(files.profiles.toString, { aws_access_key_id: KEY, aws_secret_access_key: SECRET })
})

t.test('unreadable or unparsable files are errors naming the file', async (t) => {
  const cases: Array<[string, (dir: string) => Record<string, string>, RegExp]> = [
    [
      'directory',
      (dir) => {
        mkdirSync(join(dir, 'cfgdir'))
        return { AWS_CONFIG_FILE: join(dir, 'cfgdir') }
      },
      /is a directory/,
    ],
    [
      'parent is a file',
      (dir) => {
        writeFileSync(join(dir, 'plain'), '')
        return { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'plain', 'credentials') }
      },
      /not a directory/,
    ],
    [
      '__proto__ section',
      (dir) => {
        writeFileSync(join(dir, 'config'), '[profile __proto__]\nregion = x\n')
        return {}
      },
      /__proto__/,
    ],
    [
      'binary',
      (dir) => {
        writeFileSync(join(dir, 'credentials'), Buffer.from([0x5b, 0x00, 0x5d]))
        return {}
      },
      /not a text file/,
    ],
  ]
  for (const [name, make, re] of cases) {
    const { dir, env } = setup(t, {})
    const over = make(dir)
    const full = { ...env, ...over }
    const err = await readAwsFiles(full).then(
      () => undefined,
      (e: unknown) => e,
    )
    t.ok(err instanceof AwsFileError, `${name}: AwsFileError`)
    if (!(err instanceof AwsFileError)) continue
    t.match(err.message, re, name)
    t.ok(err.message.includes(err.file) && err.fix, `${name}: names the file and a fix`)
    t.equal(err.code, 'AwsFileUnreadable')
    t.notOk(err.message.includes(SECRET))
  }
})

// Root reads any file, so as root (CI) the reader runs in a child process as nobody (uid 65534),
// from the build; as anyone else it runs here. Either way the file really is unreadable.
const BUILT = fileURLToPath(new URL('../../dist/files/aws-config-files.js', import.meta.url))
t.test('permission denied', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'credd-perm-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  chmodSync(dir, 0o755)
  const env = { HOME: dir, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') }
  writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, `[default]\naws_access_key_id = ${KEY}\n`)
  chmodSync(env.AWS_SHARED_CREDENTIALS_FILE, 0o000)
  const want = { code: 'AwsFileUnreadable', message: /permission denied.*fix: .*chmod/ }
  if (process.getuid?.() !== 0) return void (await t.rejects(readAwsFiles(env), want))
  // Root reads anything (CAP_DAC_OVERRIDE): the reader runs in a child that is still root but
  // lost the two capabilities that bypass file modes (setpriv, util-linux), so it meets EACCES
  // as any user would, while it can still load the build and node_modules wherever the clone is.
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))
  if (!requireOrSkip(t, 'setpriv (util-linux), to drop the capabilities that bypass file modes', setpriv !== undefined)) return
  if (!requireOrSkip(t, `the build (${BUILT}; npm run build)`, existsSync(BUILT))) return
  const script =
    'const m = await import(process.argv[1]); await m.readAwsFiles(JSON.parse(process.argv[2])).then(() => console.log("{}"), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))'
  const r = spawnSync(
    setpriv!,
    [
      '--bounding-set',
      '-dac_override,-dac_read_search',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
      pathToFileURL(BUILT).href,
      JSON.stringify(env),
    ],
    { encoding: 'utf8' },
  )
  t.equal(r.status, 0, r.stderr)
  t.match(JSON.parse(r.stdout), want, 'read by root without CAP_DAC_OVERRIDE')
})

t.test('lines botocore would refuse come back as warnings naming file and line', async (t) => {
  const { env } = setup(t, { config: '[profile a]\nregion = us-east-1\n[profile b\n' })
  const files = await readAwsFiles(env)
  t.equal(files.warnings?.length, 1)
  t.match(files.warnings?.[0], /config line 3: section header "\[profile b" has no closing \]; the AWS CLI and botocore refuse this file/)
  t.ok(files.profiles.a, 'the rest is still read')
})
