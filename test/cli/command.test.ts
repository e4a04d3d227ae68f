// The one command shape (src/cli/command.ts): every command program.ts offers has a file
// of its own exporting `<name>Command` with validate and run; execute() turns a usage
// error into its one line and exit 2 without running anything, and passes run's status
// through. Then the usage errors as a user meets them: real argv through the built CLI.
import t from 'tap'
import { join } from 'node:path'
import { execute, UsageError, type Command, type CommandIo } from '../../src/cli/command.js'
import { buildProgram } from '../../src/cli/program.js'
import { runTool, sandbox } from '../helpers/sandbox.js'

const capture = () => {
  const out: string[] = []
  const err: string[] = []
  const io: CommandIo = { stdout: (s) => void out.push(s), stderr: (l) => void err.push(l) }
  return { io, out, err }
}

t.test('every command in program.ts is a module of the one shape', async (t) => {
  const names = buildProgram().commands.map((c) => c.name())
  t.same(
    [...names].sort(),
    ['demo', 'doctor', 'env', 'exec', 'grant', 'grants', 'login', 'mfa', 'process', 'revoke', 'run', 'status'],
    'the commands known today',
  )
  for (const name of names) {
    const mod = (await import(`../../src/cli/${name}.js`)) as Record<string, unknown>
    const command = mod[`${name}Command`] as Partial<Command<unknown, unknown>> | undefined
    t.type(command?.validate, 'function', `${name}: ${name}Command.validate`)
    t.type(command?.run, 'function', `${name}: ${name}Command.run`)
    // No second entry point of another shape beside it (a leftover `(profile, io, env) => …` function).
    const others = Object.entries(mod).filter(([k, v]) => k !== `${name}Command` && /Command$/.test(k) && v !== undefined)
    t.same(
      others.map(([k]) => k),
      [],
      `${name}: one command export`,
    )
  }
})

t.test('execute: a usage error is its one line on stderr and exit 2; run is not called', async (t) => {
  let ran = false
  const command: Command<{ n: string }, number> = {
    validate: (o) => (/^\d+$/.test(o.n) ? Number(o.n) : new UsageError(`aws-credd test: "${o.n}" is not a number; fix: give digits`)),
    run: async () => {
      ran = true
      return 0
    },
  }
  const c = capture()
  t.equal(await execute(command, { n: 'x' }, { io: c.io }), 2)
  t.same(c.err, ['aws-credd test: "x" is not a number; fix: give digits'], 'exactly the one line')
  t.same(c.out, [])
  t.equal(ran, false, 'nothing ran')
})

t.test("execute: run gets validate's input and the deps; its status is the exit status", async (t) => {
  const seen: Array<{ input: number; env: NodeJS.ProcessEnv; now: number }> = []
  const command: Command<{ n: string }, number> = {
    validate: (o, deps) => Number(o.n) + Number(deps.env.ADD ?? 0),
    run: async (input, deps) => {
      seen.push({ input, env: deps.env, now: deps.now() })
      deps.io.stdout('out\n')
      return input
    },
  }
  const c = capture()
  const env = { ADD: '2' }
  for (const [n, code] of [
    ['0', 2],
    ['5', 7],
    ['126', 128],
  ] as const)
    t.equal(await execute(command, { n }, { io: c.io, env, now: () => 42 }), code, `run's ${code}`)
  t.same(
    seen.map((s) => s.input),
    [2, 7, 128],
  )
  t.ok(
    seen.every((s) => s.env === env && s.now === 42),
    'the env and clock given, not the process defaults',
  )
  t.same(c.err, [])
  t.equal(c.out.join(''), 'out\nout\nout\n')
})

t.test("execute: a run that throws is not turned into a status (main.ts's one line, exit 1, still applies)", async (t) => {
  const command: Command<object> = { validate: (o) => o, run: async () => Promise.reject(new Error('boom')) }
  await t.rejects(execute(command, {}, { io: capture().io }), /boom/)
})

// Real argv through the built CLI (dist/): each usage error is one stderr line, nothing on stdout, exit 2,
// and nothing else happens (no daemon is asked: none runs here, which would be exit 3).
const CLI = join(process.cwd(), 'dist', 'cli', 'main.js')
const USAGE: Array<[string[], string]> = [
  [['mfa', 'dev', '12345'], 'aws-credd mfa: the code must be the six digits your MFA device shows now'],
  [['env', 'dev', '--format', 'powershell'], 'aws-credd env: --format "powershell" is not a format; use sh, fish or json'],
  [['exec', 'dev', '--'], 'aws-credd exec: give the command to run: aws-credd exec PROFILE -- COMMAND [ARGS...]'],
  [
    ['grant', '--profile', 'dev'],
    'aws-credd grant: give the grant a name: --name NAME (it names the consumer in the audit log and in `aws-credd revoke NAME`)',
  ],
  [['grant', '--name', 'n'], 'aws-credd grant: name at least one profile: --profile NAME (repeat it for more)'],
  [['login', '--sso-session', 'a', '--profile', 'b'], 'aws-credd login: give --sso-session or --profile, not both'],
  [['demo', '--lifetime', '5'], 'aws-credd demo: --lifetime 5: expected whole seconds from 10 to 3600; fix: leave it out for 60'],
  [['run', '--log-level', 'loud'], 'aws-credd: --log-level: "loud" is not a level; fix: use error, warn, info or debug'],
]

t.test('usage errors through real argv: exit 2, one line, nothing on stdout', async (t) => {
  const sb = sandbox(t.testdir({}))
  for (const [args, line] of USAGE) {
    const r = await runTool(process.execPath, [CLI, ...args], sb.env)
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`)
    t.equal(r.stderr, `${line}\n`, `${args.join(' ')}: the one line`)
    t.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout`)
  }
})

t.test('run: no HOME and no XDG_CONFIG_HOME is a usage error before anything starts', async (t) => {
  const r = await runTool(process.execPath, [CLI, 'run'], { PATH: process.env.PATH })
  t.equal(r.code, 2)
  t.equal(
    r.stderr,
    'aws-credd: cannot find the config file: neither XDG_CONFIG_HOME nor HOME is set; fix: set HOME or pass --config <file>\n',
  )
  t.equal(r.stdout, '')
})
