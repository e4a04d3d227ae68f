import t, { type Test } from 'tap'
import { didYouMean } from '../../src/core/config/fields.js'
import { InvalidConfigError } from '../../src/core/config/messages.js'
import { defaultConfig, parseConfig } from '../../src/core/config/schema.js'
import { ConfigError } from '../../src/core/errors.js'

/** The one-line message parseConfig throws for `json`. */
const problem = (t: Test, json: unknown): string => {
  try {
    parseConfig(json, 'config.json')
  } catch (e) {
    t.type(e, ConfigError)
    const msg = (e as Error).message
    t.notMatch(msg, /\n/, 'message is one line')
    t.match(msg, /^config\.json: /, 'message names the file')
    return msg
  }
  t.fail(`expected ${JSON.stringify(json)} to be rejected`)
  return ''
}

t.test('defaults', async (t) => {
  const want = {
    profiles: [],
    refresh: { before: 20 * 60_000 },
    sso: { refreshBefore: 15 * 60_000, deviceLogin: 'off' },
    alerts: { warnBefore: 30 * 60_000, repeat: 3600_000, failingAfter: 10 * 60_000, desktop: true },
    mfa: { sessionDuration: 12 * 3600_000 },
    server: { listen: { host: '127.0.0.1', port: 9911 }, rateLimit: { perSecond: 100, burst: 200 } },
    consumers: [],
    imds: { allowV1: false },
    metrics: {},
    audit: {},
    log: { level: 'info', format: 'auto' },
  }
  t.strictSame(defaultConfig(), want)
  t.strictSame(parseConfig({}, 'config.json'), want)
  t.strictSame(parseConfig({ refresh: {}, log: {} }, 'config.json'), want)
  t.strictSame(
    parseConfig({ log: { level: 'debug' } }, 'c').log,
    { level: 'debug', format: 'auto' },
    'partial section keeps other defaults',
  )
})

t.test('a full config parses, durations in ms', async (t) => {
  const c = parseConfig(
    {
      $schema: './config.schema.json',
      profiles: [{ profile: 'dev-sso', writeTo: 'dev' }, { profile: 'prod' }],
      refresh: { before: '1h30m' },
      log: { level: 'warn', format: 'json' },
    },
    'config.json',
  )
  t.equal(c.refresh.before, 90 * 60_000)
  t.strictSame(c.profiles, [{ profile: 'dev-sso', writeTo: 'dev' }, { profile: 'prod' }])
  t.same(c.log, { level: 'warn', format: 'json' })
})

t.test('unknown keys, top level and nested, with did-you-mean', async (t) => {
  t.equal(problem(t, { refresh: { befor: '20m' } }), 'config.json: refresh.befor: unknown key (did you mean "before"?)')
  t.equal(problem(t, { lgo: {} }), 'config.json: lgo: unknown key (did you mean "log"?)')
  t.equal(problem(t, { Profiles: [] }), 'config.json: Profiles: unknown key (did you mean "profiles"?)')
  t.match(
    problem(t, { color: true }),
    /^config\.json: color: unknown key; allowed keys: "\$schema", "profiles", "refresh", "sso", "alerts", "mfa", "server", "consumers", "imds", "metrics", "audit", "log"$/,
  )
  t.match(problem(t, { profiles: [{ profile: 'a', writeto: 'b' }] }), 'profiles[0].writeto: unknown key (did you mean "writeTo"?)')
  t.match(
    problem(t, { log: { formt: 'json', levl: 'x' } }),
    /^config\.json: log: unknown keys "formt" \(did you mean "format"\?\), "levl" \(did you mean "level"\?\)$/,
  )
  t.match(problem(t, { a: 1, b: 2 }), /^config\.json: unknown keys "a", "b"$/)
})

