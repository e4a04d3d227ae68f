// `aws-credd run`: parse → validate config → wire the real effects → run until a signal.
import { existsSync } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Config } from '../core/config/schema.js'
import { parseListenAddress } from '../core/listen-address.js'
import { configSearchPath } from '../core/config-schema.js'
import { defaultConfig } from '../core/config/schema.js'
import { ConfigError, CreddError, describeError } from '../core/errors.js'
import { AwsUpstream } from '../aws/upstream.js'
import { Daemon, type ChangeKind } from '../engine/daemon.js'
import { guardUpstream } from '../engine/guarded-upstream.js'
import { awsPaths, readAwsFiles } from '../files/aws-config-files.js'
import { CredentialsFileWriter } from '../files/credentials-file.js'
import { readConfigFile } from '../files/daemon-config.js'
import { PathWatcher, type WatchTarget } from '../files/path-watcher.js'
import { buildChannels } from '../alerts/channels.js'
import { AwsSsoOidc } from '../aws/sso-oidc.js'
import { AlertDispatcher } from '../engine/alert-dispatcher.js'
import { ssoCacheStore } from '../files/sso-cache.js'
import { controlApi, credentialLookup } from '../engine/control-api.js'
import { startServing, type Serving } from './serving.js'
import { superviseUnderSystemd } from './systemd-supervision.js'
import { startWallClockCheck } from '../runtime/wall-clock-check.js'
import { DaemonMetrics } from '../serve/metrics.js'
import { readiness, type StatusView } from '../engine/status-view.js'
import { MfaCodes } from '../engine/mfa-codes.js'
import { startControlServer } from '../serve/control-server.js'
import { CONTROL_SOCKET_NAME } from '../serve/control-server.js'
import { prepareRuntimeDir } from '../serve/runtime-dir.js'
import { askDaemon } from './control-client.js'
import type { Listener } from '../serve/listener.js'
import type { Logger } from '../engine/ports.js'
import { systemClock } from '../runtime/clock.js'
import { LiveTerminal } from '../runtime/live-terminal.js'
import { liveFrame } from './live-frame.js'
import { createLogger, type LogLevel } from '../runtime/logger.js'
import { GrantRegistry } from '../engine/grant-registry.js'
import { defaultStateDir, grantFileStore } from '../files/grant-store.js'
import { AuditLog } from '../files/audit-log.js'
import { tokenCodec } from '../serve/auth-token.js'
import { outgoingText, SecretRegistry } from '../core/outgoing-text.js'

export interface RunOptions {
  config?: string
  logLevel?: string
  logFormat?: string
  /** false with --no-tty: plain log lines even on a terminal. */
  tty?: boolean
}

/** A reason `run` cannot start, on stderr, through the outgoing-text gate (it may quote a file or an answer), redacting `secrets`. */
const fatalSayer = (secrets: SecretRegistry) => (e: unknown): void => void process.stderr.write(`aws-credd: ${outgoingText(describeError(e), { secrets })}\n`)

/** Changes are read this long after the last event, so an editor's burst of writes is one reload. */
const DEBOUNCE_MS = 150

