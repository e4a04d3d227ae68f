// botocore/boto3 and AWS CLI v1 against the emulator: a second, independent SigV4
// signer and XML/JSON parser, reached both by endpoint_url and by the
// AWS_ENDPOINT_URL_* variables. HOME and the config files point into a temp dir.
import t from 'tap'
import { requireOrSkip } from '../helpers/prerequisites.js'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { cleanPythonEnv, findPython } from '../helpers/python.js'
import { startEmulator } from '../../src/emulator/emulator.js'

const run = promisify(execFile)

const python = findPython('boto3')
const awsScript = python ? join(dirname(python), 'aws') : ''
const hasCli = awsScript !== '' && existsSync(awsScript)

const cleanEnv = cleanPythonEnv

const SCRIPT = `
import json, sys, boto3
from botocore.exceptions import ClientError
cfg = json.loads(sys.argv[1])
url = cfg['url']
def sts(**keys):
    return boto3.client('sts', endpoint_url=url, region_name='us-east-1', **keys)
def code(fn):
    try:
        fn()
        return None
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
user = dict(aws_access_key_id=cfg['key'], aws_secret_access_key=cfg['secret'])
out = {'me': sts(**user).get_caller_identity()['Arn']}
a = sts(**user).assume_role(RoleArn=cfg['role'], RoleSessionName='py', ExternalId='ext-py')
c = a['Credentials']
out['expiration'] = c['Expiration'].isoformat()
out['assumed'] = sts(aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken']).get_caller_identity()['Arn']
out['badSecret'] = code(lambda: sts(aws_access_key_id=cfg['key'], aws_secret_access_key='x' * 40).get_caller_identity())
out['badExternalId'] = code(lambda: sts(**user).assume_role(RoleArn=cfg['role'], RoleSessionName='py', ExternalId='nope'))
oidc = boto3.client('sso-oidc', endpoint_url=url, region_name='us-east-1')
tok = oidc.create_token(clientId=cfg['clientId'], clientSecret=cfg['clientSecret'], grantType='refresh_token', refreshToken=cfg['refreshToken'])
out['tokenType'] = tok['tokenType']
out['reused'] = code(lambda: oidc.create_token(clientId=cfg['clientId'], clientSecret=cfg['clientSecret'], grantType='refresh_token', refreshToken=cfg['refreshToken']))
sso = boto3.client('sso', endpoint_url=url, region_name='us-east-1')
rc = sso.get_role_credentials(roleName='ReadOnly', accountId='111122223333', accessToken=tok['accessToken'])['roleCredentials']
out['ssoKey'] = rc['accessKeyId'][:4]
out['ssoExpirationIsInt'] = isinstance(rc['expiration'], int)
out['badToken'] = code(lambda: sso.get_role_credentials(roleName='ReadOnly', accountId='111122223333', accessToken='nope'))
print(json.dumps(out))
`

t.test('boto3 signs, parses XML and JSON, and sees the right error codes', async (t) => {
  if (!requireOrSkip(t, 'python3 with boto3 (pip install boto3)', python !== undefined)) return
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('py-user')
  const role = emu.addRole({ name: 'py-role', trust: [user.arn], externalId: 'ext-py' })
  emu.addSsoAccountRole('111122223333', 'ReadOnly')
  const client = emu.registerOidcClient()
  const refreshToken = emu.issueRefreshToken(client.clientId)
  const cfg = { url: emu.url, key: user.accessKeyId, secret: user.secretAccessKey, role: role.arn, ...client, refreshToken }

  const { stdout } = await run(python!, ['-c', SCRIPT, JSON.stringify(cfg)], { env: cleanEnv(t.testdir()) })
  const out = JSON.parse(stdout) as Record<string, unknown>
  t.equal(out.me, user.arn)
  t.equal(out.assumed, 'arn:aws:sts::123456789012:assumed-role/py-role/py')
  t.match(out.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/, 'Expiration parsed as an aware datetime')
  t.same(out.badSecret, ['SignatureDoesNotMatch', 403])
  t.same(out.badExternalId, ['AccessDenied', 403])
  t.equal(out.tokenType, 'Bearer')
  t.same(out.reused, ['InvalidGrantException', 400])
  t.equal(out.ssoKey, 'ASIA')
  t.equal(out.ssoExpirationIsInt, true)
  t.same(out.badToken, ['UnauthorizedException', 401])
})

t.test('AWS CLI v1 reaches STS and SSO through AWS_ENDPOINT_URL_*', async (t) => {
  if (!requireOrSkip(t, 'the AWS CLI v1 next to python3 (pip install awscli)', hasCli)) return
  const emu = await startEmulator()
  t.teardown(() => emu.close())
  const user = emu.addUser('cli-user')
  emu.addSsoAccountRole('111122223333', 'ReadOnly')
  const { accessToken } = emu.issueSsoAccessToken()
  const home = t.testdir()
  const env = cleanEnv(home, {
    AWS_ACCESS_KEY_ID: user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
    AWS_ENDPOINT_URL_STS: emu.url,
    AWS_ENDPOINT_URL_SSO: emu.url,
  })
  const [who, role] = await Promise.all([
    run(python!, [awsScript, 'sts', 'get-caller-identity', '--output', 'json'], { env }),
    run(
      python!,
      [
        awsScript,
        'sso',
        'get-role-credentials',
        '--role-name',
        'ReadOnly',
        '--account-id',
        '111122223333',
        '--access-token',
        accessToken,
        '--output',
        'json',
      ],
      { env },
    ),
  ])
  t.equal((JSON.parse(who.stdout) as { Arn: string }).Arn, user.arn)
  t.match((JSON.parse(role.stdout) as { roleCredentials: { accessKeyId: string } }).roleCredentials.accessKeyId, /^ASIA/)
  t.same(emu.calls.map((c) => c.action).sort(), ['GetCallerIdentity', 'GetRoleCredentials'])
})
