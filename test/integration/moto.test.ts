// The independent check: our own emulator could share a blind spot with the
// daemon, so the same role chain runs against moto_server, which verifies SigV4
// signatures (recomputed with botocore from the key's stored secret), session
// tokens, permission policies, trust-policy principals and a StringEquals
// sts:ExternalId condition. What moto 5.2 does NOT check: credential expiry,
// X-Amz-Date clock skew, a MISSING ExternalId (only a wrong one is refused; hence
// the /moto-api/data.json check below), and a role ARN principal matching that
// role's sessions (it compares the session ARN literally; see seedChain).
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sdkRead } from '../helpers/ini-readers.js'
import { requireOrSkip } from '../helpers/prerequisites.js'
import { assumedRoles, seedChain, startMoto } from '../helpers/moto.js'
import { runCli, runTool, sandbox, until, writeAws } from '../helpers/sandbox.js'

const EXTERNAL_ID = 'ext-moto-42'
const SESSION_A = 'credd-a'

// One flipped character: still well-formed, so only a signature check can tell.
const flip = (s: string, i = 5): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)

const sb = sandbox(t.testdir({}))
const started = await startMoto(sb.env)

if (!started.ok) {
  const failed = started
  t.test('aws-credd credentials authenticate against moto_server', async (t) => {
    // Not installed: skipped off CI, a failure under CI. Installed but not starting: always a failure.
    if (requireOrSkip(t, `moto_server (${failed.reason})`, !failed.missing)) t.fail(failed.reason)
  })
} else {
  const moto = started.moto
  t.teardown(() => moto.stop())

  t.test('a role chain with ExternalId written by aws-credd authenticates against moto_server', async (t) => {
    const chain = await seedChain(moto.url, sb.env, SESSION_A, EXTERNAL_ID)
    const account = chain.roleB.split(':')[4]
    const env = { ...sb.env, AWS_ENDPOINT_URL: moto.url }
    writeAws(
      sb,
      `[profile a]\nrole_arn = ${chain.roleA}\nsource_profile = base\nrole_session_name = ${SESSION_A}\n\n` +
        `[profile b]\nrole_arn = ${chain.roleB}\nsource_profile = a\nexternal_id = ${EXTERNAL_ID}\nrole_session_name = chain\n`,
      `[base]\naws_access_key_id = ${chain.accessKeyId}\naws_secret_access_key = ${chain.secretAccessKey}\n`,
    )
    const configPath = join(sb.home, 'credd.json')
    writeFileSync(configPath, JSON.stringify({ profiles: [{ profile: 'b', writeTo: 'app' }] }))

    const d = runCli(['run', '--config', configPath], env)
    t.teardown(() => d.stop())
    const written = await until(async () => (await sdkRead(sb.credentialsFile)).app?.aws_session_token !== undefined, 15_000)
    t.ok(written, `[app] written; daemon output:\n${d.output()}\nmoto:\n${moto.output().slice(-2000)}`)
    if (!written) return
    const app = (await sdkRead(sb.credentialsFile)).app!

    // Positive: moto recomputes the signature from the session's secret and checks the token.
    const cli = await runTool('aws', ['sts', 'get-caller-identity', '--profile', 'app', '--output', 'json'], env)
    t.equal(cli.code, 0, `aws sts get-caller-identity --profile app: ${cli.stderr.trim()}`)
    t.equal(JSON.parse(cli.stdout || '{}').Arn, `arn:aws:sts::${account}:assumed-role/B/chain`, 'moto says [app] is role B')

    // moto lets a missing ExternalId through, so read back what it was actually sent.
    const granted = await assumedRoles(moto.url)
    const toB = granted.filter((g) => g.role_arn === chain.roleB)
    t.ok(toB.length >= 1, 'moto granted role B')
    t.same(new Set(toB.map((g) => g.external_id)), new Set([EXTERNAL_ID]), 'every AssumeRole B carried the ExternalId')
    t.ok(
      granted.some((g) => g.role_arn === chain.roleA && g.session_name === SESSION_A),
      'role A assumed as the configured session',
    )

    // Negative controls: without them a permissive server would make the positive check worthless.
    const tampered = (keys: Record<string, string>): NodeJS.ProcessEnv => {
      const file = join(sb.home, `tampered-${Math.random().toString(36).slice(2)}`)
      writeFileSync(
        file,
        `[app]\n${Object.entries(keys)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
        { mode: 0o600 },
      )
      return { ...env, AWS_SHARED_CREDENTIALS_FILE: file }
    }
    const [badSecret, badToken, badExternalId] = await Promise.all([
      runTool(
        'aws',
        ['sts', 'get-caller-identity', '--profile', 'app'],
        tampered({ ...app, aws_secret_access_key: flip(app.aws_secret_access_key!) }),
      ),
      runTool(
        'aws',
        ['sts', 'get-caller-identity', '--profile', 'app'],
        tampered({ ...app, aws_session_token: flip(app.aws_session_token!, 20) }),
      ),
      // The AWS CLI itself assumes A from [base], then asks for B with the wrong ExternalId.
      runTool(
        'aws',
        ['sts', 'assume-role', '--profile', 'a', '--role-arn', chain.roleB, '--role-session-name', 'probe', '--external-id', 'wrong'],
        env,
      ),
    ])
    t.not(badSecret.code, 0, 'a corrupted secret is refused')
    t.match(badSecret.stderr, /SignatureDoesNotMatch/, 'moto checks the signature')
    t.not(badToken.code, 0, 'a corrupted session token is refused')
    t.match(badToken.stderr, /InvalidClientTokenId/, 'moto checks the session token')
    t.not(badExternalId.code, 0, 'a wrong ExternalId is refused')
    t.match(badExternalId.stderr, /AccessDenied/, 'moto checks the ExternalId condition')

    await d.stop()
  })
}
