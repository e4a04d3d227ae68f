// AlertDispatcher with a fake clock and fake channels: fan-out that never waits,
// per-channel retries at the backoff times, a bounded queue, stop(), and log
// lines that never carry a secret.
import t from 'tap'
import type { Alert } from '../../src/core/alert.js'
import type { AlertChannel } from '../../src/engine/ports.js'
import { AlertChannelError } from '../../src/alerts/channel-error.js'
import { webhookChannel } from '../../src/alerts/webhook-channel.js'
import { ALERT_DELIVERY_DEADLINE_MS, ALERT_QUEUE_LIMIT, AlertDispatcher } from '../../src/engine/alert-dispatcher.js'
import { recordingLogger } from '../helpers/fake-logger.js'
import { FakeClock, settle } from '../helpers/fake-clock.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const alert = (n = 1, over: Partial<Alert> = {}): Alert => ({
  event: 'relogin-required',
  message: `SSO session "dev" needs login (#${n}): run aws-credd login --sso-session dev`,
  ssoSession: 'dev',
  profiles: ['dev-admin'],
  fix: 'aws-credd login --sso-session dev',
  at: Date.UTC(2026, 0, 1),
  ...over,
})

type Behaviour = 'ok' | 'fail' | 'permanent' | 'hang' | 'throw'

/** A channel that records every call (with the clock time) and behaves as scripted. */
class FakeChannel implements AlertChannel {
  calls: Array<{ alert: Alert; at: number }> = []
  /** Behaviour per coming call; `fallback` after the script runs out. */
  script: Behaviour[] = []
  /** Release functions of calls left hanging. */
  hanging: Array<(ok: boolean) => void> = []
  constructor(
    readonly name: string,
    private readonly clock: FakeClock,
    public fallback: Behaviour = 'ok',
  ) {}

  send(alert: Alert): Promise<void> {
    this.calls.push({ alert, at: this.clock.now() })
    const b = this.script.shift() ?? this.fallback
    if (b === 'throw') throw new Error(`${this.name} threw synchronously`)
    if (b === 'fail') return Promise.reject(new AlertChannelError(this.name, 'HTTP 503'))
    if (b === 'permanent') return Promise.reject(new AlertChannelError(this.name, 'HTTP 404', { kind: 'permanent' }))
    if (b === 'hang') return new Promise((resolve, reject) => this.hanging.push((ok) => (ok ? resolve() : reject(new Error('late')))))
    return Promise.resolve()
  }

  times(): number[] {
    return this.calls.map((c) => c.at)
  }
}

const setup = (behaviours: Behaviour[], random = () => 0.5) => {
  const clock = new FakeClock()
  const t0 = clock.now()
  const logger = recordingLogger()
  const channels = behaviours.map((b, i) => new FakeChannel(`fake${i}`, clock, b))
  const dispatcher = new AlertDispatcher({ secrets, channels, clock, logger, random })
  return { clock, t0, logger, channels, dispatcher }
}

t.test('every channel gets the alert, and send() returns before any of them runs', async (t) => {
  const { dispatcher, channels, t0 } = setup(['ok', 'ok', 'ok'])
  dispatcher.send(alert(1))
  t.same(
    channels.map((c) => c.calls.length),
    [0, 0, 0],
    'nothing ran inside send()',
  )
  await dispatcher.idle()
  t.same(
    channels.map((c) => c.times()),
    [[t0], [t0], [t0]],
  )
  t.same(channels[0]!.calls[0]!.alert, alert(1))
})

t.test('a hanging, a failing and a throwing channel delay neither the others nor the caller', async (t) => {
  const { dispatcher, channels, clock, t0 } = setup(['hang', 'fail', 'throw', 'ok'])
  t.doesNotThrow(() => {
    dispatcher.send(alert(1))
    dispatcher.send(alert(2))
  })
  await settle()
  t.same(
    channels[3]!.calls.map((c) => c.alert.message),
    [alert(1).message, alert(2).message],
    'the healthy channel got both at once',
  )
  t.same(channels[3]!.times(), [t0, t0])
  t.equal(channels[0]!.calls.length, 1, 'the hanging channel has one delivery in flight, the second waits')
  t.equal(channels[1]!.calls.length, 1, 'the failing channel waits for its retry')
  t.equal(channels[2]!.calls.length, 1)
  channels[0]!.hanging.shift()!(true)
  await settle()
  t.equal(channels[0]!.calls.length, 2, 'the second alert follows once the first is done')
  t.same(channels[0]!.calls[1]!.at, clock.now())
})