export const runCommand = async (opts: RunOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> => {
  // The daemon's one registry of secrets: the engine registers into it (SecretSink), and the
  // logger, the HTTP and control answers, the alerts and the live table redact with it.
  const secrets = new SecretRegistry()
  const sayFatal = fatalSayer(secrets)
  let configPath: string | undefined
  try {
    // Under `npm start -- --config x.json` npm runs in the package folder; INIT_CWD is where the user was.
    const base = env.npm_lifecycle_event === 'start' && env.INIT_CWD ? env.INIT_CWD : '.'
    configPath = opts.config ? resolve(base, opts.config) : existsSync(configSearchPath(env)) ? configSearchPath(env) : undefined
  } catch (e) {
    sayFatal(e)
    return 2
  }
  const readConfig = async (): Promise<Config> => {
    const config = configPath ? await readConfigFile(configPath) : defaultConfig()
    return withOverrides(config, opts, env)
  }
  let config: Config
  try {
    config = await readConfig()
  } catch (e) {
    sayFatal(e)
    return e instanceof ConfigError ? 2 : 1
  }

  // On a terminal the log scrolls above a live table of the profiles (drawn on stderr, where the log goes).
  const live: LiveTerminal | undefined = wantsLiveTable(opts, config, env, process.stderr)
    ? new LiveTerminal({ out: process.stderr, render: (columns): string[] => liveFrame(daemon.status(), clock.now(), { columns, color: !env.NO_COLOR, clock: new Date(clock.now()).toTimeString().slice(0, 8), secrets }) })
    : undefined
  const logger: Logger = live ? createLogger({ level: config.log.level, format: 'text', stream: live.logStream, isTTY: true, secrets }) : createLogger({ level: config.log.level, format: config.log.format, secrets })
  // Node's own warnings (deprecations, listener leaks) go through the log: printed raw,
  // they would break JSON lines and the live table.
  process.removeAllListeners('warning')
  process.on('warning', (w) => logger.warn(`node: ${w.name}: ${w.message}`))
  const paths = awsPaths(env)
  const clock = systemClock
  const dispatcherFor = (c: Config): AlertDispatcher =>
    new AlertDispatcher({ channels: buildChannels(c.alerts, { logger, env, secrets }), clock, logger, random: Math.random, secrets })
  let dispatcher: AlertDispatcher
  try {
    dispatcher = dispatcherFor(config)
  } catch (e) {
    sayFatal(e)
    return e instanceof ConfigError ? 2 : 1
  }
  const mfaCodes = new MfaCodes(() => clock.now())
  // Metrics read the daemon's status at scrape time and count its events; the daemon is created below.
  let started = false
  const metrics: DaemonMetrics = new DaemonMetrics({ view: (): StatusView => daemon.status(), now: () => clock.now() })
  let mfaSeconds = Math.floor(config.mfa.sessionDuration / 1000)
  const daemon = new Daemon({
    clock,
    logger,
    random: Math.random,
    env,
    readConfig,
    readAwsFiles: () => readAwsFiles(env),
    upstream: guardUpstream(new AwsUpstream({ ...paths, now: () => clock.now(), secrets, mfaCodes, mfaSessionSeconds: () => mfaSeconds }), clock, secrets),
    mfaCodes,
    writer: new CredentialsFileWriter({ path: paths.credentialsFile }),
    credentialsFile: paths.credentialsFile,
    oidc: new AwsSsoOidc(() => clock.now()),
    ssoCache: ssoCacheStore(paths.ssoCacheDir),
    alert: (a) => {
      metrics.onAlert(a.event)
      dispatcher.send(a)
    },
    onEvent: metrics.onEngineEvent,
    secrets,
  })
  const reload = async (): Promise<void> => {
    if (!(await daemon.reloadConfig())) return
    mfaSeconds = Math.floor(daemon.view().config.mfa.sessionDuration / 1000)
    await serving?.reloadConsumers(daemon.view().config)
    // Alert channels follow the new config; alerts already queued finish on the old ones.
    let next: AlertDispatcher
    try {
      next = dispatcherFor(daemon.view().config)
    } catch (e) {
      logger.error(`${describeError(e)} (keeping the previous alert channels)`)
      return
    }
    const old = dispatcher
    void old.idle().then(() => old.stop())
    dispatcher = next
  }

  // Before the first start the daemon has no config of its own yet: the one read above applies.
  const consumerDirs = (): string[] => [...new Set((daemon.view().config ?? config).consumers.map((c) => dirname(c.tokenFile)))]
  const targets = (): WatchTarget[] => {
    const files: WatchTarget[] = [{ path: paths.configFile }, { path: paths.credentialsFile }, { path: paths.ssoCacheDir, dir: true }]
    for (const link of daemon.view().graph?.links.values() ?? []) if (link.kind === 'web-identity') files.push({ path: link.webIdentityTokenFile })
    if (configPath) files.push({ path: configPath })
    // A consumer's token file is watched through its folder: kubelet swaps a Secret by
    // replacing the `..data` symlink beside it, and the file's own path never changes.
    for (const dir of consumerDirs()) files.push({ path: dir, dir: true })
    // The owner's token file too: replacing it rotates the token (the old one stops working).
    if (serving?.tokenFile) files.push({ path: serving.tokenFile })
    return files
  }
  // Events are grouped per kind and applied DEBOUNCE_MS after the last one.
  type WatchKind = ChangeKind | 'config' | 'consumers' | 'owner-token'
  const pending = new Map<WatchKind, NodeJS.Timeout>()
  const apply = (kind: WatchKind): Promise<unknown> =>
    kind === 'config'
      ? reload()
      : kind === 'consumers'
        ? (serving?.reloadConsumers(daemon.view().config) ?? Promise.resolve())
        : kind === 'owner-token'
          ? (serving?.reloadOwner() ?? Promise.resolve())
          : daemon.reloadAwsFiles(kind)
  const watcher = new PathWatcher(
    (target) => {
      const kind: WatchKind =
        target === configPath
          ? 'config'
          : target === paths.ssoCacheDir
            ? 'sso-cache'
            : target === paths.configFile || target === paths.credentialsFile
              ? 'files'
              : consumerDirs().includes(target)
                ? 'consumers'
                : serving?.tokenFile !== undefined && target === resolve(serving.tokenFile)
                  ? 'owner-token'
                  : 'token-file'
      clearTimeout(pending.get(kind))
      pending.set(
        kind,
        setTimeout(() => {
          pending.delete(kind)
          void apply(kind).then(() => watcher.setTargets(targets()))
        }, DEBOUNCE_MS),
      )
    },
    { onError: (e) => logger.error(`watching ~/.aws failed: ${describeError(e)}; changes may go unnoticed until restart (check fs.inotify.max_user_watches)`) },
  )
  // Who may read what: the owner's token, the config's consumers, grants made at run time.
  let runtimeDir: string | undefined
  const stateDir = defaultStateDir(env)
  const grants = new GrantRegistry({
    clock,
    codec: tokenCodec,
    store: grantFileStore(stateDir, (why) => logger.warn(why)),
    logger,
    secrets,
    // The token files `env` makes live in the runtime folder's grants/: they go with their grant.
    onEnded: (g) => {
      if (g.kind !== 'env' || g.tokenFile === undefined || runtimeDir === undefined) return
      const file = resolve(g.tokenFile)
      if (dirname(file) === join(runtimeDir, 'grants')) void unlink(file).catch(() => undefined)
    },
  })
  const audit = config.audit.file === 'off' ? undefined : new AuditLog({ file: config.audit.file ?? join(stateDir, 'audit.log'), now: () => clock.now(), onError: (e) => logger.error(`audit log: ${describeError(e)}`) })
  const onRequest = (endpoint: 'container' | 'imds', status: number, note?: { consumer?: string; consumerLabel?: string; profile?: string }): void => {
    metrics.onEndpointRequest(endpoint, status, note)
    audit?.record({ listener: endpoint, consumer: note?.consumer ?? 'anonymous', ...(note?.profile !== undefined ? { profile: note.profile } : {}), status })
  }
  // The control socket first: a second daemon for the same user stops here, naming the first.
  let control: Listener
  let serving: Serving | undefined
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
    const onCredentials = (profile: string, status: number): void => audit?.record({ listener: 'control', consumer: 'owner', profile, status })
    control = await startControlServer(socket, controlApi(daemon, { extra, grants, onCredentials }), secrets).catch(
      async (e: unknown) => {
        // Name the daemon that holds the socket, so the user knows which one to stop.
        const answer = await askDaemon(socket, 'GET', '/v1/status')
        // A socket that fails the trust check (root's, say, in our folder) is named, not asked.
        if (answer.status === 'untrusted') throw new CreddError(answer.reason, { code: 'UntrustedControlSocket', kind: 'permanent' })
        const pid = answer.status === 200 ? answer.body.pid : undefined
        if (pid === undefined) throw e
        throw new CreddError(`another aws-credd (pid ${String(pid)}) is already running for this user (${socket})`, { code: 'AlreadyRunning', kind: 'permanent', fix: 'use it (aws-credd status), or stop it first' })
      },
    )
    // Said once the socket is ours: a second `run` refuses without claiming to start.
    logger.info(`aws-credd starting: config ${configPath ?? '(none: defaults)'}, AWS config ${paths.configFile}`, { pid: process.pid })
    if (Number(process.versions.node.split('.')[0]) < 22) {
      logger.info(`Node ${process.versions.node}: AWS SDK releases after January 2027 need Node 22 or newer; plan the upgrade`)
    }
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
  // Watch before the first read, so a change made while it runs is not missed.
  await watcher.start(targets())
  try {
    await daemon.start()
  } catch (e) {
    await watcher.close()
    grants.stop()
    await Promise.all([control.close(), serving!.close(), audit?.close()])
    sayFatal(e)
    return e instanceof ConfigError ? 2 : 1
  }
  watcher.setTargets(targets())
  started = true
  live?.start()
  const supervisor = superviseUnderSystemd(env, logger, () => daemon.status(), () => readiness(started, daemon.status()))
  const wallClock = startWallClockCheck((jumped) => {
    if (jumped !== undefined) logger.warn(`the wall clock jumped ${Math.round(jumped / 1000)} s (resume from suspend, or an NTP step): renewing whatever is due now`)
    daemon.wake()
  })

  return new Promise<number>((done) => {
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      logger.info(`stopping (${signal})`)
      supervisor.stopping()
      wallClock.stop()
      for (const t of pending.values()) clearTimeout(t)
      daemon.stop()
      grants.stop()
      // Finish a write in progress (never leave a temp file) and deliver queued alerts, but never take more than 2 seconds.
      const finish = Promise.race([Promise.all([daemon.output.drain(), dispatcher.idle(), grants.flush()]), new Promise((r) => setTimeout(r, 1500).unref())])
      void finish.then(() => Promise.all([watcher.close(), control.close(), serving!.close(), audit?.close()])).finally(() => {
        supervisor.close()
        live?.redraw()
        live?.stop()
        done(0)
      })
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGHUP', () => {
      supervisor.reloading()
      void reload()
        .then(() => watcher.setTargets(targets()))
        .finally(() => supervisor.reloaded())
    })
  })
}

