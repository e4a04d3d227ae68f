// `aws-credd process PROFILE`, for `credential_process = aws-credd process PROFILE`:
// the daemon's credentials in the credential_process JSON shape. SDKs run it on every
// refresh, so it must start fast: the AWS SDK is loaded only when no daemon keeps the
// profile and the chain has to be fetched here, once.
import { awsTimestamp } from '../core/aws-time.js'
import type { Credentials } from '../core/credentials.js'
import { errorLine, isCreddError, ProfileError, withFix } from '../core/errors.js'
import { askDaemon, controlSocket, UNTRUSTED_EXIT } from './control-client.js'
import type { Command } from './command.js'
import { fixes } from '../core/fixes.js'

/**
 * Profiles being resolved by `aws-credd process` up the process tree. A profile whose
 * credential_process is `aws-credd process` for itself would otherwise start itself
 * forever when no daemon runs.
 */
export const NESTING_VAR = 'AWS_CREDD_PROCESS_RESOLVING'

/** The credential_process shape botocore's ProcessProvider and the SDK's fromProcess read. */
export const processBody = (c: Credentials): Record<string, unknown> => ({
  Version: 1,
  AccessKeyId: c.accessKeyId,
  SecretAccessKey: c.secretAccessKey,
  ...(c.sessionToken ? { SessionToken: c.sessionToken } : {}),
  ...(c.expiresAt !== undefined ? { Expiration: awsTimestamp(c.expiresAt) } : {}),
})

/** Fetches the chain bottom link first, each link's credentials signing the next, as the daemon does. */
const resolveDirectly = async (profile: string, env: NodeJS.ProcessEnv): Promise<Credentials> => {
  // The SDK clients (the heaviest part) load while the files are read.
  const sdk = Promise.all([import('../aws/upstream.js'), import('../files/sso-cache.js')])
  sdk.catch(() => undefined) // awaited below unless the profile fails first
  const [{ awsPaths, readAwsFiles }, { buildProfileGraph }, { chainOf }] = await Promise.all([
    import('../files/aws-config-files.js'),
    import('../core/profile-graph.js'),
    import('../core/links.js'),
  ])
  const files = await readAwsFiles(env)
  const graph = buildProfileGraph(files, [profile], env)
  const error = graph.errors.get(profile)
  if (error) throw error
  const root = graph.roots.get(profile)
  if (root === undefined)
    throw new ProfileError(profile, `profile "${profile}" did not resolve to any credentials`, undefined, 'NoCredentials')
  const [{ AwsUpstream }, { ssoTokenFiles }] = await sdk
  const paths = awsPaths(env)
  const upstream = new AwsUpstream({ ...paths, ssoTokens: ssoTokenFiles(paths.ssoCacheDir), now: () => Date.now() })
  let creds: Credentials | undefined
  for (const link of chainOf(graph, root).reverse()) creds = await upstream.fetch(link, creds)
  return creds!
}

/** One line naming the profile and ending with a fix, whatever failed. */
const failureLine = (profile: string, e: unknown): string => {
  if (isCreddError(e) && e.code === 'MfaRequired') {
    return withFix(`profile "${profile}" needs an MFA code, which only the daemon can take`, fixes.mfaViaDaemon(profile))
  }
  const text = errorLine(e)
  const named = isCreddError(e) && e.namedProfile === profile ? text : `profile "${profile}": ${text}`
  return isCreddError(e) && e.fix ? named : withFix(named, fixes.checkProfile(profile))
}

export interface ProcessOptions {
  profile: string
}

export const processCommand: Command<ProcessOptions> = {
  validate: (opts) => opts,
  run: async ({ profile }, { io, env }) => {
    const answer = await askDaemon(controlSocket(env), 'GET', `/v1/credentials/${encodeURIComponent(profile)}`)
    if (answer.status === 'untrusted') {
      // Not a fallback to fetching here either: whoever squats the socket must be seen, not worked around.
      io.stderr(`aws-credd process: ${answer.reason}`)
      return UNTRUSTED_EXIT
    }
    if (answer.status === 200 && typeof answer.body.AccessKeyId === 'string') {
      io.stdout(`${JSON.stringify(answer.body)}\n`)
      return 0
    }
    if (answer.status !== 'no-daemon' && answer.status !== 404) {
      // The daemon keeps the profile but has nothing valid: its reason says what to do.
      const reason = String(answer.body.message ?? `the daemon answered ${answer.status}`)
      io.stderr(
        `aws-credd process: ${answer.body.namesProfile === true ? reason : `no valid credentials for profile "${profile}": ${reason}`}`,
      )
      return 1
    }
    // No daemon, or one that does not keep this profile: fetch it here, once.
    const resolving = (env[NESTING_VAR] ?? '').split('\n').filter(Boolean)
    if (resolving.includes(profile)) {
      io.stderr(
        `aws-credd process: ${withFix(`profile "${profile}" gets its credentials from \`aws-credd process ${profile}\` itself`, 'point its credential_process at another profile (the one that has role_arn or sso_*)')}`,
      )
      return 1
    }
    // Children started on the way (credential_process links) inherit the marker.
    const before = process.env[NESTING_VAR]
    process.env[NESTING_VAR] = [...resolving, profile].join('\n')
    try {
      const creds = await resolveDirectly(profile, { ...env, [NESTING_VAR]: process.env[NESTING_VAR] })
      io.stdout(`${JSON.stringify(processBody(creds))}\n`)
      return 0
    } catch (e) {
      io.stderr(`aws-credd process: ${failureLine(profile, e)}`)
      return 1
    } finally {
      if (before === undefined) delete process.env[NESTING_VAR]
      else process.env[NESTING_VAR] = before
    }
  },
}
