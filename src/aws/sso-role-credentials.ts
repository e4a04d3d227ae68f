// SSO links: GetRoleCredentials with the token aws-credd reads from the cache
// itself. Not the SDK's fromSSO: that refreshes tokens on its own behind a
// process-wide 30-second throttle and ignores failed cache writes, which would
// fight aws-credd's own SSO token keeper.
import { GetRoleCredentialsCommand, SSOClient } from '@aws-sdk/client-sso'
import type { Credentials } from '../core/credentials.js'
import { SsoTokenError } from '../core/errors.js'
import type { SsoLink } from '../core/links.js'
import type { SsoCachedToken } from '../core/sso-token.js'
import type { SecretSink } from '../engine/ports.js'
import { fixes } from '../core/fixes.js'
import { fromSdkError, invalidResponse } from './classify-error.js'
import { clientsByPlacement } from './client-config.js'

/**
 * The SSO token cache as this module reads it: files/sso-cache.ts (ssoTokenFiles) in
 * production, passed in by the composition so aws/ does no file reading of its own.
 */
export interface SsoTokenFiles {
  /** The cache file of a cache key (session name or start URL), named in messages. */
  fileOf(cacheKey: string): string
  /** The token in that file, or undefined when there is none (nobody logged in yet). */
  read(file: string): Promise<SsoCachedToken | undefined>
}

const sessionName = (link: SsoLink): string => link.ssoSession ?? link.startUrl

export class SsoRoleCredentials {
  private readonly clientFor = clientsByPlacement((config) => new SSOClient(config))
  constructor(
    private readonly tokens: SsoTokenFiles,
    private readonly now: () => number,
    /** Where the tokens read from the cache are registered (the daemon's registry); none: not registered. */
    private readonly secrets?: SecretSink,
  ) {}

  async fetch(link: SsoLink): Promise<Credentials> {
    const file = this.tokens.fileOf(link.cacheKey)
    const token = await this.tokens.read(file)
    for (const secret of [token?.accessToken, token?.refreshToken, token?.clientSecret])
      if (typeof secret === 'string') this.secrets?.register(secret)
    const fix = fixes.awsSsoLogin(link.ssoSession, link.profile)
    if (!token)
      throw new SsoTokenError(
        sessionName(link),
        `profile "${link.profile}": SSO session "${sessionName(link)}" has no cached token (${file})`,
        fix,
        'SsoTokenMissing',
        link.profile,
      )
    const expiresAt = Date.parse(token.expiresAt)
    if (expiresAt <= this.now()) {
      throw new SsoTokenError(
        sessionName(link),
        `profile "${link.profile}": SSO session "${sessionName(link)}" expired at ${token.expiresAt}`,
        fix,
        'SsoTokenExpired',
        link.profile,
      )
    }
    let out
    try {
      out = await this.client(link).send(
        new GetRoleCredentialsCommand({ accessToken: token.accessToken, accountId: link.accountId, roleName: link.roleName }),
      )
    } catch (e) {
      if ((e as Error).name === 'UnauthorizedException') {
        throw new SsoTokenError(
          sessionName(link),
          `profile "${link.profile}": SSO session "${sessionName(link)}" token was refused by the SSO portal`,
          fix,
          'SsoTokenRefused',
          link.profile,
        )
      }
      throw fromSdkError(link.profile, `GetRoleCredentials ${link.accountId}/${link.roleName}`, e)
    }
    const rc = out.roleCredentials
    if (!rc?.accessKeyId || !rc.secretAccessKey || !rc.expiration) {
      throw invalidResponse(link.profile, 'GetRoleCredentials', 'the SSO portal answered without credentials')
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
