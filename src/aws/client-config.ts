// One place for what every SDK client aws-credd creates must have: the link's
// region and endpoint, and timeouts, because the SDK waits forever by default and
// a hung renewal would hold its link's single flight.

export const REQUEST_TIMEOUT_MS = 15_000
export const CONNECT_TIMEOUT_MS = 5_000

export const sdkClientConfig = (region: string | undefined, endpoint: string | undefined) => ({
  region: region ?? 'us-east-1',
  ...(endpoint ? { endpoint } : {}),
  maxAttempts: 1, // aws-credd's own backoff decides retries
  requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: CONNECT_TIMEOUT_MS },
})
