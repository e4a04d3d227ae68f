#!/usr/bin/env node
// The aws-credd command line. `aws-credd process PROFILE` runs on every SDK
// refresh, so it skips the command-line parser entirely; everything else goes
// through commander (program.ts), which loads each command's file only when used.
import { startCompileCache } from './compile-cache.js'

// First, before any other module loads: Node 22.1+ then reads every later module
// (commander, the AWS SDK) from its code cache instead of compiling it again.
// `demo` promises to write nothing to the HOME it is started in, a cache included.
if (process.argv[2] !== 'demo') startCompileCache()

// The SDK prints a multi-line notice about Node 20 to stderr, which breaks JSON log
// lines; `run` logs the same advice as one line instead.
// `exec` loads no SDK and must hand its command the user's environment unchanged.
if (process.argv[2] !== 'exec') process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const main = async (): Promise<void> => {
  try {
    const { buildProgram } = await import('./program.js')
    await buildProgram().parseAsync(process.argv)
  } catch (e) {
    const { CommanderError } = await import('commander')
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 2 like a bad config.
      process.exitCode = e.exitCode === 0 ? 0 : 2
      return
    }
    const { outgoingText, SecretRegistry } = await import('../core/outgoing-text.js')
    const secrets = new SecretRegistry() // a command's own registered secrets are gone with it
    process.stderr.write(`aws-credd: ${outgoingText(e instanceof Error ? e.message : String(e), { secrets, multiline: true })}\n`)
    process.exitCode = 1
  }
}

const [, , command, profile, ...more] = process.argv
if (command === 'process' && profile !== undefined && !profile.startsWith('-') && more.length === 0) {
  const [{ execute }, { processCommand }] = await Promise.all([import('./command.js'), import('./process.js')])
  process.exitCode = await execute(processCommand, { profile })
} else {
  await main()
}
