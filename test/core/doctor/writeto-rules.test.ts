// writeTo sections that a reader would not read as keys: which keys of the same
// name make botocore (and maybe the JS SDK v3) pick another provider first.
import t from 'tap'
import { buildContext } from '../../../src/core/doctor/context.js'
import type { Section } from '../../../src/core/doctor/facts.js'
import { writeToRules } from '../../../src/core/doctor/writeto-rules.js'
import { DAEMON_CONFIG, makeFacts, NOW, SECRET, TEMP_KEY, TOKEN, keys } from '../../helpers/doctor-facts.js'

const written = keys(TEMP_KEY, { aws_session_token: TOKEN })
const run = (config: Record<string, Section>, credentials: Record<string, Section> = { dev: written }) =>
  writeToRules(buildContext(makeFacts({ config, credentials, managed: ['dev'], writeTo: [{ profile: 'app', section: 'dev' }] }), NOW))

const cases: Array<
  [string, Record<string, Section>, Record<string, Section> | undefined, { code: string; severity: string; message?: RegExp; fix?: RegExp }]
> = [
  [
    'role_arn + source_profile: botocore and the JS SDK v3 assume the role',
    { dev: { role_arn: 'arn:aws:iam::1:role/x', source_profile: 'base' }, base: {} },
    undefined,
    {
      code: 'writeto-shadowed',
      severity: 'error',
      message:
        /\[profile dev\] of \/home\/u\/.aws\/config also sets role_arn, source_profile: botocore and the AWS CLI use the assume-role provider .*and so does the JS SDK v3/,
      fix: new RegExp(`choose another "writeTo" than "dev" in ${DAEMON_CONFIG}, or remove role_arn, source_profile from \\[profile dev\\]`),
    },
  ],
  [
    'role_arn + credential_source',
    { dev: { role_arn: 'arn:aws:iam::1:role/x', credential_source: 'Environment' } },
    undefined,
    { code: 'writeto-shadowed', severity: 'error', message: /and so does the JS SDK v3/ },
  ],
  [
    'role_arn + web_identity_token_file: botocore only',
    { dev: { role_arn: 'arn:aws:iam::1:role/x', web_identity_token_file: '/t' } },
    undefined,
    { code: 'writeto-shadowed', severity: 'error', message: /web-identity provider.*the JS SDK v3 still uses the keys/ },
  ],
  [
    'sso_account_id/sso_role_name: botocore only',
    { dev: { sso_session: 's', sso_account_id: '1', sso_role_name: 'R' } },
    undefined,
    {
      code: 'writeto-shadowed',
      severity: 'error',
      message: /sets sso_account_id, sso_role_name: .*the SSO provider.*JS SDK v3 still uses the keys/,
    },
  ],
  ['sso_session alone does not make the SSO provider', { dev: { sso_session: 's' } }, undefined, { code: 'writeto', severity: 'ok' }],
  [
    'credential_process comes after the keys',
    { dev: { credential_process: 'x' } },
    undefined,
    { code: 'writeto', severity: 'ok', message: /credential_process comes after the keys/ },
  ],
  ['a plain region is fine', { dev: { region: 'eu-west-1' } }, undefined, { code: 'writeto', severity: 'ok' }],
  [
    'role_arn in the credentials-file section itself',
    {},
    { dev: { ...written, role_arn: 'arn:aws:iam::1:role/x', source_profile: 'base' }, base: keys('AKIABASE000000003333') },
    { code: 'writeto-shadowed', severity: 'error', message: /\[dev\] of \/home\/u\/.aws\/credentials also sets role_arn/ },
  ],
  ['not written yet', {}, {}, { code: 'writeto-not-written', severity: 'info', fix: /^aws-credd run$/ }],
]

for (const [name, config, credentials, want] of cases) {
  t.test(name, async (t) => {
    const findings = run(config, credentials)
    t.equal(findings.length, 1)
    const f = findings[0]!
    t.match(f, { code: want.code, severity: want.severity, scope: { profile: 'dev' } })
    if (want.message) t.match(f.message, want.message)
    if (want.fix) t.match(f.fix, want.fix)
    t.notMatch(JSON.stringify(f), SECRET)
    t.notMatch(JSON.stringify(f), TOKEN)
  })
}
