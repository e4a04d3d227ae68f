// How SDK failures become aws-credd's two kinds. The table covers the shapes the
// SDK throws; the second half gets REAL errors from the real STSClient against
// the emulator (and a closed port), so a change in the SDK's error shape shows here.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import t from 'tap'
import { failureKindOf, fromSdkError, type SdkErrorShape } from '../../src/aws/classify-error.js'
import { UpstreamError, type FailureKind } from '../../src/core/errors.js'
import { startEmulator, type Emulator } from '../../src/emulator/emulator.js'

const sdk = (name: string, status?: number, fault?: 'client' | 'server', message = `${name} happened`): SdkErrorShape =>
  Object.assign(new Error(message), {
    name,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
    ...(fault ? { $fault: fault } : {}),
  })
const node = (code: string, name = 'Error'): SdkErrorShape => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { name, code })

const table: Array<[string, SdkErrorShape, FailureKind]> = [
  ['400 Throttling', sdk('Throttling', 400, 'client'), 'transient'],
  ['400 ThrottlingException', sdk('ThrottlingException', 400, 'client'), 'transient'],
  ['400 RequestLimitExceeded', sdk('RequestLimitExceeded', 400, 'client'), 'transient'],
  ['429 of an unknown name', sdk('TooManyRequestsException', 429, 'client'), 'transient'],
  ['429 with no known name', sdk('Whatever', 429), 'transient'],
  ['500 InternalFailure', sdk('InternalFailure', 500, 'server'), 'transient'],
  ['503 ServiceUnavailable', sdk('ServiceUnavailable', 503, 'server'), 'transient'],
  ['502 from a proxy, unknown name', sdk('UnknownError', 502), 'transient'],
  ['$fault server without a status', sdk('Mystery', undefined, 'server'), 'transient'],
  ['400 IDPCommunicationError', sdk('IDPCommunicationError', 400, 'client'), 'transient'],
  ['TimeoutError (request timeout)', sdk('TimeoutError'), 'transient'],
  ['ECONNREFUSED', node('ECONNREFUSED'), 'transient'],
  ['ECONNRESET', node('ECONNRESET'), 'transient'],
  ['ETIMEDOUT', node('ETIMEDOUT'), 'transient'],
  ['EAI_AGAIN (DNS)', node('EAI_AGAIN'), 'transient'],
  ['ENOTFOUND (DNS)', node('ENOTFOUND'), 'transient'],
  ['ENETUNREACH', node('ENETUNREACH'), 'transient'],
  ['unknown shape: retrying is safe', {}, 'transient'],
  ['403 AccessDenied', sdk('AccessDenied', 403, 'client'), 'permanent'],
  ['403 InvalidClientTokenId', sdk('InvalidClientTokenId', 403, 'client'), 'permanent'],
  ['403 SignatureDoesNotMatch', sdk('SignatureDoesNotMatch', 403, 'client'), 'permanent'],
  ['403 ExpiredToken', sdk('ExpiredToken', 403, 'client'), 'permanent'],
  ['400 ValidationError', sdk('ValidationError', 400, 'client'), 'permanent'],
  ['400 ExpiredTokenException (web identity)', sdk('ExpiredTokenException', 400, 'client'), 'permanent'],
  ['400 InvalidIdentityToken', sdk('InvalidIdentityToken', 400, 'client'), 'permanent'],
  ['403 RegionDisabledException', sdk('RegionDisabledException', 403, 'client'), 'permanent'],
  ['AccessDenied without any status', sdk('AccessDenied'), 'permanent'],
  [
    '403 SignatureDoesNotMatch after the SDK corrected its clock offset',
    Object.assign(new Error('Signature expired'), {
      name: 'SignatureDoesNotMatch',
      $fault: 'client' as const,
      $metadata: { httpStatusCode: 403, clockSkewCorrected: true },
    }),
    'transient',
  ],
]

t.test('failureKindOf: by name, Node code, status and fault', async (t) => {
  for (const [label, e, kind] of table) t.equal(failureKindOf(e), kind, label)
})

t.test('fromSdkError: code, kind, one line naming profile and action, cause kept', async (t) => {
  for (const [label, e, kind] of table) {
    const err = fromSdkError('dev', 'AssumeRole arn:aws:iam::123456789012:role/dev', e)
    t.ok(err instanceof UpstreamError, label)
    t.equal(err.kind, kind, `${label}: kind`)
    t.equal(err.profile, 'dev')
    t.equal(err.cause, e, `${label}: cause is the original`)
    t.notMatch(err.message, /\n/, `${label}: one line`)
    t.match(err.reason, /^profile "dev": AssumeRole arn:aws:iam::123456789012:role\/dev failed: /, `${label}: names profile and action`)
    if (kind === 'transient') t.match(err.fix, /retr/, `${label}: says it is retried`)
  }
})

t.test('fromSdkError: code is the SDK name, else the Node code', async (t) => {
  t.equal(fromSdkError('p', 'a', sdk('AccessDenied', 403)).code, 'AccessDenied')
  t.equal(fromSdkError('p', 'a', node('ECONNREFUSED')).code, 'ECONNREFUSED')
  const weird = fromSdkError('p', 'credential_process', 'boom')
  t.equal(weird.code, 'Error')
  t.match(weird.reason, /credential_process failed: Error: boom$/)
  t.equal(fromSdkError('p', 'a', undefined).kind, 'transient', 'nothing thrown at all: retry')
  const multi = fromSdkError('p', 'a', sdk('ValidationError', 400, 'client', 'first line\nsecond line'))
  t.match(multi.message, /first line/)
  t.notMatch(multi.message, /second line/)
  t.equal(multi.fix, undefined, 'no invented fix for an unknown refusal')
})

