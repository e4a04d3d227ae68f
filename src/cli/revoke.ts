// `aws-credd revoke NAME`: ends a grant at once; its token is refused (401) from the
// next request on. Consumers from the config are ended by editing the config or
// rotating their token file instead.
import { askDaemon, controlSocket } from './control-client.js'
import type { Command } from './command.js'
import { grantFailure } from './grant-client.js'

export interface RevokeOptions {
  name: string
}

export const revokeCommand: Command<RevokeOptions> = {
  validate: (opts) => opts,
  run: async ({ name }, { io, env }) => {
    const answer = await askDaemon(controlSocket(env), 'DELETE', `/v1/grants/${encodeURIComponent(name)}`)
    if (answer.status !== 200) {
      const { code, message } = grantFailure(answer)
      io.stderr(`aws-credd revoke: ${message}`)
      return code
    }
    io.stderr(`aws-credd revoke: grant "${name}" ended; its token no longer opens anything`)
    return 0
  },
}
