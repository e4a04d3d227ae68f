// IMDSv2 session tokens: issued by PUT /latest/api/token for a TTL, required on every
// GET. Kept as digests (a lookup by the token itself could leak timing) in a map that
// never grows past a bound, so a client minting tokens in a loop cannot exhaust memory.
import { createHash, randomBytes } from 'node:crypto'

const digest = (token: string): string => createHash('sha256').update(token).digest('base64')

export class ImdsSessions {
  /** digest → expiry (epoch ms), in issue order. */
  private readonly tokens = new Map<string, number>()

  constructor(
    private readonly now: () => number,
    private readonly random: (n: number) => Buffer = randomBytes,
    private readonly max = 1024,
  ) {}

  get size(): number {
    return this.tokens.size
  }

  issue(ttlSeconds: number): string {
    if (this.tokens.size >= this.max) this.prune()
    // Still full of live tokens: the oldest goes (its client simply asks for a new one on 401).
    while (this.tokens.size >= this.max) this.tokens.delete(this.tokens.keys().next().value as string)
    const token = this.random(32).toString('base64url')
    this.tokens.set(digest(token), this.now() + ttlSeconds * 1000)
    return token
  }

  isValid(token: string): boolean {
    const key = digest(token)
    const expiresAt = this.tokens.get(key)
    if (expiresAt === undefined) return false
    if (expiresAt > this.now()) return true
    this.tokens.delete(key)
    return false
  }

  private prune(): void {
    const now = this.now()
    for (const [key, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(key)
  }
}
