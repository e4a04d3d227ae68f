import t from 'tap'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  SectionConflict,
  findSection,
  inspectSection,
  removeSectionKeys,
  sectionNameProblem,
  upsertSection,
  valueProblem,
} from '../../src/core/ini-section-edit.js'
import { botocoreRead, sdkRead, type Sections } from '../helpers/ini-readers.js'

const upper = (n: number): string => Array.from(randomBytes(n), (b) => String.fromCharCode(65 + (b % 26))).join('')
const ID = `ASIA${upper(16)}`
const SECRET = randomBytes(30).toString('base64')
const TOKEN = `IQoJb3JpZ2luX2VjE+/=${randomBytes(60).toString('base64')}`
const M = '# managed by aws-credd: profile app-admin'
const E: Array<[string, string]> = [
  ['aws_access_key_id', ID],
  ['aws_secret_access_key', SECRET],
  ['aws_session_token', TOKEN],
]
const OURS = E.map(([k]) => k)
const ours = (eol = '\n'): string => ['[app]', M, ...E.map(([k, v]) => `${k} = ${v}`)].map((l) => l + eol).join('')

const cases: Array<{ name: string; input: string; expected: string }> = [
  { name: 'empty file', input: '', expected: ours() },
  {
    name: 'CRLF file, section absent',
    input: '[default]\r\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\r\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\n',
    expected:
      '[default]\r\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\r\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\n\r\n' +
      ours('\r\n'),
  },
  { name: 'no trailing newline', input: '[default]\nregion = eu-west-1', expected: '[default]\nregion = eu-west-1\n\n' + ours() },
  { name: 'already ends with a blank line', input: '[default]\nregion = x\n\n', expected: '[default]\nregion = x\n\n' + ours() },
  {
    name: 'comments between sections, ours in the middle',
    input:
      '# top\n[a]\nk = v\n\n# about app\n[app]\naws_access_key_id = ASIAOLD\n; a note\naws_secret_access_key=OLD\n\n# about b\n[b]\nk=v\n',
    expected: `# top\n[a]\nk = v\n\n# about app\n[app]\n${M}\naws_access_key_id = ${ID}\n; a note\naws_secret_access_key=${SECRET}\naws_session_token = ${TOKEN}\n\n# about b\n[b]\nk=v\n`,
  },
  {
    name: '[ app ] with spaces is section " app " for both readers',
    input: '[ app ]\nregion = x\n',
    expected: '[ app ]\nregion = x\n\n' + ours(),
  },
  {
    name: 'uppercase keys and a colon are our keys to botocore: rewritten lowercase',
    input: '[app]\nAWS_ACCESS_KEY_ID = OLD\nAws_Secret_Access_Key: OLD\n',
    expected: ours(),
  },
  {
    name: 'unknown keys, odd spacing and order kept',
    input: '[app]\nregion=eu-west-1\naws_access_key_id=OLD\n  # indented comment\noutput   =   json\n\n',
    expected: `[app]\n${M}\nregion=eu-west-1\naws_access_key_id=${ID}\n  # indented comment\noutput   =   json\naws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}\n\n`,
  },
  {
    name: 'section first, CRLF',
    input: '[app]\r\naws_access_key_id = OLD\r\n\r\n[b]\r\nk = v\r\n',
    expected: ours('\r\n') + '\r\n[b]\r\nk = v\r\n',
  },
  { name: 'section last without trailing newline', input: '[a]\nk=v\n\n[app]\naws_access_key_id = OLD', expected: '[a]\nk=v\n\n' + ours() },
  { name: 'header alone at the end of the file', input: '[x]\nk=v\n[app]', expected: '[x]\nk=v\n' + ours() },
  {
    name: 'duplicate [app] sections are folded into the first, order kept',
    input: '[app]\naws_access_key_id = OLD1\nregion = x\n\n[b]\nk=v\n\n[app]\naws_secret_access_key = OLD2\noutput = json\n',
    expected: `[app]\n${M}\naws_access_key_id = ${ID}\nregion = x\naws_secret_access_key = ${SECRET}\noutput = json\naws_session_token = ${TOKEN}\n\n[b]\nk=v\n\n`,
  },
  {
    name: 'our marker already there: only the values change',
    input: `[app]\n${M}\naws_access_key_id = OLD\naws_secret_access_key = OLD\naws_session_token = OLD\n`,
    expected: ours(),
  },
  {
    name: 'an older marker further down moves under the header',
    input: '[app]\nregion = x\n# managed by aws-credd: profile old\naws_access_key_id = OLD\n',
    expected: `[app]\n${M}\nregion = x\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}\n`,
  },
  {
    name: 'continuation lines of our key go with it',
    input: '[app]\naws_session_token = OLD\n  continued\nregion = x\n',
    expected: `[app]\n${M}\naws_session_token = ${TOKEN}\nregion = x\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`,
  },
  {
    name: 'a sub-section in our section is kept',
    input: '[app]\ns3 =\n  max_concurrent_requests = 10\naws_access_key_id = OLD\n',
    expected: `[app]\n${M}\ns3 =\n  max_concurrent_requests = 10\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}\n`,
  },
  {
    name: 'copies of our keys are dropped (SDK: last wins; botocore: DuplicateOptionError)',
    input: '[app]\naws_access_key_id = A\nregion = x\naws_access_key_id = B\n',
    expected: `[app]\n${M}\naws_access_key_id = ${ID}\nregion = x\naws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}\n`,
  },
  {
    name: 'an indented line only the SDK reads as our key stays, ours goes after it',
    input: '[app]\naws_session_token = OLD\nregion = x\n  aws_session_token = STALE\n',
    expected: `[app]\n${M}\nregion = x\n  aws_session_token = STALE\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}\n`,
  },
  { name: 'inline comment on our line goes with it', input: '[app]\naws_access_key_id = OLD # mine\n', expected: ours() },
]

