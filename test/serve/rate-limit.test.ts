// The token buckets behind the endpoints' 429s, on a fake clock: burst, steady refill,
// Retry-After in whole seconds, keys apart, a clock that goes back, and a bounded map.
import t from 'tap'
import { DEFAULT_RATE_LIMIT, RateLimiter } from '../../src/serve/rate-limit.js'

const T0 = Date.UTC(2026, 0, 1)

t.test('a burst, then the steady rate; Retry-After says when the next one passes', async (t) => {
  let now = T0
  const rl = new RateLimiter({ perSecond: 10, burst: 5 }, () => now)
  t.same(
    Array.from({ length: 5 }, () => rl.take('a')),
    [0, 0, 0, 0, 0],
    'the burst passes',
  )
  t.equal(rl.take('a'), 1, 'then refused: retry in a second (rounded up)')
  now += 100
  t.equal(rl.take('a'), 0, '100 ms later one more (10 a second)')
  t.equal(rl.take('a'), 1)
  now += 1000
  let passed = 0
  for (let i = 0; i < 20; i++) if (rl.take('a') === 0) passed++
  t.equal(passed, 5, 'a quiet second refills up to the burst, not beyond')
})

t.test('Retry-After is the whole seconds until one token is back', async (t) => {
  let now = T0
  const rl = new RateLimiter({ perSecond: 0.25, burst: 1 }, () => now)
  t.equal(rl.take('slow'), 0)
  t.equal(rl.take('slow'), 4, 'one token every 4 s')
  now += 3000
  t.equal(rl.take('slow'), 1)
  now += 1000
  t.equal(rl.take('slow'), 0)
})

t.test('keys have their own buckets', async (t) => {
  const rl = new RateLimiter({ perSecond: 1, burst: 2 }, () => T0)
  t.same([rl.take('a'), rl.take('a'), rl.take('a')], [0, 0, 1])
  t.same([rl.take('b'), rl.take('b'), rl.take('b')], [0, 0, 1], 'a flood on one key leaves the others alone')
})

t.test('a clock that goes back neither refills nor punishes', async (t) => {
  let now = T0
  const rl = new RateLimiter({ perSecond: 1, burst: 1 }, () => now)
  t.equal(rl.take('a'), 0)
  now -= 60_000
  t.equal(rl.take('a'), 1, 'no refill from going back')
  now += 1000
  t.equal(rl.take('a'), 0, 'refills from the new time on')
})

t.test('the map stays bounded: the least recently used key is forgotten first', async (t) => {
  const rl = new RateLimiter({ perSecond: 1, burst: 1 }, () => T0, 3)
  for (const k of ['a', 'b', 'c']) rl.take(k)
  t.equal(rl.take('a'), 1, 'a is empty (and now the most recently used)')
  rl.take('d') // b, the least recently used, is forgotten
  t.equal(rl.size, 3)
  t.equal(rl.take('a'), 1, 'a was kept')
  t.equal(rl.take('c'), 1, 'c was kept')
  t.equal(rl.take('b'), 0, 'b was forgotten and starts full')
  for (let i = 0; i < 10_000; i++) rl.take(`k${i}`)
  t.equal(rl.size, 3)
})

t.test('bad limits are refused; the default is generous', async (t) => {
  t.throws(() => new RateLimiter({ perSecond: 0, burst: 1 }, () => T0))
  t.throws(() => new RateLimiter({ perSecond: 1, burst: 0 }, () => T0))
  t.throws(() => new RateLimiter({ perSecond: NaN, burst: 1 }, () => T0))
  t.ok(DEFAULT_RATE_LIMIT.perSecond >= 50 && DEFAULT_RATE_LIMIT.burst >= 100)
})
