// `aws-credd env` output: sh lines are eval'd by real shells (bash and dash) with values
// full of quotes, spaces and shell syntax, and must come back byte for byte; fish and JSON
// are checked as text (no fish on the test machine).
import t from 'tap'
import { execFile } from 'node:child_process'
import { containerEnvFor, fishQuote, formatEnv, shQuote, UNSET_VARS } from '../../src/cli/env.js'

const NASTY = [
  'plain',
  'with spaces  and\ttab',
  "it's",
  `"double" and 'single' ''`,
  '$HOME `id` $(id) ${X} \\ \\\\ \\n ; & | < > * ? ~ # !',
  'new\nline',
  '',
  "'",
  'ünïcødé ✓',
]

const sh = (shell: string, script: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile(shell, ['-c', script, shell, ...args], { env }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  )

for (const shell of ['bash', 'dash']) {
  t.test(`sh quoting survives ${shell} eval`, async (t) => {
    for (const value of NASTY) {
      // The quoted text arrives as $1, exactly as `eval "$(aws-credd env …)"` would see it.
      const out = await sh(shell, `eval "$1"; printf '%s' "$V"`, { PATH: process.env.PATH }, [`V=${shQuote(value)}`])
      t.equal(out, value, JSON.stringify(value))
    }
  })

  t.test(`the sh format sets, exports and unsets in ${shell}`, async (t) => {
    const e = containerEnvFor({ url: 'http://127.0.0.1:9911', tokenFile: "/tmp/it's a dir/token" }, 'my profile')
    const text = formatEnv(e, 'sh')
    const script = `${text}\nsh -c 'printf "%s|%s|%s|%s" "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" "\${AWS_ACCESS_KEY_ID-gone}" "\${AWS_PROFILE-gone}"'`
    const out = await sh(shell, script, { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_PROFILE: 'other' })
    t.equal(out, "http://127.0.0.1:9911/v1/credentials/my%20profile|/tmp/it's a dir/token|gone|gone", 'a child of the shell sees them')
  })
}

t.test('the sh format, as text', async (t) => {
  const e = containerEnvFor({ url: 'http://127.0.0.1:9911/', tokenFile: '/run/user/1000/aws-credd/token' }, 'dev')
  t.equal(
    formatEnv(e, 'sh'),
    "export AWS_CONTAINER_CREDENTIALS_FULL_URI='http://127.0.0.1:9911/v1/credentials/dev'\n" +
      "export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE='/run/user/1000/aws-credd/token'\n" +
      'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN\n',
    'a trailing slash of the URL is not doubled',
  )
})

t.test('fish quoting escapes only backslash and single quote', async (t) => {
  t.equal(fishQuote('plain'), "'plain'")
  t.equal(fishQuote("it's"), "'it\\'s'")
  t.equal(fishQuote('a\\b'), "'a\\\\b'")
  t.equal(fishQuote('$HOME (id) "x" *'), `'$HOME (id) "x" *'`)
  const e = containerEnvFor({ url: 'http://127.0.0.1:9911', tokenFile: "/tmp/it's/token" }, 'dev')
  t.equal(
    formatEnv(e, 'fish'),
    "set -gx AWS_CONTAINER_CREDENTIALS_FULL_URI 'http://127.0.0.1:9911/v1/credentials/dev'\n" +
      "set -gx AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '/tmp/it\\'s/token'\n" +
      UNSET_VARS.filter((v) => v !== 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE')
        .map((v) => `set -e ${v}\n`)
        .join(''),
  )
})

t.test('the json format: variables to set plus "unset"', async (t) => {
  const e = containerEnvFor({ url: 'http://[::1]:9911', tokenFile: '/t "x"' }, 'a/b')
  const text = formatEnv(e, 'json')
  t.equal(text.split('\n').length, 2, 'one line')
  t.same(JSON.parse(text), {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://[::1]:9911/v1/credentials/a%2Fb',
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/t "x"',
    unset: UNSET_VARS.filter((v) => v !== 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'),
  })
})

t.test('by value (exec): the token variable is set and the file variable unset, so no stale file wins in botocore or Go', async (t) => {
  const e = containerEnvFor({ url: 'http://127.0.0.1:9911', token: 'T'.repeat(43) }, 'dev')
  t.equal(e.set.AWS_CONTAINER_AUTHORIZATION_TOKEN, 'T'.repeat(43))
  t.notOk('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE' in e.set)
  t.ok(e.unset.includes('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'))
  t.notOk(e.unset.includes('AWS_CONTAINER_AUTHORIZATION_TOKEN'))
})
