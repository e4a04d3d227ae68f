// Errors as data (src/core/errors.ts): one table test of renderError/errorLine over
// every error class (message, fix, cause chain, multi-line messages cut to one
// line, no secret from a second line or a cause), and the code list: every code in
// ERROR_CODES is used in src/, and every class gives a code from it.
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  AlertChannelError,
  AwsFileError,
  ConfigError,
  CreddError,
  CredentialsFileError,
  ERROR_CODES,
  errorLine,
  externalCode,
  firstLine,
  ForeignSymlinkError,
  GrantError,
  LoginCancelled,
  OidcError,
  ProfileError,
  renderError,
  sameFailure,
  SsoTokenError,
  UpstreamError,
} from '../../src/core/errors.js'
import { fromSdkError } from '../../src/aws/classify-error.js'

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

/** Every class, built as src builds it, with the one line it renders to and its code. */
const TABLE: { name: string; e: CreddError; line: string; code: string }[] = [
  {
    name: 'ConfigError with a fix',
    e: new ConfigError('config.json: profiles[0].writeTo: expected a string', 'edit config.json'),
    line: 'config.json: profiles[0].writeTo: expected a string; fix: edit config.json',
    code: 'InvalidConfig',
  },
  {
    name: 'ProfileError, default code',
    e: new ProfileError('dev', 'profile "dev" has duration_seconds = "x"', 'set a number'),
    line: 'profile "dev" has duration_seconds = "x"; fix: set a number',
    code: 'InvalidProfile',
  },
  {
    name: 'ProfileError with a code, no fix',
    e: new ProfileError('dev', 'profile "dev" did not resolve to any credentials', undefined, 'NoCredentials'),
    line: 'profile "dev" did not resolve to any credentials',
    code: 'NoCredentials',
  },
  {
    name: 'AwsFileError keeps its cause out of the line',
    e: new AwsFileError('/h/.aws/config', '/h/.aws/config: cannot read (EACCES)', 'check its owner', new Error(`secret ${SECRET}`)),
    line: '/h/.aws/config: cannot read (EACCES); fix: check its owner',
    code: 'AwsFileUnreadable',
  },
  {
    name: 'UpstreamError from an SDK error: the second line of the SDK message (and the secret on it) is cut',
    e: fromSdkError('ci', 'AssumeRole arn:aws:iam::111122223333:role/ci', {
      name: 'AccessDenied',
      message: `User is not authorized\nrequest had ${SECRET}`,
      $metadata: { httpStatusCode: 403 },
    }),
    line:
      'profile "ci": AssumeRole arn:aws:iam::111122223333:role/ci failed: AccessDenied: User is not authorized; ' +
      'fix: check that the role\'s trust policy allows the source identity of profile "ci" and that its external_id matches',
    code: 'AccessDenied',
  },
  {
    name: 'SsoTokenError',
    e: new SsoTokenError(
      'corp',
      'profile "dev": SSO session "corp" expired at 2026-01-01T00:00:00Z',
      'aws sso login --sso-session corp',
      'SsoTokenExpired',
      'dev',
    ),
    line: 'profile "dev": SSO session "corp" expired at 2026-01-01T00:00:00Z; fix: aws sso login --sso-session corp',
    code: 'SsoTokenExpired',
  },
  {
    name: 'CredentialsFileError',
    e: new CredentialsFileError('/h/.aws/credentials', '/h/.aws/credentials: another aws-credd holds the lock', {
      code: 'CredentialsFileLocked',
      kind: 'transient',
      fix: 'stop it',
    }),
    line: '/h/.aws/credentials: another aws-credd holds the lock; fix: stop it',
    code: 'CredentialsFileLocked',
  },
  {
    name: 'OidcError, an OAuth code',
    e: new OidcError(
      'corp',
      'invalid_grant',
      'SSO session "corp": the refresh token was refused',
      'permanent',
      'run: aws-credd login --sso-session corp',
    ),
    line: 'SSO session "corp": the refresh token was refused; fix: run: aws-credd login --sso-session corp',
    code: 'invalid_grant',
  },
  {
    name: 'OidcError, anything else',
    e: new OidcError('corp', 'other', 'SSO session "corp": CreateToken failed', 'transient', undefined),
    line: 'SSO session "corp": CreateToken failed',
    code: 'SsoOidcFailed',
  },
  { name: 'LoginCancelled', e: new LoginCancelled('corp'), line: 'SSO session "corp": login cancelled', code: 'LoginCancelled' },
  {
    name: 'GrantError',
    e: new GrantError('a grant named "ci" exists', 'revoke it first', 409),
    line: 'a grant named "ci" exists; fix: revoke it first',
    code: 'GrantRefused',
  },
  {
    name: 'ForeignSymlinkError',
    e: new ForeignSymlinkError(
      '/h/.aws/credentials',
      '/tmp/x',
      1001,
      '/h/.aws/credentials leads to /tmp/x, owned by uid 1001',
      'remove the link',
    ),
    line: '/h/.aws/credentials leads to /tmp/x, owned by uid 1001; fix: remove the link',
    code: 'ForeignSymlinkTarget',
  },
  {
    name: 'AlertChannelError names the channel',
    e: new AlertChannelError('webhook', 'https://hooks.example.com answered HTTP 500', { fix: 'check the URL' }),
    line: 'alert channel webhook: https://hooks.example.com answered HTTP 500; fix: check the URL',
    code: 'AlertDeliveryFailed',
  },
  {
    name: 'a CreddError whose reason has a second line: cut at the first',
    e: new CreddError(`runtime folder /run/x\nis ${SECRET}`, { code: 'UnsafeRuntimeDir', kind: 'permanent', fix: 'set XDG_RUNTIME_DIR' }),
    line: 'runtime folder /run/x',
    code: 'UnsafeRuntimeDir',
  },
]