/** The live table needs a real terminal that understands cursor movement, and text logs. */
const wantsLiveTable = (opts: RunOptions, config: Config, env: NodeJS.ProcessEnv, out: { isTTY?: boolean }): boolean =>
  opts.tty !== false && out.isTTY === true && env.TERM !== 'dumb' && config.log.format !== 'json'

const LEVELS = new Set(['error', 'warn', 'info', 'debug'])
const FORMATS = new Set(['auto', 'text', 'json'])

const withOverrides = (config: Config, opts: RunOptions, env: NodeJS.ProcessEnv): Config => {
  // A sidecar container is configured through its environment: AWS_CREDD_SERVER_LISTEN=0.0.0.0:9911.
  const listenEnv = env.AWS_CREDD_SERVER_LISTEN
  if (listenEnv !== undefined && listenEnv !== '') {
    const parsed = listenEnv === 'off' ? false : parseListenAddress(listenEnv)
    if (typeof parsed === 'string') throw new ConfigError(`AWS_CREDD_SERVER_LISTEN: ${parsed}`, 'unset it or write host:port')
    config = { ...config, server: { ...config.server, listen: parsed } }
  }
  if (opts.logLevel !== undefined && !LEVELS.has(opts.logLevel)) throw new ConfigError(`--log-level: "${opts.logLevel}" is not a level`, 'use error, warn, info or debug')
  if (opts.logFormat !== undefined && !FORMATS.has(opts.logFormat)) throw new ConfigError(`--log-format: "${opts.logFormat}" is not a format`, 'use auto, text or json')
  return {
    ...config,
    log: {
      ...config.log,
      ...(opts.logLevel ? { level: opts.logLevel as LogLevel } : {}),
      ...(opts.logFormat ? { format: opts.logFormat as Config['log']['format'] } : {}),
    },
  }
}
