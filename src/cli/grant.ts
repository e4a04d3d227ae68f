// `aws-credd grant --profile P [--profile Q] --name NAME [--ttl DURATION] [--token-file PATH] [--json]`:
// mints a token that opens the named profiles and nothing else, for a consumer (an agent,
// a devcontainer, a sandbox), printed as the environment lines to give it (KEY=value, as
// `docker run --env-file`, systemd's EnvironmentFile and `set -a; . FILE` read them), or
// as JSON. The token is shown once; the daemon keeps only its digest.
import { resolve } from 'node:path'
import { awsTimestamp } from '../core/aws-time.js'
import { durationProblem, parseDuration } from '../core/duration.js'
import { askDaemon, controlSocket } from './control-client.js'
import { UsageError, type Command, type CommandIo } from './command.js'
import { containerUrl, FULL_URI, TOKEN, TOKEN_FILE } from './env.js'
import { grantFailure, mintGrant } from './grant-client.js'
import { withFix } from '../core/errors.js'
import { fixes } from '../core/fixes.js'

export interface GrantOptions {
  profile?: string[]
  name?: string
  ttl?: string
  tokenFile?: string
  json?: boolean
}

type Input = { name: string; profiles: string[]; ttlMs?: number; tokenFile?: string; json: boolean }

/** The options checked before the daemon is asked: a problem is one line and exit 2. */
export const validateGrantOptions = (opts: GrantOptions, cwd: string = process.cwd()): Input | string => {
  if (!opts.name) return 'give the grant a name: --name NAME (it names the consumer in the audit log and in `aws-credd revoke NAME`)'
  const profiles = opts.profile ?? []
  if (profiles.length === 0) return 'name at least one profile: --profile NAME (repeat it for more)'
  let ttlMs: number | undefined
  if (opts.ttl !== undefined) {
    const problem = durationProblem(opts.ttl)
    if (problem) return `--ttl ${problem}`
    ttlMs = parseDuration(opts.ttl)
  }
  return {
    name: opts.name,
    profiles,
    json: opts.json === true,
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    ...(opts.tokenFile ? { tokenFile: resolve(cwd, opts.tokenFile) } : {}),
  }
}

export const grantCommand: Command<GrantOptions, Input> = {
  validate: (opts) => {
    const input = validateGrantOptions(opts)
    return typeof input === 'string' ? new UsageError(`aws-credd grant: ${input}`) : input
  },
  run: (input, { io, env }) => runGrant(input, io, env),
}

const runGrant = async (input: Input, io: CommandIo, env: NodeJS.ProcessEnv): Promise<number> => {
  const socket = controlSocket(env)
  const status = await askDaemon(socket, 'GET', '/v1/status')
  if (status.status !== 200) {
    const { code, message } = grantFailure(status)
    io.stderr(`aws-credd grant: ${message}`)
    return code
  }
  const endpoint = status.body.containerEndpoint as { url?: unknown } | undefined
  if (typeof endpoint?.url !== 'string') {
    io.stderr(
      `aws-credd grant: ${withFix('the running daemon serves no container endpoint, so a grant would open nothing', fixes.containerEndpoint)}`,
    )
    return 1
  }
  const minted = await mintGrant(socket, {
    name: input.name,
    profiles: input.profiles,
    kind: 'runtime',
    ...(input.ttlMs !== undefined ? { ttlMs: input.ttlMs } : {}),
    ...(input.tokenFile ? { tokenFile: input.tokenFile } : {}),
  })
  if (!minted.ok) {
    const { code, message } = grantFailure(minted.answer)
    io.stderr(`aws-credd grant: ${message}`)
    return code
  }
  const g = minted.grant
  if (input.tokenFile) {
    try {
      const { writeTokenFile } = await import('./token-file.js')
      await writeTokenFile(input.tokenFile, g.token)
    } catch (e) {
      // A grant nobody can use must not stay open.
      await askDaemon(socket, 'DELETE', `/v1/grants/${encodeURIComponent(g.name)}`)
      io.stderr(
        `aws-credd grant: ${withFix(`cannot write the token to ${input.tokenFile} (${(e as NodeJS.ErrnoException).code ?? 'error'}); the grant was withdrawn`, 'choose a --token-file in a folder you can write')}`,
      )
      return 1
    }
  }
  const urls = Object.fromEntries(g.profiles.map((p) => [p, containerUrl(endpoint.url as string, p)]))
  const vars: Record<string, string> = {
    [FULL_URI]: urls[g.profiles[0]!]!,
    ...(input.tokenFile ? { [TOKEN_FILE]: input.tokenFile } : { [TOKEN]: g.token }),
  }
  const expiresAt = g.expiresAt !== undefined ? awsTimestamp(g.expiresAt) : undefined
  if (input.json) {
    io.stdout(
      `${JSON.stringify({ name: g.name, profiles: g.profiles, expiresAt: expiresAt ?? null, tokenFile: input.tokenFile ?? null, env: vars, urls })}\n`,
    )
  } else {
    const others = g.profiles
      .slice(1)
      .map((p) => `# ${p}: ${urls[p]}\n`)
      .join('')
    io.stdout(
      `${Object.entries(vars)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n${others}`,
    )
    io.stderr(
      `aws-credd grant: "${g.name}" opens ${g.profiles.map((p) => `"${p}"`).join(', ')} ${expiresAt ? `until ${expiresAt}` : 'until revoked'}; end it with: aws-credd revoke ${g.name}`,
    )
  }
  return 0
}
