// Phase 2: 6-second credentials (a renewal every ~2.5 s) written to [app] while an "other
// program" keeps editing other sections of the same file: `aws configure set` (AWS CLI v1,
// read then rewrite or append in place, no lock) alternating with an editor-style
// read-modify-write (in place, or temp file + rename). The expected text outside [app] is
// computed by applying the same edits to the original text, never by reading the file.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader'
import { startEmulator } from '../../dist/emulator/emulator.js'
import { fakeAkia, recorder, rssKiB, runTool, sandbox, sleep, startDaemon } from './common.mjs'
import {
  appendSection,
  awsConfigureSet,
  keyIdIn,
  missingLines,
  removeSection,
  setFirstComment,
  setKey,
  strictParse,
  withoutSection,
} from './ini.mjs'
import { checkAwsDir, checkDaemonOutput } from './renewal-watch.mjs'

const LIFETIME_S = 6

export const concurrentEditor = async ({ renewals: target, cleanups }) => {
  const rec = recorder('editor')
  const emu = await startEmulator({ credentialLifetimeSeconds: LIFETIME_S })
  cleanups.push(() => emu.close())
  const user = emu.addUser('bob')
  const a = emu.addRole({ name: 'A', trust: [user.arn] })
  const b = emu.addRole({ name: 'B', trust: [a.arn], externalId: 'ext-edit' })
  const sb = sandbox('editor', emu.url)
  writeFileSync(
    sb.configFile,
    `[profile a]\nrole_arn = ${a.arn}\nsource_profile = base\n\n[profile b]\nrole_arn = ${b.arn}\nsource_profile = a\nexternal_id = ext-edit\nrole_session_name = soak\n`,
    { mode: 0o600 },
  )
  // [app] sits between two other sections, so edits on either side of it are exercised.
  const original = `# edited by the soak run\n[base]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n\n[before-app]\nregion = us-west-2\nnote = kept\n\n[app]\n\n[after-app]\ncounter = 0\noutput = json\n`
  writeFileSync(sb.credentialsFile, original, { mode: 0o600 })
  const configPath = sb.writeDaemonConfig({ profiles: [{ profile: 'b', writeTo: 'app' }], log: { level: 'info', format: 'json' } })
  const d = startDaemon(configPath, sb.env)
  cleanups.push(() => d.stop())

  const f = {
    lifetimeSeconds: LIFETIME_S,
    targetRenewals: target,
    home: sb.home,
    renewals: 0,
    distinctKeyIds: 0,
    seconds: 0,
    awsConfigureSet: 0,
    awsMismatchRightAfter: 0,
    editorEdits: { inPlace: 0, rename: 0 },
    lostEditEvents: 0,
    partialReads: 0,
    appRevertedByOtherWriters: 0,
    byteIdentical: false,
    finalMissingLines: [],
    finalExtraLines: [],
    assumeRoleCalls: 0,
    stsErrors: 0,
    rssKiB: { start: undefined, end: undefined, max: 0 },
    daemonWarnings: 0,
  }
  const keyIds = []
  const secrets = new Set([user.secretAccessKey])
  const read = () => readFileSync(sb.credentialsFile, 'utf8')

  // Renewals: distinct key ids in [app] that the emulator issued (a read during an in-place
  // write may cut a line; such ids are unknown to the emulator and skipped).
  let polling = true
  let lastSeen
  const poll = (async () => {
    for (let n = 0; polling; n++) {
      if (n % 100 === 0) f.rssKiB.max = Math.max(f.rssKiB.max, rssKiB(d.pid) ?? 0)
      const text = read()
      if (strictParse(text).problem) f.partialReads++
      const id = keyIdIn(text, 'app')
      if (id && emu.expiryOf(id) !== undefined) {
        if (!keyIds.includes(id)) {
          keyIds.push(id)
          const app = strictParse(text).sections?.app
          if (app) secrets.add(app.aws_secret_access_key).add(app.aws_session_token)
        } else if (id !== keyIds.at(-1) && id !== lastSeen) f.appRevertedByOtherWriters++
        lastSeen = id
      }
      await sleep(100)
    }
  })()

  const firstBy = Date.now() + 20_000
  while (keyIds.length === 0 && Date.now() < firstBy) await sleep(100)
  if (keyIds.length === 0) rec.violation(`[app] not written within 20 s; daemon output: ${d.output().slice(-500)}`)
  f.rssKiB.start = rssKiB(d.pid)
  const started = Date.now()

  // `expected` is never resynced: it is the final byte-for-byte reference. `running` is
  // resynced after a mismatch so each later lost edit is counted on its own.
  let expected = withoutSection(original, 'app')
  let running = expected
  const apply = (edit) => {
    expected = edit(expected)
    running = edit(running)
  }
  const awsProfiles = []
  const editorSections = []
  const deadline = started + Math.max(120_000, target * LIFETIME_S * 0.4 * 1000 * 3)
  for (let i = 1; keyIds.length - 1 < target; i++) {
    if (!d.alive()) {
      rec.violation(`the daemon exited: ${d.output().slice(-500)}`)
      break
    }
    if (Date.now() > deadline) {
      rec.violation(`only ${keyIds.length - 1} of ${target} renewals after ${Math.round((Date.now() - started) / 1000)} s`)
      break
    }
    const now = withoutSection(read(), 'app')
    if (now !== running) {
      f.lostEditEvents++
      rec.violation(
        `before edit ${i}: the file outside [app] lost ${JSON.stringify(missingLines(running, now).slice(0, 3))}, gained ${JSON.stringify(missingLines(now, running).slice(0, 3))}`,
      )
      running = now
    }
    if (i % 2 === 1) {
      // The AWS CLI: a new profile now and then, otherwise a new key id for an existing one.
      const fresh = awsProfiles.length < 3 || i % 6 === 1
      const profile = fresh ? `other-${awsProfiles.length + 1}` : awsProfiles[i % awsProfiles.length]
      if (fresh) awsProfiles.push(profile)
      const value = fakeAkia()
      const r = await runTool('aws', ['configure', 'set', 'aws_access_key_id', value, '--profile', profile], sb.env)
      f.awsConfigureSet++
      if (r.code !== 0) {
        rec.violation(`aws configure set --profile ${profile} failed (exit ${r.code}): ${r.stderr.trim().split('\n').at(-1)}`)
        continue
      }
      apply((t) => awsConfigureSet(t, profile, 'aws_access_key_id', value))
      // What the CLI actually wrote, read right after it returned, under the daemon's writes.
      const after = withoutSection(read(), 'app')
      if (after !== running) {
        f.awsMismatchRightAfter++
        rec.violation(
          `right after aws configure set --profile ${profile}: outside [app] is not the CLI's edit of the previous text (missing ${JSON.stringify(missingLines(running, after).slice(0, 3))}, unexpected ${JSON.stringify(missingLines(after, running).slice(0, 3))})`,
        )
        running = after
      }
    } else {
      const edit = editorEdit(i, editorSections)
      const text = read()
      const next = edit(text)
      apply(edit)
      if (i % 4 === 0) {
        writeFileSync(sb.credentialsFile, next) // in place: truncate and write, mode kept
        f.editorEdits.inPlace++
      } else {
        const tmp = join(sb.awsDir, `.credentials.editor~`)
        writeFileSync(tmp, next, { mode: 0o600 })
        renameSync(tmp, sb.credentialsFile)
        f.editorEdits.rename++
      }
    }
    await sleep(50 + Math.random() * 250)
  }
  f.seconds = Math.round((Date.now() - started) / 1000)

  // The editor has stopped: its last edit must have survived; then one more daemon write.
  const settled = withoutSection(read(), 'app')
  if (settled !== running) {
    f.lostEditEvents++
    rec.violation(`after the last edit: the file outside [app] lost ${JSON.stringify(missingLines(running, settled).slice(0, 3))}`)
  }
  const lastId = keyIdIn(read(), 'app')
  const nextBy = Date.now() + 15_000
  while (keyIdIn(read(), 'app') === lastId && Date.now() < nextBy) await sleep(50)
  if (keyIdIn(read(), 'app') === lastId) rec.violation('no daemon write within 15 s after the editor stopped')
  polling = false
  await poll
  f.rssKiB.end = rssKiB(d.pid)
  const exit = await d.stop()
  writeFileSync(join(sb.home, 'daemon.log'), d.output())
  if (exit.code !== 0) rec.violation(`the daemon exited with ${exit.code ?? exit.signal} on SIGTERM`)

  const final = read()
  const outside = withoutSection(final, 'app')
  f.byteIdentical = outside === expected
  if (!f.byteIdentical) {
    f.finalMissingLines = missingLines(expected, outside).slice(0, 10)
    f.finalExtraLines = missingLines(outside, expected).slice(0, 10)
    rec.violation(
      `the file outside [app] differs from the expected text (missing ${JSON.stringify(f.finalMissingLines.slice(0, 3))}, extra ${JSON.stringify(f.finalExtraLines.slice(0, 3))})`,
    )
  }
  const { problem, sections } = strictParse(final)
  if (problem) rec.violation(`the final file is incomplete: ${problem}`)
  else if (!sections.app?.aws_session_token || emu.expiryOf(sections.app.aws_access_key_id) === undefined)
    rec.violation('the final [app] does not hold keys the emulator issued')
  const sdk = (await loadSharedConfigFiles({ filepath: sb.credentialsFile, configFilepath: join(sb.home, 'no-config'), ignoreCache: true }))
    .credentialsFile
  if (sdk.app?.aws_access_key_id !== sections?.app?.aws_access_key_id) rec.violation('the AWS SDK reads another [app] from the final file')
  const boto = await runTool(
    'python3',
    [
      '-c',
      'import json,sys; from botocore.configloader import raw_config_parse; print(json.dumps(raw_config_parse(sys.argv[1])))',
      sb.credentialsFile,
    ],
    sb.env,
  )
  let botoApp
  try {
    botoApp = JSON.parse(boto.stdout).app
  } catch {}
  if (botoApp?.aws_access_key_id !== sections?.app?.aws_access_key_id)
    rec.violation(`botocore reads another [app] from the final file: ${boto.stderr.trim().split('\n').at(-1) ?? ''}`)

  f.distinctKeyIds = keyIds.length
  f.renewals = Math.max(0, keyIds.length - 1)
  f.fileBytes = Buffer.byteLength(final)
  f.awsProfilesCreated = awsProfiles.length
  f.assumeRoleCalls = emu.calls.filter((c) => c.action === 'AssumeRole').length
  f.stsErrors = emu.calls.filter((c) => c.action === 'AssumeRole' && c.status !== 200).length
  f.rssKiB.max = Math.max(f.rssKiB.max, f.rssKiB.end ?? 0)
  checkDaemonOutput(d.output(), secrets, rec, f)
  f.awsDir = checkAwsDir(sb, rec)
  await emu.close()
  return { figures: f, violations: rec.violations, sandbox: sb }
}

/** The editor's edit number `i`: each touches one named section other than [app], or the first line. */
const editorEdit = (i, sections) => {
  const n = i / 2
  switch (n % 5) {
    case 0:
      return (t) => setFirstComment(t, `edited by the soak run, edit ${i}`)
    case 1:
      return (t) => setKey(t, 'before-app', `note_${i}`, `value-${i}`)
    case 2:
      return (t) => setKey(t, 'after-app', 'counter', String(i))
    case 3: {
      const name = `editor-${i}`
      sections.push(name)
      return (t) =>
        appendSection(t, name, [
          ['region', 'eu-west-1'],
          ['output', `text-${i}`],
        ])
    }
    default: {
      // Keep the file from growing without bound: drop the oldest editor section.
      const name = sections.length > 3 ? sections.shift() : undefined
      return name ? (t) => removeSection(t, name) : (t) => setKey(t, 'before-app', 'note', `kept-${i}`)
    }
  }
}
