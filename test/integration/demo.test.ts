// `aws-credd demo` as a newcomer runs it: no ~/.aws, no AWS account. With a short
// lifetime (12 s instead of 60) it shows renewals, an SSO refresh and a re-login
// alert with a link; opening the link logs the session in again; Ctrl-C (SIGINT)
// stops everything and removes the temporary folder. On a real terminal the same
// run draws the live table.
import t from 'tap'
import { requireOrSkip } from '../helpers/prerequisites.js'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, runCli, sandbox, until } from '../helpers/sandbox.js'
import { findPython } from '../helpers/python.js'

const folderOf = (out: string): string => out.match(/a sample ~\/\.aws lives in (\S+) \(removed/)![1]!

const leftovers = (folder: string): string => {
  try {
    return execFileSync('pgrep', ['-af', folder], { encoding: 'utf8' })
  } catch {
    return '' // pgrep exits 1 when nothing matches
  }
}

t.test('renewals, an SSO refresh and a re-login link; the link logs in again; SIGINT leaves nothing', async (t) => {
  const home = t.testdir({})
  const sb = sandbox(home)
  const demo = runCli(['demo', '--lifetime', '12', '--no-tty'], sb.env)
  t.teardown(() => void demo.stop('SIGKILL'))
  await demo.waitFor(/lives in \S+ \(removed/)
  const folder = folderOf(demo.output())
  t.ok(existsSync(join(folder, '.aws', 'config')), 'the sample ~/.aws is in the temporary folder')
  await demo.waitFor(/\[demo-role\] renewed assume-role credentials/, 20_000)
  await demo.waitFor(/\[demo-chain\] renewed assume-role credentials/, 20_000)
  await demo.waitFor(/SSO session "demo": token refreshed/, 20_000)
  const link = (
    await demo.waitFor(/verificationUriComplete="http:\/\/127\.0\.0\.1:\d+\/device\?user_code=[A-Z]{4}-[A-Z]{4}"/, 20_000)
  ).match(/"(http[^"]+)"/)![1]!
  t.match(demo.output(), /SSO session "demo-lapsed" needs login: open the link/)
  const approved = await fetch(link)
  t.equal(approved.status, 200, 'the emulator approves the code when the link is opened')
  await demo.waitFor(/SSO session "demo-lapsed": login approved; token written/, 20_000)
  t.notMatch(demo.output(), /\x1b\[/, 'plain lines with --no-tty')
  t.notMatch(demo.output(), /"level":/, 'text lines, not JSON, for a person')

  const exit = await demo.stop('SIGINT')
  t.same(exit, { code: 0, signal: null })
  t.match(demo.output(), new RegExp(`aws-credd demo: stopped the daemon and the emulator; removed ${folder}`), 'says what it removed')
  t.notOk(existsSync(folder), 'the temporary folder is gone')
  t.equal(leftovers(folder), '', 'no process of the demo is left')
  t.same(
    readdirSync(home).filter((f) => f !== '.aws'),
    [],
    'nothing written to the HOME it was started with',
  )
  t.same(readdirSync(join(home, '.aws')), [], 'nor to its ~/.aws')
})

const python = findPython('pty')
// What the terminal must have shown before Ctrl-C: pty-run.py types it once all of these are
// there (the frame redrawn 3 times), or after PTY_SECONDS at the latest (a bound for a hang:
// a loaded machine may take more than the few seconds this needs).
const HEADER = /aws-credd \d\d:\d\d:\d\d · \d profiles? fresh/
const CHAIN_ROW = /demo-chain\s+assume-role ← assume-role ← static\s+\S*fresh/
const SSO_HEADER = /SSO SESSION\s+STATE\s+TOKEN EXPIRES IN/
const REDRAW = /\x1b\[\d+A\r\x1b\[J/g
const LOG_ABOVE = /\x1b\[\d+A\r\x1b\[J\S* ?\d{4}-\d\d-\d\dT\S+ info  \[demo-role\] (obtained|renewed)/
const ptyUntil = (wanted: Array<[RegExp, number]>): string => JSON.stringify(wanted.map(([re, n]) => [re.source, n]))
t.test('on a terminal: the live table is drawn and redrawn; Ctrl-C stops it and cleans up', async (t) => {
  if (!requireOrSkip(t, 'python3 (its pty module makes a pseudo-terminal)', python !== undefined)) return
  const until = ptyUntil([
    [HEADER, 1],
    [/PROFILE\s+SOURCE\s+STATE\s+EXPIRES IN\s+NEXT RENEWAL/, 1],
    [CHAIN_ROW, 1],
    [SSO_HEADER, 1],
    [REDRAW, 3],
    [LOG_ABOVE, 1],
  ])
  const sb = sandbox(t.testdir({}), { PTY_SECONDS: '30', PTY_COLUMNS: '110', TERM: 'xterm', PTY_UNTIL: until })
  const child = spawn(python!, [join(process.cwd(), 'test', 'helpers', 'pty-run.py'), process.execPath, CLI, 'demo', '--lifetime', '12'], {
    env: sb.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  const code = await new Promise<number | null>((r) => child.on('exit', r))
  t.equal(code, 0, 'Ctrl-C is a clean stop')
  t.match(out, HEADER, 'the header line')
  t.match(out, /PROFILE\s+SOURCE\s+STATE\s+EXPIRES IN\s+NEXT RENEWAL/)
  t.match(out, CHAIN_ROW)
  t.match(out, SSO_HEADER)
  t.ok((out.match(REDRAW) ?? []).length >= 3, 'the frame is erased and redrawn in place')
  t.match(out, LOG_ABOVE, 'log lines are written where the frame was, above the new one')
  t.match(out, /stopping \(SIGINT\)/)
  const folder = folderOf(out)
  t.notOk(existsSync(folder), 'the temporary folder is gone')
  t.equal(leftovers(folder), '')
})

t.test('closing the terminal window (SIGHUP) still removes everything', async (t) => {
  if (!requireOrSkip(t, 'python3 (its pty module makes a pseudo-terminal)', python !== undefined)) return
  // The window is closed once the demo is up (its folder named, the table drawn), or after 30 s.
  const sb = sandbox(t.testdir({}), {
    PTY_SECONDS: '30',
    PTY_COLUMNS: '110',
    TERM: 'xterm',
    PTY_HANGUP: '1',
    PTY_UNTIL: ptyUntil([
      [/a sample ~\/\.aws lives in \S+ \(removed/, 1],
      [HEADER, 1],
    ]),
  })
  const child = spawn(python!, [join(process.cwd(), 'test', 'helpers', 'pty-run.py'), process.execPath, CLI, 'demo', '--lifetime', '12'], {
    env: sb.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  // (Node itself may end with SIGABRT when it exits after its terminal is gone; the status is not the point.)
  await new Promise((r) => child.on('exit', r))
  const folder = folderOf(out)
  t.ok(await until(async () => !existsSync(folder), 8000), 'the temporary folder is gone')
  t.ok(await until(async () => leftovers(folder) === '', 8000), 'no process of the demo is left')
})
