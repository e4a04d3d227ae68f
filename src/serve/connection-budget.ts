// One connection budget for every listener of the process (container endpoint, IMDS,
// metrics, control socket), kept below the file-descriptor limit. Past that limit the
// kernel refuses accept() and every listener goes deaf at once, so a few hundred idle
// local connections would stop the daemon serving anyone. When the budget is full a new
// connection makes room by closing the oldest idle keep-alive connection, else the oldest
// one that has not finished sending its request headers (idle or slow from the start),
// else the oldest busy one that is stuck on its client: its answers are not being read
// (unflushed output) or it has pipelined requests queued. A connection whose answer the
// daemon itself holds open with nothing pending (`aws-credd exec`'s grant) is never
// closed. Only when every connection is busy that way is the new one closed. (Node's
// server.maxConnections does the opposite: it drops the newcomer.) A connection with more
// than MAX_IN_FLIGHT unanswered requests is closed (once what it has sent is answered):
// nobody legitimate pipelines so deep, and each queued request costs heap for as long as
// its client does not read.
import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'

/** Soft limit assumed where /proc/self/limits cannot be read (macOS' default is 256, Linux' 1024). */
export const DEFAULT_FD_LIMIT = 1024
/** Never more connections than this, whatever the fd limit: each costs memory, and a local daemon needs far fewer. */
export const MAX_CONNECTIONS = 4096
/**
 * Unanswered requests one connection may have (pipelined): past this it is closed, once what
 * Node has already parsed from it is answered. SDKs and curl never pipeline; a client that does
 * and never reads its answers would otherwise keep a request and a queued answer in memory per
 * request (hundreds per connection: ~0.5 MB), on every connection the budget allows.
 */
export const MAX_IN_FLIGHT = 16

interface Conn {
  socket: Socket
  listener: string
  /** Requests whose headers arrived and whose answer is not finished yet. */
  inFlight: number
  /** Past maxInFlight: closed once its answers are out, at the latest at the end of this turn of the event loop. */
  closing?: boolean
}

/**
 * Busy, but stuck on its client rather than on the daemon: answers written that the client
 * has not read (the socket holds unflushed output: its kernel buffers are full), or requests
 * queued behind the one being answered (pipelining). An answer the daemon holds open on
 * purpose (exec's grant: one request, its first line flushed, nothing pending) is neither.
 */
const stuck = (c: Conn): boolean => c.inFlight > 1 || c.socket.writableLength > 0 || c.socket.writableNeedDrain

export interface BudgetOptions {
  /** Unanswered requests allowed per connection before it is closed (default MAX_IN_FLIGHT). */
  maxInFlight?: number
}

/** What the metrics show: open connections, how many were closed to make room or for pipelining past the cap (evicted), or turned away (rejected). */
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
  /** A request is being answered: evicted only when stuck on its client (see stuck). */
  private readonly busy = new Map<Socket, Conn>()
  private readonly counts: BudgetStats
  private readonly maxInFlight: number

  constructor(
    readonly cap: number,
    opts: BudgetOptions = {},
  ) {
    this.counts = { cap, open: {}, evicted: {}, rejected: {} }
    this.maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT
  }

  get size(): number {
    return this.waiting.size + this.idle.size + this.busy.size
  }

  /** Takes in a new connection; false when there was no room and it was closed. */
  admit(socket: Socket, listener: string): boolean {
    if (this.size >= this.cap) {
      const victim = this.idle.values().next().value ?? this.waiting.values().next().value ?? this.oldestStuck()
      if (victim === undefined) {
        bump(this.counts.rejected, listener)
        socket.destroy()
        return false
      }
      // destroy() closes the descriptor at once: the newcomer's fd is paid for before anything else opens one.
      this.evict(victim)
    }
    this.waiting.set(socket, { socket, listener, inFlight: 0 })
    bump(this.counts.open, listener)
    socket.once('close', () => this.forget(socket))
    return true
  }

  /**
   * A request's headers are complete: the connection is busy until requestEnded. False when
   * the connection is gone, or has more than maxInFlight unanswered requests and is closing.
   */
  requestStarted(socket: Socket): boolean {
    const c = this.waiting.get(socket) ?? this.idle.get(socket) ?? this.busy.get(socket)
    if (c === undefined) return false // already evicted or closed
    this.waiting.delete(socket)
    this.idle.delete(socket)
    c.inFlight++
    this.busy.set(socket, c)
    if (c.closing) return false
    if (c.inFlight <= this.maxInFlight) return true
    // Node parses the rest of what it has read (up to 64 KB: hundreds of requests) whatever is
    // done here. Closed at once, each of those would be kept (~1.5 KB) until the close, on every
    // such connection read in this turn of the event loop; answered, each is freed as its answer
    // goes out. So: closed once the last answer is out (before anything more is read from it),
    // or at the end of this turn if its answers cannot go out.
    c.closing = true
    bump(this.counts.evicted, c.listener)
    setImmediate(() => this.close(c))
    return false
  }

  /** The answer is finished (or abandoned): with nothing else in flight the connection is idle, as the newest. */
  requestEnded(socket: Socket): void {
    const c = this.busy.get(socket)
    if (c === undefined) return
    if (--c.inFlight > 0) return
    if (c.closing) return this.close(c)
    this.busy.delete(socket)
    if (!socket.destroyed) this.idle.set(socket, c)
    else bump(this.counts.open, c.listener, -1)
  }

  /** A snapshot for metrics. */
  stats(): BudgetStats {
    return { cap: this.cap, open: { ...this.counts.open }, evicted: { ...this.counts.evicted }, rejected: { ...this.counts.rejected } }
  }

  /** The busy connection stuck on its client the longest (Maps keep insertion order: it became busy first). */
  private oldestStuck(): Conn | undefined {
    for (const c of this.busy.values()) if (stuck(c)) return c
    return undefined
  }

  private evict(c: Conn): void {
    if (!c.closing) bump(this.counts.evicted, c.listener) // a closing one was counted already
    this.close(c)
  }

  private close(c: Conn): void {
    this.forget(c.socket)
    c.socket.destroy()
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