t.test('renderError/errorLine: one line per class, with the fix, never a second line or a cause', async (t) => {
  for (const row of TABLE) {
    t.equal(errorLine(row.e), row.line, row.name)
    t.equal(renderError(row.e), row.line, `${row.name}: errorLine is renderError with the defaults`)
    t.notMatch(errorLine(row.e), /[\r\n]/, `${row.name}: one line`)
    t.notOk(errorLine(row.e).includes(SECRET), `${row.name}: no secret`)
    t.equal(row.e.code, row.code, `${row.name}: code`)
    t.ok(row.e.kind === 'transient' || row.e.kind === 'permanent', `${row.name}: a kind`)
    t.equal(row.e.name, row.e.constructor.name, `${row.name}: name is the class`)
  }
})

t.test('renderError follows the cause chain only when asked, with class names as the log shows them', async (t) => {
  const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { name: 'Error' })
  const mid = new UpstreamError('dev', 'profile "dev": no answer', {
    code: 'Timeout',
    kind: 'transient',
    fix: 'check the network',
    cause: root,
  })
  const top = new ProfileError('app', 'profile "app" (via source profile "dev"): no answer', undefined, 'InvalidProfile')
  Object.defineProperty(top, 'cause', { value: mid })
  t.equal(renderError(top), 'profile "app" (via source profile "dev"): no answer')
  t.equal(
    renderError(top, { cause: true, name: true }),
    'ProfileError: profile "app" (via source profile "dev"): no answer (cause: UpstreamError: profile "dev": no answer; fix: check the network (cause: connect ECONNREFUSED 127.0.0.1:9))',
  )
  t.equal(renderError(new Error('a\nb'), { lines: 'escape' }), 'a\\nb', 'escape keeps every line, as two characters')
  t.equal(renderError(new Error('a\r\nb')), 'a', 'CRLF cut too')
  t.equal(renderError('plain string\nsecond'), 'plain string', 'not an Error: String()ed, first line')
  t.equal(renderError(undefined), 'undefined')
  t.equal(
    renderError({ name: 'InvalidResponse', message: 'no credentials' }, { name: true }),
    'InvalidResponse: no credentials',
    'an error-shaped record (what the log redaction makes)',
  )
  t.equal(renderError(new TypeError('')), 'TypeError', 'no message: the name')
  t.equal(renderError(new Error('x'.repeat(300)), { max: 200 }).length, 200, 'cut to max')
  t.match(renderError(new Error('x'.repeat(300)), { max: 200 }), /…$/)
})

