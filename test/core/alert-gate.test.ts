// One alert per change of condition, reminders no more often than `repeat`,
// `recovered` only after something was announced.
import t from 'tap'
import { gateAlert, type AlertMemory, type Condition } from '../../src/core/alert-gate.js'

const HOUR = 3600_000

const run = (steps: Array<[number, Condition]>, repeat = HOUR): Array<string | undefined> => {
  let mem: AlertMemory | undefined
  return steps.map(([at, c]) => {
    const a = gateAlert(mem, c, at, repeat)
    mem = a.memory
    return a.send && `${a.send}${a.reminder ? '*' : ''}`
  })
}

t.test('sequences', async (t) => {
  t.same(
    run([
      [0, 'ok'],
      [1, 'ok'],
    ]),
    [undefined, undefined],
    'nothing to say',
  )
  t.same(
    run([
      [0, 'relogin-required'],
      [60_000, 'relogin-required'],
      [HOUR - 1, 'relogin-required'],
      [HOUR, 'relogin-required'],
    ]),
    ['relogin-required', undefined, undefined, 'relogin-required*'],
    'a reminder after exactly one repeat',
  )
  t.same(
    run([
      [0, 'relogin-required'],
      [10, 'ok'],
      [20, 'ok'],
    ]),
    ['relogin-required', 'recovered', undefined],
    'recovered once',
  )
  t.same(
    run([
      [0, 'relogin-soon'],
      [10, 'relogin-required'],
      [20, 'logging-in'],
      [30, 'ok'],
    ]),
    ['relogin-soon', 'relogin-required', 'logging-in', 'recovered'],
    'each change once',
  )
  t.same(
    run([
      [0, 'refresh-failing'],
      [5, 'refresh-failing'],
      [2 * HOUR, 'refresh-failing'],
      [3 * HOUR - 1, 'refresh-failing'],
    ]),
    ['refresh-failing', undefined, 'refresh-failing*', undefined],
  )
})
