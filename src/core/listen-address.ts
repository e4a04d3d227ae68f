// `host:port` as written in the config ("127.0.0.1:9911", "[::1]:9911", ":9911"
// for loopback, "0.0.0.0:9911" for a container network), or "off".

export interface ListenAddress {
  host: string
  port: number
}

/** The address, or a one-line problem. */
export const parseListenAddress = (text: string): ListenAddress | string => {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim())
  if (!m) return `"${text}" is not host:port; write it like "127.0.0.1:9911" (or "off")`
  const port = Number(m[3])
  if (port > 65535) return `port ${port} is over 65535`
  const host = m[1] ?? (m[2] || '127.0.0.1')
  return { host, port }
}

export const formatListenAddress = (a: ListenAddress): string => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`)
