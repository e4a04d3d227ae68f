// Phase 1: with 2-minute credentials, read the credentials file every second for the whole
// run and never find expired, missing or half-written keys in [app]; every 30 s the AWS CLI
// must also accept them (the emulator checks SigV4 signatures and expiry).
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { startEmulator } from '../../dist/emulator/emulator.js'
import { recorder, rssKiB, runTool, sandbox, sleep, startDaemon } from './common.mjs'
import { strictParse, withoutSection } from './ini.mjs'

const LIFETIME_S = 120
const CLI_EVERY_MS = 30_000

export const renewalWatch = async ({ minutes, cleanups }) => {
  const rec = recorder('renewal-watch')
  const emu = await startEmulator({ credentialLifetimeSeconds: LIFETIME_S })
  cleanups.push(() => emu.close())
  const user = emu.addUser('alice')
  const a = emu.addRole({ name: 'A', trust: [user.arn] })
  const b = emu.addRole({ name: 'B', trust: [a.arn], externalId: 'ext-soak' })
  const sb = sandbox('watch', emu.url)
  writeFileSync(
    sb.configFile,
    `[profile a]\nrole_arn = ${a.arn}\nsource_profile = base\n\n[profile b]\nrole_arn = ${b.arn}\nsource_profile = a\nexternal_id = ext-soak\nrole_session_name = soak\n`,
    { mode: 0o600 },
  )
  writeFileSync(
    sb.credentialsFile,
    `# long-term user of the soak run\n[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n\n[other]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`,
    { mode: 0o600 },
  )
  const configPath = sb.writeDaemonConfig({ profiles: [{ profile: 'b', writeTo: 'app' }], log: { level: 'info', format: 'json' } })
  const d = startDaemon(configPath, sb.env)
  cleanups.push(() => d.stop())

  const f = {
    lifetimeSeconds: LIFETIME_S,
    minutes,
    home: sb.home,
    reads: 0,
    maxGapMs: 0,
    minLifeLeftMs: Infinity,
    distinctKeyIds: 0,
    renewals: 0,
    signedCalls: 0,
    cliCalls: 0,
    cliFailures: 0,
    assumeRoleCalls: 0,
    stsErrors: 0,
    rssKiB: { start: undefined, end: undefined, max: 0 },
    daemonWarnings: 0,
  }
  const keyIds = new Set()
  const secrets = new Set([user.secretAccessKey])
  let tokenLength
  let outside

  // The first write: up to 20 s for the daemon to start and assume the chain.
  const firstBy = Date.now() + 20_000
  while (Date.now() < firstBy && !strictParse(safeRead(sb.credentialsFile) ?? '').sections?.app) await sleep(100)
  if (!strictParse(safeRead(sb.credentialsFile) ?? '').sections?.app)
    rec.violation(`[app] not written within 20 s; daemon output: ${d.output().slice(-500)}`)
  f.rssKiB.start = rssKiB(d.pid)

  const started = Date.now()
  const end = started + minutes * 60_000
  let lastRead = started
  let nextCli = started
  let cli
  for (let tick = 0; Date.now() < end; tick++) {
    await sleep(Math.max(0, started + tick * 1000 - Date.now()))
    if (!d.alive()) {
      rec.violation(`the daemon exited: ${d.output().slice(-500)}`)
      break
    }
    const now = Date.now()
    f.maxGapMs = Math.max(f.maxGapMs, now - lastRead)
    lastRead = now
    f.reads++
    const text = safeRead(sb.credentialsFile)
    if (text === undefined) {
      rec.violation('the credentials file is missing')
      continue
    }
    const { problem, sections } = strictParse(text)
    if (problem) {
      rec.violation(`the credentials file is incomplete: ${problem}`)
      continue
    }
    const app = sections.app
    if (!app?.aws_access_key_id || !app.aws_secret_access_key || !app.aws_session_token) {
      rec.violation('[app] lacks one of aws_access_key_id, aws_secret_access_key, aws_session_token')
      continue
    }
    tokenLength ??= app.aws_session_token.length
    if (
      !/^ASIA[A-Z2-7]{16}$/.test(app.aws_access_key_id) ||
      app.aws_secret_access_key.length !== 40 ||
      app.aws_session_token.length !== tokenLength
    ) {
      rec.violation(
        `[app] holds a malformed key (id ${app.aws_access_key_id.slice(0, 8)}..., secret ${app.aws_secret_access_key.length} chars, token ${app.aws_session_token.length} chars)`,
      )
    }
    const sdk = (
      await loadSharedConfigFiles({ filepath: sb.credentialsFile, configFilepath: join(sb.home, 'no-config'), ignoreCache: true })
    ).credentialsFile.app
    if (!sdk?.aws_secret_access_key || !sdk.aws_session_token) rec.violation('the AWS SDK loader finds no complete [app]')
    else if (sdk.aws_access_key_id !== app.aws_access_key_id) {
      // A renewal between the two reads is fine; anything else means the SDK sees other keys.
      const again = strictParse(safeRead(sb.credentialsFile) ?? '').sections?.app
      if (again?.aws_access_key_id !== sdk.aws_access_key_id)
        rec.violation('the AWS SDK loader reads other keys from [app] than the strict parser')
    }
    const expiry = emu.expiryOf(app.aws_access_key_id)
    if (expiry === undefined) rec.violation(`[app] holds a key id the emulator never issued (${app.aws_access_key_id.slice(0, 8)}...)`)
    else {
      const left = expiry - Date.now()
      f.minLifeLeftMs = Math.min(f.minLifeLeftMs, left)
      if (left <= 0) rec.violation(`[app] holds expired keys (expired ${-left} ms ago)`)
    }
    keyIds.add(app.aws_access_key_id)
    secrets.add(app.aws_secret_access_key).add(app.aws_session_token)
    outside ??= withoutSection(text, 'app')
    if (withoutSection(text, 'app') !== outside) rec.violation('the file outside [app] changed')
    await signedCall(emu.url, app, rec, f)
    if (Date.now() >= nextCli && !cli) {
      nextCli += CLI_EVERY_MS
      cli = awsCli(sb.env, rec, f).finally(() => (cli = undefined))
    }
    if (tick % 10 === 0) f.rssKiB.max = Math.max(f.rssKiB.max, rssKiB(d.pid) ?? 0)
  }
  await cli
  f.rssKiB.end = rssKiB(d.pid)
  f.rssKiB.max = Math.max(f.rssKiB.max, f.rssKiB.end ?? 0)
  const exit = await d.stop()
  writeFileSync(join(sb.home, 'daemon.log'), d.output())
  if (exit.code !== 0) rec.violation(`the daemon exited with ${exit.code ?? exit.signal} on SIGTERM`)
  f.distinctKeyIds = keyIds.size
  f.renewals = Math.max(0, keyIds.size - 1)
  if (f.minLifeLeftMs === Infinity) f.minLifeLeftMs = null
  const expected = Math.floor(minutes)
  if (f.renewals < expected)
    rec.violation(`only ${f.renewals} renewals in ${minutes} min of ${LIFETIME_S}-second credentials (expected at least ${expected})`)
  f.assumeRoleCalls = emu.calls.filter((c) => c.action === 'AssumeRole').length
  f.stsErrors = emu.calls.filter((c) => c.action === 'AssumeRole' && c.status !== 200).length
  checkDaemonOutput(d.output(), secrets, rec, f)
  checkAwsDir(sb, rec)
  await emu.close()
  return { figures: f, violations: rec.violations, sandbox: sb }
}

