// A test per source file where it makes sense: every src/X.ts has test/X.test.ts, or an entry
// below saying why not (types only, a thin wrapper) and which test covers it instead. A new
// file without either fails here by name; so does an entry whose file is gone or now has its
// own test, so the list stays true. (The coverage report, `npm run coverage`, lists every src
// file with its numbers, 0% for one no test loads.)
import t from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** src file (relative to src/) → why it has no test of its own, and what covers it. */
const NO_MIRROR: Record<string, string> = {
  // Types and one pure helper covered where alerts are cleaned and sent.
  'core/alert.ts': 'test/engine/alert-dispatcher.test.ts, test/alerts/webhook-channel.test.ts, test/alerts/command-channel.test.ts',
  // The config schema, split by job: one test file checks them together, as the file is read.
  'core/config/fields.ts': 'test/core/config-schema.test.ts',
  'core/config/schema.ts': 'test/core/config-schema.test.ts, test/core/config-schema-file.test.ts',
  'core/config/messages.ts': 'test/core/config-schema.test.ts',
  'core/config/json-schema.ts': 'test/core/config-schema-file.test.ts',
  'engine/control-api.ts': 'test/root/control-answers.test.ts (the lookup behind every answer)',
  // The composition root: wiring, proved by driving the real daemon.
  'root/running-daemon.ts': 'test/integration/* (every daemon test runs it)',
  'root/engine.ts': 'test/integration/lifecycle.test.ts, test/integration/sources.test.ts',
  'root/access.ts': 'test/integration/consumers.test.ts',
  'root/alerting.ts': 'test/integration/sso-session.test.ts, test/integration/mfa.test.ts',
  'root/control-socket.ts': 'test/cli/daemon.test.ts, test/integration/trust-path.test.ts',
  'root/live-table.ts': 'test/integration/demo.test.ts, test/cli/live-frame.test.ts',
  'root/logging.ts': 'test/integration/node-warnings.test.ts, test/integration/planted-secrets.test.ts',
  'root/serving.ts': 'test/integration/serving.test.ts',
  'root/shutdown.ts': 'test/integration/lifecycle.test.ts, test/integration/systemd-notify.test.ts',
  'root/systemd-supervision.ts': 'test/integration/systemd-notify.test.ts',
  'root/watchers.ts': 'test/integration/watch-and-recover.test.ts, test/integration/consumers.test.ts',
  // Types and constants only: nothing to run.
  'core/credentials.ts': 'types and tiny helpers; test/aws/upstream.test.ts, test/serve/container-endpoint.test.ts',
  'core/doctor/facts.ts': 'types only; the doctor rule tests under test/core/doctor/',
  'engine/ports.ts': "types only (the engine's ports)",
  'serve/credential-lookup.ts': 'types and one helper; test/serve/imds-endpoint.test.ts, test/serve/js-sdk-clients.test.ts',
  'serve/index.ts': 're-exports only',
  'files/fs-ops.ts': 'the real fs behind a seam; test/files/atomic-write.test.ts, test/files/credentials-file.test.ts',
  // Small helpers covered through the module that uses them.
  'alerts/channel-error.ts': 'test/alerts/command-channel.test.ts, test/alerts/webhook-channel.test.ts',
  'alerts/format.ts': 'test/alerts/*-channel.test.ts, test/engine/alert-dispatcher.test.ts',
  'aws/client-config.ts': 'test/aws/upstream.test.ts (every SDK client is built through it)',
  'aws/doctor-probes.ts': 'test/aws/doctor-key-check.test.ts, test/cli/doctor.test.ts',
  'aws/sso-oidc.ts': 'test/engine/sso-keeper.test.ts (fake), test/integration/sso-session.test.ts (against the emulator)',
  'aws/sso-role-credentials.ts': 'test/aws/upstream.test.ts, test/integration/sso-session.test.ts',
  'core/aws-time.ts': 'test/core/sso-token.test.ts, test/engine/sso-alerts.test.ts',
  'core/listen-address.ts': 'test/core/config-schema.test.ts',
  'core/python-json.ts': 'test/core/sso-token.test.ts (bytes compared with python3)',
  'core/doctor/context.ts': 'the rule tests under test/core/doctor/',
  'core/doctor/findings.ts': 'test/core/doctor/index.test.ts and the rule tests',
  'engine/device-login.ts': 'test/engine/sso-keeper.test.ts, test/integration/sso-session.test.ts',
  'engine/event-log.ts': 'test/engine/daemon.test.ts',
  'engine/guarded-upstream.ts': 'test/aws/upstream.test.ts',
  'engine/mfa-codes.ts': 'test/engine/daemon.test.ts, test/integration/mfa.test.ts',
  'engine/profile-alerts.ts': 'test/engine/daemon.test.ts, test/integration/mfa.test.ts',
  'files/doctor-facts.ts': 'test/cli/doctor.test.ts, test/cli/doctor-clients.test.ts',
  'serve/runtime-paths.ts': 'test/serve/runtime-dir.test.ts, test/cli/doctor.test.ts',
  'files/sso-cache.ts': 'test/engine/sso-keeper.test.ts, test/files/foreign-symlink.test.ts, test/integration/sso-session.test.ts',
  'runtime/clock.ts': 'the real clock (tests use test/helpers/fake-clock.ts); test/cli/commands.test.ts',
  'alerts/find-executable.ts': 'test/alerts/desktop-channel.test.ts, test/integration/moto.test.ts',
  'runtime/systemd-notify.ts': 'test/integration/systemd-notify.test.ts',
  'serve/credential-body.ts': 'test/serve/container-endpoint.test.ts, test/serve/imds-endpoint.test.ts (and the SDK/botocore client tests)',
  'serve/imds-sessions.ts': 'test/serve/imds-endpoint.test.ts',
  'serve/reply.ts': 'test/serve/container-endpoint.test.ts, test/serve/control-server.test.ts, test/serve/metrics-endpoint.test.ts',
  'serve/request-handler.ts': 'test/serve/container-endpoint.test.ts, test/serve/control-server.test.ts',
  // Commands: tested by driving real argv against the build (test/cli/commands.test.ts, test/cli/daemon.test.ts, test/integration/*).
  'cli/main.ts': 'the entry point; every test that runs dist/cli/main.js (test/helpers/sandbox.ts runCli)',
  'cli/program.ts': 'test/cli/commands.test.ts (argv parsing), test/integration/*',
  'cli/control-client.ts': 'test/cli/daemon.test.ts, test/serve/runtime-dir.test.ts, test/integration/trust-path.test.ts',
  'cli/demo.ts': 'test/integration/demo.test.ts',
  'cli/doctor-format.ts': 'test/cli/doctor.test.ts',
  'cli/env.ts': 'test/cli/env-format.test.ts, test/cli/commands.test.ts, test/cli/daemon.test.ts',
  'cli/exec.ts': 'test/cli/commands.test.ts, test/cli/daemon.test.ts',
  'cli/grant.ts': 'test/cli/grant-options.test.ts, test/integration/consumers.test.ts',
  'cli/grants.ts': 'test/cli/grant-options.test.ts, test/integration/consumers.test.ts',
  'cli/login.ts': 'test/integration/sso-session.test.ts',
  'cli/mfa.ts': 'test/integration/mfa.test.ts',
  'cli/process.ts': 'test/cli/process-light.test.ts, test/cli/commands.test.ts, test/cli/daemon.test.ts',
  'cli/revoke.ts': 'test/integration/consumers.test.ts',
  'cli/run.ts': 'test/integration/* (every daemon test runs it)',
  'cli/status.ts': 'test/cli/status-format.test.ts, test/cli/commands.test.ts, test/cli/daemon.test.ts',
  'cli/token-file.ts': 'test/cli/commands.test.ts, test/integration/consumers.test.ts',
  'demo/run-demo.ts': 'test/integration/demo.test.ts, test/demo/scenario.test.ts',
  // The emulator is test infrastructure itself: every test against it exercises it.
  'emulator/emulator.ts': 'test/emulator/*.test.ts and every integration test',
  'emulator/http.ts': 'test/emulator/*.test.ts',
  'emulator/ids.ts': 'test/emulator/sts.test.ts, test/emulator/sso.test.ts',
  'emulator/sigv4-verify.ts': 'test/emulator/sts.test.ts, test/emulator/python.test.ts (boto3 signatures)',
  'emulator/sso-oidc.ts': 'test/emulator/sso.test.ts, test/integration/sso-session.test.ts',
  'emulator/sso-portal.ts': 'test/emulator/sso.test.ts',
  'emulator/state.ts': 'test/emulator/*.test.ts',
}

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  )

