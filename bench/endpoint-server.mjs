// One benchmark target in its own process (so the load generator and the server do not
// share an event loop): `credd` = the built container endpoint, `bare` = a plain Node
// http server writing the same bytes with the same headers. Prints one JSON line
// {port, path, headers} when listening; exits when its stdin closes.
// Usage: node bench/endpoint-server.mjs credd|bare [expiresAt epoch ms]
import { createServer } from 'node:http'
import { staticLookup, startContainerEndpoint } from '../dist/serve/index.js'
import { awsTimestamp as awsTime } from '../dist/core/aws-time.js'
import { SecretRegistry } from '../dist/core/outgoing-text.js'

export const TOKEN = 'benchmark-token-not-a-secret-0123456789abc'
export const PROFILE = 'bench'
const creds = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE'.padEnd(700, 'EXAMPLEtoken'), // real session tokens are ~700-1000 chars
  expiresAt: Number(process.argv[3]) || Date.now() + 12 * 3600_000, // the parent passes one value to both targets
  accountId: '123456789012',
  roleArn: 'arn:aws:iam::123456789012:role/bench',
}

const target = process.argv[2]
let port
if (target === 'credd') {
  // rateLimit off: the benchmark measures raw throughput with one token, far over the per-token limit a daemon applies.
  const ep = await startContainerEndpoint({
    listen: { port: 0 },
    token: TOKEN,
    lookup: staticLookup({ [PROFILE]: { kind: 'ok', creds } }),
    now: Date.now,
    secrets: new SecretRegistry(),
    rateLimit: false,
  })
  port = ep.address.port
} else if (target === 'bare') {
  const body = Buffer.from(
    JSON.stringify({
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      Token: creds.sessionToken,
      Expiration: awsTime(creds.expiresAt),
      AccountId: creds.accountId,
      RoleArn: creds.roleArn,
    }),
  )
  const headers = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-type': 'application/json',
    'content-length': body.length,
  }
  const server = createServer((req, res) => {
    res.writeHead(200, headers)
    res.end(body)
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  port = server.address().port
} else {
  console.error('usage: node bench/endpoint-server.mjs credd|bare')
  process.exit(2)
}
process.stdout.write(`${JSON.stringify({ port, path: `/v1/credentials/${PROFILE}`, headers: { authorization: TOKEN } })}\n`)
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