const withoutOurs = (s: Record<string, unknown> | undefined): Record<string, unknown> =>
  Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => !OURS.includes(k.toLowerCase())))
const others = (all: Sections | undefined): Sections => Object.fromEntries(Object.entries(all ?? {}).filter(([k]) => k !== 'app'))
const ourValues = Object.fromEntries(E)

t.test('upsertSection: byte-exact results that both readers read back', async (t) => {
  const dir = t.testdir({})
  const files = cases.flatMap((c, i) => {
    const out = upsertSection(c.input, 'app', E, M)
    const [inp, res] = [join(dir, `in-${i}`), join(dir, `out-${i}`)]
    writeFileSync(inp, c.input)
    writeFileSync(res, out)
    return [inp, res]
  })
  const boto = botocoreRead(files)
  for (const [i, c] of cases.entries()) {
    await t.test(c.name, async (t) => {
      const out = upsertSection(c.input, 'app', E, M)
      t.equal(out, c.expected, 'exact bytes')
      t.equal(upsertSection(out, 'app', E, M), out, 'a second identical write changes nothing')
      const E2: Array<[string, string]> = E.map(([k]) => [k, `ASIA${upper(20)}`])
      t.equal(upsertSection(upsertSection(out, 'app', E2, M), 'app', E, M), out, 'new values touch only our lines')

      const [sdkIn, sdkOut] = [await sdkRead(files[2 * i]!), await sdkRead(files[2 * i + 1]!)]
      const [boIn, boOut] = [boto[2 * i]!, boto[2 * i + 1]!]
      t.same(Object.fromEntries(OURS.map((k) => [k, sdkOut.app?.[k]])), ourValues, 'the AWS SDK reads our keys')
      t.notOk(boOut.error, 'botocore can read the result')
      t.same(Object.fromEntries(OURS.map((k) => [k, boOut.ok?.app?.[k]])), ourValues, 'botocore reads our keys')
      t.same(others(sdkOut), others(sdkIn), 'the SDK reads every other section as before')
      t.same(withoutOurs(sdkOut.app), withoutOurs(sdkIn.app), 'the SDK reads our unknown keys as before')
      if (!boIn.error) {
        t.same(others(boOut.ok), others(boIn.ok), 'botocore reads every other section as before')
        t.same(withoutOurs(boOut.ok?.app), withoutOurs(boIn.ok?.app), 'botocore reads our unknown keys as before')
      }
    })
  }
})

