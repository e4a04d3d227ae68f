// What the HTTP endpoints ask the daemon: the current credentials of one profile,
// answered from memory so a request never waits for a renewal.
import type { CredentialLookup, Lookup } from '../engine/ports.js'

/** A lookup over a fixed map (tests, the benchmark, `aws-credd demo`). */
export const staticLookup = (byProfile: Record<string, Lookup>): CredentialLookup => ({
  lookup: (profile) => (Object.hasOwn(byProfile, profile) ? byProfile[profile]! : { kind: 'unknown' }),
})
