#!/usr/bin/env node
// `npm run soak:memory`: does a daemon that runs for hours keep a flat memory
// profile? 20 role profiles with 30-second credentials (a renewal every ~12 s
// each: about 100 renewals a minute, the churn of days of real use), an SSO
// session refreshed every 30 s, and 20 endpoint requests a second, for
// SOAK_MINUTES (default 60). Resident memory (from /proc) and the V8 heap in use
// (from the daemon's own /metrics) are sampled every 15 s; the figures that matter
// are the slopes after warm-up. RSS alone is noisy: V8 grows its old space lazily.
// Figures go to bench/results/soak-memory.json.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { startEmulator } from '../dist/emulator/emulator.js'
import { ROOT, sandbox, sleep, startDaemon, rssKiB } from './soak/common.mjs'

const minutes = Number(process.env.SOAK_MINUTES ?? 60)
const PROFILES = 20
const say = (m) => process.stderr.write(`[soak:memory] ${m}\n`)
const awsTime = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

const emu = await startEmulator({ credentialLifetimeSeconds: 30, accessTokenLifetimeSeconds: 60 })
const sb = sandbox('memory', emu.url)
const user = emu.addUser('soak-user')
let config = '[default]\nregion = us-east-1\n\n'
for (let i = 0; i < PROFILES; i++) {
  const role = emu.addRole({ name: `soak-role-${i}`, trust: [user.arn] })
  config += `[profile role-${i}]\nrole_arn = ${role.arn}\nsource_profile = keys\n\n`
}
emu.addSsoAccountRole('123456789012', 'Dev')
config +=
  '[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\n[sso-session corp]\nsso_start_url = https://soak.awsapps.com/start\nsso_region = us-east-1\n'
writeFileSync(sb.configFile, config, { mode: 0o600 })
writeFileSync(sb.credentialsFile, `[keys]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`, {
  mode: 0o600,
})
const client = emu.registerOidcClient()
const tok = emu.issueSsoAccessToken({ expiresInSeconds: 60 })
mkdirSync(join(sb.awsDir, 'sso', 'cache'), { recursive: true, mode: 0o700 })
writeFileSync(
  join(sb.awsDir, 'sso', 'cache', `${createHash('sha1').update('corp').digest('hex')}.json`),
  JSON.stringify({
    startUrl: 'https://soak.awsapps.com/start',
    region: 'us-east-1',
    accessToken: tok.accessToken,
    expiresAt: awsTime(tok.expiresAt),
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    registrationExpiresAt: awsTime(client.expiresAt),
    refreshToken: emu.issueRefreshToken(client.clientId),
  }),
  { mode: 0o600 },
)
const daemonConfig = sb.writeDaemonConfig({ profiles: [], log: { level: 'info', format: 'json' }, metrics: { listen: '127.0.0.1:0' } })
const d = startDaemon(daemonConfig, sb.env)
let url
for (let i = 0; i < 100 && !url; i++) {
  await sleep(100)
  url = d.output().match(/container endpoint on (http:\/\/127\.0\.0\.1:\d+)/)?.[1]
}
if (!url) throw new Error(`no endpoint:\n${d.output()}`)
const metricsUrl = d.output().match(/metrics on (http:\/\/127\.0\.0\.1:\d+)/)?.[1]
if (!metricsUrl) throw new Error(`no metrics listener:\n${d.output()}`)
const heapKiB = async () => {
  const text = await fetch(`${metricsUrl}/metrics`).then(
    (r) => r.text(),
    () => '',
  )
  const m = text.match(/^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m)
  return m ? Math.round(Number(m[1]) / 1024) : undefined
}
const token = readFileSync(join(sb.env.XDG_RUNTIME_DIR, 'aws-credd', 'token'), 'utf8')

// Load starts once every profile has credentials, so a failure below is a real one.
for (let i = 0; i < 300; i++) {
  if ((await fetch(`${metricsUrl}/readyz`).catch(() => undefined))?.status === 200) break
  await sleep(100)
}

let requests = 0
let failures = 0
let stop = false
const load = (async () => {
  while (!stop) {
    const started = Date.now()
    await Promise.all(
      Array.from({ length: PROFILES }, async (_, i) => {
        const r = await fetch(`${url}/v1/credentials/role-${i}`, { headers: { authorization: token } }).catch(() => undefined)
        requests++
        if (r?.status !== 200) failures++
        await r?.arrayBuffer()
      }),
    )
    await sleep(Math.max(0, 1000 - (Date.now() - started)))
  }
})()

const samples = []
const start = Date.now()
while (Date.now() - start < minutes * 60_000 && d.alive()) {
  await sleep(15_000)
  const rss = rssKiB(d.pid)
  const heap = await heapKiB()
  samples.push({ minute: +((Date.now() - start) / 60_000).toFixed(2), rssKiB: rss, heapKiB: heap })
  if (samples.length % 8 === 0)
    say(`${samples.at(-1).minute} min: RSS ${rss} KiB, heap ${heap} KiB, ${requests} requests, ${failures} failed`)
}
stop = true
await load
const out = d.output()
const renewals = (out.match(/"msg":"renewed /g) ?? []).length
const ssoRefreshes = (out.match(/token refreshed/g) ?? []).length
await d.stop()
await emu.close()
sb.remove()

// Least-squares slope of RSS over the samples after the first 10 minutes (warm-up: JIT, pools, caches).
const warm = samples.filter((s) => s.minute >= Math.min(10, minutes / 3))
const slopePerHour = (key) => {
  const pts = warm.filter((s) => s[key] !== undefined)
  const n = pts.length
  const mx = pts.reduce((a, s) => a + s.minute, 0) / n
  const my = pts.reduce((a, s) => a + s[key], 0) / n
  return Math.round((pts.reduce((a, s) => a + (s.minute - mx) * (s[key] - my), 0) / pts.reduce((a, s) => a + (s.minute - mx) ** 2, 0)) * 60)
}
const result = {
  at: new Date(start).toISOString(),
  minutes,
  profiles: PROFILES + 1,
  renewals,
  ssoRefreshes,
  endpointRequests: requests,
  endpointFailures: failures,
  rssKiB: {
    first: samples[0]?.rssKiB,
    afterWarmUp: warm[0]?.rssKiB,
    last: samples.at(-1)?.rssKiB,
    max: Math.max(...samples.map((s) => s.rssKiB ?? 0)),
  },
  heapKiB: { afterWarmUp: warm[0]?.heapKiB, last: samples.at(-1)?.heapKiB, max: Math.max(...samples.map((s) => s.heapKiB ?? 0)) },
  slopeKiBPerHourAfterWarmUp: { rss: slopePerHour('rssKiB'), heap: slopePerHour('heapKiB') },
  samples,
}
writeFileSync(join(ROOT, 'bench/results/soak-memory.json'), JSON.stringify(result, null, 2) + '\n')
say(JSON.stringify({ ...result, samples: `${samples.length} samples` }))
