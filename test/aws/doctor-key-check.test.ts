// doctor's signed check against something that does not answer: nothing is learnt
// about the keys (unknown), within the timeout, and the error names no secret.
import t from 'tap'
import { createServer } from 'node:net'
import { checkKeys } from '../../src/aws/doctor-key-check.js'

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE'

t.test('no answer: unknown, with the reason', async (t) => {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((r) => server.close(() => r()))
  const r = await checkKeys(
    {
      owner: { profile: 'x' },
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      secretAccessKey: SECRET,
      sessionToken: TOKEN,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
    },
    2000,
  )
  t.equal(r.outcome, 'unknown')
  t.match(r.code, /ECONNREFUSED|Error/)
  t.notMatch(JSON.stringify(r), new RegExp(`${SECRET.replace(/\//g, '\\/')}|${TOKEN}`))
})
