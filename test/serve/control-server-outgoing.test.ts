// The control socket's answers pass the outgoing-text gate: status, refusals and
// messages are redacted and escaped; the credentials answer (what `aws-credd process`
// prints for the SDK) reaches the caller byte for byte, only its message fields cleaned.
import t from 'tap'
import { request } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SecretRegistry } from '../../src/core/outgoing-text.js'
import { startControlServer, type ControlApi } from '../../src/serve/control-server.js'
import { fakeCreds } from '../helpers/serve.js'
import { assertClean, plantedText } from '../helpers/planted.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const REGISTERED = 'registered-source-secret-0123'
secrets.register(REGISTERED)
const planted = plantedText(REGISTERED)
const creds = fakeCreds(Date.UTC(2026, 0, 1, 13))
const credentialAnswer = {
  Version: 1,
  AccessKeyId: creds.accessKeyId,
  SecretAccessKey: creds.secretAccessKey,
  SessionToken: creds.sessionToken,
  Expiration: '2026-01-01T13:00:00Z',
}

const api: ControlApi = {
  status: () => [
    200,
    { profiles: [{ profile: 'r', source: 'assume-role ← static', health: 'unavailable', lastError: planted }], ssoSessions: [], pid: 1 },
  ],
  credentials: (profile) => (profile === 'ok' ? [200, credentialAnswer] : [503, { message: planted }]),
  mfa: () => [400, { message: planted }],
}

const dir = mkdtempSync(join(tmpdir(), 'credd-ctl-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const socket = join(dir, 'control.sock')
const server = await startControlServer(socket, api, secrets)
t.teardown(() => server.close())

const ask = (method: string, path: string, body?: string): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: { host: 'localhost' } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    req.end(body)
  })

t.test('status JSON: upstream text in lastError is redacted and escaped, the rest kept', async (t) => {
  const a = await ask('GET', '/v1/status')
  t.equal(a.status, 200)
  assertClean(t, 'control status', a.text, REGISTERED)
  const body = JSON.parse(a.text) as { profiles: Array<{ lastError: string; source: string }>; pid: number }
  t.match(body.profiles[0]!.lastError, 'password=[redacted]')
  t.match(body.profiles[0]!.lastError, '\\x1b[31mRED')
  t.equal(body.profiles[0]!.source, 'assume-role ← static')
  t.equal(body.pid, 1)
})

t.test('credentials: a 503 message is cleaned; a 200 answer is the credentials, unchanged', async (t) => {
  const down = await ask('GET', '/v1/credentials/broken')
  t.equal(down.status, 503)
  assertClean(t, 'control credentials 503', down.text, REGISTERED)
  const ok = await ask('GET', '/v1/credentials/ok')
  t.equal(ok.status, 200)
  t.equal(ok.text, JSON.stringify(credentialAnswer), 'byte for byte: the secret key and token are meant for the caller')
})

t.test('mfa and unknown-request answers are cleaned', async (t) => {
  const mfa = await ask('POST', '/v1/mfa', JSON.stringify({ profile: 'r', code: '123456' }))
  t.equal(mfa.status, 400)
  assertClean(t, 'control mfa', mfa.text, REGISTERED)
  const weird = await ask('GET', `/v1/${encodeURIComponent('\x1b]0;x\x07')}`)
  t.equal(weird.status, 404)
  assertClean(t, 'control 404', weird.text, REGISTERED)
})
