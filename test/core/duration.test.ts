import t from 'tap'
import { DURATION_PATTERN, durationProblem, formatDuration, parseDuration } from '../../src/core/duration.js'
import { ConfigError } from '../../src/core/errors.js'

t.test('parses single and compound units', async (t) => {
  const cases: [string, number][] = [
    ['500ms', 500],
    ['90s', 90_000],
    ['20m', 1_200_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['1.5h', 5_400_000],
    ['0s', 0],
  ]
  for (const [text, ms] of cases) t.equal(parseDuration(text), ms, text)
})

t.test('rejects bare numbers, words, wrong order and junk with one-line messages', async (t) => {
  const bad = ['20', '20 minutes', '20M', '1h1h', '30m1h', '', ' 20m', '20m ', '-5m', '1h  30m', 'm', '1e3s', '5 m']
  for (const text of bad) {
    t.throws(() => parseDuration(text), ConfigError, text)
    const problem = durationProblem(text)
    t.type(problem, 'string', text)
    t.match(problem, JSON.stringify(text), `${text}: names the value`)
    t.notMatch(problem, /\n/, `${text}: one line`)
  }
  t.match(durationProblem('20'), /bare number.*"20s" or "20m"/)
  t.match(durationProblem(20), /bare number/)
  t.match(durationProblem('30m1h'), /largest to smallest/)
  t.match(durationProblem(null), /not a duration/)
})

t.test('the JSON Schema pattern agrees with the parser', async (t) => {
  const re = new RegExp(DURATION_PATTERN)
  // (Only the unit order, "30m1h", is checked by the parser alone.)
  for (const text of ['20m', '1h30m', '1h 30m', '500ms', '2d', '1.5h', '20', '20 minutes', '20m ', 'ms', '1x', '20M']) {
    t.equal(re.test(text), durationProblem(text) === undefined, text)
  }
})

t.test('formats for status output', async (t) => {
  const s = 1000
  const m = 60 * s
  const h = 60 * m
  const cases: [number, string][] = [
    [19 * m + 58 * s + 999, '19m 58s'],
    [2 * h + 5 * m + 59 * s, '2h 5m'],
    [2 * h + 30 * s, '2h'],
    [45 * s, '45s'],
    [-3 * m, '-3m'],
    [-(3 * m + 2 * s), '-3m 2s'],
    [26 * h, '1d 2h'],
    [0, '0s'],
    [250, '250ms'],
    [Infinity, 'never'],
    [NaN, 'unknown'],
  ]
  for (const [ms, text] of cases) t.equal(formatDuration(ms), text, text)
})

t.test('formatted durations parse back (to the shown precision)', async (t) => {
  for (const ms of [45_000, 1_198_000, 7_500_000, 93_600_000]) {
    t.equal(parseDuration(formatDuration(ms)), ms, formatDuration(ms))
  }
})
