// SigV4 check by recomputation: rebuild the incoming request, sign it with the
// caller's secret using the SDK's own signer, and compare signatures. Hand-written
// SigV4 would drift from what clients really send; the real signer does not.
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import { header, type EmuRequest } from './http.js'

export interface AuthorizationInfo {
  accessKeyId: string
  shortDate: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
  /** X-Amz-Date as epoch ms. */
  signedAt: number
}

type Bytes = string | ArrayBuffer | ArrayBufferView

const toBuffer = (data: Bytes): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data)

/** node:crypto in the Checksum shape the signer wants (HMAC when given a key). */
class Sha256 {
  private hash: Hash | Hmac
  constructor(private readonly secret?: Bytes) {
    this.hash = this.fresh()
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret))
  }
  update(data: Bytes): void {
    this.hash.update(toBuffer(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
  reset(): void {
    this.hash = this.fresh()
  }
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/

/** `20260101T000000Z` → epoch ms, or undefined when malformed. */
export const parseAmzDate = (s: string | undefined): number | undefined => {
  const m = s?.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/)
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined
}

/** Parses the Authorization header; undefined when absent or not SigV4. */
export const parseAuthorization = (req: EmuRequest): AuthorizationInfo | 'missing' | 'malformed' => {
  const auth = header(req, 'authorization')
  if (!auth) return 'missing'
  const m = auth.match(AUTH_RE)
  const signedAt = parseAmzDate(header(req, 'x-amz-date'))
  if (!m || signedAt === undefined) return 'malformed'
  return {
    accessKeyId: m[1]!,
    shortDate: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
    signedAt,
  }
}

/** True when the request's signature is the one `secretAccessKey` produces. */
export const verifySignature = async (
  req: EmuRequest,
  info: AuthorizationInfo,
  creds: { secretAccessKey: string; sessionToken?: string },
): Promise<boolean> => {
  // The signer trusts a given x-amz-content-sha256 instead of hashing the body, so
  // check that header against the body here, or a changed body would pass.
  const claimedHash = header(req, 'x-amz-content-sha256')
  if (
    claimedHash !== undefined &&
    claimedHash !== 'UNSIGNED-PAYLOAD' &&
    claimedHash !== createHash('sha256').update(req.body).digest('hex')
  )
    return false
  const signed = new Set(info.signedHeaders)
  const headers: Record<string, string> = {}
  for (const name of signed) {
    const value = header(req, name)
    if (value !== undefined) headers[name] = value
  }
  const query: Record<string, string | string[]> = {}
  for (const key of new Set(req.query.keys())) {
    const all = req.query.getAll(key)
    query[key] = all.length === 1 ? all[0]! : all
  }
  const request = new HttpRequest({
    method: req.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    path: req.path,
    query,
    headers,
    body: req.body.length > 0 ? new Uint8Array(req.body) : undefined,
  })
  const signer = new SignatureV4({
    service: info.service,
    region: info.region,
    sha256: Sha256,
    credentials: {
      accessKeyId: info.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken && signed.has('x-amz-security-token') ? { sessionToken: creds.sessionToken } : {}),
    },
  })
  // Sign exactly the header set the client signed: allow ones the signer would skip
  // (user-agent…), and keep out ones it adds itself when the client did not sign them.
  const unsignable = new Set(['x-amz-security-token', 'x-amz-date', 'x-amz-content-sha256'].filter((h) => !signed.has(h)))
  const resigned = await signer.sign(request, {
    signingDate: new Date(info.signedAt),
    signableHeaders: signed,
    unsignableHeaders: unsignable,
  })
  const expected = String(resigned.headers['authorization'] ?? '').match(/Signature=([0-9a-f]{64})/)?.[1]
  if (!expected) return false
  return timingSafeEqual(Buffer.from(expected), Buffer.from(info.signature))
}
