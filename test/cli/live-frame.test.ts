// The live table's frame from a fixed view: columns, relative times, the cut to
// the terminal width (a wrapped line would break the in-place redraw), colours
// only on the state words and only when asked.
import t from 'tap'
import { fit, liveFrame } from '../../src/cli/live-frame.js'
import type { StatusView } from '../../src/engine/ports.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0)
const s = 1000

const view: StatusView = {
  profiles: [
    { profile: 'deploy', source: 'assume-role ← static', health: 'fresh', expiresAt: NOW + 50 * s, nextRenewalAt: NOW + 14 * s },
    { profile: 'dev', source: 'sso', health: 'unavailable', lastError: 'expired' },
  ],
  ssoSessions: [
    {
      label: 'corp',
      ssoSession: 'corp',
      state: 'fresh',
      reason: 'token valid',
      profiles: ['dev'],
      tokenExpiresAt: NOW + 90 * s,
      nextRefreshAt: NOW + 45 * s,
    },
    {
      label: 'old',
      ssoSession: 'old',
      state: 'logging-in',
      reason: 'waiting',
      profiles: ['legacy'],
      verificationUriComplete: 'http://127.0.0.1:1/device?user_code=ABCD-EFGH',
    },
  ],
}

const ESC = String.fromCharCode(27)

t.test('header, profiles with countdowns, SSO sessions with the next refresh or the login link', async (t) => {
  const lines = liveFrame(view, NOW, { columns: 200, color: false, clock: '12:00:00', secrets })
  t.match(lines[0], /^─+$/)
  t.equal(lines[1], 'aws-credd 12:00:00 · 1 profile fresh, 1 without credentials, 1 SSO session needs login · Ctrl-C stops')
  t.match(lines[2], /^PROFILE\s+SOURCE\s+STATE\s+EXPIRES IN\s+NEXT RENEWAL$/)
  t.match(lines[3], /^deploy\s+assume-role ← static\s+fresh\s+50s\s+in 14s$/)
  t.match(lines[4], /^dev\s+sso\s+unavailable\s+-\s+-$/)
  t.match(lines[5], /^SSO SESSION\s+STATE\s+TOKEN EXPIRES IN\s+NEXT REFRESH \/ ACTION$/)
  t.match(lines[6], /^corp\s+fresh\s+1m 30s\s+in 45s$/)
  t.match(lines[7], /^old\s+logging-in\s+-\s+open http:\/\/127\.0\.0\.1:1\/device\?user_code=ABCD-EFGH$/)
  t.equal(lines.length, 8)
  t.notOk(lines.join('').includes(ESC), 'no escape codes without colour')
})

t.test('every line fits the terminal, so the redraw can count them', async (t) => {
  for (const columns of [20, 40, 61]) {
    const lines = liveFrame(view, NOW, { columns, color: false, clock: '12:00:00', secrets })
    for (const l of lines) t.ok(l.length <= columns - 1, `${JSON.stringify(l)} fits ${columns}`)
  }
  t.equal(fit('abcdef', 4), 'abc…')
  t.equal(fit('abc', 4), 'abc')
})

t.test('colour marks the state words only; the visible text is unchanged', async (t) => {
  const plain = liveFrame(view, NOW, { columns: 120, color: false, clock: '12:00:00', secrets })
  const colored = liveFrame(view, NOW, { columns: 120, color: true, clock: '12:00:00', secrets })
  const strip = (l: string): string => l.replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), '')
  t.same(colored.map(strip), plain)
  t.ok(colored[3]!.includes(`${ESC}[32mfresh${ESC}[0m`), 'fresh in green')
  t.ok(colored[4]!.includes(`${ESC}[31munavailable${ESC}[0m`), 'unavailable in red')
  t.ok(colored[7]!.includes(`${ESC}[33mlogging-in${ESC}[0m`), 'logging-in in yellow')
})

t.test('no profiles: a hint instead of an empty table', async (t) => {
  const lines = liveFrame({ profiles: [], ssoSessions: [] }, NOW, { columns: 200, color: false, clock: '12:00:00', secrets })
  t.equal(lines.length, 3)
  t.match(lines[2], /no profiles kept yet/)
})

t.test('countdowns in whole seconds, rounded up, so a 1-second redraw does not flicker through milliseconds', async (t) => {
  const v: StatusView = {
    profiles: [{ profile: 'p', source: 'sso', health: 'fresh', expiresAt: NOW + 7_300, nextRenewalAt: NOW + 154 }],
    ssoSessions: [],
  }
  const lines = liveFrame(v, NOW, { columns: 200, color: false, clock: '12:00:00', secrets })
  t.match(lines[3], /^p\s+sso\s+fresh\s+8s\s+in 1s$/)
})

t.test('wide characters count two columns: no line is wider than the terminal', async (t) => {
  const wide: StatusView = {
    profiles: [
      { profile: '本番環境-読み取り専用ロール', source: 'sso', health: 'fresh', expiresAt: NOW + 50 * s, nextRenewalAt: NOW + 14 * s },
      { profile: 'dev', source: 'sso', health: 'fresh' },
    ],
    ssoSessions: [],
  }
  const cols = (line: string): number => [...line].reduce((n, ch) => n + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0)
  for (const columns of [40, 60, 120]) {
    const lines = liveFrame(wide, NOW, { columns, color: false, clock: '12:00:00', secrets })
    for (const l of lines) t.ok(cols(l) <= columns - 1, `${columns} columns: ${JSON.stringify(l)} takes ${cols(l)}`)
  }
  const lines = liveFrame(wide, NOW, { columns: 200, color: false, clock: '12:00:00', secrets })
  const at = (l: string, word: string) => cols(l.slice(0, l.indexOf(word)))
  const [row1, row2] = lines.filter((l) => /  fresh  /.test(l))
  t.equal(at(row1!, 'fresh'), at(row2!, 'fresh'), 'the STATE column lines up under a wide name')
  t.equal(fit('日本語テキスト', 6), '日本…', 'cut by columns, the mark included')
})

t.test('upstream text and hostile names are escaped before they reach the terminal; only our own colour codes remain', async (t) => {
  const { assertClean, plantedText } = await import('../helpers/planted.js')
  const planted = plantedText('not-registered-anywhere')
  const hostile: StatusView = {
    profiles: [{ profile: 'p\x1b]0;title\x07', source: 'sso', health: 'unavailable', lastError: planted }],
    ssoSessions: [{ label: 'corp\u009b2J', state: 'relogin-required', reason: planted, profiles: ['p'] }],
  }
  const plain = liveFrame(hostile, NOW, { columns: 400, color: false, clock: '12:00:00', secrets }).join('\n')
  assertClean(t, 'live frame', plain, 'registered-but-not-in-this-text')
  t.match(plain, 'p\\x1b]0;title\\x07')
  t.match(plain, 'corp\\x9b2J')
  t.match(plain, `password=[redacted]`)
  const coloured = liveFrame(hostile, NOW, { columns: 400, color: true, clock: '12:00:00', secrets }).join('\n')
  t.same(
    coloured.match(/\x1b\[[0-9;]*m/g)?.every((c) => ['\x1b[2m', '\x1b[0m', '\x1b[31m'].includes(c)),
    true,
    'only SGR colour codes of our own',
  )
  t.notMatch(coloured.replace(/\x1b\[(?:2|0|31)m/g, ''), /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'nothing else raw')
})
