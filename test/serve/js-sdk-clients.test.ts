// The AWS SDK for JavaScript v3 as the client: fromHttp, fromContainerMetadata and
// fromInstanceMetadata each fetch from our endpoints, and the keys they get sign a real
// GetCallerIdentity that the emulator's STS verifies. Also proves an SDK refreshes from
// the endpoint by itself when the served keys near expiry.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fromContainerMetadata, fromHttp, fromInstanceMetadata } from '@aws-sdk/credential-providers'
import t from 'tap'
import { startEmulator } from '../../src/emulator/emulator.js'
import { loadOrCreateAuthToken } from '../../src/serve/auth-token.js'
import { startContainerEndpoint } from '../../src/serve/container-endpoint.js'
import type { Lookup } from '../../src/engine/ports.js'
import { startImdsEndpoint } from '../../src/serve/imds-endpoint.js'
import { roleCredentials, whoAmI } from '../helpers/serve.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

// The providers read process.env; point everything they might read into a temp dir.
const home = t.testdir({ config: '', credentials: '' })
const savedEnv = { ...process.env }
for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k]
Object.assign(process.env, {
  HOME: home,
  AWS_CONFIG_FILE: join(home, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
})
t.teardown(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k]
  Object.assign(process.env, savedEnv)
})

const emu = await startEmulator()
t.teardown(() => emu.close())
const app = await roleCredentials(emu, 'served-app')
const served = new Map<string, Lookup>([
  ['app', { kind: 'ok', creds: app.creds }],
  ['team app', { kind: 'ok', creds: app.creds }],
])
const requests: string[] = []
const token = await loadOrCreateAuthToken(join(home, 'run', 'token'))
const container = await startContainerEndpoint({
  secrets,
  listen: { port: 0 },
  token,
  lookup: { lookup: (p) => served.get(p) ?? { kind: 'unknown' } },
  now: Date.now,
  onRequest: (endpoint, status) => requests.push(`${endpoint} ${status}`),
})
t.teardown(() => container.close())

t.test('fromHttp with a full URI and a token', async (t) => {
  const provider = fromHttp({
    awsContainerCredentialsFullUri: `${container.url}/v1/credentials/app`,
    awsContainerAuthorizationToken: token,
  })
  const c = await provider()
  t.equal(c.accessKeyId, app.creds.accessKeyId)
  t.equal(c.expiration?.getTime(), Math.floor(app.creds.expiresAt! / 1000) * 1000)
  t.equal(await whoAmI(emu, c), app.arn)
})

t.test('fromHttp with the token file and a percent-encoded profile name', async (t) => {
  const provider = fromHttp({
    awsContainerCredentialsFullUri: `${container.url}/v1/credentials/team%20app`,
    awsContainerAuthorizationTokenFile: join(home, 'run', 'token'),
  })
  t.equal(await whoAmI(emu, provider), app.arn)
})

t.test('fromHttp with a wrong token gets nothing', async (t) => {
  const provider = fromHttp({
    awsContainerCredentialsFullUri: `${container.url}/v1/credentials/app`,
    awsContainerAuthorizationToken: 'x'.repeat(43),
    maxRetries: 0,
  })
  await t.rejects(provider(), /status: 401/)
})

t.test('fromContainerMetadata from AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN', async (t) => {
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${container.url}/v1/credentials/app`
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = token
  t.teardown(() => {
    delete process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI
    delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN
  })
  t.equal(await whoAmI(emu, fromContainerMetadata()), app.arn)
})

t.test('the SDK refreshes from the endpoint by itself when the keys near expiry', async (t) => {
  const next = await roleCredentials(emu, 'served-next')
  // Claim the first keys expire in 4 minutes: inside the SDK's 5-minute refresh window.
  served.set('rotating', { kind: 'ok', creds: { ...app.creds, expiresAt: Date.now() + 240_000 } })
  const provider = fromHttp({
    awsContainerCredentialsFullUri: `${container.url}/v1/credentials/rotating`,
    awsContainerAuthorizationToken: token,
  })
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts')
  const sts = new STSClient({ endpoint: emu.url, region: 'us-east-1', credentials: provider, maxAttempts: 1 })
  t.teardown(() => sts.destroy())
  t.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, app.arn)
  served.set('rotating', { kind: 'ok', creds: next.creds })
  t.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, next.arn, 'the same client now signs with the renewed keys')
  t.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, next.arn)
})

t.test('fromInstanceMetadata through AWS_EC2_METADATA_SERVICE_ENDPOINT, IMDSv2 only', async (t) => {
  const ec2 = await roleCredentials(emu, 'served-ec2')
  const statuses: string[] = []
  const imds = await startImdsEndpoint({
    secrets,
    listen: { port: 0 },
    profile: 'ec2',
    roleName: 'InstanceRole',
    lookup: { lookup: (p) => (p === 'ec2' ? { kind: 'ok', creds: ec2.creds } : { kind: 'unknown' }) },
    now: Date.now,
    onRequest: (endpoint, status) => statuses.push(`${endpoint} ${status}`),
  })
  t.teardown(() => imds.close())
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url
  process.env.AWS_EC2_METADATA_V1_DISABLED = 'true' // a fallback to IMDSv1 would fail the test
  t.teardown(() => {
    delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT
    delete process.env.AWS_EC2_METADATA_V1_DISABLED
  })
  t.equal(await whoAmI(emu, fromInstanceMetadata()), ec2.arn)
  t.same(statuses, ['imds 200', 'imds 200', 'imds 200'], 'token, role name, credentials')
})