t.test('firstLine trims and cuts', async (t) => {
  t.equal(firstLine('  one \n two'), 'one')
  t.equal(firstLine('abcdef', 4), 'abc…')
  t.equal(firstLine(''), '')
})

t.test('sameFailure: same class, code, reason and fix; not the same object', async (t) => {
  const a = new ProfileError('p', 'profile "p" is not defined', 'add it', 'ProfileNotFound')
  t.ok(sameFailure(a, new ProfileError('p', 'profile "p" is not defined', 'add it', 'ProfileNotFound')))
  t.notOk(sameFailure(a, new ProfileError('p', 'profile "p" is not defined', 'add it', 'InvalidProfile')), 'another code')
  t.notOk(sameFailure(a, new ProfileError('q', 'profile "q" is not defined', 'add it', 'ProfileNotFound')), 'another reason')
  t.notOk(sameFailure(a, new ConfigError('profile "p" is not defined', 'add it')), 'another class')
  t.notOk(sameFailure(a, undefined))
  t.ok(sameFailure(undefined, undefined))
})

t.test('namedProfile: the profile a message names, as data (aws-credd process decides by it)', async (t) => {
  t.equal(new ProfileError('p', 'profile "p" x').namedProfile, 'p')
  t.equal(new ProfileError('p', '[sso-session s] lacks sso_region', 'add it', 'SsoIncomplete', false).namedProfile, undefined)
  t.equal(new UpstreamError('p', 'profile "p": x', { code: 'Timeout', kind: 'transient' }).namedProfile, 'p')
  t.equal(new SsoTokenError('s', 'SSO session "s" expired', 'log in').namedProfile, undefined)
  t.equal(new ConfigError('x').namedProfile, undefined)
})

// ---- the code list --------------------------------------------------------------

const SRC = join(import.meta.dirname, '..', '..', 'src')
const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : []
  })

/** Where each code is written in src/, outside the ERROR_CODES list itself. */
const unusedCodes = (codes: readonly string[], files: { path: string; text: string }[]): string[] =>
  codes.filter((c) => !files.some((f) => f.text.includes(`'${c}'`)))

const withoutCodeList = (path: string, text: string): string =>
  path.endsWith(join('core', 'errors.ts')) ? text.replace(/export const ERROR_CODES = \[[\s\S]*?\] as const/, '') : text

t.test('every code in ERROR_CODES is given somewhere in src/ (a code nobody uses is removed)', async (t) => {
  const files = sourceFiles(SRC).map((path) => ({ path, text: withoutCodeList(path, readFileSync(path, 'utf8')) }))
  t.ok(files.length > 50, 'read src/')
  t.same(unusedCodes(ERROR_CODES, files), [], 'unused codes')
  t.same(new Set(ERROR_CODES).size, ERROR_CODES.length, 'no code listed twice')
  // The check can fail: a code listed but given nowhere is reported.
  t.same(unusedCodes([...ERROR_CODES, 'NeverGivenAnywhere'], files), ['NeverGivenAnywhere'])
})

t.test('every class gives a code from ERROR_CODES; only ExternalCode passes another name through', async (t) => {
  const known = new Set<string>(ERROR_CODES)
  for (const row of TABLE) {
    if (row.e instanceof UpstreamError && row.code === 'AccessDenied') continue // an AWS name, via externalCode
    t.ok(known.has(row.e.code), `${row.name}: ${row.e.code} is in ERROR_CODES`)
  }
  t.notOk(known.has(externalCode('AccessDenied')), 'AWS names are not ours to list')
})
