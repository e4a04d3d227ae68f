// What `aws-credd demo` puts in its throwaway home: a sample ~/.aws (long-term
// keys, a role chain with an external ID, two SSO sessions), the SSO token cache
// and a daemon config, all timed from one credential lifetime so that renewals,
// an SSO refresh and a re-login alert happen within the first minute. Pure:
// the emulator's identities, `now` and the lifetime in, file contents out.
import type { SsoCachedToken } from '../core/sso-token.js'
import { awsTimestamp } from '../core/aws-time.js'

export interface DemoIdentities {
  /** The emulator's base URL (every service shares it). */
  url: string
  user: { accessKeyId: string; secretAccessKey: string }
  roleArn: string
  chainedRole: { arn: string; externalId: string }
  sso: { accountId: string; roleName: string }
  /** A token that refreshes (the "demo" session). */
  fresh: { accessToken: string; refreshToken: string }
  /** A token whose refresh token the emulator has revoked (the "demo-lapsed" session). */
  lapsed: { accessToken: string; refreshToken: string }
  client: { clientId: string; clientSecret: string; expiresAt: number }
}

export interface DemoScenario {
  awsConfig: string
  awsCredentials: string
  /** By cache key (the sso-session name). */
  ssoTokens: Array<{ cacheKey: string; token: SsoCachedToken }>
  daemonConfig: Record<string, unknown>
  /** When each thing should happen, in seconds after start, for the intro text. */
  timeline: { renewal: number; ssoRefresh: number; relogin: number }
}

const START_URL = 'https://demo.awsapps.com/start'
const REGION = 'us-east-1'

/** `lifetime` (seconds) is how long every credential and access token lives here; AWS's are hours. */
export const demoScenario = (ids: DemoIdentities, now: number, lifetime: number): DemoScenario => {
  const refreshBefore = Math.round(lifetime / 2)
  const freshExpires = Math.round((lifetime * 2) / 3)
  const lapsedExpires = Math.round((lifetime * 7) / 6)
  const awsConfig = `# aws-credd demo: a sample ~/.aws. Every endpoint is the local emulator (AWS_ENDPOINT_URL).
[default]
region = ${REGION}

[profile demo-role]
role_arn = ${ids.roleArn}
source_profile = demo-user
role_session_name = aws-credd-demo

[profile demo-chain]
role_arn = ${ids.chainedRole.arn}
source_profile = demo-role
external_id = ${ids.chainedRole.externalId}
role_session_name = aws-credd-demo

[profile demo-sso]
sso_session = demo
sso_account_id = ${ids.sso.accountId}
sso_role_name = ${ids.sso.roleName}
region = ${REGION}

[profile demo-lapsed]
sso_session = demo-lapsed
sso_account_id = ${ids.sso.accountId}
sso_role_name = ${ids.sso.roleName}
region = ${REGION}

[sso-session demo]
sso_start_url = ${START_URL}
sso_region = ${REGION}
sso_registration_scopes = sso:account:access

[sso-session demo-lapsed]
sso_start_url = ${START_URL}
sso_region = ${REGION}
sso_registration_scopes = sso:account:access
`
  const awsCredentials = `[demo-user]
aws_access_key_id = ${ids.user.accessKeyId}
aws_secret_access_key = ${ids.user.secretAccessKey}
`
  const token = (t: { accessToken: string; refreshToken: string }, expiresIn: number): SsoCachedToken => ({
    startUrl: START_URL,
    region: REGION,
    accessToken: t.accessToken,
    expiresAt: awsTimestamp(now + expiresIn * 1000),
    clientId: ids.client.clientId,
    clientSecret: ids.client.clientSecret,
    registrationExpiresAt: awsTimestamp(ids.client.expiresAt),
    refreshToken: t.refreshToken,
  })
  return {
    awsConfig,
    awsCredentials,
    ssoTokens: [
      { cacheKey: 'demo', token: token(ids.fresh, freshExpires) },
      { cacheKey: 'demo-lapsed', token: token(ids.lapsed, lapsedExpires) },
    ],
    daemonConfig: {
      profiles: [
        { profile: 'demo-role' },
        { profile: 'demo-chain', writeTo: 'demo-app' },
        { profile: 'demo-sso' },
        { profile: 'demo-lapsed' },
      ],
      sso: { refreshBefore: `${refreshBefore}s`, deviceLogin: 'alert' },
      alerts: { warnBefore: `${Math.max(1, Math.round(lifetime / 6))}s`, repeat: `${lifetime * 2}s`, desktop: false },
      log: { level: 'info' },
    },
    // planRenewal renews at 40% of a short lifetime (60% lead), minus up to 5% jitter.
    timeline: { renewal: Math.round(lifetime * 0.4), ssoRefresh: freshExpires - refreshBefore, relogin: lapsedExpires - refreshBefore },
  }
}

/** What the newcomer reads before the daemon starts. */
export const demoIntro = (o: {
  url: string
  home: string
  lifetime: number
  timeline: DemoScenario['timeline']
}): string => `aws-credd demo — no AWS account needed: a local AWS emulator answers on ${o.url},
and a sample ~/.aws lives in ${o.home} (removed when you press Ctrl-C).
Credentials live ${o.lifetime}s here (hours on AWS), so within a minute you will see:
  · about ${o.timeline.renewal}s: demo-role and demo-chain (a role chain with an external ID) renewed before they expire;
    demo-chain is also written to the [demo-app] section of ${o.home}/.aws/credentials
  · about ${o.timeline.ssoRefresh}s: SSO session "demo" refreshed with its refresh token, no login;
  · about ${o.timeline.relogin}s: SSO session "demo-lapsed", whose refresh token was revoked, asks for a login:
    the alert carries a link; open it (the emulator approves at once) and watch demo-lapsed recover.
Try it from another terminal while it runs:
  AWS_SHARED_CREDENTIALS_FILE=${o.home}/.aws/credentials AWS_CONFIG_FILE=/dev/null aws sts get-caller-identity --profile demo-app --region ${REGION} --endpoint-url ${o.url}
`
