// Table tests of the one gate outgoing text passes (src/core/outgoing-text.ts):
// each secret form, each class of control character, idempotence, and ordinary
// text (paths, ARNs, profile names, dates) left alone.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import {
  escapeControls,
  isSecretFieldName,
  outgoingFields,
  outgoingText,
  outgoingValue,
  redactSecrets,
  REDACTED,
  SecretRegistry,
} from '../../src/core/outgoing-text.js'

const R = REDACTED
/** A fresh, empty registry per call: there is no process-wide one, each test makes its own. */
const none = (): SecretRegistry => new SecretRegistry()

t.test('named values: every secret-ish name, in every form, is blanked up to its end', async (t) => {
  const cases: [string, string][] = [
    ['password=hunter2-is-my-password', `password=${R}`],
    ['login failed: password=hunter2 for user bob', `login failed: password=${R} for user bob`],
    ['passwd: letmein99', `passwd: ${R}`],
    ['PASSWORD = "correct horse battery staple" next', `PASSWORD = "${R}" next`],
    ["secret: 's3cr3t value'", `secret: '${R}'`],
    ['token: abcdef0123456789abcdef', `token: ${R}`],
    ['api_key=AbCdEf123456', `api_key=${R}`],
    ['apiKey: xyz-987', `apiKey: ${R}`],
    ['X-Api-Key: xyz-987', `X-Api-Key: ${R}`],
    ['Authorization: Bearer eyJhbGciOi.payload.sig', `Authorization: Bearer ${R}`],
    ['authorization=Basic dXNlcjpwYXNz', `authorization=Basic ${R}`],
    ['aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', `aws_secret_access_key=${R}`],
    ['aws_session_token = short-but-secret', `aws_session_token = ${R}`],
    ['{"password":"hunter2","user":"bob"}', `{"password":"${R}","user":"bob"}`],
    ['{"SessionToken": "abc def", "Expiration": "2026-01-01T00:00:00Z"}', `{"SessionToken": "${R}", "Expiration": "2026-01-01T00:00:00Z"}`],
    ['{\\"token\\":\\"quoted-inside-json\\"}', `{\\"token\\":\\"${R}\\"}`],
    ['GET /cb?code=1&token=abc123&state=x', `GET /cb?code=1&token=${R}&state=x`],
    [
      'https://h/p?X-Amz-Security-Token=IQo%2Babc&X-Amz-Signature=deadbeef&X-Amz-Date=20260101T000000Z',
      `https://h/p?X-Amz-Security-Token=${R}&X-Amz-Signature=${R}&X-Amz-Date=20260101T000000Z`,
    ],
    ['client_secret: "unterminated value', `client_secret: ${R}`],
    ['Cookie: session=abc123', `Cookie: ${R}`],
    ['<SecretAccessKey>plainwordvalue</SecretAccessKey>', `<SecretAccessKey>${R}</SecretAccessKey>`],
    ['<SessionToken>abc</SessionToken>', `<SessionToken>${R}</SessionToken>`],
    ['proxy https://alice:pa55word@proxy.example:3128/x', `proxy https://alice:${R}@proxy.example:3128/x`],
  ]
  for (const [input, want] of cases) t.equal(redactSecrets(input, none()), want, input)
})

t.test('AWS secret shapes are caught unregistered; registered values wherever they are', async (t) => {
  const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  t.equal(redactSecrets(`key ${key} in prose`, none()), `key ${R} in prose`)
  const token = 'IQoJb3JpZ2luX2VjE' + randomBytes(200).toString('base64')
  t.equal(redactSecrets(`session ${token}.`, none()), `session ${R}.`)
  const legacy = 'FwoGZXIvYXdzE' + 'abcDEF123'
  t.equal(redactSecrets(`old ${legacy}`, none()), `old ${R}`)
  const blob = randomBytes(90).toString('base64')
  t.equal(redactSecrets(`blob ${blob} end`, none()), `blob ${R} end`)

  const reg = new SecretRegistry()
  reg.register('my-registered-secret-1') // no secret shape: only the registry knows it
  reg.register('short') // too short: ignored
  t.equal(reg.size, 1, 'one form (its JSON and URL forms are the same)')
  t.equal(redactSecrets('a my-registered-secret-1 b short', reg), `a ${R} b short`)
  t.equal(redactSecrets('glued-my-registered-secret-1-glued', reg), `glued-${R}-glued`)
  reg.register('with space/and+plus')
  t.equal(redactSecrets('url ?x=with%20space%2Fand%2Bplus', reg), `url ?x=${R}`, 'URL-encoded form')
  t.equal(redactSecrets('q "with space/and+plus"', none()), 'q "with space/and+plus"', 'another registry does not know it')
})

