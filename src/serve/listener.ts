// Where an endpoint listens: a TCP port (loopback unless configured otherwise, which
// earns a warning) or a unix socket born 0600. Hardens the http.Server (header size,
// timeouts, JSON answers to malformed requests, a 500 for a handler that throws, one
// connection budget below the fd limit for all listeners) and closes within a bounded time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { chmod, lstat, unlink } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { CreddError } from '../core/errors.js'
import { ensureDir } from '../files/atomic-write.js'
import { processBudget, type ConnectionBudget } from './connection-budget.js'
import { isLoopbackAddress, isWildcardHost, MAX_HEADER_BYTES, type GuardConfig } from './guards.js'

export interface TcpAddress {
  host: string
  port: number
}

export interface ListenOptions {
  /** TCP: host defaults to 127.0.0.1; port 0 picks a free one. */
  listen?: { host?: string; port: number }
  /** A unix socket path instead of TCP. */
  socket?: string
}

export interface Listener {
  /** Base URL for clients: `http://127.0.0.1:PORT`, or `http://localhost` on a socket. */
  url: string
  /** What is actually bound (the real port when 0 was asked). */
  address: TcpAddress | { socket: string }
  /** Set when listening where other machines can connect: the caller logs it once. */
  warning?: string
  close(): Promise<void>
}

export interface StartListenerOptions extends ListenOptions {
  handler: (req: IncomingMessage, res: ServerResponse) => void
  /** Answers the server gives before any handler runs: 431 oversized headers, 400 malformed, 408 too slow. */
  onClientError?: (status: number) => void
  /** close() resolves after at most this long even if a connection lingers (default 2000). */
  closeTimeoutMs?: number
  /** Names the listener in the connection metrics: container, imds, metrics, control. */
  name?: string
  /** The connection budget shared with other listeners (default: the process-wide one). */
  budget?: ConnectionBudget
}

const listenError = (reason: string, fix: string, cause?: unknown): CreddError =>
  new CreddError(reason, { code: 'ListenFailed', kind: 'permanent', fix, cause })

export const isLoopbackHost = (host: string): boolean =>
  host.toLowerCase() === 'localhost' || isLoopbackAddress(host.replace(/^\[(.*)\]$/, '$1'))

/** The guard settings that follow from where the endpoint listens. */
export const guardConfigFor = (opts: ListenOptions): GuardConfig => {
  if (opts.socket !== undefined) return { unixSocket: true }
  const host = opts.listen?.host ?? '127.0.0.1'
  return { listenHost: host, allowRemote: !isLoopbackHost(host) }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
}

