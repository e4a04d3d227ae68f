// The commands and their options (commander). Each command's code lives in its own
// file and is imported only when that command runs.
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import type { Command as CreddCommand } from './command.js'

const version = (): string => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/**
 * Exit once stdout and stderr have handed everything to the kernel: a pipe takes
 * 64 KiB at a time, and process.exit() would cut a long `doctor --json` there.
 * Exiting at all (not just setting exitCode) is what lets go of idle SDK sockets.
 */
const exitWith = async (code: number): Promise<never> => {
  const drained = (s: NodeJS.WriteStream): Promise<void> =>
    new Promise<void>((resolve) => {
      // A reader that went away (`| head`) is not our failure: exit with our own status.
      s.on('error', () => resolve())
      if (s.destroyed || s.writableLength === 0) return resolve()
      s.write('', () => resolve())
    })
  await Promise.all([drained(process.stdout), drained(process.stderr)])
  process.exit(code)
}

/**
 * The same for every command: its file is loaded only now (each command's code stays out of
 * the others' start), then validate → run, then exit with its status. Exiting at all, not just
 * returning, lets go of idle keep-alive sockets of SDK clients (a stopped daemon must not stay open).
 */
const executeLoaded = async <Opts, Input>(load: () => Promise<CreddCommand<Opts, Input>>, opts: Opts): Promise<never> => {
  const [{ execute }, command] = await Promise.all([import('./command.js'), load()])
  return exitWith(await execute(command, opts))
}