const safeRead = (p) => {
  try {
    return readFileSync(p, 'utf8')
  } catch {
    return undefined
  }
}

/** Signs GetCallerIdentity with the keys just read: a half-written secret or token fails here. */
const signedCall = async (url, app, rec, f) => {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: url,
    maxAttempts: 1,
    credentials: { accessKeyId: app.aws_access_key_id, secretAccessKey: app.aws_secret_access_key, sessionToken: app.aws_session_token },
  })
  try {
    f.signedCalls++
    const id = await sts.send(new GetCallerIdentityCommand({}))
    if (!/assumed-role\/B\//.test(id.Arn ?? '')) rec.violation(`GetCallerIdentity with [app] is ${id.Arn}, not role B`)
  } catch (e) {
    rec.violation(`GetCallerIdentity with the keys in [app] failed: ${e.name}: ${e.message}`)
  } finally {
    sts.destroy()
  }
}

const awsCli = async (env, rec, f) => {
  f.cliCalls++
  const r = await runTool('aws', ['sts', 'get-caller-identity', '--profile', 'app', '--output', 'json'], env)
  let arn = ''
  try {
    arn = JSON.parse(r.stdout).Arn ?? ''
  } catch {}
  if (r.code !== 0 || !/assumed-role\/B\/soak$/.test(arn)) {
    f.cliFailures++
    rec.violation(`aws sts get-caller-identity --profile app failed (exit ${r.code}): ${r.stderr.trim().split('\n').at(-1)}`)
  }
}

/** No secret in the daemon's log; warnings are counted (nothing else touches this file). */
export const checkDaemonOutput = (out, secrets, rec, f) => {
  for (const s of secrets) if (s && out.includes(s)) rec.violation('a secret appears in the daemon log')
  const warnings = out.split('\n').filter((l) => /"level":"(warn|error)"/.test(l))
  f.daemonWarnings = warnings.length
  f.daemonWarningSamples = [...new Set(warnings.map((l) => l.match(/"msg":"((?:[^"\\]|\\.)*)"/)?.[1] ?? l.slice(0, 200)))].slice(0, 5)
}

/** ~/.aws holds config and credentials only (no temp file, no lock), and credentials is 0600. */
export const checkAwsDir = (sb, rec) => {
  const extra = readdirSync(sb.awsDir).filter((n) => n !== 'config' && n !== 'credentials')
  if (extra.length) rec.violation(`stray files in ~/.aws: ${extra.join(', ')}`)
  const mode = statSync(sb.credentialsFile).mode & 0o777
  if (mode !== 0o600) rec.violation(`the credentials file has mode ${mode.toString(8)}, not 600`)
  return { extra, mode: mode.toString(8) }
}
