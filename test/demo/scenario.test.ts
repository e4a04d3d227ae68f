// The demo's sample home is a valid ~/.aws and a valid daemon config, its profiles
// resolve to the kinds the intro promises, and its timeline puts a renewal, an SSO
// refresh and a re-login inside the first minute at the default lifetime.
import t from 'tap'
import { join } from 'node:path'
import { readAwsFiles } from '../../src/files/aws-config-files.js'
import { demoIntro, demoScenario, type DemoIdentities } from '../../src/demo/scenario.js'
import { parseConfig } from '../../src/core/config/schema.js'
import { buildProfileGraph } from '../../src/core/profile-graph.js'
import { chainOf } from '../../src/core/links.js'

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0)
const ids: DemoIdentities = {
  url: 'http://127.0.0.1:40000',
  user: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  roleArn: 'arn:aws:iam::123456789012:role/demo-role',
  chainedRole: { arn: 'arn:aws:iam::123456789012:role/demo-chained', externalId: 'demo-external-id' },
  sso: { accountId: '111122223333', roleName: 'DemoReadOnly' },
  fresh: { accessToken: 'fresh-access', refreshToken: 'fresh-refresh' },
  lapsed: { accessToken: 'lapsed-access', refreshToken: 'lapsed-refresh' },
  client: { clientId: 'client', clientSecret: 'client-secret', expiresAt: NOW + 90 * 86_400_000 },
}

t.test('the sample ~/.aws resolves to static keys, a role chain and two SSO sessions', async (t) => {
  const s = demoScenario(ids, NOW, 60)
  const dir = t.testdir({ config: s.awsConfig, credentials: s.awsCredentials })
  const files = await readAwsFiles({
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
  })
  t.same(files.warnings ?? [], [], 'nothing another reader would refuse')
  const wanted = ['demo-role', 'demo-chain', 'demo-sso', 'demo-lapsed']
  const graph = buildProfileGraph(files, wanted, {})
  const kinds = (p: string): string =>
    chainOf(graph, graph.roots.get(p)!)
      .map((l) => l.kind)
      .join(' ← ')
  t.equal(kinds('demo-role'), 'assume-role ← static')
  t.equal(kinds('demo-chain'), 'assume-role ← assume-role ← static')
  t.equal(kinds('demo-sso'), 'sso')
  t.equal(kinds('demo-lapsed'), 'sso')
  t.equal(graph.errors.size, 0)
})

t.test('the daemon config is valid and writes the chain to [demo-app]', async (t) => {
  const s = demoScenario(ids, NOW, 60)
  const config = parseConfig(s.daemonConfig, 'demo config')
  t.same(
    config.profiles.find((p) => p.profile === 'demo-chain'),
    { profile: 'demo-chain', writeTo: 'demo-app' },
  )
  t.equal(config.sso.deviceLogin, 'alert', 'the re-login alert carries a link')
  t.equal(config.sso.refreshBefore, 30_000)
  t.equal(config.alerts.desktop, false, 'no desktop pop-ups from a demo')
})

t.test('tokens: the lapsed one outlives the fresh one; times in the CLI format', async (t) => {
  const s = demoScenario(ids, NOW, 60)
  const [fresh, lapsed] = s.ssoTokens
  t.equal(fresh!.cacheKey, 'demo')
  t.equal(fresh!.token.expiresAt, '2026-11-23T12:00:40Z')
  t.equal(lapsed!.cacheKey, 'demo-lapsed')
  t.equal(lapsed!.token.expiresAt, '2026-11-23T12:01:10Z')
  t.equal(lapsed!.token.refreshToken, 'lapsed-refresh')
})

t.test('at the default lifetime everything happens within the first minute, in the told order', async (t) => {
  const { timeline } = demoScenario(ids, NOW, 60)
  t.same(timeline, { renewal: 24, ssoRefresh: 10, relogin: 40 })
  const intro = demoIntro({ url: ids.url, home: '/tmp/aws-credd-demo-x', lifetime: 60, timeline })
  t.match(intro, /about 24s: demo-role and demo-chain/)
  t.match(intro, /removed when you press Ctrl-C/)
  t.match(intro, /--profile demo-app --region us-east-1 --endpoint-url http:\/\/127\.0\.0\.1:40000/)
  t.notMatch(intro, /wJalr|lapsed-refresh|fresh-access/, 'no secret in the intro')
})