export const buildProgram = (): Command => {
  const program = new Command()
  program
    .name('aws-credd')
    .description('Keeps temporary AWS credentials fresh for programs that cannot refresh them themselves.')
    .version(version(), '-v, --version')
    .showHelpAfterError('(run `aws-credd --help` for usage)')
    .exitOverride()
    .enablePositionalOptions()

  program
    .command('run')
    .description('run the daemon in the foreground until SIGINT or SIGTERM')
    .option('-c, --config <file>', 'config file (default: $XDG_CONFIG_HOME/aws-credd/config.json when present)')
    .option('--log-level <level>', 'error | warn | info | debug (overrides the config)')
    .option('--log-format <format>', 'auto | text | json (overrides the config)')
    .option('--no-tty', 'plain log lines without the live table, even on a terminal')
    .action(async (opts: { config?: string; logLevel?: string; logFormat?: string; tty: boolean }) => {
      await executeLoaded(async () => (await import('./run.js')).runCommand, opts)
    })

  program
    .command('login')
    .description('log in to an SSO session with the device flow and write the token where `aws sso login` does')
    .option('--sso-session <name>', 'the [sso-session NAME] to log in to')
    .option('--profile <name>', 'a profile whose SSO session to log in to (default: $AWS_PROFILE, or the only session)')
    .option('--no-browser', 'print the link instead of opening a browser')
    .action(async (opts: { ssoSession?: string; profile?: string; browser: boolean }) => {
      await executeLoaded(async () => (await import('./login.js')).loginCommand, opts)
    })

  program
    .command('mfa')
    .description('give the running daemon a code from the MFA device of PROFILE (profiles with mfa_serial)')
    .argument('<profile>', 'the profile whose chain has mfa_serial')
    .argument('<code>', 'the six digits the device shows now')
    .action(async (profile: string, code: string) => {
      await executeLoaded(async () => (await import('./mfa.js')).mfaCommand, { profile, code })
    })

  program
    .command('process')
    .description(
      'print the credentials of PROFILE as credential_process JSON (for `credential_process = aws-credd process PROFILE`): from the daemon, else fetched once',
    )
    .argument('<profile>', 'the profile whose credentials to print')
    .action(async (profile: string) => {
      await executeLoaded(async () => (await import('./process.js')).processCommand, { profile })
    })

  program
    .command('env')
    .description('print the variables that point AWS SDKs at the daemon for PROFILE: eval "$(aws-credd env PROFILE)"')
    .argument('<profile>', 'the profile to serve')
    .option('--format <format>', 'sh | fish | json', 'sh')
    .action(async (profile: string, opts: { format: string }) => {
      await executeLoaded(async () => (await import('./env.js')).envCommand, { profile, ...opts })
    })

  program
    .command('exec')
    .description('run COMMAND with the credentials of PROFILE served by the daemon; exits with its status')
    .usage('PROFILE -- COMMAND [ARGS...]')
    .argument('<profile>', 'the profile to serve')
    .argument('<command...>', 'the command and its arguments, after --')
    .passThroughOptions()
    .action(async (profile: string, command: string[]) => {
      await executeLoaded(async () => (await import('./exec.js')).execCommand, { profile, command })
    })

  program
    .command('grant')
    .description(
      'mint a token that opens only the given profiles on the container endpoint, for a consumer (agent, devcontainer, sidecar); prints the environment lines to give it',
    )
    .option('--profile <name>', 'a profile the token opens (repeat for more)', (v: string, all: string[] = []) => [...all, v])
    .option('--name <name>', "the consumer's name, as the audit log, `grants` and `revoke` show it")
    .option('--ttl <duration>', 'how long it lasts, such as 20s, 30m or 12h (default: until revoked)')
    .option(
      '--token-file <path>',
      'write the token to this file (0600) and print AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE instead of the token',
    )
    .option('--json', 'print name, profiles, expiresAt, tokenFile and env as JSON')
    .action(async (opts: { profile?: string[]; name?: string; ttl?: string; tokenFile?: string; json?: boolean }) => {
      await executeLoaded(async () => (await import('./grant.js')).grantCommand, opts)
    })

  program
    .command('grants')
    .description('list the live grants (owner, config consumers, run-time grants) with what they open, when they end and their last use')
    .option('--json', 'print them as JSON')
    .action(async (opts: { json?: boolean }) => {
      await executeLoaded(async () => (await import('./grants.js')).grantsCommand, opts)
    })

  program
    .command('revoke')
    .description('end a grant at once: its token is refused from the next request on')
    .argument('<name>', 'the grant to end (aws-credd grants lists them)')
    .action(async (name: string) => {
      await executeLoaded(async () => (await import('./revoke.js')).revokeCommand, { name })
    })

  program
    .command('status')
    .description(
      'show the profiles and SSO sessions the daemon keeps; exit 0 all fresh, 1 needs attention, 2 a profile has no valid credentials, 3 no daemon',
    )
    .option('--json', "print the daemon's status view as JSON")
    .action(async (opts: { json?: boolean }) => {
      await executeLoaded(async () => (await import('./status.js')).statusCommand, opts)
    })

  program
    .command('demo')
    .description(
      'watch aws-credd at work without an AWS account: a local AWS emulator, a sample ~/.aws in a temporary folder, and the daemon; Ctrl-C removes it all',
    )
    .option('--lifetime <seconds>', 'how long credentials and SSO tokens live in the demo', '60')
    .option('--no-tty', 'plain log lines without the live table')
    .action(async (opts: { lifetime: string; tty: boolean }) => {
      await executeLoaded(async () => (await import('./demo.js')).demoCommand, opts)
    })

  program
    .command('doctor')
    .description('explain what is wrong with each profile and the environment, and the fix; exit 0 ok, 1 warnings, 2 errors')
    .option('--profile <name>', 'only this profile (and the environment, and the SSO sessions it uses)')
    .option('--json', 'print the findings as JSON')
    .option('-c, --config <file>', 'daemon config file (default: $XDG_CONFIG_HOME/aws-credd/config.json when present)')
    .option('--no-network', 'skip the endpoint, clock-skew and daemon checks')
    .action(async (opts: { profile?: string; json?: boolean; config?: string; network: boolean }) => {
      await executeLoaded(async () => (await import('./doctor.js')).doctorCommand, opts)
    })

  return program
}
