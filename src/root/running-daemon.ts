// The composition root: what one running aws-credd is, read top to bottom. What starts,
// in what order, what reacts to which change, and how it stops:
//   1. the config (exit 2 when it is invalid), the log (above the live table on a terminal), the alert channels;
//   2. the engine with its real adapters (root/engine.ts) and the metrics that read it;
//   3. who may read what (root/access.ts): the grant registry, restored before anything can mint one;
//   4. the control socket, which makes this the daemon of this user (a second one stops here),
//      then the endpoints (root/serving.ts);
//   5. the watchers (root/watchers.ts), started before the first read so no change is missed,
//      then the engine's first read of the config and ~/.aws (exit 2 on a writeTo clash);
//   6. the live table, systemd's notifications (root/systemd-supervision.ts), the wall-clock check;
//   7. until SIGINT or SIGTERM, then the stop sequence (root/shutdown.ts); SIGHUP reloads.
// `aws-credd run` (cli/run.ts) parses and validates its options, then calls runningDaemon.
import { join } from 'node:path'
import type { Config } from '../core/config/schema.js'
import { ConfigError, errorLine } from '../core/errors.js'
import { outgoingText, SecretRegistry } from '../core/outgoing-text.js'
import { credentialLookup } from '../engine/control-api.js'
import { controlApi } from './control-answers.js'
import type { Daemon } from '../engine/daemon.js'
import { MfaCodes } from '../engine/mfa-codes.js'
import type { Logger } from '../engine/ports.js'
import { readiness } from '../engine/status-view.js'
import type { StatusView } from '../engine/ports.js'
import { awsPaths } from '../files/aws-config-files.js'
import { systemClock } from '../runtime/clock.js'
import { startWallClockCheck } from '../runtime/wall-clock-check.js'
import { CONTROL_SOCKET_NAME } from '../serve/control-server.js'
import type { Listener } from '../serve/listener.js'
import { DaemonMetrics } from '../serve/metrics.js'
import { prepareRuntimeDir } from '../serve/runtime-dir.js'
import { access } from './access.js'
import { alerting, type Alerting } from './alerting.js'
import { claimControlSocket, type AskStatus } from './control-socket.js'
import { configReader, type ConfigOverrides } from './daemon-config.js'
import { realDaemon } from './engine.js'
import { liveTable, type LiveFrame } from './live-table.js'
import { daemonLogger } from './logging.js'
import { startServing, type Serving } from './serving.js'
import { untilStopped } from './shutdown.js'
import { superviseUnderSystemd } from './systemd-supervision.js'
import { watchers } from './watchers.js'

/** What `run` was asked for, validated. */
export interface RunInput extends ConfigOverrides {
  /** The daemon's config file, resolved; undefined: none (the defaults). */
  configPath: string | undefined
  /** false with --no-tty: plain log lines even on a terminal. */
  tty?: boolean
}

/** What the command layer hands the running daemon. */
export interface RunningDaemonDeps {
  env: NodeJS.ProcessEnv
  /** One line on stderr for a person (a reason the daemon cannot start). */
  say: (line: string) => void
  /** How the live table draws a frame (cli/live-frame.ts). */
  frame: LiveFrame
  /** Asks a control socket's holder for its status (cli/control-client.ts), to name a daemon already running. */
  askStatus: AskStatus
}