const rawAnswer = (status: number, message: string): string => {
  const body = JSON.stringify({ message })
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`
}

// Node's own parser errors would answer plain text (or nothing); ours say what was wrong, in JSON.
const answerClientError = (err: NodeJS.ErrnoException, socket: Socket, onClientError?: (status: number) => void): void => {
  // As Node's default handler: no answer once a response has started on this connection
  // (garbage after a request must not corrupt or follow the answer already sent).
  const inFlight = (socket as Socket & { _httpMessage?: { _headerSent?: boolean } | null })._httpMessage
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?._headerSent) return void socket.destroy()
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  socket.end(
    rawAnswer(
      status,
      status === 431
        ? `request headers over ${MAX_HEADER_BYTES} bytes are refused`
        : status === 408
          ? 'request too slow'
          : 'malformed HTTP request',
    ),
  )
  onClientError?.(status)
}

const INTERNAL_BODY = JSON.stringify({ message: 'internal error; see the aws-credd log', code: 'InternalError' })

/** The last resort for a request whose handler failed: a bare 500, or a closed connection once an answer has started. */
export const answerInternalError = (res: ServerResponse): void => {
  try {
    if (res.headersSent || res.writableEnded) return void res.destroy()
    res.writeHead(500, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(INTERNAL_BODY),
      connection: 'close',
    })
    res.end(INTERNAL_BODY)
  } catch {
    res.destroy()
  }
}

// A handler that throws must cost one answer, not the process (an uncaught exception ends it).
const safeHandler =
  (handler: StartListenerOptions['handler']) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    try {
      handler(req, res)
    } catch {
      answerInternalError(res)
    }
  }

const hardenedServer = (opts: StartListenerOptions): Server => {
  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: 10_000, requestTimeout: 10_000 },
    safeHandler(opts.handler),
  )
  server.keepAliveTimeout = 5_000
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket, opts.onClientError))
  // Node hands CONNECT to this event (no handler: the socket is dropped without a word); no proxying here.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => {})
    socket.end(rawAnswer(405, 'CONNECT is not served here'))
    opts.onClientError?.(405)
  })
  // Every connection is counted against the shared budget, which evicts idle, slow or stuck (answers
  // unread, or pipelined) ones to make room, and closes one pipelining past its in-flight cap.
  const budget = opts.budget ?? processBudget()
  const name = opts.name ?? 'other'
  server.on('connection', (socket: Socket) => void budget.admit(socket, name))
  // Before the handler runs (prepend), so a request answered synchronously is already counted as in flight.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    budget.requestStarted(req.socket)
    res.once('close', () => budget.requestEnded(req.socket))
  })
  return server
}

const probe = (path: string): Promise<boolean> =>
  new Promise((done) => {
    const c = connect(path)
    c.once('connect', () => (c.destroy(), done(true)))
    c.once('error', () => done(false))
  })

/** Makes room for the socket: removes a stale one nobody listens on, refuses anything else. */
const clearStaleSocket = async (path: string): Promise<void> => {
  const st = await lstat(path).catch(() => undefined)
  if (!st) return
  if (!st.isSocket()) throw listenError(`socket path ${path} exists and is not a socket`, 'remove it or choose another socket path')
  if (await probe(path))
    throw listenError(`socket ${path} is in use by another process`, 'stop the other aws-credd or choose another socket path')
  await unlink(path)
}

const bind = (server: Server, target: { path: string } | { host: string; port: number }): Promise<void> =>
  new Promise((done, fail) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      const where = 'path' in target ? target.path : `${target.host}:${target.port}`
      const fix =
        e.code !== 'EADDRINUSE'
          ? 'check the listen address'
          : 'path' in target
            ? 'stop whatever uses it or choose another socket path'
            : 'stop whatever uses it or choose another port'
      fail(listenError(`cannot listen on ${where}: ${e.code ?? e.message}`, fix, e))
    }
    server.once('error', onError)
    const listening = (): void => (server.removeListener('error', onError), done())
    if (!('path' in target)) return void server.listen(target.port, target.host, listening)
    // The socket must never exist with looser permissions, even for a moment: bind (synchronous
    // inside listen) runs under umask 0177. process.umask is unavailable in worker threads.
    let old: number | undefined
    try {
      old = process.umask(0o177)
    } catch {
      // the chmod after listening still applies
    }
    try {
      server.listen(target.path, listening)
    } finally {
      if (old !== undefined) process.umask(old)
    }
  })

const urlHost = (host: string): string => {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (isWildcardHost(host)) return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

/** Starts listening; the returned close() stops accepting, drops open connections and removes the socket. */
export const startListener = async (opts: StartListenerOptions): Promise<Listener> => {
  if ((opts.socket === undefined) === (opts.listen === undefined)) throw new Error('startListener: give exactly one of listen or socket')
  const server = hardenedServer(opts)
  let socketIno: number | undefined
  let listener: Omit<Listener, 'close'>
  if (opts.socket !== undefined) {
    const path = resolve(opts.socket)
    // Longer paths are cut short by bind on some systems: the socket would appear elsewhere.
    const max = process.platform === 'linux' ? 107 : 103
    if (Buffer.byteLength(path) > max)
      throw listenError(
        `socket path ${path} is ${Buffer.byteLength(path)} bytes, over the ${max} this system allows`,
        'choose a shorter socket path',
      )
    await ensureDir(dirname(path))
    await clearStaleSocket(path)
    await bind(server, { path })
    try {
      await chmod(path, 0o600)
      socketIno = (await lstat(path)).ino
    } catch (e) {
      server.close()
      throw listenError(`cannot secure socket ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 'check the folder it is in', e)
    }
    listener = { url: 'http://localhost', address: { socket: path } }
  } else {
    const host = opts.listen!.host ?? '127.0.0.1'
    await bind(server, { host, port: opts.listen!.port })
    const port = (server.address() as AddressInfo).port
    listener = { url: `http://${urlHost(host)}:${port}`, address: { host, port } }
    if (!isLoopbackHost(host))
      listener.warning = `listening on ${host}:${port}, which other machines can reach: anyone who can connect there can ask for credentials; listen on 127.0.0.1 unless a container network needs it`
  }
  let closing: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await new Promise<void>((done) => {
        const timer = setTimeout(done, opts.closeTimeoutMs ?? 2000)
        timer.unref()
        server.close(() => (clearTimeout(timer), done()))
        server.closeAllConnections()
      })
      if ('socket' in listener.address) {
        const path = listener.address.socket
        // Only our own socket: another process may have replaced it meanwhile.
        const st = await lstat(path).catch(() => undefined)
        if (st?.isSocket() && st.ino === socketIno) await unlink(path).catch(() => undefined)
      }
    })())
  return { ...listener, close }
}
