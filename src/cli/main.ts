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

  program
    .command('login')
    .description('log in to an SSO session with the device flow and write the token where `aws sso login` does')
    .option('--sso-session <name>', 'the [sso-session NAME] to log in to')
    .option('--profile <name>', 'a profile whose SSO session to log in to (default: $AWS_PROFILE, or the only session)')
    .option('--no-browser', 'print the link instead of opening a browser')
    .action(async (opts: { ssoSession?: string; profile?: string; browser: boolean }) => {
      const { loginCommand } = await import('./login.js')
      process.exit(await loginCommand(opts))
    })

  program
    .command('mfa')
    .description('give the running daemon a code from the MFA device of PROFILE (profiles with mfa_serial)')
    .argument('<profile>', 'the profile whose chain has mfa_serial')
    .argument('<code>', 'the six digits the device shows now')
    .action(async (profile: string, code: string) => {
      const { mfaCommand } = await import('./mfa.js')
      process.exit(await mfaCommand(profile, code))
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