t.test('an unknown key is reported before the problems it causes', async (t) => {
  const msg = problem(t, { profiles: [{ profle: 'dev' }] })
  t.match(msg, /^config\.json: profiles\[0\]\.profle: unknown key \(did you mean "profile"\?\) \(and 1 more problem\)$/)
  try {
    parseConfig({ profiles: [{ profle: 'dev' }] }, 'config.json')
  } catch (e) {
    t.type(e, InvalidConfigError)
    t.strictSame((e as InvalidConfigError).problems, [
      'config.json: profiles[0].profle: unknown key (did you mean "profile"?)',
      'config.json: profiles[0].profile: missing; it is required',
    ])
  }
})

t.test('durations: each mistake names key and value', async (t) => {
  t.equal(
    problem(t, { refresh: { before: '20 minutes' } }),
    'config.json: refresh.before: "20 minutes" is not a duration; use a number followed by ms, s, m, h or d, such as "20m" or "1h30m"',
  )
  t.match(problem(t, { refresh: { before: 1200 } }), /^config\.json: refresh\.before: 1200 is not a duration: a bare number has no unit/)
  t.match(
    problem(t, { refresh: { before: '1200' } }),
    /refresh\.before: "1200" is not a duration: a bare number has no unit; write "1200s" or "1200m"$/,
  )
  t.match(problem(t, { refresh: { before: '0m' } }), /refresh\.before: "0m" is zero/)
  t.match(problem(t, { refresh: { before: '30m1h' } }), /refresh\.before: "30m1h" .*largest to smallest/)
  t.match(problem(t, { refresh: { before: null } }), /refresh\.before: null is not a duration/)
  t.match(problem(t, { refresh: '20m' }), /^config\.json: refresh: "20m" is not an object$/)
})

t.test('profiles: shape, names and duplicates', async (t) => {
  t.equal(problem(t, { profiles: 'dev' }), 'config.json: profiles: "dev" is not a list')
  t.equal(problem(t, { profiles: [{}] }), 'config.json: profiles[0].profile: missing; it is required')
  t.equal(problem(t, { profiles: [{ profile: 7 }] }), 'config.json: profiles[0].profile: 7 is not a string')
  t.equal(problem(t, { profiles: ['dev'] }), 'config.json: profiles[0]: "dev" is not an object')
  t.match(problem(t, { profiles: [{ profile: '' }] }), /^config\.json: profiles\[0\]\.profile: must not be empty/)
  t.match(
    problem(t, { profiles: [{ profile: 'a', writeTo: 'dev]' }] }),
    /profiles\[0\]\.writeTo: "dev\]" cannot be a credentials-file section name: it must not contain brackets/,
  )
  t.match(
    problem(t, { profiles: [{ profile: 'a', writeTo: 'x\ny' }] }),
    /profiles\[0\]\.writeTo: "x\\ny" cannot be/,
    'newline shown escaped',
  )
  t.match(problem(t, { profiles: [{ profile: 'a', writeTo: ' dev' }] }), /profiles\[0\]\.writeTo: " dev" has spaces/)
  t.equal(
    problem(t, { profiles: [{ profile: 'dev' }, { profile: 'x' }, { profile: 'dev' }] }),
    'config.json: profiles[2].profile: "dev" is listed twice (also profiles[0]); remove one',
  )
  t.equal(
    problem(t, {
      profiles: [
        { profile: 'a', writeTo: 'w' },
        { profile: 'b', writeTo: 'w' },
      ],
    }),
    'config.json: profiles[1].writeTo: "w" is also written by profiles[0]; give each profile its own section',
  )
  t.equal(
    problem(t, { profiles: [{ profile: 'dev' }, { profile: 'b', writeTo: 'dev' }] }),
    'config.json: profiles[1].writeTo: "dev" is the profile of profiles[0]; writing keys there would change what that profile means; choose another section name, such as "dev-creds"',
  )
  t.match(problem(t, { profiles: [{ profile: 'dev', writeTo: 'dev' }] }), /profiles\[0\]\.writeTo: "dev" is its own profile/)
  t.strictSame(
    parseConfig({ profiles: [{ profile: 'a' }, { profile: 'b' }] }, 'c').profiles,
    [{ profile: 'a' }, { profile: 'b' }],
    'profiles without writeTo do not clash',
  )
  t.match(
    problem(t, { profiles: [{ profile: 7 }, { profile: 7 }] }),
    /7 is not a string \(and 1 more problem\)$/,
    'invalid entries are not compared',
  )
})

