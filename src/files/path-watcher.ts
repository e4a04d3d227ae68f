// Watches files and folders that may not exist yet. Each target is watched
// through its nearest existing folder at depth 0 (never recursively), so a
// missing ~/.aws, a deleted and recreated sso/cache folder, or a token file
// replaced by rename are all seen, and the rest of $HOME costs nothing.
import { existsSync, statSync } from 'node:fs'
import { dirname, resolve, sep } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'

export interface WatchTarget {
  path: string
  /** A folder whose direct children matter (the SSO cache); otherwise a single file. */
  dir?: boolean
}

export class PathWatcher {
  private watcher: FSWatcher | undefined
  private anchors = new Set<string>()
  private targets: WatchTarget[] = []

  private errorSaid = false

  constructor(
    private readonly onChange: (target: string, event: string) => void,
    private readonly opts: {
      usePolling?: boolean
      onError?: (e: unknown) => void
      /** Every event chokidar reports, after it was matched to the targets: tests wait on it instead of sleeping. */
      onEvent?: (event: string, path: string) => void
    } = {},
  ) {}

  async start(targets: WatchTarget[]): Promise<void> {
    // Not ignoreInitial: a folder added later (a new ~/.aws) is scanned, and what was made in it
    // before its watch was set up (sso/ from `mkdir -p ~/.aws/sso/cache`) is reported, not lost.
    // The scan of the folders watched from the start is what the caller reads anyway: skipped.
    let ready = false
    this.watcher = watch([], { ignoreInitial: false, depth: 0, persistent: true, usePolling: this.opts.usePolling ?? false, interval: 250 })
    this.watcher.on('all', (event, path) => ready && this.handle(event, resolve(path)))
    this.watcher.on('error', (e) => {
      // A vanished folder is re-anchored by the next event; anything else (the inotify
      // watch limit) means changes may go unseen, which a person must hear about once.
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || this.errorSaid) return
      this.errorSaid = true
      this.opts.onError?.(e)
    })
    const started = new Promise<void>((r) =>
      this.watcher!.once('ready', () => {
        ready = true
        r()
      }),
    )
    this.setTargets(targets)
    await started
  }

  setTargets(targets: WatchTarget[]): void {
    this.targets = targets.map((t) => ({ ...t, path: resolve(t.path) }))
    this.rearm()
  }

  async close(): Promise<void> {
    // Forget it first: an event that arrives while chokidar closes must not re-arm it
    // (chokidar's add() after close() reopens an fs.watch handle nobody closes).
    const w = this.watcher
    this.watcher = undefined
    await w?.close()
  }

  /**
   * Add the folders the targets need now. Folders no longer needed stay watched
   * (depth 0, cheap): chokidar's unwatch also ignores everything below a path,
   * which would hide a folder created inside it later.
   */
  private rearm(): void {
    if (!this.watcher) return
    const want = new Set<string>()
    for (const t of this.targets) {
      want.add(nearestExisting(dirname(t.path)))
      if (t.dir && isDir(t.path)) want.add(t.path)
    }
    const add = [...want].filter((a) => !this.anchors.has(a))
    if (!add.length) return
    this.watcher.add(add)
    for (const a of add) this.anchors.add(a)
    // chokidar sets a new watch up asynchronously: a folder made inside it meanwhile (the sso/
    // of `mkdir -p ~/.aws/sso/cache` right after ~/.aws) raises no event. Look again once it is set.
    setTimeout(() => this.catchUp(), 300).unref()
  }

  /** Folders that appeared while their parent's watch was being set up: watch them, and say so. */
  private catchUp(): void {
    if (!this.watcher) return
    const before = new Set(this.anchors)
    this.rearm()
    const added = [...this.anchors].filter((a) => !before.has(a))
    for (const t of this.targets) if (added.some((a) => t.path === a || t.path.startsWith(a + sep))) this.onChange(t.path, 'addDir')
  }

  private handle(event: string, path: string): void {
    if (!this.watcher) return // closed (or closing)
    if (event === 'unlinkDir') {
      // The folder and everything under it are gone from chokidar's view: re-add when they return.
      for (const a of [...this.anchors]) if (a === path || a.startsWith(path + sep)) this.anchors.delete(a)
    }
    if (event === 'addDir' || event === 'unlinkDir') this.rearm()
    for (const t of this.targets) {
      const relevant =
        path === t.path ||
        (t.dir === true && dirname(path) === t.path) ||
        // A folder on the way to the target appeared or vanished.
        ((event === 'addDir' || event === 'unlinkDir') && t.path.startsWith(path + sep))
      if (relevant) this.onChange(t.path, event)
    }
    this.opts.onEvent?.(event, path)
  }
}

const nearestExisting = (dir: string): string => {
  let d = dir
  while (!existsSync(d)) {
    const up = dirname(d)
    if (up === d) break
    d = up
  }
  return d
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}
