// One connection budget for every listener of the process (container endpoint, IMDS,
// metrics, control socket), kept below the file-descriptor limit. Past that limit the
// kernel refuses accept() and every listener goes deaf at once, so a few hundred idle
// local connections would stop the daemon serving anyone. When the budget is full a new
// connection makes room by closing the oldest idle keep-alive connection, else the oldest
// one that has not finished sending its request headers (idle or slow from the start);
// never one whose request is being answered. Only when every connection is busy is the
// new one closed. (Node's server.maxConnections does the opposite: it drops the newcomer.)
import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'

/** Soft limit assumed where /proc/self/limits cannot be read (macOS' default is 256, Linux' 1024). */
export const DEFAULT_FD_LIMIT = 1024
/** Never more connections than this, whatever the fd limit: each costs memory, and a local daemon needs far fewer. */
export const MAX_CONNECTIONS = 4096

interface Conn {
  socket: Socket
  listener: string
  /** Requests whose headers arrived and whose answer is not finished yet. */
  inFlight: number
}

/** What the metrics show: open connections, and how many were closed to make room (evicted) or turned away (rejected). */
export interface BudgetStats {
  cap: number
  open: Record<string, number>
  evicted: Record<string, number>
  rejected: Record<string, number>
}

/** The soft RLIMIT_NOFILE from /proc/self/limits ("Max open files"); undefined when unknown or unlimited. */
export const openFilesLimit = (read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined => {
  let text: string
  try {
    text = read()
  } catch {
    return undefined // not Linux
  }
  const m = /^Max open files\s+(\d+)\s/m.exec(text)
  return m ? Number(m[1]) : undefined
}

/**
 * Connections allowed for an fd limit: the limit less a reserve for files, watchers, pipes and
 * the SDK's own sockets (a quarter, at least 32), at most MAX_CONNECTIONS, at least 1.
 */
export const connectionCap = (fdLimit: number = DEFAULT_FD_LIMIT): number =>
  Math.max(1, Math.min(MAX_CONNECTIONS, fdLimit - Math.max(32, Math.ceil(fdLimit / 4))))

const bump = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by
}

/** Tracks every accepted connection of the listeners sharing it, and picks what to close when full. */
export class ConnectionBudget {
  // Maps keep insertion order: the first entry is the oldest in that state.
  /** Connected, no request headers complete yet. */
  private readonly waiting = new Map<Socket, Conn>()
  /** Answered at least once, nothing in flight: idle keep-alive (or sending its next headers). */
  private readonly idle = new Map<Socket, Conn>()
  /** A request is being answered: never evicted. */
  private readonly busy = new Map<Socket, Conn>()
  private readonly counts: BudgetStats

  constructor(readonly cap: number) {
    this.counts = { cap, open: {}, evicted: {}, rejected: {} }
  }

  get size(): number {
    return this.waiting.size + this.idle.size + this.busy.size
  }

  /** Takes in a new connection; false when there was no room and it was closed. */
  admit(socket: Socket, listener: string): boolean {
    if (this.size >= this.cap) {
      const victim = this.idle.values().next().value ?? this.waiting.values().next().value
      if (victim === undefined) {
        bump(this.counts.rejected, listener)
        socket.destroy()
        return false
      }
      this.forget(victim.socket)
      bump(this.counts.evicted, victim.listener)
      // destroy() closes the descriptor at once: the newcomer's fd is paid for before anything else opens one.
      victim.socket.destroy()
    }
    this.waiting.set(socket, { socket, listener, inFlight: 0 })
    bump(this.counts.open, listener)
    socket.once('close', () => this.forget(socket))
    return true
  }

  /** A request's headers are complete: the connection is busy until requestEnded. */
  requestStarted(socket: Socket): void {
    const c = this.waiting.get(socket) ?? this.idle.get(socket) ?? this.busy.get(socket)
    if (c === undefined) return // already evicted or closed
    this.waiting.delete(socket)
    this.idle.delete(socket)
    c.inFlight++
    this.busy.set(socket, c)
  }

  /** The answer is finished (or abandoned): with nothing else in flight the connection is idle, as the newest. */
  requestEnded(socket: Socket): void {
    const c = this.busy.get(socket)
    if (c === undefined) return
    if (--c.inFlight > 0) return
    this.busy.delete(socket)
    if (!socket.destroyed) this.idle.set(socket, c)
    else bump(this.counts.open, c.listener, -1)
  }

  /** A snapshot for metrics. */
  stats(): BudgetStats {
    return { cap: this.cap, open: { ...this.counts.open }, evicted: { ...this.counts.evicted }, rejected: { ...this.counts.rejected } }
  }

  private forget(socket: Socket): void {
    const c = this.waiting.get(socket) ?? this.idle.get(socket) ?? this.busy.get(socket)
    if (c === undefined) return
    this.waiting.delete(socket)
    this.idle.delete(socket)
    this.busy.delete(socket)
    bump(this.counts.open, c.listener, -1)
  }
}

let shared: ConnectionBudget | undefined

/** The process-wide budget every listener uses unless given its own; sized from the fd limit on first use. */
export const processBudget = (): ConnectionBudget => (shared ??= new ConnectionBudget(connectionCap(openFilesLimit() ?? DEFAULT_FD_LIMIT)))
