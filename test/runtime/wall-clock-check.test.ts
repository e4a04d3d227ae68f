// Jumps are the wall clock moving differently from the monotonic clock between two
// looks: a resume from suspend or an NTP step is one, a busy event loop is not.
import t from 'tap'
import { jumpOf } from '../../src/runtime/wall-clock-check.js'

t.test('jumpOf', async (t) => {
  const at = (wall: number, monotonic: number) => ({ wall, monotonic })
  t.equal(jumpOf(at(0, 0), at(30_000, 30_000)), undefined, 'on time')
  t.equal(jumpOf(at(0, 0), at(43_000, 43_000)), undefined, 'a late look (busy loop, GC pause) is not a jump: both clocks moved')
  t.equal(jumpOf(at(0, 0), at(2 * 3600_000 + 30_000, 30_000)), 2 * 3600_000, 'two hours suspended: the monotonic clock did not count them')
  t.equal(jumpOf(at(100_000, 0), at(80_000, 30_000)), -50_000, 'backwards (NTP step)')
  t.equal(jumpOf(at(0, 0), at(38_000, 30_000)), undefined, 'a few seconds of NTP slew is not a jump')
})
