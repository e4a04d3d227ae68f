// The Daemon assembled from fakes only: files and config are objects the test
// swaps, time is a fake clock, the upstream is scripted, the credentials file is
// a map. Proves what is kept fresh, where it is written, and that a bad reload
// never costs the last good state.
import t, { type Test as Tap } from 'tap'
import { parseConfig, type Config } from '../../src/core/config/schema.js'
import type { Credentials } from '../../src/core/credentials.js'
import { AwsFileError, ConfigError } from '../../src/core/errors.js'
import type { AwsFiles, SectionUpdate, SectionWriter } from '../../src/engine/ports.js'
import { Daemon } from '../../src/engine/daemon.js'
import { recordingLogger } from '../helpers/fake-logger.js'
import { FakeClock, seeded } from '../helpers/fake-clock.js'
import { FakeUpstream } from '../helpers/fake-upstream.js'
import { cachedToken, FakeSsoOidc, MemorySsoCache } from '../helpers/fake-sso.js'
import type { Alert } from '../../src/core/alert.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const HOUR = 3600_000
const KEYS = { aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }

type Profiles = AwsFiles['profiles']

const filesOf = (profiles: Profiles): AwsFiles => ({
  configFile: '/home/test/.aws/config',
  credentialsFile: '/home/test/.aws/credentials',
  profiles,
  ssoSessions: { corp: { sso_start_url: 'https://example.awsapps.com/start', sso_region: 'us-east-1' } },
  services: {},
})

/** keys (static), settings (region only), role (keys → role), sso (SSO session). */
const baseProfiles = (): Profiles => ({
  keys: { ...KEYS },
  settings: { region: 'eu-west-1' },
  role: { role_arn: 'arn:aws:iam::123456789012:role/app', source_profile: 'keys' },
  sso: { sso_session: 'corp', sso_account_id: '123456789012', sso_role_name: 'Dev' },
})

class MemoryWriter implements SectionWriter {
  sections = new Map<string, Credentials | null>()
  writes: SectionUpdate[] = []
  async apply(updates: SectionUpdate[]): Promise<void> {
    for (const u of updates) {
      this.writes.push(u)
      this.sections.set(u.section, u.credentials)
    }
  }
}

const setup = (t: Tap, config: unknown, profiles: Profiles = baseProfiles()) => {
  const clock = new FakeClock()
  const upstream = new FakeUpstream(clock)
  const writer = new MemoryWriter()
  const logger = recordingLogger()
  const ssoCache = new MemorySsoCache()
  // A person logged in to "corp" long ago, with a token that lasts: the keeper has nothing to say.
  ssoCache.files.set('corp', cachedToken(clock.now(), 100 * 86400, { refreshable: false }))
  const alerts: Alert[] = []
  const state: { config: () => Config; files: () => AwsFiles } = {
    config: () => parseConfig(config, 'config.json'),
    files: () => filesOf(profiles),
  }
  const daemon = new Daemon({
    secrets,
    clock,
    logger,
    random: seeded(4),
    env: { AWS_REGION: 'us-east-1' },
    readConfig: async () => state.config(),
    readAwsFiles: async () => state.files(),
    upstream,
    writer,
    credentialsFile: '/home/test/.aws/credentials',
    oidc: new FakeSsoOidc(clock),
    ssoCache,
    alert: (a) => alerts.push(a),
  })
  t.teardown(() => daemon.stop())
  const errors = () => logger.entries.filter((e) => e.level === 'error')
  return { clock, upstream, writer, logger, daemon, state, errors, alerts, ssoCache }
}