t.test('fromSdkError: the fix for well-known refusals names the profile', async (t) => {
  const fixes: Record<string, RegExp> = {
    AccessDenied: /trust policy .*profile "ops".*external_id/,
    InvalidClientTokenId: /access key .*profile "ops".*aws configure/,
    SignatureDoesNotMatch: /secret key .*profile "ops".*aws configure/,
    ExpiredToken: /source credentials of profile "ops" expired/,
  }
  for (const [name, re] of Object.entries(fixes)) {
    const err = fromSdkError('ops', 'AssumeRole x', sdk(name, 403, 'client'))
    t.match(err.fix, re, name)
    t.match(err.message, new RegExp(`; fix: `), `${name}: the message ends with the fix`)
    t.equal(err.kind, 'permanent', name)
  }
  const skew = fromSdkError('ops', 'AssumeRole x', table.at(-1)![1])
  t.match(skew.fix, /clock/, 'a corrected clock skew does not blame the secret key')
  t.notMatch(skew.fix, /secret key/)
})

// ---- real errors ---------------------------------------------------------------

const realError = async (
  emu: Emulator | undefined,
  keys: { accessKeyId: string; secretAccessKey: string },
  endpoint?: string,
): Promise<unknown> => {
  const client = new STSClient({ endpoint: endpoint ?? emu!.url, region: 'us-east-1', credentials: keys, maxAttempts: 1 })
  try {
    await client.send(new GetCallerIdentityCommand({}))
  } catch (e) {
    return e
  } finally {
    client.destroy()
  }
  throw new Error('the call was expected to fail')
}

/** A port nothing listens on: bind one, then close it. */
const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

t.test('real STSClient errors are classified as they should be', async (t) => {
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('alice')
  const check = (label: string, e: unknown, code: string, kind: FailureKind): void => {
    const err = fromSdkError('dev', 'GetCallerIdentity', e)
    t.equal(err.code, code, `${label}: code`)
    t.equal(err.kind, kind, `${label}: kind`)
    t.equal(failureKindOf(e as SdkErrorShape), kind, `${label}: failureKindOf`)
  }

  emu.faults.next('sts', { status: 400, code: 'Throttling', message: 'Rate exceeded' })
  check('400 Throttling', await realError(emu, user), 'Throttling', 'transient')
  emu.faults.next('sts', { status: 500, code: 'InternalFailure' })
  check('500 InternalFailure', await realError(emu, user), 'InternalFailure', 'transient')
  emu.faults.next('sts', { status: 403, code: 'AccessDenied', message: 'not authorized' })
  check('403 AccessDenied', await realError(emu, user), 'AccessDenied', 'permanent')
  check(
    'wrong secret',
    await realError(emu, { ...user, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }),
    'SignatureDoesNotMatch',
    'permanent',
  )
  check(
    'unknown key',
    await realError(emu, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: user.secretAccessKey }),
    'InvalidClientTokenId',
    'permanent',
  )
  check('refused connection', await realError(undefined, user, `http://127.0.0.1:${await closedPort()}`), 'ECONNREFUSED', 'transient')
  emu.faults.down('sts', true)
  const destroyed = await realError(emu, user)
  t.equal((destroyed as { code?: string }).code, 'ECONNRESET', 'a destroyed connection is a reset')
  t.equal(fromSdkError('dev', 'GetCallerIdentity', destroyed).kind, 'transient', 'destroyed connection: transient')
  emu.faults.down('sts', false)

  const wrong = fromSdkError(
    'dev',
    'GetCallerIdentity',
    await realError(emu, { ...user, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }),
  )
  t.notMatch(wrong.message, /wJalrXUtnFEMI/, 'the secret sent is not in the message')
  t.notMatch(wrong.message, user.secretAccessKey)
})

// A machine whose clock is 10 minutes slow: STS refuses the signature, the SDK
// learns the offset from the answer's Date header, and the next call works.
// The emulator runs in its own process so only this process's clock is wrong.
t.test('a real clock-skew refusal is transient: the next call with the same client succeeds', async (t) => {
  const main = join(process.cwd(), 'dist', 'emulator', 'main.js')
  t.ok(existsSync(main), 'dist/emulator/main.js exists (npm run build)')
  if (!existsSync(main)) return
  const child = spawn(process.execPath, [main, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => void child.kill())
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('\n')) resolve(out.split('\n')[0]!)
    })
    child.once('exit', () => reject(new Error(`emulator exited: ${out}`)))
  })
  const info = JSON.parse(line) as { url: string; user: { accessKeyId: string; secretAccessKey: string } }
  const client = new STSClient({ endpoint: info.url, region: 'us-east-1', credentials: info.user, maxAttempts: 1 })
  t.teardown(() => client.destroy())
  const realNow = Date.now
  Date.now = () => realNow() - 10 * 60_000
  try {
    let first: unknown
    try {
      await client.send(new GetCallerIdentityCommand({}))
    } catch (e) {
      first = e
    }
    t.equal((first as { name?: string })?.name, 'SignatureDoesNotMatch', 'refused: signature expired')
    const err = fromSdkError('dev', 'GetCallerIdentity', first)
    t.equal(err.kind, 'transient', 'classified transient')
    const again = await client.send(new GetCallerIdentityCommand({}))
    t.match(again.Arn, /user\/emulator-user$/, 'the retry with the corrected clock succeeds')
  } finally {
    Date.now = realNow
  }
})
