// The container endpoint's token: made once and stored 0600 (folder 0700) without a newline,
// reused from an existing file byte for byte, refused when a file could never work or is
// open to others, and compared exactly.
import { chmodSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import * as fsp from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { CreddError, errorLine } from '../../src/core/errors.js'
import { outgoingText, REDACTED, SecretRegistry } from '../../src/core/outgoing-text.js'
import { loadOrCreateAuthToken, newAuthToken, tokenChecker, tokenProblem } from '../../src/serve/auth-token.js'

const mode = (p: string): number => statSync(p).mode & 0o777

t.test('a new token is written 0600 in a new 0700 folder, with no trailing newline', async (t) => {
  const file = join(t.testdir(), 'run', 'aws-credd', 'token')
  const token = await loadOrCreateAuthToken(file)
  t.match(token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes as base64url')
  t.equal(readFileSync(file, 'utf8'), token, 'the file holds exactly the token')
  t.notOk(/[\r\n]$/.test(readFileSync(file, 'utf8')))
  t.equal(mode(file), 0o600)
  t.equal(mode(join(file, '..')), 0o700)
  t.equal(mode(join(file, '..', '..')), 0o700)
  t.equal(await loadOrCreateAuthToken(file), token, 'a restart reuses it')
})

t.test('an existing token file is used as is, nothing trimmed', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'token')
  writeFileSync(file, ' my-own-token-0123456789', { mode: 0o600 })
  await t.rejects(loadOrCreateAuthToken(file), /spaces/, 'a leading space could never match: HTTP strips it')
  writeFileSync(file, 'my-own-token-0123456789', { mode: 0o600 })
  t.equal(await loadOrCreateAuthToken(file), 'my-own-token-0123456789')
})

t.test('a file with CR or LF is refused with the fix', async (t) => {
  const file = join(t.testdir(), 'token')
  for (const content of ['abcdefghijklmnopqrstuvwxyz\n', 'abcdefghijklmnopqrstuvwxyz\r\n', 'abcdefghijkl\rmnopqrstuvwxyz']) {
    writeFileSync(file, content, { mode: 0o600 })
    const err = await loadOrCreateAuthToken(file).catch((e: unknown) => e)
    t.ok(err instanceof CreddError, 'a typed error')
    t.match(
      (err as Error).message,
      /^auth token file .*token contains a line break \(CR or LF\), which SDKs refuse in a header; fix: .*printf/,
    )
    t.notOk((err as Error).message.includes('abcdefghijkl'), 'the token itself is not in the message')
    t.equal((err as Error).message.split('\n').length, 1, 'one line')
  }
})

t.test('a token file others can read, a short one or a folder is refused', async (t) => {
  const dir = t.testdir({ sub: {} })
  const file = join(dir, 'token')
  writeFileSync(file, 'abcdefghijklmnopqrstuvwxyz')
  chmodSync(file, 0o644)
  await t.rejects(loadOrCreateAuthToken(file), { code: 'InvalidAuthTokenFile', message: /readable by others \(mode 644\); fix: chmod 600/ })
  chmodSync(file, 0o600)
  writeFileSync(file, 'short')
  await t.rejects(loadOrCreateAuthToken(file), /shorter than 16/)
  await t.rejects(loadOrCreateAuthToken(join(dir, 'sub')), /not a regular file/)
})

t.test('without a file the token lives in memory; a fixed random source gives a fixed token', async (t) => {
  t.equal(await loadOrCreateAuthToken(undefined, (n) => Buffer.alloc(n, 1)), Buffer.alloc(32, 1).toString('base64url'))
  t.not(newAuthToken(), newAuthToken())
})

t.test('tokenProblem and the checker', async (t) => {
  t.equal(tokenProblem(newAuthToken()), undefined)
  t.match(tokenProblem('a\tbcdefghijklmnopq'), /printable ASCII/)
  const matches = tokenChecker('secret-token-0123456789')
  t.equal(matches('secret-token-0123456789'), true)
  for (const wrong of ['', 'secret-token-012345678', 'secret-token-01234567890', 'SECRET-TOKEN-0123456789', 'x'.repeat(10_000)])
    t.equal(matches(wrong), false, `refuses ${wrong.slice(0, 30)}`)
})

t.test("the owner's token is read through one no-follow handle: a file swapped for a link after the check is not read", async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'token')
  writeFileSync(file, 'the-real-owner-token-0123456789', { mode: 0o600 })
  const elsewhere = join(dir, 'elsewhere')
  writeFileSync(elsewhere, 'someone-elses-token-0123456789', { mode: 0o600 })
  symlinkSync(elsewhere, join(dir, 'link'))
  // Right after the first look at the file (lstat, stat or open), the file is replaced by a symlink.
  let swapped = false
  const swapAfter =
    <A extends unknown[], R>(f: (p: string, ...a: A) => Promise<R>) =>
    async (p: string, ...a: A): Promise<R> => {
      const r = await f(p, ...a)
      if (!swapped && String(p) === file) {
        swapped = true
        renameSync(join(dir, 'link'), file)
      }
      return r
    }
  const mod = await t.mockImport<typeof import('../../src/serve/auth-token.js')>('../../src/serve/auth-token.js', {
    'node:fs/promises': { ...fsp, stat: swapAfter(fsp.stat), lstat: swapAfter(fsp.lstat), open: swapAfter(fsp.open) },
  })
  t.equal(await mod.loadOrCreateAuthToken(file), 'the-real-owner-token-0123456789', 'what was checked is what was read')
  t.ok(swapped, 'the swap happened')
  // The next start sees the link and refuses it.
  await t.rejects(loadOrCreateAuthToken(file), { code: 'InvalidAuthTokenFile', message: /is not a regular file \(a symlink\)/ })
})

t.test('a FIFO at the token path is refused without blocking', async (t) => {
  const file = join(t.testdir(), 'token')
  const { execFileSync } = await import('node:child_process')
  execFileSync('mkfifo', ['-m', '600', file])
  await t.rejects(loadOrCreateAuthToken(file), { code: 'InvalidAuthTokenFile', message: /is not a regular file/ })
})

t.test('the logged line for a refused `….token` file still shows the reason after the outgoing-text redaction', async (t) => {
  const file = join(t.testdir(), 'litellm.token')
  writeFileSync(file, 'abcdefghijklmnopqrstuvwxyz\n', { mode: 0o600 })
  const err = await loadOrCreateAuthToken(file).catch((e: unknown) => e)
  t.ok(err instanceof CreddError)
  t.equal((err as CreddError).reason, `auth token file ${file} contains a line break (CR or LF), which SDKs refuse in a header`)
  const line = outgoingText(`cannot start: ${errorLine(err)}`, { secrets: new SecretRegistry() })
  t.match(line, `auth token file ${file} contains a line break (CR or LF)`, 'the reason survives the redaction')
  t.notOk(line.includes(REDACTED), 'nothing in it mistaken for a secret')
  // What the old wording did: the rule `token: value` took the word after the colon.
  t.match(
    outgoingText(`auth token file ${file}: contains a line break`, { secrets: new SecretRegistry() }),
    `litellm.token: ${REDACTED} a line break`,
  )
})