t.test('zero config keeps only temporary profiles: roles and SSO, not keys, not settings', async (t) => {
  const { clock, upstream, daemon, writer, errors } = setup(
    t,
    {},
    {
      ...baseProfiles(),
      broken: { role_arn: 'arn:aws:iam::123456789012:role/x', source_profile: 'nowhere' },
    },
  )
  await daemon.start()
  await clock.advance(0)
  t.same(daemon.view().wanted.sort(), ['broken', 'role', 'sso'], 'a broken role profile is kept to be reported')
  t.ok(upstream.callsFor('assume-role:role').length >= 1, 'role fetched')
  t.ok(upstream.callsFor('sso:sso').length >= 1, 'SSO fetched')
  t.notOk(daemon.refresher.snapshot().roots.has('keys'), 'static keys are only a source, not kept for themselves')
  t.equal(writer.writes.length, 0, 'no writeTo, nothing written')
  t.match(
    errors().map((e) => e.msg),
    [/profile "broken".*nowhere/],
    'only the broken profile is an error; settings is not',
  )
})

t.test("status carries each profile's own region (exec and env pass it on)", async (t) => {
  const profiles = baseProfiles()
  profiles.role = { ...profiles.role!, region: ' ap-southeast-2 ' }
  const { daemon, clock } = setup(t, { profiles: [{ profile: 'role' }, { profile: 'sso' }] }, profiles)
  await daemon.start()
  await clock.advance(0)
  const byName = new Map(daemon.status().profiles.map((p) => [p.profile, p]))
  t.equal(byName.get('role')?.region, 'ap-southeast-2', 'its own setting, trimmed')
  t.notOk('region' in byName.get('sso')!, "none set: none claimed (not the source profile's, not the SSO region)")
})

t.test('zero config with no temporary profile says it is waiting', async (t) => {
  const { daemon, logger, upstream, clock } = setup(t, {}, { keys: { ...KEYS }, settings: { region: 'eu-west-1' } })
  await daemon.start()
  await clock.advance(HOUR)
  t.same(daemon.view().wanted, [])
  t.equal(upstream.calls.length, 0)
  t.ok(logger.entries.some((e) => /no profiles with temporary credentials/.test(e.msg)))
})

t.test('configured profiles are written to their writeTo and renewed', async (t) => {
  const { clock, upstream, daemon, writer } = setup(t, { profiles: [{ profile: 'role', writeTo: 'app' }, { profile: 'sso' }] })
  await daemon.start()
  await clock.advance(0)
  t.same(daemon.view().wanted, ['role', 'sso'])
  const first = writer.sections.get('app')
  t.match(first?.accessKeyId, /^ASIA/)
  t.equal(first?.accessKeyId, daemon.refresher.current('role')?.accessKeyId, 'the credentials the refresher holds')
  t.same([...writer.sections.keys()], ['app'], 'sso has no writeTo: kept fresh, not written')
  await clock.advance(2 * HOUR)
  t.ok(upstream.callsFor('assume-role:role').length >= 3, 'renewed over two hours')
  t.not(writer.sections.get('app')?.accessKeyId, first?.accessKeyId, 'renewals are written')
})

t.test('a writeTo naming a profile in a chain: a config error at start, a logged error after an edit', async (t) => {
  const { clock, daemon, writer, errors } = setup(t, { profiles: [{ profile: 'role', writeTo: 'keys' }] })
  await t.rejects(daemon.start(), { name: 'ConfigError', message: /writeTo "keys" of profile "role" is itself a profile.*fix: / })
  t.same(
    errors().map((e) => e.msg),
    [],
    'said once, by the thrown error (run prints it), not also logged',
  )
  await clock.advance(HOUR)
  t.notOk(writer.sections.has('keys'), "the source profile's section is never overwritten")

  // Started fine; then ~/.aws is edited so that [app] becomes the source of the chain.
  const later = setup(t, { profiles: [{ profile: 'role', writeTo: 'app' }] })
  await later.daemon.start()
  await later.clock.advance(1000)
  later.state.files = () =>
    filesOf({ ...baseProfiles(), app: { ...KEYS }, role: { role_arn: 'arn:aws:iam::123456789012:role/app', source_profile: 'app' } })
  await later.daemon.reloadAwsFiles('files')
  await later.clock.advance(HOUR)
  t.ok(later.daemon.refresher.current('role'), 'the profile itself is still kept fresh')
  t.match(
    later.errors().map((e) => e.msg),
    [/writeTo "app" of profile "role".*fix: /],
  )
})

