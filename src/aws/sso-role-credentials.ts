// SSO links: GetRoleCredentials with the token aws-credd reads from the cache
// itself. Not the SDK's fromSSO: that refreshes tokens on its own behind a
// process-wide 30-second throttle and ignores failed cache writes, which would
// fight aws-credd's own SSO token keeper.
import { GetRoleCredentialsCommand, SSOClient } from '@aws-sdk/client-sso'
import type { Credentials } from '../core/credentials.js'
import { SsoTokenError } from '../core/errors.js'
import type { SsoLink } from '../core/links.js'
import type { SecretSink } from '../engine/ports.js'
import { loginFlag } from '../core/sso-sessions.js'
import { readSsoToken, ssoCacheFile } from '../files/sso-cache.js'
import { fromSdkError } from './classify-error.js'
import { clientsByPlacement } from './client-config.js'

/** What a person runs to log in again for this link. */
export const loginCommand = (link: Pick<SsoLink, 'ssoSession' | 'profile'>): string => `aws sso login ${loginFlag(link.ssoSession, link.profile)}`

const sessionName = (link: SsoLink): string => link.ssoSession ?? link.startUrl

export class SsoRoleCredentials {
  private readonly clientFor = clientsByPlacement((config) => new SSOClient(config))
  constructor(
    private readonly cacheDir: string,
    private readonly now: () => number,
    /** Where the tokens read from the cache are registered (the daemon's registry); none: not registered. */
    private readonly secrets?: SecretSink,
  ) {}

  async fetch(link: SsoLink): Promise<Credentials> {
    const file = ssoCacheFile(this.cacheDir, link.cacheKey)
    const token = await readSsoToken(file)
    for (const secret of [token?.accessToken, token?.refreshToken, token?.clientSecret]) if (typeof secret === 'string') this.secrets?.register(secret)
    const fix = loginCommand(link)
    if (!token) throw new SsoTokenError(sessionName(link), `profile "${link.profile}": SSO session "${sessionName(link)}" has no cached token (${file})`, fix, 'SsoTokenMissing')
    const expiresAt = Date.parse(token.expiresAt)
    if (expiresAt <= this.now()) {
      throw new SsoTokenError(sessionName(link), `profile "${link.profile}": SSO session "${sessionName(link)}" expired at ${token.expiresAt}`, fix)
    }
    let out
    try {
      out = await this.client(link).send(
        new GetRoleCredentialsCommand({ accessToken: token.accessToken, accountId: link.accountId, roleName: link.roleName }),
      )
    } catch (e) {
      if ((e as Error).name === 'UnauthorizedException') {
        throw new SsoTokenError(sessionName(link), `profile "${link.profile}": SSO session "${sessionName(link)}" token was refused by the SSO portal`, fix, 'SsoTokenRefused')
      }
      throw fromSdkError(link.profile, `GetRoleCredentials ${link.accountId}/${link.roleName}`, e)
    }
    const rc = out.roleCredentials
    if (!rc?.accessKeyId || !rc.secretAccessKey || !rc.expiration) {
      throw fromSdkError(link.profile, 'GetRoleCredentials', { name: 'InvalidResponse', message: 'the SSO portal answered without credentials', $fault: 'server' })
    }
    return {
      accessKeyId: rc.accessKeyId,
      secretAccessKey: rc.secretAccessKey,
      sessionToken: rc.sessionToken,
      expiresAt: Number(rc.expiration),
      accountId: link.accountId,
    }
  }

  private client(link: SsoLink): SSOClient {
    return this.clientFor(link.ssoRegion, link.endpoint)
  }
}
