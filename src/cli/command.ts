// The one shape every command has: commander parses argv into options (program.ts),
// `validate` checks them before any work starts (a problem is one line and exit 2),
// `run` does the work and returns the exit status. `execute` is that sequence, the same
// for every command, so tests drive a command exactly as the CLI does, with their own io.
// Kept free of imports beyond the outgoing-text gate: `aws-credd process` loads it on
// every SDK refresh.
import { outgoingText, SecretRegistry } from '../core/outgoing-text.js'

/** Where a command writes: injected by tests, the real streams otherwise. */
export interface CommandIo {
  stdout(text: string): void
  /** One line, without its newline. */
  stderr(line: string): void
}

/** The real streams, stderr redacting `secrets` (the command's own registry). */
export const commandIo = (secrets: SecretRegistry): CommandIo => ({
  stdout: (text) => void process.stdout.write(text),
  // Messages to a person (a daemon's refusal, an error): through the outgoing-text gate. Never
  // stdout, which carries what `env` and `process` print for programs (the credentials themselves).
  stderr: (line) => void process.stderr.write(`${outgoingText(line, { secrets, multiline: true })}\n`),
})

/**
 * The real streams of a command that runs without the daemon's registry (status, env, exec,
 * process, doctor, grant...): it registers no secret of its own, so its registry stays empty
 * and only secret names and shapes are redacted, besides the escapes.
 */
export const stdIo: CommandIo = commandIo(new SecretRegistry())

/** What every command is given: where to write, the environment it reads, the time. */
export interface CommandDeps {
  io: CommandIo
  env: NodeJS.ProcessEnv
  now: () => number
}

/** The exit status of a usage error (bad options), as of a bad config. */
export const USAGE_EXIT = 2

/**
 * Options a command cannot run with: `line` is the whole line printed on stderr (the
 * command's prefix and the fix included). A value returned by `validate`, never thrown.
 */
export class UsageError {
  constructor(readonly line: string) {}
}

/** A command: options (as commander parsed them) in, checked input, then the work and its exit status. */
export interface Command<Opts, Input = Opts> {
  /** Checks the options before any work: the input `run` takes, or the one line a user gets with exit 2. */
  validate(opts: Opts, deps: CommandDeps): Input | UsageError
  /** Does the work; resolves with the exit status. */
  run(input: Input, deps: CommandDeps): Promise<number>
}

/** The deps of a real run: the process's streams, environment and clock. */
export const processDeps = (): CommandDeps => ({ io: stdIo, env: process.env, now: Date.now })

/** validate → run, for every command: a usage error is its one line on stderr and exit 2; else run's status. */
export const execute = async <Opts, Input>(command: Command<Opts, Input>, opts: Opts, deps: Partial<CommandDeps> = {}): Promise<number> => {
  const all: CommandDeps = { ...processDeps(), ...deps }
  const input = command.validate(opts, all)
  if (input instanceof UsageError) {
    all.io.stderr(input.line)
    return USAGE_EXIT
  }
  return command.run(input, all)
}