t.test('log settings', async (t) => {
  t.equal(
    problem(t, { log: { level: 'inf' } }),
    'config.json: log.level: "inf" is not one of "error", "warn", "info", "debug" (did you mean "info"?)',
  )
  t.equal(problem(t, { log: { level: 'verbose' } }), 'config.json: log.level: "verbose" is not one of "error", "warn", "info", "debug"')
  t.match(problem(t, { log: { format: 'jsn' } }), /log\.format: "jsn" is not one of "auto", "text", "json" \(did you mean "json"\?\)/)
  t.match(problem(t, { log: { level: 3 } }), /log\.level: 3 is not one of/)
})

t.test('the file must hold an object', async (t) => {
  t.equal(problem(t, []), 'config.json: the file must contain a JSON object, not a list')
  t.equal(problem(t, null), 'config.json: the file must contain a JSON object, not null')
  t.equal(problem(t, 'x'), 'config.json: the file must contain a JSON object, not "x"')
  t.equal(problem(t, { $schema: 3 }), 'config.json: $schema: 3 is not a string')
})

t.test('long values are shortened in messages', async (t) => {
  const msg = problem(t, { log: { level: 'x'.repeat(500) } })
  t.ok(msg.length < 200, `short: ${msg.length}`)
})

t.test('didYouMean', async (t) => {
  t.equal(didYouMean('befor', ['before']), 'before')
  t.equal(didYouMean('BEFORE', ['before']), 'before')
  t.equal(didYouMean('lgo', ['log', 'profiles']), 'log')
  t.equal(didYouMean('colour', ['log', 'profiles']), undefined)
})

t.test('sso, alerts and mfa', async (t) => {
  const c = parseConfig(
    {
      sso: { deviceLogin: 'alert', refreshBefore: '5m' },
      alerts: { webhook: { url: 'https://hooks.example/T/B/secret', headers: { Authorization: 'Bearer x' } }, command: 'logger' },
      mfa: { sessionDuration: '36h' },
    },
    'config.json',
  )
  t.equal(c.sso.deviceLogin, 'alert')
  t.equal(c.sso.refreshBefore, 5 * 60_000)
  t.equal(c.alerts.webhook?.url, 'https://hooks.example/T/B/secret')
  t.equal(c.mfa.sessionDuration, 36 * 3600_000)
  const bad = problem(t, { alerts: { webhook: { url: 'ftp://hooks.example/T/B/secret' } } })
  t.match(bad, /alerts\.webhook\.url: must be an http/)
  t.notMatch(bad, /secret/, 'a webhook URL is never echoed: it holds a token')
  t.match(problem(t, { mfa: { sessionDuration: '37h' } }), /mfa\.sessionDuration: must be between 15m and 36h/)
  t.match(
    problem(t, { sso: { deviceLogin: 'alret' } }),
    /sso\.deviceLogin: "alret" is not one of "off", "alert" \(did you mean "alert"\?\)/,
  )
})

t.test('listen addresses', async (t) => {
  t.same(parseConfig({ server: { listen: '0.0.0.0:9911' } }, 'c.json').server.listen, { host: '0.0.0.0', port: 9911 })
  t.same(parseConfig({ server: { listen: '[::1]:80' } }, 'c.json').server.listen, { host: '::1', port: 80 })
  t.same(parseConfig({ server: { listen: ':9911' } }, 'c.json').server.listen, { host: '127.0.0.1', port: 9911 }, 'no host: loopback')
  t.equal(parseConfig({ server: { listen: 'off' } }, 'c.json').server.listen, false)
  t.match(problem(t, { server: { listen: 'localhost' } }), /server\.listen: "localhost" is not host:port/)
  t.match(problem(t, { server: { listen: '1.2.3.4:70000' } }), /port 70000 is over 65535/)
  t.match(problem(t, { imds: { listen: '127.0.0.1:9912' } }), /imds\.profile: imds\.listen needs imds\.profile/)
})

