// The one signed call `aws-credd doctor` makes: GetCallerIdentity with temporary
// keys that say nothing of their expiry, to learn whether AWS still takes them.
// Only the error code is kept; keys never leave memory except as the signature.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { KeyCheckResult, KeyCheckTarget } from '../core/doctor/facts.js'
import { keyCheckOutcome } from '../core/doctor/key-checks.js'
import { sdkClientConfig } from './client-config.js'
import { PROBE_TIMEOUT_MS } from './doctor-probes.js'

const codeOf = (e: unknown): string => {
  const err = e as { name?: string; Code?: string; code?: string }
  return err.Code ?? err.name ?? err.code ?? 'error'
}

export const checkKeys = async (target: KeyCheckTarget, timeoutMs = PROBE_TIMEOUT_MS): Promise<KeyCheckResult> => {
  const client = new STSClient({
    ...sdkClientConfig(target.region, target.endpoint),
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey, sessionToken: target.sessionToken },
    // doctor's own short timeouts, and no keep-alive socket left behind (the daemon's shared handler keeps them).
    requestHandler: new NodeHttpHandler({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs }),
  })
  try {
    await client.send(new GetCallerIdentityCommand({}))
    return { owner: target.owner, outcome: 'valid' }
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    const code = codeOf(e)
    // No HTTP answer at all (refused, timed out): nothing learnt about the keys.
    if (status === undefined) return { owner: target.owner, outcome: 'unknown', code }
    return { owner: target.owner, outcome: keyCheckOutcome(code, (e as Error).message ?? ''), code }
  } finally {
    client.destroy()
  }
}

export const checkAllKeys = (targets: KeyCheckTarget[], timeoutMs = PROBE_TIMEOUT_MS): Promise<KeyCheckResult[]> =>
  Promise.all(targets.map((t) => checkKeys(t, timeoutMs)))