t.test('~/.aws unreadable on reload: the last good state keeps running and the error is logged once', async (t) => {
  const { clock, upstream, daemon, writer, state, errors } = setup(t, { profiles: [{ profile: 'role', writeTo: 'app' }] })
  await daemon.start()
  await clock.advance(0)
  state.files = () => {
    throw new AwsFileError(
      '/home/test/.aws/config',
      'cannot read /home/test/.aws/config: permission denied',
      'chmod 600 /home/test/.aws/config',
    )
  }
  await daemon.reloadAwsFiles()
  await daemon.reloadAwsFiles()
  const calls = upstream.callsFor('assume-role:role').length
  const before = writer.sections.get('app')?.accessKeyId
  await clock.advance(3 * HOUR)
  t.ok(upstream.callsFor('assume-role:role').length >= calls + 2, 'still renewed on the clock')
  t.not(writer.sections.get('app')?.accessKeyId, before, 'and written')
  t.ok(daemon.view().graph?.roots.has('role'))
  const fileErrors = errors().filter((e) => /permission denied/.test(e.msg))
  t.equal(fileErrors.length, 1, 'the same failure is logged once')
  t.match(fileErrors[0]!.msg, /keeping the last good state/)
})

t.test('a profile that becomes unresolvable keeps its last good chain, still renewed, and the error is logged', async (t) => {
  const profiles = baseProfiles()
  const { clock, upstream, daemon, writer, state, errors } = setup(
    t,
    { profiles: [{ profile: 'role', writeTo: 'app' }, { profile: 'sso' }] },
    profiles,
  )
  await daemon.start()
  await clock.advance(0)
  // A half-saved edit: source_profile now names a profile that does not exist.
  state.files = () => filesOf({ ...profiles, role: { ...profiles.role!, source_profile: 'kyes' } })
  await daemon.reloadAwsFiles()
  t.match(
    errors().map((e) => e.msg),
    [/source_profile = kyes/],
    'the error names the bad value',
  )
  t.match(daemon.errors().get('role'), { code: 'ProfileNotFound' })
  t.equal(daemon.view().graph?.roots.get('role'), 'assume-role:role', 'the old chain is kept')
  const calls = upstream.callsFor('assume-role:role').length
  const before = writer.sections.get('app')?.accessKeyId
  await clock.advance(3 * HOUR)
  t.ok(upstream.callsFor('assume-role:role').length >= calls + 2, 'still renewed')
  t.not(writer.sections.get('app')?.accessKeyId, before, 'and still written')
  t.notOk(
    writer.writes.some((w) => w.section === 'app' && w.credentials === null),
    'never withdrawn from the file',
  )
  // The edit is finished: the error goes away.
  state.files = () => filesOf(profiles)
  await daemon.reloadAwsFiles()
  t.equal(daemon.errors().size, 0)
})

t.test('reloadConfig with a config that cannot be read keeps the old one', async (t) => {
  const { clock, daemon, writer, state, errors } = setup(t, { profiles: [{ profile: 'role', writeTo: 'app' }], refresh: { before: '25m' } })
  await daemon.start()
  await clock.advance(0)
  const old = daemon.view().config
  state.config = () => {
    throw new ConfigError('config.json: refresh.befor: unknown key (did you mean "before"?)')
  }
  t.equal(await daemon.reloadConfig(), false)
  t.equal(daemon.view().config, old, 'the same config object')
  t.equal(daemon.view().config.refresh.before, 25 * 60_000)
  t.same(daemon.view().wanted, ['role'])
  t.match(errors().at(-1)?.msg, /refresh\.befor.*keeping the previous config/)
  const before = writer.sections.get('app')?.accessKeyId
  await clock.advance(2 * HOUR)
  t.not(writer.sections.get('app')?.accessKeyId, before, 'still written to the old writeTo')
})