t.test('the registry is bounded: the oldest secrets go first; re-registering makes one young', async (t) => {
  const reg = new SecretRegistry({ max: 3 })
  for (const w of ['firstsecretword', 'secondsecretword', 'thirdsecretword']) reg.register(w)
  reg.register('firstsecretword')
  reg.register('fourthsecretword')
  t.equal(reg.size, 3)
  t.equal(reg.redact('firstsecretword secondsecretword thirdsecretword fourthsecretword'), `${R} secondsecretword ${R} ${R}`)
  reg.clear()
  t.equal(reg.size, 0)
  t.equal(reg.redact('firstsecretword'), 'firstsecretword')
})

t.test('control characters become visible escapes, by class', async (t) => {
  const cases: [string, string, string][] = [
    ['ESC (CSI colour)', '\x1b[31mRED\x1b[0m', '\\x1b[31mRED\\x1b[0m'],
    ['OSC title with BEL', '\x1b]0;title\x07', '\\x1b]0;title\\x07'],
    ['bare CR', 'ok\rFAKE', 'ok\\rFAKE'],
    ['LF on one line', 'a\nb', 'a\\nb'],
    ['NUL, BS, VT, FF, SUB', '\x00\x08\x0b\x0c\x1a', '\\x00\\x08\\x0b\\x0c\\x1a'],
    ['DEL', 'a\x7fb', 'a\\x7fb'],
    ['C1 CSI U+009B', 'x\u009b2Jy', 'x\\x9b2Jy'],
    ['C1 NEL and OSC', '\u0085\u009d', '\\x85\\x9d'],
    ['bidi override RLO/PDF', 'file\u202egnp.exe\u202c', 'file\\u202egnp.exe\\u202c'],
    ['bidi isolates', '\u2066a\u2067b\u2068c\u2069', '\\u2066a\\u2067b\\u2068c\\u2069'],
    ['line/paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['tab kept', 'a\tb', 'a\tb'],
    ['printable Unicode kept', 'café 東京 ✓ →', 'café 東京 ✓ →'],
  ]
  for (const [name, input, want] of cases) t.equal(escapeControls(input), want, name)
  t.equal(escapeControls('one\ntwo\r\n', { multiline: true }), 'one\ntwo\\r\n', 'multiline keeps LF, not CR')
  t.equal(outgoingText('a\nb', { multiline: true, secrets: none() }), 'a\nb')
})

t.test('outgoingText: both jobs, and escapes cannot hide a secret', async (t) => {
  const reg = new SecretRegistry()
  reg.register('REGISTERED-source-secret')
  const planted =
    'InternalFailure: REGISTERED-source-secret password=hunter2-is-my-password aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ' +
    'token: abcdef0123456789abcdef \x1b[31mRED\x1b[0m \x1b]0;title\x07 cr\rhere csi\u009b2J'
  const out = outgoingText(planted, { secrets: reg })
  t.equal(
    out,
    `InternalFailure: ${R} password=${R} aws_secret_access_key=${R} token: ${R} \\x1b[31mRED\\x1b[0m \\x1b]0;title\\x07 cr\\rhere csi\\x9b2J`,
  )
  t.notMatch(out, /[\x00-\x1f\x7f-\x9f]/, 'no control character left')
  // An escape glued to an unregistered key must not hide its shape.
  const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  t.equal(outgoingText(`\x1b${key}\x1b`, { secrets: none() }), `\\x1b${R}\\x1b`)
  t.equal(outgoingText(`\x9b${key}`, { secrets: none() }), `\\x9b${R}`)
})

t.test('idempotent: a second pass changes nothing', async (t) => {
  const reg = new SecretRegistry()
  reg.register('REGISTERED-source-secret')
  const inputs = [
    'password=hunter2',
    'password="a b"',
    'password="unterminated',
    '{"token":"x"}',
    '{\\"token\\":\\"x\\"}',
    'token: [redacted]',
    `k wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
    '\x1bwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    `x${'\x1b'.repeat(3)}y`,
    'a\r\nb\u009bc\u202e',
    'REGISTERED-source-secretREGISTERED-source-secret',
    'https://u:p@h/x?token=1&secret=2',
    `IQoJb3JpZ2luX2VjE${'Ab1'.repeat(50)}`,
    'Authorization: Bearer abc.def',
    '<Token>v</Token>',
    'ordinary words only',
  ]
  for (const input of inputs) {
    for (const multiline of [false, true]) {
      const once = outgoingText(input, { secrets: reg, multiline })
      t.equal(outgoingText(once, { secrets: reg, multiline }), once, `${JSON.stringify(input)} multiline=${multiline}`)
    }
  }
})

t.test('no false positives on ordinary text', async (t) => {
  const ordinary = [
    'renewed ASIAIOSFODNN7EXAMPLE for arn:aws:iam::123456789012:role/dev, expires in 59m',
    'arn:aws:sts::123456789012:assumed-role/Admin-Role_2026/aws-credd-1767225600000',
    'profile "dev-sso" (source profile "base") expires 2026-11-23T08:00:00Z (2026-11-23T08:00:00.123Z)',
    'git 3f786850e387550fdab836ed7e6dc881de23001b',
    'path /work/main/node_modules/@aws-sdk/client-sts/dist-cjs/index.js:12:3',
    '/home/user/.aws/sso/cache/3f786850e387550fdab836ed7e6dc881de23001b.json',
    'SSO session "corp" needs login: run aws-credd login --sso-session corp',
    'The security token included in the request is invalid.',
    'Authorization header missing: send the token from AWS_CONTAINER_AUTHORIZATION_TOKEN',
    'token file /run/user/1000/aws-credd/token (0600)',
    'X-aws-ec2-metadata-token-ttl-seconds must be a whole number from 1 to 21600',
    'the secret key of the source of profile "dev" is wrong: update it with `aws configure`',
    'open https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
    'container endpoint: http://127.0.0.1:9911/v1/credentials/PROFILE',
    'tokenFile=/tmp/x passwords: 3 tokens: 2',
    'café — 東京 ✓ tab\there',
  ]
  for (const s of ordinary) t.equal(outgoingText(s, { secrets: none() }), s, s)
})

t.test('outgoingValue: strings cleaned, secret-named keys blanked, errors expanded, odd values survive', async (t) => {
  const reg = new SecretRegistry()
  reg.register('REGISTERED-source-secret')
  const cause = new Error('inner password=p4ss')
  const err = Object.assign(new Error('outer \x1b[2J REGISTERED-source-secret', { cause }), { code: 'Boom' })
  const cyclic: Record<string, unknown> = { name: 'c' }
  cyclic.self = cyclic
  const v = outgoingValue(
    {
      message: 'line one\nline two\rthree \u009b',
      sessionToken: 'plainword',
      nested: { Authorization: 'x', list: ['token=abc', 5, true, null], map: new Map([['password', 'y']]) },
      err,
      cyclic,
      when: new Date(Date.UTC(2026, 0, 1)),
      ['key\x1b]0;t\x07']: 1,
      emptySecret: '',
      secret: '',
    },
    { secrets: reg },
  ) as Record<string, unknown>
  t.same(v, {
    message: 'line one\nline two\\rthree \\x9b',
    sessionToken: R,
    nested: { Authorization: R, list: [`token=${R}`, 5, true, null], map: { password: R } },
    err: { name: 'Error', message: `outer \\x1b[2J ${R}`, cause: { name: 'Error', message: `inner password=${R}` }, code: 'Boom' },
    cyclic: { name: 'c', self: '[circular]' },
    when: '2026-01-01T00:00:00.000Z',
    'key\\x1b]0;t\\x07': 1,
    emptySecret: '',
    secret: '',
  })
  t.notMatch(JSON.stringify(v), /[\x7f-\x9f]|\\u001b|\\r(?!three)/, 'JSON holds no raw C1 and no encoded ESC')
})

t.test('outgoingFields: only the named fields, the rest untouched and the same object when clean', async (t) => {
  const creds = {
    Version: 1,
    AccessKeyId: 'ASIAIOSFODNN7EXAMPLE',
    SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    message: undefined,
  }
  t.equal(outgoingFields(creds, ['message', 'reason'], { secrets: none() }), creds, 'credentials pass as they are')
  const refusal = { message: 'boom \x1b[31m password=x', code: 'E' }
  t.same(outgoingFields(refusal, ['message'], { secrets: none() }), { message: `boom \\x1b[31m password=${R}`, code: 'E' })
  t.equal(refusal.message, 'boom \x1b[31m password=x', 'input not mutated')
})

t.test('secret field names', async (t) => {
  for (const n of [
    'password',
    'Passwd',
    'secret',
    'token',
    'api_key',
    'apiKey',
    'Authorization',
    'sessionToken',
    'x-amz-security-token',
    'SecretAccessKey',
    'cookie',
  ])
    t.ok(isSecretFieldName(n), n)
  for (const n of [
    'tokenFile',
    'accessKeyId',
    'AccessKeyId',
    'profile',
    'message',
    'tokenExpiresAt',
    'userCode',
    'verificationUriComplete',
  ])
    t.notOk(isSecretFieldName(n), n)
})
