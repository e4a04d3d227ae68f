#!/usr/bin/env node
// `npm run soak:sso`: a real-time SSO outage (10 minutes by default, SOAK_MINUTES to
// change). The refresh token is revoked, so only a person can fix it: the daemon must
// send relogin-required within a minute, make no more than a few SSO/OIDC calls per
// minute while it waits, and after a fresh token lands in the cache bring credentials
// back within 2 seconds with a `recovered` alert. Figures go to bench/results/.
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startEmulator } from '../dist/emulator/emulator.js'
import { ROOT, sandbox, sleep, startDaemon, rssKiB } from './soak/common.mjs'

const minutes = Number(process.env.SOAK_MINUTES ?? 10)
const START = 'https://example.awsapps.com/start'
const say = (m) => process.stderr.write(`[soak:sso] ${m}\n`)
const awsTime = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

const emu = await startEmulator()
emu.addSsoAccountRole('123456789012', 'Dev')
const alerts = []
const hook = createServer((req, res) => {
  let d = ''
  req.on('data', (c) => (d += c))
  req.on('end', () => {
    alerts.push({ at: Date.now(), ...JSON.parse(d) })
    res.end()
  })
})
await new Promise((r) => hook.listen(0, '127.0.0.1', r))
const sb = sandbox('sso', emu.url)
writeFileSync(
  sb.configFile,
  `[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\n[sso-session corp]\nsso_start_url = ${START}\nsso_region = us-east-1\n`,
)
const cacheDir = join(sb.home, '.aws', 'sso', 'cache')
mkdirSync(cacheDir, { recursive: true, mode: 0o700 })
const cacheFile = join(cacheDir, `${createHash('sha1').update('corp').digest('hex')}.json`)
const writeToken = (seconds, refreshToken, client) => {
  const tok = emu.issueSsoAccessToken({ expiresInSeconds: Math.max(seconds, 1) })
  writeFileSync(
    cacheFile,
    JSON.stringify({
      startUrl: START,
      region: 'us-east-1',
      accessToken: tok.accessToken,
      expiresAt: awsTime(Date.now() + seconds * 1000),
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      registrationExpiresAt: awsTime(client.expiresAt),
      refreshToken,
    }),
    { mode: 0o600 },
  )
}
const client = emu.registerOidcClient()
const refresh = emu.issueRefreshToken(client.clientId)
emu.revokeRefreshToken(refresh)
writeToken(60, refresh, client)
const cfg = sb.writeDaemonConfig({ alerts: { desktop: false, webhook: { url: `http://127.0.0.1:${hook.address().port}/hooks/T/B/x` } } })
const startedAt = Date.now()
const d = startDaemon(cfg, { ...sb.env })
say(`daemon pid ${d.pid}; outage of ${minutes} minutes`)

const ssoCalls = () => emu.calls.filter((c) => c.service === 'oidc' || c.service === 'sso').length
let firstAlert
while (Date.now() - startedAt < 60_000 && !firstAlert) {
  firstAlert = alerts.find((a) => a.event === 'relogin-required')
  await sleep(200)
}
const perMinute = []
const outageStart = Date.now()
let before = ssoCalls()
for (let m = 0; m < minutes; m++) {
  await sleep(60_000)
  const now = ssoCalls()
  perMinute.push(now - before)
  before = now
  say(`minute ${m + 1}: ${perMinute.at(-1)} SSO/OIDC calls, alerts so far ${alerts.map((a) => a.event).join(',')}`)
}
const freshClient = emu.registerOidcClient()
const loginAt = Date.now()
writeToken(3600, emu.issueRefreshToken(freshClient.clientId), freshClient)
let backAt
const re = /dev\W.*(obtained|recovered)|(obtained|recovered).*\Wdev\W/
const outBefore = d.output().length
while (Date.now() - loginAt < 10_000 && backAt === undefined) {
  if (re.test(d.output().slice(outBefore))) backAt = Date.now()
  await sleep(20)
}
await sleep(1500)
const recovered = alerts.find((a) => a.event === 'recovered' && a.at >= loginAt)
const rss = rssKiB(d.pid)
await d.stop()
await emu.close()
hook.close()
const secretLeak = [client.clientSecret, freshClient.clientSecret].some((s) => d.output().includes(s))
const result = {
  when: new Date().toISOString(),
  minutes,
  reloginRequiredAfterMs: firstAlert ? firstAlert.at - startedAt : null,
  ssoCallsPerMinute: perMinute,
  maxCallsInAMinute: Math.max(...perMinute),
  remindersDuringOutage: alerts.filter((a) => a.event === 'relogin-required' && a.at > outageStart).length,
  credentialsBackAfterMs: backAt === undefined ? null : backAt - loginAt,
  recoveredAlert: Boolean(recovered),
  daemonRssKiB: rss,
  secretInLog: secretLeak,
}
const ok =
  result.reloginRequiredAfterMs !== null &&
  result.reloginRequiredAfterMs < 60_000 &&
  result.maxCallsInAMinute <= 3 &&
  result.credentialsBackAfterMs !== null &&
  result.credentialsBackAfterMs < 2000 &&
  result.recoveredAlert &&
  !secretLeak
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
writeFileSync(join(ROOT, 'bench', 'results', 'soak-sso-outage.json'), `${JSON.stringify({ ...result, ok }, null, 2)}\n`)
console.log(JSON.stringify({ ...result, ok }, null, 2))
sb.remove()
process.exit(ok ? 0 : 1)
