import t from 'tap'
import { AwsUpstream } from '../../../src/aws/upstream.js'
import { startEmulator } from '../../../src/emulator/emulator.js'
const emu = await startEmulator()
const u1 = emu.addUser('u1'); const u2 = emu.addUser('u2')
const role = emu.addRole({ name: 'r', trust: [u1.arn, u2.arn] })
const up = new AwsUpstream({ configFile: '/nonexistent/c', credentialsFile: '/nonexistent/cr', ssoCacheDir: '/nonexistent/s', now: Date.now })
const link = { kind: 'assume-role' as const, id: 'assume-role:r', profile: 'r', roleArn: role.arn, source: 'static:s', endpoint: emu.url, region: 'us-east-1' }
const run = async (label: string, src: any) => { try { const c = await up.fetch(link, src); console.log(label, 'ok', c.accessKeyId) } catch (e: any) { console.log(label, 'ERR', e.code, e.message) } }
await run('bad', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })
await run('good', u1)
await run('good2', u2)
console.log(emu.calls)
await emu.close()
t.pass('x')
