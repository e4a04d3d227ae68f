// `aws-credd demo`: the project's own AWS emulator on loopback, a throwaway home
// with the sample ~/.aws of ./scenario.ts, and a real `aws-credd run` child
// pointed at both. Nothing outside the temporary folder is read or written: the
// child's HOME, XDG folders and AWS_* variables all point into it, and the real
// environment's AWS_* variables are dropped. Ctrl-C stops the daemon (which
// closes its listeners), then the emulator, then removes the folder.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmulator } from '../emulator/emulator.js'
import { ssoCacheFile, writeSsoToken } from '../files/sso-cache.js'
import { demoIntro, demoScenario, type DemoIdentities } from './scenario.js'

export interface DemoOptions {
  /** Seconds every credential and SSO access token lives (default 60). */
  lifetime: number
  /** false: plain log lines (passed to `run` as --no-tty). */
  tty: boolean
  out?: NodeJS.WritableStream
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url))
const SSO_ACCOUNT = '111122223333'
const SSO_ROLE = 'DemoReadOnly'

export const runDemo = async (opts: DemoOptions): Promise<number> => {
  const out = opts.out ?? process.stdout
  // A short path: unix sockets of the runtime folder must stay under 108 bytes.
  const home = mkdtempSync(join(tmpdir(), 'aws-credd-demo-'))
  const removeHome = (): void => rmSync(home, { recursive: true, force: true })
  // Also on a crash: the demo promises to leave nothing behind.
  process.once('exit', removeHome)
  const emulator = await startEmulator({ credentialLifetimeSeconds: opts.lifetime, accessTokenLifetimeSeconds: opts.lifetime })
  try {
    const user = emulator.addUser('demo-user')
    const role = emulator.addRole({ name: 'demo-role', trust: [user.arn] })
    const chained = emulator.addRole({ name: 'demo-chained', trust: [role.arn], externalId: 'demo-external-id' })
    emulator.addSsoAccountRole(SSO_ACCOUNT, SSO_ROLE)
    const client = emulator.registerOidcClient()
    const session = (): { accessToken: string; refreshToken: string } => ({
      accessToken: emulator.issueSsoAccessToken({ expiresInSeconds: 8 * 3600 }).accessToken,
      refreshToken: emulator.issueRefreshToken(client.clientId),
    })
    const lapsed = session()
    emulator.revokeRefreshToken(lapsed.refreshToken)
    const ids: DemoIdentities = {
      url: emulator.url,
      user,
      roleArn: role.arn,
      chainedRole: { arn: chained.arn, externalId: 'demo-external-id' },
      sso: { accountId: SSO_ACCOUNT, roleName: SSO_ROLE },
      fresh: session(),
      lapsed,
      client,
    }
    const scenario = demoScenario(ids, Date.now(), opts.lifetime)
    const aws = join(home, '.aws')
    mkdirSync(join(aws, 'sso', 'cache'), { recursive: true, mode: 0o700 })
    mkdirSync(join(home, 'run'), { mode: 0o700 })
    writeFileSync(join(aws, 'config'), scenario.awsConfig, { mode: 0o600 })
    writeFileSync(join(aws, 'credentials'), scenario.awsCredentials, { mode: 0o600 })
    for (const t of scenario.ssoTokens) await writeSsoToken(ssoCacheFile(join(aws, 'sso', 'cache'), t.cacheKey), t.token)
    const configFile = join(home, 'config.json')
    writeFileSync(configFile, JSON.stringify(scenario.daemonConfig, null, 2) + '\n', { mode: 0o600 })

    out.write(demoIntro({ url: emulator.url, home, lifetime: opts.lifetime, timeline: scenario.timeline }) + '\n')
    return await runDaemon(
      ['run', '--config', configFile, '--log-format', 'text', ...(opts.tty ? [] : ['--no-tty'])],
      demoEnv(home, emulator.url),
    )
  } finally {
    await emulator.close()
    removeHome()
    process.off('exit', removeHome)
    out.write(`aws-credd demo: stopped the daemon and the emulator; removed ${home}\n`)
  }
}

/** The child's environment: the real one minus every AWS_ variable, plus the demo's folders. */
const demoEnv = (home: string, url: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_ENDPOINT_URL: url,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    // A daemon the user already runs keeps 127.0.0.1:9911; the demo takes any free port.
    AWS_CREDD_SERVER_LISTEN: '127.0.0.1:0',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
}

/**
 * Runs the daemon until it exits. Ctrl-C on a terminal reaches both processes (one
 * process group); the child gets SIGTERM from here as well, which its stop
 * handler treats as the same request, so a signal sent to this process alone
 * (`kill`, a test) stops the daemon too.
 */
const runDaemon = (args: string[], env: NodeJS.ProcessEnv): Promise<number> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] })
    const stop = (): void => {
      child.kill('SIGTERM')
      // The daemon stops within 2 s; never wait on it forever.
      setTimeout(() => child.kill('SIGKILL'), 5000).unref()
    }
    // SIGHUP: the terminal window was closed; the demo must still clean up after itself.
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
    for (const s of signals) process.on(s, stop)
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, stop)
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP' ? 0 : 1))
    })
  })
