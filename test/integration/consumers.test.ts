// Consumers against the real daemon, with real clients: a config consumer's token
// (given to botocore as AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) opens its profile and
// gets 403 for any other; a Kubernetes Secret layout works and a kubelet-style swap takes
// effect within 5 s; a run-time grant with a 20 s TTL opens its profile for 20 s and then
// nothing; revoke ends a grant within a second; exec's token dies with its command; the
// AWS CLI v2 (Debian's 2.9 series, which reads only ..._TOKEN) works through exec.
import t from 'tap'
import { requireOrSkip } from '../helpers/prerequisites.js'
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/emulator.js'
import { cleanPythonEnv } from '../helpers/python.js'
import { runCli, runTool, sandbox, until, writeAws } from '../helpers/sandbox.js'

const emu = await startEmulator()
const sb = sandbox(t.testdir({}), { AWS_ENDPOINT_URL: emu.url })
const user = emu.addUser('dev-user')
const devRole = emu.addRole({ name: 'Dev', trust: [user.arn] })
const prodRole = emu.addRole({ name: 'Prod', trust: [user.arn] })
writeAws(
  sb,
  `[profile dev]\nrole_arn = ${devRole.arn}\nsource_profile = keys\nregion = us-east-1\n\n[profile prod]\nrole_arn = ${prodRole.arn}\nsource_profile = keys\nregion = us-east-1\n`,
  `[keys]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
)
const shared = join(sb.home, 'shared')
// The Kubernetes Secret layout: pod.token -> ..data/pod.token, ..data -> ..2026_12_03_v1
const k8s = join(sb.home, 'secret')
const version = (name: string, token: string): void => {
  mkdirSync(join(k8s, name), { recursive: true })
  writeFileSync(join(k8s, name, 'pod.token'), token, { mode: 0o644 })
}
const TOKEN_V1 = 'k8s-secret-token-version-one-0123456789'
const TOKEN_V2 = 'k8s-secret-token-version-two-9876543210'
version('..2026_12_03_v1', TOKEN_V1)
symlinkSync('..2026_12_03_v1', join(k8s, '..data'))
symlinkSync('..data/pod.token', join(k8s, 'pod.token'))
const cfg = join(sb.home, 'config.json')
writeFileSync(
  cfg,
  JSON.stringify({
    profiles: [{ profile: 'dev' }, { profile: 'prod' }],
    consumers: [
      { name: 'litellm', profiles: ['dev'], tokenFile: join(shared, 'litellm.token') },
      { name: 'pod', profiles: ['prod'], tokenFile: join(k8s, 'pod.token') },
    ],
    alerts: { desktop: false },
  }),
)
const d = runCli(['run', '--config', cfg, '--log-format', 'text', '--no-tty'], sb.env)
// Not t.teardown: the root test may end (and tear down) while its top-level awaits still run.
process.on('exit', () => void d.child.kill())
await d.waitFor(/\[dev\] obtained/, 15_000)
await d.waitFor(/\[prod\] obtained/, 15_000)
const url = /container endpoint on (http:\/\/127\.0\.0\.1:\d+)/.exec(d.output())![1]!
const cli = (args: string[], env: NodeJS.ProcessEnv = sb.env) =>
  runTool(process.execPath, [join(process.cwd(), 'dist', 'cli', 'main.js'), ...args], env)
const get = (profile: string, token: string): Promise<number> =>
  fetch(`${url}/v1/credentials/${profile}`, { headers: { authorization: token } }).then((r) => r.status)

/** botocore with nothing but the container variables, calling the emulator's STS. */
const botocoreArn = async (vars: Record<string, string>): Promise<string> => {
  writeFileSync(join(sb.home, 'empty'), '')
  const env = cleanPythonEnv(sb.home, {
    AWS_CONFIG_FILE: join(sb.home, 'empty'),
    AWS_SHARED_CREDENTIALS_FILE: join(sb.home, 'empty'),
    ...vars,
  })
  const r = await runTool(
    'python3',
    ['-c', `import boto3\nprint(boto3.client('sts', endpoint_url='${emu.url}').get_caller_identity()['Arn'])`],
    env,
  )
  return r.code === 0 ? r.stdout.trim() : `exit ${r.code}: ${r.stderr.split('\n').filter(Boolean).pop()}`
}

// Started first, checked last: the 20-second TTL runs while the other checks do.
const started = Date.now()
const ttlGrant = await cli(['grant', '--profile', 'dev', '--name', 'ttl20', '--ttl', '20s', '--json'])
t.equal(ttlGrant.code, 0, ttlGrant.stderr)
const ttl = JSON.parse(ttlGrant.stdout) as {
  name: string
  profiles: string[]
  expiresAt: string
  tokenFile: null
  env: Record<string, string>
}
t.same([ttl.name, ttl.profiles, ttl.tokenFile], ['ttl20', ['dev'], null])
t.match(ttl.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
const ttlToken = ttl.env.AWS_CONTAINER_AUTHORIZATION_TOKEN!
const ttlAtStart = [await get('dev', ttlToken), await get('prod', ttlToken)]

t.test('a config consumer: its token file is made 0600; botocore reads it and gets its profile; any other profile is 403', async (t) => {
  const file = join(shared, 'litellm.token')
  t.equal(statSync(file).mode & 0o777, 0o600)
  const token = readFileSync(file, 'utf8')
  t.match(token, /^[A-Za-z0-9_-]{43}$/, 'no newline')
  t.match(
    await botocoreArn({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/v1/credentials/dev`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file }),
    /assumed-role\/Dev\//,
  )
  t.match(
    await botocoreArn({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/v1/credentials/prod`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file }),
    /^exit 1: .*(403|Forbidden|not granted)/s,
    'botocore is refused prod',
  )
  t.equal(await get('prod', token), 403)
  t.equal(await get('no-such-profile', token), 403, 'the same answer for a profile that does not exist')
})

t.test('a Kubernetes Secret mount (symlink into ..data) works, and a kubelet-style swap takes effect within 5 s', async (t) => {
  t.equal(await get('prod', TOKEN_V1), 200)
  t.equal(await get('dev', TOKEN_V1), 403)
  // What kubelet's atomic writer does: a new timestamped folder, a ..data_tmp link to it, renamed over ..data.
  version('..2026_12_03_v2', TOKEN_V2)
  symlinkSync('..2026_12_03_v2', join(k8s, '..data_tmp'))
  const swapped = Date.now()
  renameSync(join(k8s, '..data_tmp'), join(k8s, '..data'))
  t.ok(await until(async () => (await get('prod', TOKEN_V2)) === 200, 5000, 100), 'the new token works within 5 s')
  t.equal(await get('prod', TOKEN_V1), 401, 'and the old one no longer does')
  t.comment(`swap seen after ${Date.now() - swapped} ms`)
})

t.test('grants lists every grant with its last use; revoke ends one within a second', async (t) => {
  const made = await cli(['grant', '--profile', 'prod', '--name', 'agent'])
  t.equal(made.code, 0, made.stderr)
  t.match(
    made.stdout,
    new RegExp(`^AWS_CONTAINER_CREDENTIALS_FULL_URI=${url}/v1/credentials/prod\nAWS_CONTAINER_AUTHORIZATION_TOKEN=[A-Za-z0-9_-]{43}\n$`),
  )
  t.match(made.stderr, /"agent" opens "prod" until revoked; end it with: aws-credd revoke agent/)
  const token = /AWS_CONTAINER_AUTHORIZATION_TOKEN=(\S+)/.exec(made.stdout)![1]!
  t.equal(await get('prod', token), 200)
  t.equal(await get('dev', token), 403)
  const listed = await cli(['grants', '--json'])
  const grants = (JSON.parse(listed.stdout) as { grants: Array<{ name: string; kind: string; lastUsedAt?: number }> }).grants
  t.same(grants.map((g) => g.name).sort(), ['agent', 'litellm', 'owner', 'pod', 'ttl20'])
  t.type(grants.find((g) => g.name === 'agent')?.lastUsedAt, 'number')
  t.notMatch(listed.stdout, token, 'no token in the listing')
  const revokedAt = Date.now()
  const revoked = await cli(['revoke', 'agent'])
  t.equal(revoked.code, 0, revoked.stderr)
  t.ok(await until(async () => (await get('prod', token)) === 401, 1000, 20), 'refused within a second')
  t.comment(`revoked after ${Date.now() - revokedAt} ms`)
  t.equal((await cli(['revoke', 'agent'])).code, 1, 'a second revoke: no such grant')
  t.match(
    (await cli(['revoke', 'litellm'])).stderr,
    /is a consumer from the config; fix: remove it from "consumers", or rotate its token file/,
  )
})

t.test("exec: the command's token opens its profile only, and gets 401 once the command has exited", async (t) => {
  const out = join(sb.home, 'exec-token')
  const script = `const t = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN; require('fs').writeFileSync(${JSON.stringify(out)}, t);
    Promise.all(['dev', 'prod'].map((p) => fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI.replace(/dev$/, p), { headers: { authorization: t } }).then((r) => r.status)))
      .then((s) => { console.log(s.join(',')); process.exit(0) })`
  const r = await cli(['exec', 'dev', '--', process.execPath, '-e', script])
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout.trim(), '200,403', 'dev served, prod refused while it ran')
  t.equal(await get('dev', readFileSync(out, 'utf8')), 401, 'dead once the command exited')
})

const aws2 = '/usr/bin/aws'
t.test('the AWS CLI v2 from Debian (2.9 series) works through aws-credd exec', async (t) => {
  if (!requireOrSkip(t, 'the AWS CLI v2 at /usr/bin/aws (apt-get install awscli)', existsSync(aws2))) return
  const version = await runTool(aws2, ['--version'], sb.env)
  t.match(version.stdout + version.stderr, /^aws-cli\/2\./)
  const env = { ...sb.env }
  delete env.AWS_ENDPOINT_URL // 2.9 predates AWS_ENDPOINT_URL: the emulator is passed explicitly
  const r = await cli(
    ['exec', 'dev', '--', aws2, 'sts', 'get-caller-identity', '--endpoint-url', emu.url, '--query', 'Arn', '--output', 'text'],
    env,
  )
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout.trim(), /^arn:aws:sts::\d+:assumed-role\/Dev\//)
})

t.test("rotating a token file: a consumer's to bad content fails closed; the owner's to a new token takes over", async (t) => {
  const file = join(shared, 'litellm.token')
  const old = readFileSync(file, 'utf8')
  t.equal(await get('dev', old), 200)
  // Rotated because it leaked, but written with a trailing newline (which botocore refuses): the old token must die anyway.
  writeFileSync(file, 'a-new-token-that-ends-with-a-newline-0123\n')
  t.ok(await until(async () => (await get('dev', old)) === 401, 5000, 100), 'the old token stops within 5 s')
  t.ok(
    await until(() => /consumer "litellm": auth token file \S+ contains a line break/.test(d.output()), 5000),
    'and the log says why, the reason visible',
  )
  const fixed = 'a-new-token-without-a-newline-0123456789'
  writeFileSync(file, fixed)
  t.ok(await until(async () => (await get('dev', fixed)) === 200, 5000, 100), 'fixed: the new token works')

  const status = JSON.parse((await cli(['status', '--json'])).stdout) as { containerEndpoint: { tokenFile: string } }
  const ownerFile = status.containerEndpoint.tokenFile
  const before = readFileSync(ownerFile, 'utf8')
  t.equal(await get('prod', before), 200)
  const next = 'the-owners-rotated-token-0123456789abcdef'
  writeFileSync(`${ownerFile}.new`, next, { mode: 0o600 })
  renameSync(`${ownerFile}.new`, ownerFile)
  t.ok(await until(async () => (await get('prod', next)) === 200, 5000, 100), "the owner's new token works within 5 s")
  t.equal(await get('prod', before), 401, 'and the old one no longer does')
})

t.test('a grant with a 20 s TTL opened its profile for 20 s and then nothing', async (t) => {
  const expiresAt = Date.parse(ttl.expiresAt)
  t.ok(Math.abs(expiresAt - (started + 20_000)) < 2000, 'expires 20 s after it was made')
  t.same(ttlAtStart, [200, 403], 'it opened dev (and not prod) when made')
  if (Date.now() < expiresAt - 1000) t.equal(await get('dev', ttlToken), 200, 'still open before its end')
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAt + 1100 - Date.now())))
  t.equal(await get('dev', ttlToken), 401, 'nothing after')
  const listed = JSON.parse((await cli(['grants', '--json'])).stdout) as { grants: Array<{ name: string }> }
  t.notOk(
    listed.grants.some((g) => g.name === 'ttl20'),
    'and it is gone from the list',
  )
})

t.test('every answer is in the audit log (no secret)', async (t) => {
  await d.stop()
  await emu.close()
  const audit = readFileSync(join(sb.home, '.local', 'state', 'aws-credd', 'audit.log'), 'utf8')
  const lines = audit
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  t.ok(lines.some((l) => l.consumer === 'litellm' && l.profile === 'prod' && l.status === 403 && l.outcome === 'forbidden'))
  t.ok(lines.some((l) => l.consumer === 'pod' && l.profile === 'prod' && l.status === 200 && l.outcome === 'served'))
  t.ok(lines.some((l) => l.consumer === 'anonymous' && l.status === 401))
  t.ok(
    lines.some((l) => l.consumer === 'ttl20' && l.profile === 'dev' && l.status === 200),
    'a run-time grant is named',
  )
  for (const secret of [TOKEN_V1, TOKEN_V2, ttlToken, readFileSync(join(shared, 'litellm.token'), 'utf8')])
    t.notOk(audit.includes(secret), 'no token in the audit log')
  t.equal(statSync(join(sb.home, '.local', 'state', 'aws-credd', 'audit.log')).mode & 0o777, 0o600)
})
