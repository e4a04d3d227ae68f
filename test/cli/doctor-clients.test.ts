// The doctor's "which credentials win" claims, checked against the real clients:
// botocore (what the AWS CLI and boto3 run) and the JS SDK v3's default chain
// (fromNodeProviderChain) each resolve credentials in the same throwaway HOME and
// env, and the key id each one gets must be the one doctor names for it.
import t, { type Test } from 'tap'
import { requireOrSkip } from '../helpers/prerequisites.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanPythonEnv, findPython } from '../helpers/python.js'
import { runCli, runTool, sandbox, writeAws, type Sandbox } from '../helpers/sandbox.js'

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const ENV_KEY = 'AKIAENVKEY000000AAAA'
const DEV_KEY = 'AKIADEVKEY000000BBBB'
const DEFAULT_KEY = 'AKIADEFAULTKEY00DDDD'
const keys = (id: string) => `aws_access_key_id = ${id}\naws_secret_access_key = ${SECRET}\n`
const mask = (id: string) => `${id.slice(0, 4)}…${id.slice(-4)}`

const python = findPython('botocore')

const BOTOCORE = `
import botocore.session
try:
    c = botocore.session.get_session().get_credentials()
    print(c.access_key if c else 'NONE')
except Exception as e:
    print('ERROR ' + type(e).__name__)
`
const JS_SDK = `
import { fromNodeProviderChain } from '@aws-sdk/credential-providers'
try { console.log((await fromNodeProviderChain()()).accessKeyId) } catch (e) { console.log('ERROR ' + e.name) }
`

const botocore = async (sb: Sandbox, env: Record<string, string>): Promise<string> => {
  const r = await runTool(
    python!,
    ['-c', BOTOCORE],
    cleanPythonEnv(sb.home, {
      AWS_CONFIG_FILE: sb.configFile,
      AWS_SHARED_CREDENTIALS_FILE: sb.credentialsFile,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    }),
  )
  return r.stdout.trim()
}

/** The SDK from this project's node_modules (resolved from the working folder), run as its own program in the sandbox env. */
const jsSdk = async (sb: Sandbox, env: Record<string, string>): Promise<string> =>
  (await runTool(process.execPath, ['--input-type=module', '-e', JS_SDK], { ...sb.env, ...env })).stdout.trim()

const doctorSays = async (sb: Sandbox, env: Record<string, string>): Promise<Record<string, string | undefined>> => {
  const run = runCli(['doctor', '--json', '--no-network'], { ...sb.env, ...env })
  await run.exited
  const report = JSON.parse(run.output()) as { findings: Array<{ code: string; data?: Record<string, string> }> }
  const out: Record<string, string | undefined> = {}
  for (const f of report.findings) if (f.code === 'credential-source' && f.data) out[f.data.client!] = f.data.accessKeyId ?? f.data.source
  return out
}

const cases: Array<[string, Record<string, string>, { js: string; botocore: string }]> = [
  [
    'AWS_PROFILE and env keys both set',
    { AWS_PROFILE: 'dev', AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: SECRET },
    { js: DEV_KEY, botocore: ENV_KEY },
  ],
  ['env keys without AWS_PROFILE', { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: SECRET }, { js: ENV_KEY, botocore: ENV_KEY }],
  ['AWS_PROFILE alone', { AWS_PROFILE: 'dev' }, { js: DEV_KEY, botocore: DEV_KEY }],
  [
    'AWS_DEFAULT_PROFILE and AWS_PROFILE differ',
    { AWS_DEFAULT_PROFILE: 'default', AWS_PROFILE: 'dev' },
    { js: DEV_KEY, botocore: DEFAULT_KEY },
  ],
]

t.test('which credentials each client uses, and what doctor says', async (t) => {
  if (!requireOrSkip(t, 'python3 with botocore (pip install botocore)', python !== undefined)) return
  for (const [name, env, want] of cases) {
    t.test(name, async (t: Test) => {
      const sb = sandbox(t.testdir({}))
      writeAws(sb, '[profile dev]\nregion = us-east-1\n', `[default]\n${keys(DEFAULT_KEY)}[dev]\n${keys(DEV_KEY)}`)
      const [py, js, says] = await Promise.all([botocore(sb, env), jsSdk(sb, env), doctorSays(sb, env)])
      t.equal(py, want.botocore, 'botocore resolves')
      t.equal(js, want.js, 'the JS SDK v3 resolves')
      t.equal(says.botocore, mask(py), 'doctor names the key botocore uses')
      t.equal(says['js-sdk-v3'], mask(js), 'doctor names the key the JS SDK v3 uses')
    })
  }
})

t.test('a writeTo section with role_arn in the config: botocore assumes the role, not the keys', async (t) => {
  if (!requireOrSkip(t, 'python3 with botocore (pip install botocore)', python !== undefined)) return
  const sb = sandbox(t.testdir({}))
  writeAws(
    sb,
    '[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/other\nsource_profile = base\nregion = us-east-1\n',
    `[base]\n${keys(DEFAULT_KEY)}[dev]\n${keys(DEV_KEY)}`,
  )
  const r = await runTool(
    python!,
    ['-c', 'import botocore.session\nc = botocore.session.get_session().get_credentials()\nprint(c.method)'],
    cleanPythonEnv(sb.home, { AWS_CONFIG_FILE: sb.configFile, AWS_SHARED_CREDENTIALS_FILE: sb.credentialsFile, AWS_PROFILE: 'dev' }),
  )
  t.equal(r.stdout.trim(), 'assume-role', 'botocore picks the assume-role provider for [dev]')
  const config = join(sb.home, 'credd.json')
  writeFileSync(config, JSON.stringify({ profiles: [{ profile: 'base', writeTo: 'dev' }] }))
  const run = runCli(['doctor', '--json', '--no-network', '--config', config], sb.env)
  await run.exited
  const report = JSON.parse(run.output()) as { findings: Array<{ code: string; data?: Record<string, string> }> }
  t.match(
    report.findings.find((f) => f.code === 'writeto-shadowed'),
    { data: { section: 'dev', provider: 'the assume-role provider' } },
  )
})

t.test('a container URL both clients refuse over plain HTTP: doctor says each fails', async (t) => {
  if (!requireOrSkip(t, 'python3 with botocore (pip install botocore)', python !== undefined)) return
  const sb = sandbox(t.testdir({}))
  writeAws(sb, '[default]\nregion = us-east-1\n', '')
  const env = { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://credd:9911/v1/credentials/app', AWS_EC2_METADATA_DISABLED: 'true' }
  t.equal(await botocore(sb, env), 'ERROR ValueError', 'botocore refuses the host')
  t.equal(await jsSdk(sb, env), 'ERROR CredentialsProviderError', 'the JS SDK finds nothing')
  const run = runCli(['doctor', '--json', '--no-network'], { ...sb.env, ...env })
  await run.exited
  const report = JSON.parse(run.output()) as { findings: Array<{ code: string; severity: string; message: string }>; exitCode: number }
  const sources = report.findings.filter((f) => f.code === 'credential-source')
  t.equal(sources.length, 2)
  for (const f of sources)
    t.match(f, { severity: 'error', message: /fails with the container endpoint \(AWS_CONTAINER_CREDENTIALS_FULL_URI\).*: .*credd/ })
  t.equal(report.exitCode, 2)
})
