// The engine of a running daemon with its real adapters: the AWS SDK upstream (behind the
// guard that checks what it hands back), the credentials-file writer, SSO-OIDC and the SSO
// token cache, the ~/.aws reader. The engine decides; these are how its decisions reach the world.
import type { Alert } from '../core/alert.js'
import { AwsSsoOidc } from '../aws/sso-oidc.js'
import { AwsUpstream } from '../aws/upstream.js'
import type { Config } from '../core/config/schema.js'
import { Daemon } from '../engine/daemon.js'
import type { EngineEvent } from '../engine/ports.js'
import { guardUpstream } from '../engine/guarded-upstream.js'
import type { MfaCodes } from '../engine/mfa-codes.js'
import type { Clock, Logger, SecretSink } from '../engine/ports.js'
import { readAwsFiles, type AwsPaths } from '../files/aws-config-files.js'
import { CredentialsFileWriter } from '../files/credentials-file.js'
import { ssoCacheStore, ssoTokenFiles } from '../files/sso-cache.js'

export interface EngineDeps {
  clock: Clock
  logger: Logger
  env: NodeJS.ProcessEnv
  paths: AwsPaths
  /** Where every key and token the engine handles is registered, so no log line, answer or alert shows it. */
  secrets: SecretSink
  readConfig: () => Promise<Config>
  /** Where `aws-credd mfa` codes wait for the upstream. */
  mfaCodes: MfaCodes
  /** The MFA session length of the current config, in seconds (it follows reloads). */
  mfaSessionSeconds: () => number
  alert: (a: Alert) => void
  onEvent: (e: EngineEvent) => void
}

/** The daemon (not started) wired to the real AWS, files and SSO cache. */
export const realDaemon = (deps: EngineDeps): Daemon => {
  const { clock, logger, env, paths, mfaCodes } = deps
  return new Daemon({
    clock,
    logger,
    random: Math.random,
    env,
    readConfig: deps.readConfig,
    readAwsFiles: () => readAwsFiles(env),
    upstream: guardUpstream(
      new AwsUpstream({
        ...paths,
        ssoTokens: ssoTokenFiles(paths.ssoCacheDir),
        now: () => clock.now(),
        secrets: deps.secrets,
        mfaCodes,
        mfaSessionSeconds: deps.mfaSessionSeconds,
      }),
      clock,
      deps.secrets,
    ),
    mfaCodes,
    writer: new CredentialsFileWriter({ path: paths.credentialsFile }),
    credentialsFile: paths.credentialsFile,
    oidc: new AwsSsoOidc(() => clock.now()),
    ssoCache: ssoCacheStore(paths.ssoCacheDir),
    alert: deps.alert,
    onEvent: deps.onEvent,
    secrets: deps.secrets,
  })
}
