// Where the grants made at run time are kept so they survive a daemon restart: one
// JSON file (0600, written atomically) in the daemon's state folder. It holds token
// digests, never tokens: reading it opens nothing.
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import type { GrantKind } from '../core/grants.js'
import type { GrantStore, StoredGrant } from '../engine/ports.js'
import { ensureDir, writeFileAtomic } from './atomic-write.js'

/**
 * The daemon's state folder: $STATE_DIRECTORY (systemd's StateDirectory=), else
 * $XDG_STATE_HOME/aws-credd, else ~/.local/state/aws-credd. Unlike the runtime folder
 * it outlives a reboot and a container restart (when mounted).
 */
export const defaultStateDir = (env: NodeJS.ProcessEnv = process.env, home: string = env.HOME || homedir()): string => {
  const systemd = env.STATE_DIRECTORY?.split(':')[0]
  if (systemd && isAbsolute(systemd)) return systemd
  const xdg = env.XDG_STATE_HOME
  if (xdg && isAbsolute(xdg)) return join(xdg, 'aws-credd')
  return join(home, '.local', 'state', 'aws-credd')
}

const KINDS: ReadonlySet<string> = new Set<GrantKind>(['runtime', 'env'])

/** A saved grant as read back; anything malformed is skipped, not trusted. */
const parseGrant = (v: unknown): StoredGrant | undefined => {
  if (typeof v !== 'object' || v === null) return undefined
  const g = v as Record<string, unknown>
  const str = (x: unknown): x is string => typeof x === 'string' && x.length > 0
  if (!str(g.name) || !str(g.digest) || !KINDS.has(String(g.kind)) || typeof g.createdAt !== 'number') return undefined
  if (!Array.isArray(g.profiles) || !g.profiles.every(str)) return undefined
  if (g.expiresAt !== undefined && typeof g.expiresAt !== 'number') return undefined
  return {
    name: g.name,
    kind: g.kind as GrantKind,
    profiles: g.profiles,
    createdAt: g.createdAt,
    digest: g.digest,
    ...(typeof g.expiresAt === 'number' ? { expiresAt: g.expiresAt } : {}),
    ...(str(g.tokenFile) ? { tokenFile: g.tokenFile } : {}),
  }
}

/** The grants file in `dir` (created 0700 on first save). */
export const grantFileStore = (dir: string, onSkipped?: (why: string) => void): GrantStore & { file: string } => {
  const file = join(dir, 'grants.json')
  return {
    file,
    async load() {
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw e
      }
      let doc: unknown
      try {
        doc = JSON.parse(text)
      } catch {
        onSkipped?.(`${file} is not JSON; its grants are ignored (remove it to start afresh)`)
        return []
      }
      const list = (doc as { grants?: unknown } | null)?.grants
      if (!Array.isArray(list)) {
        onSkipped?.(`${file} holds no "grants" list; its grants are ignored (remove it to start afresh)`)
        return []
      }
      const out: StoredGrant[] = []
      for (const raw of list) {
        const g = parseGrant(raw)
        if (g) out.push(g)
        else onSkipped?.(`${file}: a malformed grant was skipped`)
      }
      return out
    },
    async save(grants) {
      await ensureDir(dir)
      await writeFileAtomic(file, `${JSON.stringify({ version: 1, grants }, null, 2)}\n`, { mode: 0o600 })
    },
  }
}
