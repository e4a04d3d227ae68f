// `aws-credd grants [--json]`: the live grants (the owner's token, the config's
// consumers, those made at run time) with what they open, when they end and when they
// were last used. Never a token: the daemon does not have them.
import { awsTimestamp } from '../core/aws-time.js'
import { askDaemon, controlSocket } from './control-client.js'
import type { Command } from './command.js'
import { grantFailure } from './grant-client.js'

interface Listed {
  name: string
  kind: string
  profiles: string[]
  expiresAt?: number
  lastUsedAt?: number
  tokenFile?: string
}

const cell = (ms: number | undefined, none: string): string => (ms === undefined ? none : awsTimestamp(ms))

/** The table `grants` prints: one row per grant, columns padded to the widest cell. */
export const formatGrants = (grants: Listed[]): string => {
  const rows = [['NAME', 'KIND', 'PROFILES', 'EXPIRES', 'LAST USED']]
  for (const g of grants)
    rows.push([g.name, g.kind, g.kind === 'owner' ? '(all)' : g.profiles.join(','), cell(g.expiresAt, 'never'), cell(g.lastUsedAt, '-')])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n'
}

export interface GrantsOptions {
  json?: boolean
}

export const grantsCommand: Command<GrantsOptions> = {
  validate: (opts) => opts,
  run: async (opts, { io, env }) => {
    const answer = await askDaemon(controlSocket(env), 'GET', '/v1/grants')
    if (answer.status !== 200 || !Array.isArray(answer.body.grants)) {
      const { code, message } = grantFailure(answer)
      io.stderr(`aws-credd grants: ${message}`)
      return code
    }
    const grants = answer.body.grants as Listed[]
    io.stdout(opts.json ? `${JSON.stringify({ grants }, null, 2)}\n` : formatGrants(grants))
    return 0
  },
}