t.test('a header only one reader names [app] is refused', async (t) => {
  for (const input of ['[app];x\nk=v\n', '[a]\nk = v\n  [app]\n', '[app] # see [x]\n']) {
    t.throws(() => upsertSection(input, 'app', E, M), SectionConflict, JSON.stringify(input))
    t.throws(() => removeSectionKeys(input, 'app', OURS), SectionConflict)
  }
  t.equal(
    upsertSection('[app] ; fine\n', 'app', E, M),
    `[app] ; fine\n${M}\n${E.map(([k, v]) => `${k} = ${v}\n`).join('')}`,
    'a spaced comment after the header is read alike',
  )
})

t.test('removeSectionKeys keeps the header, the marker and everything else', async (t) => {
  const input = `# top\r\n[app]\r\n${M}\r\nregion = x\r\naws_access_key_id = ${ID}\r\n; note\r\naws_secret_access_key = ${SECRET}\r\naws_session_token = ${TOKEN}\r\n\r\n[b]\r\nk=v`
  const out = removeSectionKeys(input, 'app', OURS)
  t.equal(out, `# top\r\n[app]\r\n${M}\r\nregion = x\r\n; note\r\n\r\n[b]\r\nk=v`)
  t.equal(removeSectionKeys(input, 'app', ['aws_session_token']), input.replace(`aws_session_token = ${TOKEN}\r\n`, ''))
  t.equal(removeSectionKeys(input, 'nope', OURS), input, 'no such section: unchanged')
  t.equal(removeSectionKeys(out, 'app', OURS), out, 'nothing left to remove: unchanged')
  const dup = '[app]\naws_access_key_id = A\n[b]\nk=v\n[app]\nAWS_ACCESS_KEY_ID = B\nx = 1\n'
  t.equal(removeSectionKeys(dup, 'app', OURS), '[app]\n[b]\nk=v\n[app]\nx = 1\n', 'from every duplicate')
  t.equal(
    removeSectionKeys('[app]\nregion = x\n  aws_session_token = STALE\n', 'app', OURS),
    '[app]\nregion = x\n',
    'also a copy only the SDK reads',
  )
  const dir = t.testdir({ out })
  t.same(withoutOurs((await sdkRead(join(dir, 'out'))).app), (await sdkRead(join(dir, 'out'))).app, 'the SDK sees none of our keys')
})

t.test('inspectSection and findSection', async (t) => {
  const text = `[a]\nk=v\n\n[app]\n${M}\nAWS_ACCESS_KEY_ID = AKIAIOSFODNN7EXAMPLE # note\nregion: x\n[app]\nregion = y\n`
  t.same(inspectSection(text, 'app'), { exists: true, managed: true, values: { aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE', region: 'y' } })
  t.same(inspectSection('[app]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n', 'app'), {
    exists: true,
    managed: false,
    values: { aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE' },
  })
  t.same(inspectSection('[ app ]\nk=v\n', 'app'), { exists: false, managed: false, values: {} })
  t.same(findSection(text, 'app'), { start: text.indexOf('[app]'), end: text.lastIndexOf('[app]'), duplicates: 1 })
  t.equal(findSection(text, 'zzz'), undefined)
})

t.test('names and values that one of the readers would misread are rejected', async (t) => {
  for (const bad of ['', 'a]', ' app', 'app ', 'a #b', 'DEFAULT', '__proto__', 'profile dev', 'my app']) {
    t.ok(sectionNameProblem(bad), JSON.stringify(bad))
    t.throws(() => upsertSection('', bad, E, M), TypeError)
  }
  for (const good of ['app', 'default', 'a#b', 'team/dev-admin@123', 'a b c']) t.equal(sectionNameProblem(good), undefined, good)
  for (const bad of ['', 'a b', '#x', ';x', 'a\nb']) t.ok(valueProblem(bad), JSON.stringify(bad))
  t.throws(() => upsertSection('', 'app', [['aws_access_key_id', 'a b']], M), TypeError)
  t.throws(() => upsertSection('', 'app', E, '# someone else'), TypeError, 'a marker we would not recognise later')
})
