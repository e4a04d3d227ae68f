// What a running daemon reacts to on disk, and how: the daemon's config file (reload),
// ~/.aws/config and credentials (re-plan), the SSO token cache (someone logged in),
// web-identity token files (rotated), the consumers' token folders (re-read their tokens)
// and the owner's token file (rotated: the old token stops working). Events are grouped
// per kind and applied DEBOUNCE_MS after the last one, so an editor's burst of writes is
// one reload; after each, the watched set follows what the new state names.
import { dirname, resolve } from 'node:path'
import type { Config } from '../core/config/schema.js'
import { errorLine } from '../core/errors.js'
import type { ChangeKind, Daemon } from '../engine/daemon.js'
import type { Logger } from '../engine/ports.js'
import type { AwsPaths } from '../files/aws-config-files.js'
import { PathWatcher, type WatchTarget } from '../files/path-watcher.js'
import type { Serving } from './serving.js'

/** Changes are read this long after the last event, so an editor's burst of writes is one reload. */
const DEBOUNCE_MS = 150

export interface WatchDeps {
  configPath: string | undefined
  paths: AwsPaths
  daemon: Daemon
  /** The config read before the daemon started (it has none of its own until then). */
  initialConfig: Config
  /** The listeners, once started (the owner's token file is theirs). */
  serving: () => Serving | undefined
  /** What a change of the daemon's config file does. */
  reloadConfig: () => Promise<void>
  logger: Logger
}

export interface Watchers {
  /** Starts watching what the current state names. */
  start(): Promise<void>
  /** Watches what the current state names now (after a start or a reload). */
  retarget(): void
  /** Drops changes waiting for their debounce. */
  cancelPending(): void
  close(): Promise<void>
}

export const watchers = (deps: WatchDeps): Watchers => {
  const { configPath, paths, daemon, logger } = deps
  // Before the first start the daemon has no config of its own yet: the one read at start applies.
  const consumerDirs = (): string[] => [...new Set((daemon.view().config ?? deps.initialConfig).consumers.map((c) => dirname(c.tokenFile)))]
  const targets = (): WatchTarget[] => {
    const serving = deps.serving()
    const files: WatchTarget[] = [{ path: paths.configFile }, { path: paths.credentialsFile }, { path: paths.ssoCacheDir, dir: true }]
    for (const link of daemon.view().graph?.links.values() ?? [])
      if (link.kind === 'web-identity') files.push({ path: link.webIdentityTokenFile })
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
      ? deps.reloadConfig()
      : kind === 'consumers'
        ? (deps.serving()?.reloadConsumers(daemon.view().config) ?? Promise.resolve())
        : kind === 'owner-token'
          ? (deps.serving()?.reloadOwner() ?? Promise.resolve())
          : daemon.reloadAwsFiles(kind)
  const watcher = new PathWatcher(
    (target) => {
      const serving = deps.serving()
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
    {
      onError: (e) =>
        logger.error(`watching ~/.aws failed: ${errorLine(e)}; changes may go unnoticed until restart (check fs.inotify.max_user_watches)`),
    },
  )
  return {
    start: () => watcher.start(targets()),
    retarget: () => watcher.setTargets(targets()),
    cancelPending: () => {
      for (const t of pending.values()) clearTimeout(t)
    },
    close: () => watcher.close(),
  }
}
