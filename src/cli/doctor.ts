// `aws-credd doctor [--profile NAME] [--json] [--config FILE] [--no-network]`: gathers
// the facts (files, then the network unless told not to: unsigned probes, plus one
// signed GetCallerIdentity per set of temporary keys with no known expiry), runs the pure rules
// (src/core/doctor), prints them, and exits 0 ok, 1 warnings, 2 errors.
import { checkAllKeys } from '../aws/doctor-key-check.js'
import { probeAll } from '../aws/doctor-probes.js'
import type { DaemonFacts, DoctorFacts } from '../core/doctor/facts.js'
import { keyCheckTargets, probeTargets, runDoctor } from '../core/doctor/index.js'
import { gatherDoctorFacts } from '../files/doctor-facts.js'
import { defaultRuntimeDir } from '../serve/runtime-dir.js'
import { runtimeFacts } from '../serve/runtime-paths.js'
import { askDaemon, controlSocket } from './control-client.js'
import { formatDoctor } from './doctor-format.js'
import type { Command } from './command.js'

export interface DoctorCommandOptions {
  profile?: string
  json?: boolean
  config?: string
  /** false with --no-network. */
  network?: boolean
}

const daemonFacts = async (env: NodeJS.ProcessEnv): Promise<DaemonFacts> => {
  const answer = await askDaemon(controlSocket(env), 'GET', '/v1/status')
  if (answer.status === 'no-daemon') return { running: false, reason: answer.reason }
  if (answer.status === 'untrusted') return { running: false, reason: answer.reason, untrusted: true }
  const pid = answer.body.pid
  return typeof pid === 'number' ? { running: true, pid } : { running: true }
}

export const doctorCommand: Command<DoctorCommandOptions> = {
  validate: (opts) => opts,
  run: async (opts, { io, env, now }) => {
    const base = await gatherDoctorFacts(env, {
      ...(opts.config !== undefined ? { configPath: opts.config } : {}),
      runtimeDir: defaultRuntimeDir(env),
      runtime: runtimeFacts(env),
    })
    let facts: DoctorFacts = base
    if (opts.network !== false) {
      const [probes, daemon, keyChecks] = await Promise.all([
        probeAll(probeTargets(base, opts.profile)),
        daemonFacts(env),
        checkAllKeys(keyCheckTargets(base, opts.profile)),
      ])
      facts = { ...base, network: { probes, daemon, ...(keyChecks.length > 0 ? { keyChecks } : {}) } }
    }
    const report = runDoctor(facts, now(), opts.profile !== undefined ? { profile: opts.profile } : {})
    io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report))
    return report.exitCode
  },
}
