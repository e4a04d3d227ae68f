// Jumps of the wall clock between two 30-second cron ticks.
import t from 'tap'
import { jumpOf } from '../../src/runtime/wall-clock-check.js'

t.test('jumpOf', async (t) => {
  const I = 30_000
  t.equal(jumpOf(0, 30_000, I), undefined, 'on time')
  t.equal(jumpOf(0, 38_000, I), undefined, 'a late tick is not a jump')
  t.equal(jumpOf(0, 2 * 3600_000 + 30_000, I), 2 * 3600_000 + 30_000, 'two hours: resume from suspend')
  t.equal(jumpOf(100_000, 50_000, I), -50_000, 'backwards (NTP step)')
})