t.test('retries at 5 s, 30 s and 2 min, then gives up with one error line', async (t) => {
  const { dispatcher, channels, clock, t0, logger } = setup(['fail', 'ok'])
  dispatcher.send(alert(1))
  await dispatcher.idle() // a waiting retry does not count as busy
  await clock.advance(10 * 60_000)
  t.same(channels[0]!.times(), [t0, t0 + 5_000, t0 + 35_000, t0 + 155_000])
  t.same(channels[1]!.times(), [t0], 'the healthy channel got it once')
  t.equal(clock.pending(), 0, 'nothing left scheduled')
  t.same(
    logger.entries.map((e) => `${e.level} ${e.msg}`),
    [
      'warn alert delivery by fake0 failed (attempt 1), retrying in 5s: alert channel fake0: HTTP 503',
      'warn alert delivery by fake0 failed (attempt 2), retrying in 30s: alert channel fake0: HTTP 503',
      'warn alert delivery by fake0 failed (attempt 3), retrying in 120s: alert channel fake0: HTTP 503',
      'error alert not delivered by fake0 (giving up after 4 attempts): alert channel fake0: HTTP 503',
    ],
  )
  t.match(logger.entries[3]!.fields, { channel: 'fake0', event: 'relogin-required', attempt: 4 })
})

t.test('retry delays are spread by the random source, within ±20%', async (t) => {
  for (const [r, wait] of [
    [0, 4_000],
    [1, 6_000],
  ] as const) {
    const { dispatcher, channels, clock, t0 } = setup(['fail'], () => r)
    dispatcher.send(alert(1))
    await clock.advance(wait - 1)
    t.equal(channels[0]!.calls.length, 1, `random ${r}: not before ${wait} ms`)
    await clock.advance(1)
    t.same(channels[0]!.times(), [t0, t0 + wait], `random ${r}: retried at ${wait} ms`)
    dispatcher.stop()
  }
})

t.test('a retry that succeeds is logged once, and the queue moves on in order', async (t) => {
  const { dispatcher, channels, clock, t0, logger } = setup(['ok'])
  channels[0]!.script = ['fail']
  dispatcher.send(alert(1))
  dispatcher.send(alert(2))
  await clock.advance(5_000)
  t.same(
    channels[0]!.calls.map((c) => [c.alert.message, c.at]),
    [
      [alert(1).message, t0],
      [alert(1).message, t0 + 5_000],
      [alert(2).message, t0 + 5_000],
    ],
  )
  t.same(
    logger.entries.map((e) => e.level),
    ['warn', 'info'],
  )
  t.match(logger.entries[1]!.msg, 'alert delivered by fake0 on attempt 2')
})

t.test('a permanent failure is not retried', async (t) => {
  const { dispatcher, channels, clock, logger } = setup(['permanent'])
  dispatcher.send(alert(1))
  await clock.advance(10 * 60_000)
  t.equal(channels[0]!.calls.length, 1)
  t.same(
    logger.entries.map((e) => `${e.level} ${e.msg}`),
    ['error alert not delivered by fake0 (not retried): alert channel fake0: HTTP 404'],
  )
})