/** Runs the daemon until SIGINT or SIGTERM; resolves with the exit status (0 stopped, 1 failed to start, 2 invalid config). */
export const runningDaemon = async (input: RunInput, deps: RunningDaemonDeps): Promise<number> => {
  const { env } = deps
  const { configPath } = input
  // The daemon's secrets (keys, tokens): registered by the engine and the access rules, redacted from every log line, answer and alert.
  const secrets = new SecretRegistry()
  /** A reason `run` cannot start, on stderr, through the outgoing-text gate (it may quote a file or an answer). */
  const sayFatal = (e: unknown): void => deps.say(`aws-credd: ${outgoingText(errorLine(e), { secrets })}`)

  // 1. The config, the log, the alert channels.
  const readConfig = configReader(configPath, input, env)
  let config: Config
  try {
    config = await readConfig()
  } catch (e) {
    sayFatal(e)
    return e instanceof ConfigError ? 2 : 1
  }
  const clock = systemClock
  // On a terminal the log scrolls above a live table of the profiles (drawn on stderr, where the log goes).
  const live = liveTable(input, config, env, { view: () => daemon.status(), now: () => clock.now(), frame: deps.frame, secrets })
  const logger: Logger = daemonLogger(config, live, secrets)
  const paths = awsPaths(env)
  let alerts: Alerting
  try {
    alerts = alerting(config, { logger, env, clock, secrets })
  } catch (e) {
    sayFatal(e)
    return e instanceof ConfigError ? 2 : 1
  }

  // 2. The engine, and the metrics that read its status at scrape time and count its events.
  const mfaCodes = new MfaCodes(() => clock.now())
  let started = false
  const metrics: DaemonMetrics = new DaemonMetrics({ view: (): StatusView => daemon.status(), now: () => clock.now() })
  let mfaSeconds = Math.floor(config.mfa.sessionDuration / 1000)
  const daemon: Daemon = realDaemon({
    clock,
    logger,
    env,
    paths,
    secrets,
    readConfig,
    mfaCodes,
    mfaSessionSeconds: () => mfaSeconds,
    alert: (a) => {
      metrics.onAlert(a.event)
      alerts.send(a)
    },
    onEvent: metrics.onEngineEvent,
  })
  // A change of the daemon's own config (its file, or SIGHUP): the engine, the consumers and the alert channels follow it.
  const reload = async (): Promise<void> => {
    if (!(await daemon.reloadConfig())) return
    mfaSeconds = Math.floor(daemon.view().config.mfa.sessionDuration / 1000)
    await serving?.reloadConsumers(daemon.view().config)
    alerts.follow(daemon.view().config)
  }
  let serving: Serving | undefined
  const watching = watchers({ configPath, paths, daemon, initialConfig: config, serving: () => serving, reloadConfig: reload, logger })

  // 3. Who may read what: the owner's token, the config's consumers, grants made at run time.
  let runtimeDir: string | undefined
  const { grants, audit, onRequest } = access(config, { env, clock, logger, metrics, secrets, runtimeDir: () => runtimeDir })

  // 4. The control socket first: a second daemon for the same user stops here, naming the first.
  let control: Listener
  try {
    // Before the control socket opens: a grant minted meanwhile would save a list without the restored ones.
    await grants.load()
    // The same choice the clients make (XDG_RUNTIME_DIR, the temp folder, or the state folder when another user took that one).
    const prepared = await prepareRuntimeDir(env)
    runtimeDir = prepared.dir
    if (prepared.warning) logger.warn(prepared.warning)
    const socket = join(runtimeDir, CONTROL_SOCKET_NAME)
    const extra = (): Record<string, unknown> => ({
      pid: process.pid,
      containerEndpoint: serving?.containerUrl ? { url: serving.containerUrl, tokenFile: serving.tokenFile } : undefined,
      imdsEndpoint: serving?.imdsUrl,
    })
    const onCredentials = (profile: string, status: number): void =>
      audit?.record({ listener: 'control', consumer: 'owner', profile, status })
    control = await claimControlSocket(socket, controlApi(daemon, { extra, grants, onCredentials }), secrets, deps.askStatus)
    // Said once the socket is ours: a second `run` refuses without claiming to start.
    logger.info(`aws-credd starting: config ${configPath ?? '(none: defaults)'}, AWS config ${paths.configFile}`, { pid: process.pid })
    if (Number(process.versions.node.split('.')[0]) < 22) {
      logger.info(`Node ${process.versions.node}: AWS SDK releases after January 2027 need Node 22 or newer; plan the upgrade`)
    }
    // Then the endpoints (container, IMDS, metrics), as the config asks.
    try {
      serving = await startServing(config, {
        lookup: credentialLookup(daemon),
        now: () => clock.now(),
        logger,
        runtimeDir,
        grants,
        secrets,
        onRequest,
        metrics,
        ready: () => readiness(started, daemon.status()),
      })
    } catch (e) {
      await control.close()
      throw e
    }
  } catch (e) {
    sayFatal(e)
    return 1
  }
  const closeListeners = (): Promise<unknown> => Promise.all([control.close(), serving!.close(), audit?.close()])

  // 5. Watch before the first read, so a change made while it runs is not missed.
  await watching.start()
  try {
    await daemon.start()
  } catch (e) {
    await watching.close()
    grants.stop()
    await closeListeners()
    sayFatal(e)
    return e instanceof ConfigError ? 2 : 1
  }
  watching.retarget()
  started = true

  // 6. Running: the live table, systemd's notifications, the wall-clock check (suspend, NTP steps).
  live?.start()
  const supervisor = superviseUnderSystemd(
    env,
    logger,
    () => daemon.status(),
    () => readiness(started, daemon.status()),
  )
  const wallClock = startWallClockCheck((jumped) => {
    if (jumped !== undefined)
      logger.warn(
        `the wall clock jumped ${Math.round(jumped / 1000)} s (resume from suspend, or an NTP step): renewing whatever is due now`,
      )
    daemon.wake()
  })

  // 7. Until SIGINT or SIGTERM; SIGHUP reloads the config.
  return untilStopped({ logger, supervisor, wallClock, watchers: watching, daemon, grants, alerts, close: closeListeners, live, reload })
}
