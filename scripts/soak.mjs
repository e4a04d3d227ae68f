#!/usr/bin/env node
// Real-time checks too long for `npm test` (run by `npm run soak`, which builds first).
// Two phases run at once, each with its own temp HOME, emulator and daemon process:
//   renewal-watch  2-minute credentials read every second for --minutes: never expired,
//                  missing or half-written; the AWS CLI accepts them every 30 s.
//   editor         6-second credentials renewed --renewals times while another program
//                  edits other sections: outside [app] the file ends byte-identical to the
//                  expected edits, no temp file left, mode 0600.
// Options: --minutes N (default 10), --renewals N (default 100), --quick (1 minute and
// 20 renewals unless given), --keep (keep the temp HOMEs). Exit 1 on any violation.
// Figures go to bench/results/soak-<date>.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT, sandbox } from './soak/common.mjs'
import { concurrentEditor } from './soak/concurrent-editor.mjs'
import { renewalWatch } from './soak/renewal-watch.mjs'

const usage = 'usage: node scripts/soak.mjs [--minutes N] [--renewals N] [--quick] [--keep]'
let args
try {
  args = parseArgs({
    options: { minutes: { type: 'string' }, renewals: { type: 'string' }, quick: { type: 'boolean' }, keep: { type: 'boolean' } },
  }).values
} catch (e) {
  console.error(`soak: ${e.message}\n${usage}`)
  process.exit(2)
}
const number = (v, fallback, name) => {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!(n > 0)) {
    console.error(`soak: --${name} must be a positive number, not "${v}"\n${usage}`)
    process.exit(2)
  }
  return n
}
const minutes = number(args.minutes, args.quick ? 1 : 10, 'minutes')
const renewals = Math.ceil(number(args.renewals, args.quick ? 20 : 100, 'renewals'))

// The SDK used in this process must never see the caller's AWS settings or real ~/.aws.
for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k]
const self = sandbox('self', 'http://127.0.0.1:9')
Object.assign(process.env, {
  AWS_CONFIG_FILE: join(self.home, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: join(self.home, 'none'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
})

const cleanups = []
const cleanup = async () => {
  for (const c of cleanups.reverse())
    await Promise.resolve()
      .then(c)
      .catch(() => undefined)
}
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))
process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)))

const startedAt = new Date()
console.error(`soak: renewal watch for ${minutes} min, and ${renewals} renewals under a concurrent editor, at the same time`)
const settle = (p, phase) =>
  p.catch((e) => ({ figures: {}, violations: [{ phase, at: new Date().toISOString(), what: `crashed: ${e.stack ?? e}` }] }))
const [watch, editor] = await Promise.all([
  settle(renewalWatch({ minutes, cleanups }), 'renewal-watch'),
  settle(concurrentEditor({ renewals, cleanups }), 'editor'),
])
await cleanup()
const violations = [...watch.violations, ...editor.violations]
// The phases' HOMEs are kept on failure (or with --keep) for a look at the files and logs.
self.remove()
const keep = args.keep || violations.length > 0
for (const r of [watch, editor]) if (r.sandbox) keep ? console.error(`soak: kept ${r.sandbox.home}`) : r.sandbox.remove()

const results = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  options: { minutes, renewals },
  node: process.version,
  renewalWatch: watch.figures,
  editor: editor.figures,
  violations,
  ok: violations.length === 0,
}
const dir = join(ROOT, 'bench', 'results')
mkdirSync(dir, { recursive: true })
const file = join(dir, `soak-${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}Z.json`)
writeFileSync(file, `${JSON.stringify(results, (k, v) => (v === Infinity ? null : v), 2)}\n`)

// ---- summary ----------------------------------------------------------------------
const w = watch.figures
const e = editor.figures
const s = (ms) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : '-')
const mib = (kib) => (typeof kib === 'number' ? `${(kib / 1024).toFixed(1)} MiB` : '-')
const rows = [
  ['renewal-watch', 'file reads (every 1 s) / longest gap', `${w.reads ?? '-'} / ${s(w.maxGapMs)}`],
  ['renewal-watch', 'renewals (distinct key ids - 1)', `${w.renewals ?? '-'} (${w.lifetimeSeconds ?? '-'} s credentials)`],
  ['renewal-watch', 'least life left seen in [app]', s(w.minLifeLeftMs)],
  ['renewal-watch', 'signed calls / AWS CLI calls (failed)', `${w.signedCalls ?? '-'} / ${w.cliCalls ?? '-'} (${w.cliFailures ?? '-'})`],
  ['renewal-watch', 'AssumeRole calls (errors)', `${w.assumeRoleCalls ?? '-'} (${w.stsErrors ?? '-'})`],
  ['renewal-watch', 'daemon RSS start / end / max', `${mib(w.rssKiB?.start)} / ${mib(w.rssKiB?.end)} / ${mib(w.rssKiB?.max)}`],
  ['editor', 'renewals / target, in', `${e.renewals ?? '-'} / ${e.targetRenewals ?? '-'}, ${e.seconds ?? '-'} s`],
  [
    'editor',
    'aws configure set / editor in place / rename',
    `${e.awsConfigureSet ?? '-'} / ${e.editorEdits?.inPlace ?? '-'} / ${e.editorEdits?.rename ?? '-'}`,
  ],
  ['editor', 'lost edits / CLI mismatch right after', `${e.lostEditEvents ?? '-'} / ${e.awsMismatchRightAfter ?? '-'}`],
  ['editor', 'outside [app] byte-identical', String(e.byteIdentical ?? '-')],
  ['editor', 'partial reads (in-place writers) / [app] reverted', `${e.partialReads ?? '-'} / ${e.appRevertedByOtherWriters ?? '-'}`],
  ['editor', 'AssumeRole calls (errors)', `${e.assumeRoleCalls ?? '-'} (${e.stsErrors ?? '-'})`],
  ['editor', 'daemon RSS start / end / max', `${mib(e.rssKiB?.start)} / ${mib(e.rssKiB?.end)} / ${mib(e.rssKiB?.max)}`],
  ['both', 'daemon warnings logged (watch / editor)', `${w.daemonWarnings ?? '-'} / ${e.daemonWarnings ?? '-'}`],
  ['both', 'violations', String(violations.length)],
]
const width = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)))
for (const r of rows) console.log(r.map((c, i) => c.padEnd(width[i])).join('  '))
for (const v of violations.slice(0, 20)) console.log(`VIOLATION [${v.phase}] ${v.what}`)
if (violations.length > 20) console.log(`... and ${violations.length - 20} more (see the JSON)`)
console.log(`figures: ${file}`)
process.exit(violations.length === 0 ? 0 : 1)
