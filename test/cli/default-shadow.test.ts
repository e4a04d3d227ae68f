// Which [default] settings make every SDK skip the container endpoint that exec/env set.
import t from 'tap'
import { defaultShadowNote, defaultSource } from '../../src/cli/default-shadow.js'

t.test('defaultSource', async (t) => {
  t.equal(defaultSource(undefined, undefined), undefined)
  t.equal(defaultSource({ region: 'us-east-1', output: 'json' }, {}), undefined, 'settings only')
  t.same(defaultSource({}, { aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE' }), { what: 'static keys', file: 'credentials' })
  t.same(defaultSource({ role_arn: 'arn:aws:iam::123456789012:role/x' }, {}), { what: 'a role to assume', file: 'config' })
  t.same(defaultSource({ sso_session: 'corp' }, {}), { what: 'an SSO session', file: 'config' })
  t.same(defaultSource({ credential_process: 'x' }, {}), { what: 'a credential_process', file: 'config' })
})

t.test('exec default: [default] is the profile asked for, no note', async (t) => {
  const dir = t.testdir({ config: '[default]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n', credentials: '' })
  const env = { HOME: dir, AWS_CONFIG_FILE: `${dir}/config`, AWS_SHARED_CREDENTIALS_FILE: `${dir}/credentials` }
  t.equal(await defaultShadowNote('default', env), undefined)
  t.match(await defaultShadowNote('dev', env), /holds a role to assume/)
})
