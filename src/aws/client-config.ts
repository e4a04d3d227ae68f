// One place for what every SDK client aws-credd creates must have: the link's
// region and endpoint, timeouts (the SDK waits forever by default, and a hung
// renewal would hold its link's single flight), and one shared HTTP handler so
// that clients made per renewal reuse sockets instead of leaking keep-alive ones.
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { NodeHttpHandler } from '@smithy/node-http-handler'

export const REQUEST_TIMEOUT_MS = 15_000
export const CONNECT_TIMEOUT_MS = 5_000

let shared: NodeHttpHandler | undefined

export const sharedRequestHandler = (): NodeHttpHandler =>
  (shared ??= new NodeHttpHandler({
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
  }))

export const sdkClientConfig = (region: string | undefined, endpoint: string | undefined) => ({
  region: region ?? 'us-east-1',
  ...(endpoint ? { endpoint } : {}),
  maxAttempts: 1, // aws-credd's own backoff decides retries
  // core/endpoints.ts already applied the SDK's precedence per link; without this the
  // client would look again in AWS_PROFILE's or [default]'s endpoint_url.
  ignoreConfiguredEndpointUrls: true,
  requestHandler: sharedRequestHandler(),
})

/**
 * One SDK client per region and endpoint, made on first use: clients hold no
 * credentials here (SSO and SSO-OIDC calls are unsigned), so they can be kept.
 */
export const clientsByPlacement = <C>(make: (config: ReturnType<typeof sdkClientConfig>) => C) => {
  const clients = new Map<string, C>()
  return (region: string | undefined, endpoint: string | undefined): C => {
    const key = `${region ?? ''} ${endpoint ?? ''}`
    let c = clients.get(key)
    if (!c) {
      c = make(sdkClientConfig(region, endpoint))
      clients.set(key, c)
    }
    return c
  }
}
