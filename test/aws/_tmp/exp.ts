import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { startEmulator } from '../../../src/emulator/emulator.js'
import t from 'tap'
const emu = await startEmulator()
const user = emu.addUser('u')
const c = new STSClient({ endpoint: emu.url, region: 'us-east-1', credentials: user, maxAttempts: 1, systemClockOffset: -10 * 60_000 })
try { await c.send(new GetCallerIdentityCommand({})) } catch (e: any) { console.log(e.name, e.message, JSON.stringify(e.$metadata), c.config.systemClockOffset) }
try { const r = await c.send(new GetCallerIdentityCommand({})); console.log('second ok', r.Arn) } catch (e: any) { console.log('second', e.name, JSON.stringify(e.$metadata)) }
await emu.close()
t.pass('x')
