// `aws-credd demo`: see the daemon at work without an AWS account (src/demo/).
import { ConfigError, errorLine } from '../core/errors.js'
import { UsageError, type Command } from './command.js'

export interface DemoCommandOptions {
  lifetime: string
  tty: boolean
}

export const demoCommand: Command<DemoCommandOptions, { lifetime: number; tty: boolean }> = {
  validate: (opts) => {
    const lifetime = Number(opts.lifetime)
    // Below 10 s the renewals and SSO refreshes would overlap into noise; above an hour nothing happens on screen.
    if (!Number.isInteger(lifetime) || lifetime < 10 || lifetime > 3600) {
      return new UsageError(
        `aws-credd demo: ${errorLine(new ConfigError(`--lifetime ${opts.lifetime}: expected whole seconds from 10 to 3600`, 'leave it out for 60'))}`,
      )
    }
    return { lifetime, tty: opts.tty }
  },
  run: async (input, { io }) => {
    try {
      const { runDemo } = await import('../demo/run-demo.js')
      return await runDemo(input)
    } catch (e) {
      io.stderr(`aws-credd demo: ${errorLine(e)}`)
      return 2
    }
  },
}
