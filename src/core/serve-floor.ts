// The least life credentials must have left to be handed to a client over an endpoint
// (container, IMDS, `aws-credd process`). A client caches what it is given and refreshes
// only near the expiry it was told: credentials with seconds left would make it fail
// moments later, so they are refused with a 503 that says why, as the EKS Pod Identity
// Agent does. Pure: takes `now`.
//
// The floor is 15 s, scaled down for sources that grant very short lifetimes (test
// emulators and the demo issue 10 to 60 s credentials) to a quarter of the lifetime, so
// those are not refused for most of their life. Renewal (core/renewal-plan) starts at
// least 0.6 of the lifetime, or 20 minutes, before expiry, so in practice the floor only
// bites while renewals keep failing.
import type { Credentials } from './credentials.js'
import { awsTimestamp } from './aws-time.js'

/** Credentials with less than this left are not served (before scaling for short lifetimes). */
export const SERVE_FLOOR_MS = 15_000
/** Short lifetimes: the floor is at most this share of the lifetime. */
export const SERVE_FLOOR_FRACTION = 0.25

/**
 * The least time (ms) `c` must have left to be served: min(15 s, lifetime / 4), where the
 * lifetime is known from `obtainedAt`; 15 s when it is not; 0 for keys that never expire.
 */
export const serveFloor = (c: Pick<Credentials, 'expiresAt' | 'obtainedAt'>): number => {
  if (c.expiresAt === undefined) return 0
  if (c.obtainedAt === undefined || c.obtainedAt >= c.expiresAt) return SERVE_FLOOR_MS
  return Math.min(SERVE_FLOOR_MS, (c.expiresAt - c.obtainedAt) * SERVE_FLOOR_FRACTION)
}

/** Seconds to one decimal, rounded down by default (so time left is never overstated). */
const seconds = (ms: number, round: (x: number) => number = Math.floor): string => {
  const s = round(ms / 100) / 10
  return Number.isInteger(s) ? String(s) : s.toFixed(1)
}

/**
 * Why `c` must not be handed to a client at `now` because it is expired or too close to
 * expiring, or undefined when its remaining life is enough. Keys that never expire pass.
 */
export const expiryProblem = (profile: string, c: Pick<Credentials, 'expiresAt' | 'obtainedAt'>, now: number): string | undefined => {
  if (c.expiresAt === undefined) return undefined
  if (c.expiresAt <= now)
    return `credentials of profile "${profile}" expired at ${awsTimestamp(c.expiresAt)} and no renewal has succeeded yet; see the aws-credd log for why`
  const floor = serveFloor(c)
  const left = c.expiresAt - now
  if (left >= floor) return undefined
  const scaled = floor < SERVE_FLOOR_MS ? ` (a quarter of their ${seconds(c.expiresAt - c.obtainedAt!, Math.round)} s lifetime)` : ''
  return (
    `credentials of profile "${profile}" expire in ${seconds(left)} s, under the ${seconds(floor, Math.round)} s floor${scaled} below which aws-credd stops serving them ` +
    `(a client would cache them and fail moments later); a renewal is under way: retry in a few seconds, ` +
    `and if this persists run aws-credd status and see the log for why renewals fail`
  )
}
