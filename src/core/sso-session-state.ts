// The state of one SSO session and what to do about it, decided from facts and
// `now` alone. The keeper (src/engine/sso-keeper.ts) gathers the facts (the cache
// file, the outcome of the last refresh, a login in progress) and applies the
// decision: when to call CreateToken, when to look again, what to tell a person.
//
//   fresh ──(legacy token near expiresAt)──▶ expiring ──(expired)──▶ relogin-required
//     │                                                                 ▲     │
//     └──(invalid_grant / invalid_client / registration expired)───────┘     │ device flow
//                                                                  logging-in ◀┘
// A new token in the cache (someone ran `aws sso login`) starts again from fresh.
import { retryDelay, type RenewalPolicy } from './renewal-plan.js'

export type SsoState = 'fresh' | 'expiring' | 'relogin-required' | 'logging-in'

export interface SsoFacts {
  /** The cached token, undefined when there is no cache file. */
  token?: {
    /** Epoch ms. */
    expiresAt: number
    /** A refresh token and a client registration that has not expired. */
    refreshable: boolean
    /** Epoch ms, when the file says. */
    registrationExpiresAt?: number
    /** When aws-credd obtained it (epoch ms): known for tokens it wrote itself. */
    obtainedAt?: number
  }
  /** The cache file exists but cannot be used (one line naming the file). */
  unreadable?: string
  /** The current token's refresh was refused for good. */
  refused?: { code: string; at: number }
  /** Transient refresh failures in a row. */
  failing?: { since: number; attempts: number; lastAt: number }
  /** A device-flow login in progress, waiting for a person to approve. */
  login?: { startedAt: number; expiresAt: number }
}

export interface SsoPolicy {
  /** Refresh the access token this long before it expires (capped at half its lifetime). */
  refreshBefore: number
  /** Warn a person this long before a login becomes necessary. */
  warnBefore: number
  /** After a refusal, try again this rarely (someone may have fixed it on the AWS side). */
  recheck: number
  /** Backoff for transient failures (the renewal policy's). */
  retry: Pick<RenewalPolicy, 'retryBase' | 'retryCap' | 'minInterval'>
}

export const defaultSsoPolicy = (): SsoPolicy => ({
  refreshBefore: 15 * 60_000,
  warnBefore: 30 * 60_000,
  recheck: 5 * 60_000,
  retry: { retryBase: 1_000, retryCap: 5 * 60_000, minInterval: 1_000 },
})

export interface SsoDecision {
  state: SsoState
  /** Why, in words for a person (no secrets). */
  reason: string
  /** When to call CreateToken with the refresh token next; undefined: not without a change. */
  refreshAt?: number
  /** When the state changes by itself if nothing happens, so the keeper looks again then. */
  reviewAt?: number
  /** When a person will have to log in if nothing changes (for relogin-soon). */
  loginNeededAt?: number
}

/** A token that has this little life left is not worth refreshing ahead of: refresh now. */
const MIN_LEAD = 1_000

export const decideSsoSession = (f: SsoFacts, now: number, policy: SsoPolicy, random: number): SsoDecision => {
  if (f.login && f.login.expiresAt > now) {
    return { state: 'logging-in', reason: 'waiting for a person to approve the login link', reviewAt: f.login.expiresAt }
  }
  if (f.unreadable) return { state: 'relogin-required', reason: f.unreadable }
  const t = f.token
  if (!t) return { state: 'relogin-required', reason: 'no cached SSO token (not logged in yet)' }
  const expired = t.expiresAt <= now
  if (f.refused) {
    return {
      state: 'relogin-required',
      reason: `the SSO service refused to refresh the token (${f.refused.code})`,
      refreshAt: f.refused.at + policy.recheck,
    }
  }
  if (t.refreshable) {
    const loginNeededAt = t.registrationExpiresAt
    let refreshAt: number
    if (f.failing) {
      refreshAt = f.failing.lastAt + retryDelay(f.failing.attempts, policy.retry, random)
    } else {
      const lifetime = t.obtainedAt !== undefined ? t.expiresAt - t.obtainedAt : Infinity
      const lead = Math.min(policy.refreshBefore, lifetime / 2)
      refreshAt = Math.max(now, t.expiresAt - Math.max(lead, MIN_LEAD))
    }
    if (loginNeededAt !== undefined && loginNeededAt - policy.warnBefore <= now) {
      return {
        state: 'expiring',
        reason: 'the SSO client registration expires soon; refreshing stops then',
        refreshAt,
        loginNeededAt,
        reviewAt: loginNeededAt,
      }
    }
    return {
      state: 'fresh',
      reason: expired ? 'access token expired; refreshing it now' : 'refreshable: it has a refresh token',
      refreshAt,
      loginNeededAt,
      reviewAt: loginNeededAt !== undefined ? loginNeededAt - policy.warnBefore : undefined,
    }
  }
  const why =
    t.registrationExpiresAt !== undefined && t.registrationExpiresAt <= now
      ? 'the client registration expired'
      : 'there is no refresh token'
  if (expired) return { state: 'relogin-required', reason: `the SSO access token expired and cannot be refreshed (${why})` }
  if (t.expiresAt - policy.warnBefore <= now) {
    return {
      state: 'expiring',
      reason: `the SSO access token expires soon and cannot be refreshed (${why})`,
      loginNeededAt: t.expiresAt,
      reviewAt: t.expiresAt,
    }
  }
  return {
    state: 'fresh',
    reason: `valid until it expires (${why})`,
    loginNeededAt: t.expiresAt,
    reviewAt: t.expiresAt - policy.warnBefore,
  }
}

/** States in which credentials from this session cannot be renewed without a person. */
export const needsPerson = (s: SsoState): boolean => s === 'relogin-required' || s === 'logging-in'