t.test('adding a writeTo on reload writes the current credentials at once, without a renewal', async (t) => {
  const { clock, upstream, daemon, writer, state } = setup(t, { profiles: [{ profile: 'role' }, { profile: 'sso' }] })
  await daemon.start()
  await clock.advance(0)
  t.equal(writer.writes.length, 0)
  const held = daemon.refresher.current('role')
  const calls = upstream.calls.length
  state.config = () =>
    parseConfig(
      {
        profiles: [
          { profile: 'role', writeTo: 'app' },
          { profile: 'sso', writeTo: 'dev' },
        ],
      },
      'config.json',
    )
  t.equal(await daemon.reloadConfig(), true)
  await clock.advance(0)
  t.equal(upstream.calls.length, calls, 'no new upstream call')
  t.equal(writer.sections.get('app')?.accessKeyId, held?.accessKeyId, 'the held credentials, written now')
  t.equal(writer.sections.get('dev')?.accessKeyId, daemon.refresher.current('sso')?.accessKeyId)
  // Reloading the same config again does not write again.
  const writes = writer.writes.length
  await daemon.reloadConfig()
  await clock.advance(0)
  t.equal(writer.writes.length, writes, 'an unchanged writeTo is not rewritten')
})

// BUG (reported): install() replaces the output's targets before the refresher
// withdraws the dropped profile, so the withdrawal (null) finds no target.
t.test('a profile dropped from the config has its section withdrawn', async (t) => {
  const { clock, daemon, writer, state } = setup(t, { profiles: [{ profile: 'role', writeTo: 'app' }, { profile: 'sso' }] })
  await daemon.start()
  await clock.advance(0)
  t.ok(writer.sections.get('app'))
  state.config = () => parseConfig({ profiles: [{ profile: 'sso' }] }, 'config.json')
  await daemon.reloadConfig()
  await clock.advance(0)
  t.same(daemon.view().wanted, ['sso'])
  t.equal(writer.sections.get('app'), null, 'its credentials are removed from [app], not left to expire there')
})

// Regression (review): every write of the credentials file fired the watcher, and
// the reload retried every failing profile at once, so a permanent AccessDenied was
// retried after each renewal of any other profile.
t.test("aws-credd's own writes neither re-plan nor retry failing profiles", async (t) => {
  const { clock, upstream, daemon, state } = setup(t, { profiles: [{ profile: 'role', writeTo: 'app' }, { profile: 'sso' }] })
  upstream.fault.set('sso:sso', 'permanent')
  await daemon.start()
  await clock.advance(1000)
  t.equal(upstream.callsFor('sso:sso').length, 1)
  // What the file holds after aws-credd wrote [app]: only that section differs.
  const written = {
    ...baseProfiles(),
    app: { aws_access_key_id: 'ASIAEXAMPLEEXAMPLE01', aws_secret_access_key: 'x'.repeat(40), aws_session_token: 'y'.repeat(60) },
  }
  state.files = () => filesOf(written)
  for (let i = 0; i < 5; i++) {
    await daemon.reloadAwsFiles('files')
    await clock.advance(1000)
  }
  t.equal(upstream.callsFor('sso:sso').length, 1, 'the refused SSO profile was not retried')
  t.equal(upstream.callsFor('assume-role:role').length, 1, 'nothing was re-fetched')
  // A real edit by a person does retry it.
  state.files = () => filesOf({ ...written, extra: { region: 'us-west-2' } })
  await daemon.reloadAwsFiles('files')
  await clock.advance(1000)
  t.equal(upstream.callsFor('sso:sso').length, 2, 'a change made by a person retries it')
  // A login (a change in the SSO cache) retries SSO chains only.
  await daemon.reloadAwsFiles('sso-cache')
  await clock.advance(1000)
  t.equal(upstream.callsFor('sso:sso').length, 3)
  t.equal(upstream.callsFor('assume-role:role').length, 1)
})

