// The credentials aws-credd keeps, independent of any SDK type. Times are epoch
// milliseconds so the pure core can compare them with an injected clock.

export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** Absent for long-term keys, which never expire. */
  expiresAt?: number
  accountId?: string
  roleArn?: string
  /**
   * When aws-credd obtained them (epoch ms), set by the refresher: with expiresAt it gives
   * the lifetime, which scales the endpoints' serving floor (core/serve-floor). Internal:
   * never written to any output.
   */
  obtainedAt?: number
}

/** Long-term IAM user keys start with AKIA; temporary (STS) keys with ASIA. */
export const isLongTermKeyId = (accessKeyId: string): boolean => accessKeyId.startsWith('AKIA')

/** The three values that must never reach a log, an error message or a snapshot. */
export const secretsOf = (c: Credentials): string[] =>
  [c.secretAccessKey, c.sessionToken].filter((s): s is string => typeof s === 'string' && s.length > 0)

/** Seconds of life left, or Infinity for credentials that never expire. */
export const secondsLeft = (c: Pick<Credentials, 'expiresAt'>, now: number): number =>
  c.expiresAt === undefined ? Infinity : Math.floor((c.expiresAt - now) / 1000)
