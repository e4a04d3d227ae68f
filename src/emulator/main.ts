// Standalone emulator: `node dist/emulator/main.js --port 0 [--lifetime 120]`.
// Prints one JSON line with the URL and seeded identities, then serves until
// SIGINT/SIGTERM. The keys are random and only valid against this process.
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { startEmulator, type Emulator } from './emulator.js'

const SSO_ACCOUNT = '111122223333'
const SSO_ROLE = 'EmulatorReadOnly'

/** Starts and seeds an emulator; returns it with the line to print. */
export async function runEmulatorMain(argv: string[]): Promise<{ emulator: Emulator; line: string }> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string', default: '0' }, lifetime: { type: 'string' } },
  })
  const port = Number(values.port)
  const lifetime = values.lifetime === undefined ? undefined : Number(values.lifetime)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: expected 0-65535 (0 = any free port)`)
  if (lifetime !== undefined && !(Number.isInteger(lifetime) && lifetime > 0))
    throw new Error(`--lifetime ${values.lifetime}: expected a positive number of seconds`)

  const emulator = await startEmulator({ port, ...(lifetime ? { credentialLifetimeSeconds: lifetime } : {}) })
  const user = emulator.addUser('emulator-user')
  const roleA = emulator.addRole({ name: 'emulator-role-a', trust: [user.arn] })
  const roleB = emulator.addRole({ name: 'emulator-role-b', trust: [roleA.arn], externalId: 'emulator-external-id' })
  emulator.addSsoAccountRole(SSO_ACCOUNT, SSO_ROLE)
  const sso = emulator.issueSsoAccessToken({ expiresInSeconds: 8 * 3600 })
  const client = emulator.registerOidcClient()
  const refreshToken = emulator.issueRefreshToken(client.clientId)
  const line = JSON.stringify({
    url: emulator.url,
    user,
    roles: { a: roleA.arn, b: { arn: roleB.arn, externalId: 'emulator-external-id' } },
    sso: { accountId: SSO_ACCOUNT, roleName: SSO_ROLE, accessToken: sso.accessToken, expiresAt: new Date(sso.expiresAt).toISOString() },
    oidc: { ...client, expiresAt: new Date(client.expiresAt).toISOString(), refreshToken },
  })
  return { emulator, line }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runEmulatorMain(process.argv.slice(2)).then(
    ({ emulator, line }) => {
      process.stdout.write(line + '\n')
      const stop = (): void => void emulator.close().then(() => process.exit(0))
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    },
    (err: Error) => {
      process.stderr.write(`aws-credd emulator: ${err.message}\n`)
      process.exit(2)
    },
  )
}
