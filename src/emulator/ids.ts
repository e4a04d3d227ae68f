// Random identifiers shaped like the real ones, so clients that sniff prefixes
// (AKIA = long-term key, ASIA = temporary key, AROA = role id) behave as in AWS.
import { randomBytes, randomInt, randomUUID } from 'node:crypto'

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

const pick = (alphabet: string, length: number): string => Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('')

/** `AKIA`/`ASIA`/`AROA`/`AIDA` followed by 16 base32-ish characters, 20 in all like AWS. */
export const awsId = (prefix: 'AKIA' | 'ASIA' | 'AROA' | 'AIDA'): string => prefix + pick(UPPER_ALNUM, 16)

/** 40 characters, the length of a real secret access key. */
export const secretKey = (): string => randomBytes(30).toString('base64')

/** Opaque url-safe token with a recognisable prefix. */
export const token = (prefix: string, bytes = 48): string => prefix + randomBytes(bytes).toString('base64url')

/** Device-flow user code as printed by `aws sso login`: `ABCD-EFGH`. */
export const userCode = (): string => `${pick('BCDFGHJKLMNPQRSTVWXZ', 4)}-${pick('BCDFGHJKLMNPQRSTVWXZ', 4)}`

export const requestId = (): string => randomUUID()
