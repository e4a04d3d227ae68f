// botocore (as boto3 and the AWS CLI use it) as the client, in a clean environment with
// an empty config: its container provider (token in the environment or in a file) and
// its IMDSv2 provider find our endpoints, and the keys sign a GetCallerIdentity the
// emulator's STS verifies. Also proves botocore refreshes from the endpoint near expiry.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { cleanPythonEnv, findPython } from '../helpers/python.js'
import t from 'tap'
import { requireOrSkip } from '../helpers/prerequisites.js'
import { startEmulator } from '../../src/emulator/emulator.js'
import { loadOrCreateAuthToken } from '../../src/serve/auth-token.js'
import { startContainerEndpoint } from '../../src/serve/container-endpoint.js'
import type { Lookup } from '../../src/engine/ports.js'
import { startImdsEndpoint } from '../../src/serve/imds-endpoint.js'
import { roleCredentials } from '../helpers/serve.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const run = promisify(execFile)

const python = findPython('botocore')

const SCRIPT = `
import json, sys, botocore.session
url = sys.argv[1]
s = botocore.session.get_session()
creds = s.get_credentials()
sts = s.create_client('sts', endpoint_url=url, region_name='us-east-1')
print(json.dumps({'method': creds.method, 'arn': sts.get_caller_identity()['Arn']}))
`

/** botocore in an environment that has nothing but what the test gives it. */
const botocore = async (home: string, emuUrl: string, extra: Record<string, string>): Promise<{ method: string; arn: string }> => {
  const env = cleanPythonEnv(home, extra)
  const { stdout } = await run(python!, ['-c', SCRIPT, emuUrl], { env })
  return JSON.parse(stdout) as { method: string; arn: string }
}

t.test('botocore', async (t) => {
  if (!requireOrSkip(t, 'python3 with botocore (pip install botocore)', python !== undefined)) return
  const home = t.testdir({ config: '', credentials: '' })
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const app = await roleCredentials(emu, 'py-served')
  const served = new Map<string, Lookup>([['app', { kind: 'ok', creds: app.creds }]])
  const tokenFile = join(home, 'run', 'aws-credd', 'container-token')
  const token = await loadOrCreateAuthToken(tokenFile)
  const container = await startContainerEndpoint({
    secrets,
    listen: { port: 0 },
    token,
    lookup: { lookup: (p) => served.get(p) ?? { kind: 'unknown' } },
    now: Date.now,
  })
  t.teardown(() => container.close())

  t.test('container provider: full URI and token in the environment', async (t) => {
    const out = await botocore(home, emu.url, {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/v1/credentials/app`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
    })
    t.same(out, { method: 'container-role', arn: app.arn })
  })

  t.test('container provider: the token file as written (botocore refuses a trailing newline)', async (t) => {
    const out = await botocore(home, emu.url, {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/v1/credentials/app`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
    })
    t.same(out, { method: 'container-role', arn: app.arn })
  })

  t.test('container provider: refreshes from the endpoint when the keys are about to expire', async (t) => {
    const next = await roleCredentials(emu, 'py-next')
    let asked = 0
    // First answer: keys claimed to expire in 5 minutes, inside botocore's 10-minute mandatory refresh window.
    served.set('rotating', { kind: 'ok', creds: { ...app.creds, expiresAt: Date.now() + 300_000 } })
    const rotating = await startContainerEndpoint({
      secrets,
      listen: { port: 0 },
      token,
      lookup: { lookup: (p) => (asked++ === 0 ? served.get(p)! : { kind: 'ok', creds: next.creds }) },
      now: Date.now,
    })
    t.teardown(() => rotating.close())
    const out = await botocore(home, emu.url, {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${rotating.url}/v1/credentials/rotating`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
    })
    t.equal(out.arn, next.arn, 'signed with the renewed keys')
    t.ok(asked >= 2, `asked the endpoint again (${asked} requests)`)
  })

  t.test('IMDS provider through AWS_EC2_METADATA_SERVICE_ENDPOINT, IMDSv2 only', async (t) => {
    const ec2 = await roleCredentials(emu, 'py-ec2')
    const statuses: number[] = []
    const imds = await startImdsEndpoint({
      secrets,
      listen: { port: 0 },
      profile: 'ec2',
      lookup: { lookup: (p) => (p === 'ec2' ? { kind: 'ok', creds: ec2.creds } : { kind: 'unknown' }) },
      now: Date.now,
      onRequest: (_e, status) => statuses.push(status),
    })
    t.teardown(() => imds.close())
    const out = await botocore(home, emu.url, { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, AWS_EC2_METADATA_V1_DISABLED: 'true' })
    t.same(out, { method: 'iam-role', arn: ec2.arn })
    t.same(statuses, [200, 200, 200], 'token, role name, credentials')
  })
})
