// `aws-credd demo`: see the daemon at work without an AWS account (src/demo/).
import { ConfigError, errorLine } from '../core/errors.js'

export interface DemoCommandOptions {
  lifetime: string
  tty: boolean
}

export const demoCommand = async (opts: DemoCommandOptions): Promise<number> => {
  const lifetime = Number(opts.lifetime)
  try {
    // Below 10 s the renewals and SSO refreshes would overlap into noise; above an hour nothing happens on screen.
    if (!Number.isInteger(lifetime) || lifetime < 10 || lifetime > 3600) throw new ConfigError(`--lifetime ${opts.lifetime}: expected whole seconds from 10 to 3600`, 'leave it out for 60')
    const { runDemo } = await import('../demo/run-demo.js')
    return await runDemo({ lifetime, tty: opts.tty })
  } catch (e) {
    process.stderr.write(`aws-credd demo: ${errorLine(e)}\n`)
    return 2
  }
}
