// What the HTTP endpoints ask the daemon: the current credentials of one profile,
// answered from memory so a request never waits for a renewal.
import type { Credentials } from '../core/credentials.js'

export type Lookup =
  /** creds.expiresAt is epoch ms; accountId/roleArn optional. */
  | { kind: 'ok'; creds: Credentials }
  /** No such profile → 404. */
  | { kind: 'unknown' }
  /** Known but no valid credentials → 503; `reason` is one line ending with the fix. */
  | { kind: 'unavailable'; reason: string }

export interface CredentialLookup {
  lookup(profile: string): Lookup
}

/** A lookup over a fixed map (tests, the benchmark, `aws-credd demo`). */
export const staticLookup = (byProfile: Record<string, Lookup>): CredentialLookup => ({
  lookup: (profile) => (Object.hasOwn(byProfile, profile) ? byProfile[profile]! : { kind: 'unknown' }),
})
