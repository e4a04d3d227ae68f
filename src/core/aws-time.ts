// Times as AWS tools write them: `2026-01-31T12:00:00Z`, whole seconds, UTC.
// The AWS CLI v2 writes the SSO cache with strftime("%Y-%m-%dT%H:%M:%SZ") and the
// JS SDK's container provider accepts only a `Z` time; Date#toISOString adds
// milliseconds, which neither writes.

/** `YYYY-MM-DDTHH:MM:SSZ` for epoch milliseconds (fractions dropped, not rounded, so it never lies late). */
export const awsTimestamp = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
