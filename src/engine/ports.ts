// The effects the engine needs, as small interfaces so tests can pass fakes
// (a fake clock that jumps, an upstream that fails on cue, a logger that records).
import type { Credentials } from '../core/credentials.js'
import type { Link } from '../core/links.js'

export type TimerHandle = unknown

export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** Fetches one link's credentials; `source` is the credentials of the link it assumes from. */
export interface Upstream {
  fetch(link: Link, source: Credentials | undefined): Promise<Credentials>
}

export type LogFields = Record<string, unknown>

export interface Logger {
  error(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  debug(msg: string, fields?: LogFields): void
}

/**
 * Where the engine registers every secret it handles (keys it fetched, SSO tokens, minted
 * grant tokens) so no later log line, answer or alert shows it. The daemon's
 * SecretRegistry (core/outgoing-text.ts) in production; tests pass their own.
 */
export interface SecretSink {
  register(value: string): void
}
