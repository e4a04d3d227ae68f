// Secrets and terminal escapes planted in upstream error text, and the check that
// none of them comes out of an exit (log line, HTTP body, status, alert) raw.
// Shared by the unit tests of each exit and test/integration/planted-secrets.test.ts.
import type { Test } from 'tap'

/** A secret under a secret-ish name nobody registered. */
export const PASSWORD = 'hunter2-is-my-password'
/** AWS's documented example secret key, as an upstream might quote a credentials file. */
export const EXAMPLE_SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
export const TOKEN_VALUE = 'abcdef0123456789abcdef'

/** Raw bytes that must never reach a terminal (or a JSON reader) from upstream text. */
export const RAW_CONTROLS: Record<string, string> = { ESC: '\x1b', CR: '\r', BEL: '\x07', CSI: '\u009b', RLO: '\u202e' }

/**
 * One line of upstream error text carrying each planted thing; `registered` is a secret the
 * daemon knows (e.g. the source profile's own secret key). No line feed: upstream errors are
 * cut at the first one before anyone sees them.
 */
export const plantedText = (registered: string): string =>
  `upstream says: ${registered} password=${PASSWORD} aws_secret_access_key=${EXAMPLE_SECRET_KEY} token: ${TOKEN_VALUE} ` +
  `\x1b[31mRED\x1b[0m \x1b]0;title\x07 cr\rFAKE csi\u009b2J rlo\u202eevil`

/** The planted secrets, by name. */
export const plantedSecrets = (registered: string): Record<string, string> => ({
  registered,
  password: PASSWORD,
  exampleSecretKey: EXAMPLE_SECRET_KEY,
  token: TOKEN_VALUE,
})

/**
 * Asserts that `text` (one exit's output) holds no planted secret, no part of one, and no
 * raw control byte (tab and line feed excepted: they are what separates lines and columns).
 */
export const assertClean = (t: Test, where: string, text: string, registered: string): void => {
  for (const [name, secret] of Object.entries(plantedSecrets(registered))) {
    t.notOk(text.includes(secret), `${where}: no ${name}`)
    t.notOk(text.includes(secret.slice(0, 12)), `${where}: no prefix of ${name}`)
  }
  for (const [name, c] of Object.entries(RAW_CONTROLS)) t.notOk(text.includes(c), `${where}: no raw ${name}`)
  t.notMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, `${where}: no control character at all`)
}