t.test('server.rateLimit: per-token requests a second and burst; 0 turns it off', async (t) => {
  t.same(parseConfig({ server: { rateLimit: { perSecond: 5 } } }, 'c.json').server.rateLimit, { perSecond: 5, burst: 200 })
  t.same(parseConfig({ server: { rateLimit: { perSecond: 0, burst: 1 } } }, 'c.json').server.rateLimit, { perSecond: 0, burst: 1 })
  t.match(problem(t, { server: { rateLimit: { perSecond: -1 } } }), /server\.rateLimit\.perSecond: must be 0 \(no limit\) or more/)
  t.match(problem(t, { server: { rateLimit: { burst: 0 } } }), /server\.rateLimit\.burst: must be at least 1/)
  t.match(problem(t, { server: { rateLimit: { burst: 2.5 } } }), /server\.rateLimit\.burst: 2\.5 is not an int/)
  t.match(problem(t, { server: { rateLimit: { perSecnd: 5 } } }), /did you mean "perSecond"/)
})

t.test('a wrong value under a credential-bearing key is described by its type, never echoed', async (t) => {
  const msg = problem(t, { alerts: { webhook: { url: 'https://hooks.example.com/x', headers: { Authorization: 12345678 } } } })
  t.equal(msg, 'config.json: alerts.webhook.headers.Authorization: the number value is not a string')
  t.notMatch(msg, /12345678/)
  t.match(problem(t, { log: { level: 12345678 } }), /12345678/, 'elsewhere the value is shown')
  t.notMatch(
    problem(t, { alerts: { webhook: 'https://hooks.slack.com/services/T01/B02/s3cr3tXYZ' } }),
    /s3cr3t/,
    'a webhook URL (its path is the secret) is not echoed',
  )
})

t.test('consumers: names, profiles and absolute token files, each once', async (t) => {
  const ok = parseConfig({ consumers: [{ name: 'litellm', profiles: ['bedrock'], tokenFile: '/shared/litellm.token' }] }, 'config.json')
  t.strictSame(ok.consumers, [{ name: 'litellm', profiles: ['bedrock'], tokenFile: '/shared/litellm.token' }])
  t.match(
    problem(t, { consumers: [{ name: 'a b', profiles: ['x'], tokenFile: '/t' }] }),
    /^config\.json: consumers\[0\]\.name: must be letters, digits/,
  )
  t.match(
    problem(t, { consumers: [{ name: 'owner', profiles: ['x'], tokenFile: '/t' }] }),
    /consumers\[0\]\.name: "owner" and "imds" are reserved/,
  )
  t.match(
    problem(t, { consumers: [{ name: 'a', profiles: [], tokenFile: '/t' }] }),
    /consumers\[0\]\.profiles: must name at least one profile/,
  )
  t.match(
    problem(t, { consumers: [{ name: 'a', profiles: ['x'], tokenFile: 'rel/t' }] }),
    /consumers\[0\]\.tokenFile: "rel\/t" is not an absolute path/,
  )
  t.match(
    problem(t, {
      consumers: [
        { name: 'a', profiles: ['x'], tokenFile: '/t' },
        { name: 'a', profiles: ['y'], tokenFile: '/u' },
      ],
    }),
    /consumers\[1\]\.name: "a" is listed twice/,
  )
  t.match(
    problem(t, {
      consumers: [
        { name: 'a', profiles: ['x'], tokenFile: '/t' },
        { name: 'b', profiles: ['y'], tokenFile: '/t' },
      ],
    }),
    /consumers\[1\]\.tokenFile: is also the token file of consumers\[0\]/,
  )
  t.match(
    problem(t, { consumers: [{ name: 'a', profiles: ['x'], tokenFile: '/t', token: 'x' }] }),
    /consumers\[0\]\.token: unknown key \(did you mean "tokenFile"\?\)/,
  )
})
