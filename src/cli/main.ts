#!/usr/bin/env node
// The aws-credd command line. Each command lives in its own file and is loaded
// only when used, so short-lived commands start fast.
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'

const version = (): string => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

export const buildProgram = (): Command => {
  const program = new Command()
  program
    .name('aws-credd')
    .description('Keeps temporary AWS credentials fresh for programs that cannot refresh them themselves.')
    .version(version(), '-v, --version')
    .showHelpAfterError('(run `aws-credd --help` for usage)')
    .exitOverride()

  program
    .command('run')
    .description('run the daemon in the foreground until SIGINT or SIGTERM')
    .option('-c, --config <file>', 'config file (default: $XDG_CONFIG_HOME/aws-credd/config.json when present)')
    .option('--log-level <level>', 'error | warn | info | debug (overrides the config)')
    .option('--log-format <format>', 'auto | text | json (overrides the config)')
    .action(async (opts: { config?: string; logLevel?: string; logFormat?: string }) => {
      const { runCommand } = await import('./run.js')
      // Exit explicitly: idle keep-alive sockets of SDK clients must not hold a stopped daemon open.
      process.exit(await runCommand(opts))
    })

  return program
}

// The SDK prints a multi-line notice about Node 20 to stderr, which breaks JSON log
// lines; `run` logs the same advice as one line instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const main = async (): Promise<void> => {
  try {
    await buildProgram().parseAsync(process.argv)
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 2 like a bad config.
      process.exitCode = e.exitCode === 0 ? 0 : 2
      return
    }
    process.stderr.write(`aws-credd: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  }
}

await main()