// Regression (new-user test): a restored backup of ~/.aws put old keys back into
// [app]; they stayed there, expired, until the next scheduled renewal.
t.test('a section overwritten by another program is rewritten at once with the credentials held', async (t) => {
  const { clock, upstream, daemon, state, writer } = setup(t, { profiles: [{ profile: 'role', writeTo: 'app' }] })
  await daemon.start()
  await clock.advance(1000)
  const held = daemon.refresher.current('role')!
  t.equal(writer.sections.get('app')?.accessKeyId, held.accessKeyId)
  const writesBefore = writer.writes.length
  // Our own write read back: nothing to do.
  state.files = () => filesOf({ ...baseProfiles(), app: { aws_access_key_id: held.accessKeyId, aws_secret_access_key: 'x'.repeat(40) } })
  await daemon.reloadAwsFiles('files')
  await clock.advance(1000)
  t.equal(writer.writes.length, writesBefore, 'no write for our own content')
  // A backup restored with old keys in [app].
  state.files = () =>
    filesOf({ ...baseProfiles(), app: { aws_access_key_id: 'ASIAOLDOLDOLDOLDOLD1', aws_secret_access_key: 'x'.repeat(40) } })
  await daemon.reloadAwsFiles('files')
  await clock.advance(1000)
  t.equal(writer.writes.length, writesBefore + 1, 'rewritten')
  t.equal(writer.sections.get('app')?.accessKeyId, held.accessKeyId, 'with the credentials held now')
  t.equal(upstream.callsFor('assume-role:role').length, 1, 'without a new renewal')
})

t.test('a wall-clock jump of two hours (resume from suspend) is followed by renewals within 30 seconds', async (t) => {
  for (const viaCron of [true, false]) {
    const { clock, upstream, daemon, writer } = setup(t, { profiles: [{ profile: 'role', writeTo: 'app' }] })
    await daemon.start()
    await clock.advance(0)
    const before = upstream.callsFor('assume-role:role').length
    const held = writer.sections.get('app')
    // The machine slept: the wall clock is two hours on, the (monotonic) timers are not.
    clock.jump(2 * HOUR)
    if (viaCron) daemon.wake() // the 30-second wall-clock cron tick
    await clock.advance(viaCron ? 0 : 30_000)
    t.ok(
      upstream.callsFor('assume-role:role').length > before,
      `renewed ${viaCron ? 'at the cron tick' : 'within 30 s by the capped timer'}`,
    )
    const now = writer.sections.get('app')
    t.not(now?.accessKeyId, held?.accessKeyId)
    t.ok((now?.expiresAt ?? 0) > clock.now(), 'what the file holds is valid again')
    daemon.stop()
  }
})

t.test('a writeTo section that botocore would not read (its profile has role_arn) is written, with one warning', async (t) => {
  const { daemon, writer, state, clock, logger } = setup(t, { profiles: [{ profile: 'role', writeTo: 'dev' }] })
  state.files = () => filesOf({ ...baseProfiles(), dev: { role_arn: 'arn:aws:iam::123456789012:role/dev', source_profile: 'keys' } })
  await daemon.start()
  await clock.advance(1000)
  t.match(writer.sections.get('dev')?.accessKeyId, /^ASIA/, 'still written: the JS SDK reads static keys first')
  const warned = () =>
    logger.entries.filter(
      (e) =>
        e.level === 'warn' && /writeTo "dev" of profile "role".*botocore and the AWS CLI use the assume-role provider.*fix: /.test(e.msg),
    )
  t.equal(warned().length, 1)
  await daemon.reloadAwsFiles('files')
  await clock.advance(1000)
  t.equal(warned().length, 1, 'not repeated while nothing changed')
})
