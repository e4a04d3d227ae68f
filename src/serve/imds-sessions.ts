// IMDSv2 session tokens: issued by PUT /latest/api/token for a TTL, required on every
// GET. Stateless: a token carries its own expiry and a random nonce, signed with an
// HMAC key that lives only in this process. Nothing is stored, so a client minting
// tokens in a loop can neither grow memory nor evict anyone else's session; a restart
// invalidates every session, and SDKs ask for a new token on 401, as they do on EC2.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const EXPIRY_BYTES = 8
const NONCE_BYTES = 16
const MAC_BYTES = 32
const SIGNED_BYTES = EXPIRY_BYTES + NONCE_BYTES
const TOKEN_BYTES = SIGNED_BYTES + MAC_BYTES
/** Length of a token: base64url of expiry (ms, 8 bytes) || nonce (16) || HMAC-SHA256 (32). */
export const IMDS_TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 4) / 3)

export class ImdsSessions {
  private readonly key: Buffer

  constructor(
    private readonly now: () => number,
    private readonly random: (n: number) => Buffer = randomBytes,
  ) {
    this.key = random(32)
  }

  issue(ttlSeconds: number): string {
    const signed = Buffer.alloc(SIGNED_BYTES)
    signed.writeBigUInt64BE(BigInt(Math.floor(this.now() + ttlSeconds * 1000)), 0)
    this.random(NONCE_BYTES).copy(signed, EXPIRY_BYTES)
    return Buffer.concat([signed, this.mac(signed)]).toString('base64url')
  }

  isValid(token: string): boolean {
    if (token.length !== IMDS_TOKEN_LENGTH) return false
    const bytes = Buffer.from(token, 'base64url')
    // base64url decoding skips stray characters and ignores spare bits: only the canonical spelling counts.
    if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== token) return false
    const signed = bytes.subarray(0, SIGNED_BYTES)
    if (!timingSafeEqual(this.mac(signed), bytes.subarray(SIGNED_BYTES))) return false
    return Number(signed.readBigUInt64BE(0)) > this.now()
  }

  private mac(signed: Buffer): Buffer {
    return createHmac('sha256', this.key).update(signed).digest()
  }
}