t.test('every src file has a test mirroring it, or says what covers it', async (t) => {
  const src = join(ROOT, 'src')
  const files = sources(src)
    .map((f) => relative(src, f).split('\\').join('/'))
    .sort()
  const mirrored = (f: string): boolean => existsSync(join(ROOT, 'test', f.replace(/\.ts$/, '.test.ts')))
  t.ok(files.length > 50, `src/ was found (${files.length} files)`)
  t.same(
    files.filter((f) => !mirrored(f) && !(f in NO_MIRROR)),
    [],
    'src files with neither test/<same path>.test.ts nor an entry in NO_MIRROR (test/docs/test-per-source.test.ts): add a test, or an entry naming what covers it',
  )
  t.same(
    Object.keys(NO_MIRROR).filter((f) => !files.includes(f)),
    [],
    'NO_MIRROR entries whose file is gone: remove them',
  )
  t.same(
    Object.keys(NO_MIRROR).filter((f) => files.includes(f) && mirrored(f)),
    [],
    'NO_MIRROR entries that now have their own test: remove them',
  )
  const named = Object.values(NO_MIRROR).flatMap((why) => why.match(/test\/[\w./-]+\.test\.ts/g) ?? [])
  t.same(
    named.filter((p) => !existsSync(join(ROOT, p))),
    [],
    'every test named as covering a file exists',
  )
})
