// Shared by the serve tests: real temporary credentials from the emulator's STS (so a
// client's signed call proves the keys it got work), fake ones for refusal tests, and a
// raw HTTP request that controls every header (Host included).
// tap runs every file under test/ except test/helpers; run on its own, this file checks itself.
import { request } from 'node:http'
import { connect } from 'node:net'
import { pathToFileURL } from 'node:url'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types'
import type { Credentials } from '../../src/core/credentials.js'
import type { Emulator } from '../../src/emulator/emulator.js'

export const REGION = 'us-east-1'

/** Temporary credentials of a fresh role (trusted by a fresh user) and the ARN GetCallerIdentity must answer. */
export const roleCredentials = async (emu: Emulator, name: string): Promise<{ creds: Credentials; arn: string }> => {
  const user = emu.addUser(`${name}-user`)
  const role = emu.addRole({ name, trust: [user.arn] })
  const sts = new STSClient({ endpoint: emu.url, region: REGION, credentials: user, maxAttempts: 1 })
  try {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'served' }))
    const c = out.Credentials!
    return {
      creds: {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
        expiresAt: c.Expiration!.getTime(),
        accountId: '123456789012',
        roleArn: role.arn,
      },
      arn: out.AssumedRoleUser!.Arn!,
    }
  } finally {
    sts.destroy()
  }
}

/** A signed GetCallerIdentity with whatever credentials (or provider) a client produced. */
export const whoAmI = async (
  emu: Emulator,
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
): Promise<string | undefined> => {
  const sts = new STSClient({ endpoint: emu.url, region: REGION, credentials, maxAttempts: 1 })
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn
  } finally {
    sts.destroy()
  }
}

/** Well-formed fake temporary keys (never sent anywhere that checks them). */
export const fakeCreds = (expiresAt: number, extra: Partial<Credentials> = {}): Credentials => ({
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLEtokenEXAMPLEtokenEXAMPLEtoken',
  expiresAt,
  ...extra,
})

export interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  /** The body parsed as JSON, or undefined. */
  json: any
}

export interface RawRequest {
  port?: number
  socketPath?: string
  method?: string
  path: string
  /** Sent as given; `host` replaces the one Node would add. */
  headers?: Record<string, string>
  body?: string
}

/** One request on a fresh connection; every header exactly as given. */
export const raw = (r: RawRequest): Promise<RawAnswer> =>
  new Promise((done, fail) => {
    const req = request(
      {
        ...(r.socketPath ? { socketPath: r.socketPath } : { host: '127.0.0.1', port: r.port }),
        method: r.method ?? 'GET',
        path: r.path,
        headers: r.headers ?? {},
        agent: false,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => {
          let json: unknown
          try {
            json = JSON.parse(body)
          } catch {
            json = undefined
          }
          done({ status: res.statusCode ?? 0, headers: res.headers, body, json })
        })
      },
    )
    req.on('error', fail)
    req.end(r.body)
  })

/** Bytes exactly as given (e.g. HTTP/1.0 without Host); resolves with everything the server sent before closing. */
export const rawBytes = (port: number, bytes: string): Promise<string> =>
  new Promise((done, fail) => {
    const c = connect(port, '127.0.0.1')
    let out = ''
    c.setEncoding('utf8')
    c.on('data', (d: string) => (out += d))
    c.on('error', fail)
    c.on('close', () => done(out))
    c.end(bytes)
  })

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { default: t } = await import('tap')
  const { startEmulator } = await import('../../src/emulator/emulator.js')
  t.test('fixtures: emulator role credentials are temporary and sign a call', async (t) => {
    const emu = await startEmulator()
    t.teardown(() => emu.close())
    const { creds, arn } = await roleCredentials(emu, 'fixture-role')
    t.match(creds.accessKeyId, /^ASIA/)
    t.equal(await whoAmI(emu, creds), arn)
  })
}