t.test(`a channel's queue keeps the newest ${ALERT_QUEUE_LIMIT}, dropping the oldest with a warn line`, async (t) => {
  const { dispatcher, channels, logger } = setup(['hang', 'ok'])
  for (let n = 1; n <= ALERT_QUEUE_LIMIT + 6; n++) {
    dispatcher.send(alert(n))
    await settle(1) // alerts a moment apart: the healthy channel delivers each before the next
  }
  const drops = logger.entries.filter((e) => e.msg.includes('queue for fake0 is full'))
  t.equal(drops.length, 5, 'alert 1 is in flight; 2..6 were dropped')
  t.equal(drops[0]!.level, 'warn')
  t.equal(channels[1]!.calls.length, ALERT_QUEUE_LIMIT + 6, 'the healthy channel lost nothing')
  channels[0]!.fallback = 'ok'
  channels[0]!.hanging.shift()!(true)
  await dispatcher.idle()
  const got = channels[0]!.calls.map((c) => Number(/#(\d+)/.exec(c.alert.message)![1]))
  t.same(got, [1, ...Array.from({ length: ALERT_QUEUE_LIMIT }, (_, i) => i + 7)])
})

t.test('stop() cancels retries and drops the queue; running deliveries finish; later sends are ignored', async (t) => {
  const { dispatcher, channels, clock } = setup(['fail', 'hang'])
  dispatcher.send(alert(1))
  dispatcher.send(alert(2))
  await settle()
  t.ok(clock.pending() > 0)
  dispatcher.stop()
  let idle = false
  void dispatcher.idle().then(() => (idle = true))
  await settle()
  t.notOk(idle, 'waits for the delivery still running')
  channels[1]!.hanging.shift()!(true)
  await settle()
  t.ok(idle, 'idle once it finished')
  dispatcher.send(alert(3))
  await clock.advance(10 * 60_000)
  t.same(
    channels.map((c) => c.calls.length),
    [1, 1],
    'no retry, nothing queued ran, nothing new sent',
  )
  t.equal(clock.pending(), 0)
})

t.test('a send() that never settles counts as failed after the deadline; its late answer is ignored', async (t) => {
  const { dispatcher, channels, clock, t0, logger } = setup(['ok'])
  channels[0]!.script = ['hang']
  dispatcher.send(alert(1))
  await clock.advance(ALERT_DELIVERY_DEADLINE_MS)
  t.match(
    logger.entries[0]!.msg,
    `alert delivery by fake0 failed (attempt 1), retrying in 5s: fake0 did not finish within ${ALERT_DELIVERY_DEADLINE_MS / 1000}s`,
  )
  await clock.advance(5_000)
  t.same(channels[0]!.times(), [t0, t0 + ALERT_DELIVERY_DEADLINE_MS + 5_000])
  channels[0]!.hanging.shift()!(false)
  await settle()
  t.equal(logger.entries.length, 2, 'the abandoned delivery failing later logs nothing')
  t.match(logger.entries[1]!.msg, 'delivered by fake0 on attempt 2')
})

t.test('log lines name the channel and reason, never the webhook secret', async (t) => {
  const clock = new FakeClock()
  const logger = recordingLogger()
  const planted = ['T0EXAMPLE', 'B0EXAMPLE', 'xoxbWebhookSecretEXAMPLE', 'Sup3rSecretPw', 'HeaderTokenEXAMPLE']
  const answers = [new Response('', { status: 500 }), new Response('', { status: 503 })]
  const fakeFetch = (async () => {
    const next = answers.shift()
    if (next) return next
    throw new TypeError('fetch failed', {
      cause: new Error(`connect to https://hooks.example.com/services/T0EXAMPLE/B0EXAMPLE/xoxbWebhookSecretEXAMPLE failed`),
    })
  }) as typeof fetch
  const webhook = webhookChannel({
    secrets,
    url: 'https://alerts:Sup3rSecretPw@hooks.example.com/services/T0EXAMPLE/B0EXAMPLE/xoxbWebhookSecretEXAMPLE',
    headers: { authorization: 'Bearer HeaderTokenEXAMPLE' },
    fetch: fakeFetch,
  })
  const dispatcher = new AlertDispatcher({ secrets, channels: [webhook], clock, logger, random: () => 0.5 })
  dispatcher.send(alert(1))
  await dispatcher.idle()
  await clock.advance(10 * 60_000)
  await dispatcher.idle()
  t.equal(logger.entries.length, 4, 'three retries and a give-up line')
  t.match(logger.entries[0]!.msg, 'alert channel webhook: https://hooks.example.com answered HTTP 500')
  t.match(logger.entries[3]!.msg, 'alert channel webhook: https://hooks.example.com request failed: network error')
  const all = JSON.stringify(logger.entries)
  for (const s of planted) t.notOk(all.includes(s), `no ${s} in the log`)
})

t.test('an alert is redacted and escaped once before fan-out: no channel sees raw upstream text', async (t) => {
  const { assertClean, plantedText } = await import('../helpers/planted.js')
  secrets.register('registered-source-secret-0123')
  const planted = plantedText('registered-source-secret-0123')
  const { dispatcher, channels } = setup(['ok', 'ok'])
  dispatcher.send(
    alert(1, {
      event: 'refresh-failing',
      message: planted,
      fix: planted,
      profiles: [planted],
      ssoSession: planted,
      verificationUriComplete: planted,
      userCode: planted,
    }),
  )
  await dispatcher.idle()
  for (const c of channels) {
    t.equal(c.calls.length, 1)
    assertClean(t, `${c.name} sees`, JSON.stringify(c.calls[0]!.alert), 'registered-source-secret-0123')
    // JSON.stringify would hide raw C0 bytes as \u001b: check the strings themselves too.
    for (const v of Object.values(c.calls[0]!.alert).flat())
      if (typeof v === 'string') assertClean(t, `${c.name} field`, v, 'registered-source-secret-0123')
    t.match(c.calls[0]!.alert.message, 'password=[redacted]')
  }
})
