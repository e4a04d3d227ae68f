// The real Upstream: one call per link kind, each built from
// @aws-sdk/credential-providers except SSO (see sso-role-credentials.ts).
// Providers are built per call: the SDK client inside fromTemporaryCredentials
// memoizes the first source credentials it sees, so a kept provider would go on
// signing with a source that was renewed or fixed. Sockets are shared anyway
// through one request handler (client-config.ts).
import {
  fromContainerMetadata,
  fromEnv,
  fromInstanceMetadata,
  fromProcess,
  fromTemporaryCredentials,
  fromTokenFile,
} from '@aws-sdk/credential-providers'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types'
import type { Credentials } from '../core/credentials.js'
import { CreddError, ProfileError } from '../core/errors.js'
import { fixes } from '../core/fixes.js'
import { mfaSerialOf, type Link } from '../core/links.js'
import type { SecretSink, Upstream } from '../engine/ports.js'
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts'
import { fromSdkError, invalidResponse } from './classify-error.js'
import { sdkClientConfig } from './client-config.js'
import { SsoRoleCredentials, type SsoTokenFiles } from './sso-role-credentials.js'

export interface AwsUpstreamOptions {
  /** Codes given with `aws-credd mfa`; without it, MFA profiles fail with MfaRequired. */
  mfaCodes?: { take(serial: string): string | undefined }
  /** GetSessionToken lifetime for MFA sessions (config mfa.sessionDuration), in seconds. */
  mfaSessionSeconds?: () => number
  configFile: string
  credentialsFile: string
  /** The SSO token cache (files/sso-cache.ts ssoTokenFiles), read for SSO links. */
  ssoTokens: SsoTokenFiles
  now: () => number
  /** Tells the redactor about SSO tokens read from the cache (the daemon's registry); without it they are not registered. */
  secrets?: SecretSink
}

/** AWS's own default session name prefix would be `aws-sdk-js-<ms>`; ours says who assumed it. */
const sessionName = (profile: string, now: number): string => `aws-credd-${profile}-${now}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64)

export class AwsUpstream implements Upstream {
  private sso: SsoRoleCredentials

  constructor(private readonly opts: AwsUpstreamOptions) {
    this.sso = new SsoRoleCredentials(opts.ssoTokens, opts.now, opts.secrets)
  }

  async fetch(link: Link, source: Credentials | undefined): Promise<Credentials> {
    if (link.kind === 'static') {
      return {
        accessKeyId: link.accessKeyId,
        secretAccessKey: link.secretAccessKey,
        sessionToken: link.sessionToken,
        expiresAt: link.expiresAt,
      }
    }
    if (link.kind === 'sso') return this.sso.fetch(link)
    try {
      return toCredentials(await this.build(link, source)(), link)
    } catch (e) {
      if (e instanceof CreddError) throw e // ours already: MfaRequired, an invalid answer
      const err = fromSdkError(link.profile, actionOf(link), link.kind === 'process' ? withoutCommandLine() : e)
      const serial = mfaSerialOf(link)
      if (serial && err.code === 'AccessDenied') {
        // Most likely a wrong or stale code: ask for a new one, as the alert will.
        throw new ProfileError(
          link.profile,
          `profile "${link.profile}": the code for MFA device ${serial} was refused (${err.reason})`,
          fixes.mfa(link.profile),
          'MfaRequired',
        )
      }
      throw err
    }
  }

  /** The code given with `aws-credd mfa`, or MfaRequired (permanent: it waits for the code, then a poke retries). */
  private mfaCode(profile: string, serial: string): string {
    const code = this.opts.mfaCodes?.take(serial)
    if (code) return code
    throw new ProfileError(profile, `profile "${profile}" needs a code from MFA device ${serial}`, fixes.mfa(profile), 'MfaRequired')
  }

  private build(link: Exclude<Link, { kind: 'static' | 'sso' }>, source: Credentials | undefined): AwsCredentialIdentityProvider {
    const clientConfig = sdkClientConfig(link.region, link.endpoint)
    switch (link.kind) {
      case 'assume-role': {
        const code = link.mfaSerial ? this.mfaCode(link.profile, link.mfaSerial) : undefined
        return fromTemporaryCredentials({
          params: {
            RoleArn: link.roleArn,
            RoleSessionName: link.roleSessionName ?? sessionName(link.profile, this.opts.now()),
            ...(link.externalId ? { ExternalId: link.externalId } : {}),
            ...(link.durationSeconds ? { DurationSeconds: link.durationSeconds } : {}),
            ...(code ? { SerialNumber: link.mfaSerial, TokenCode: code } : {}),
          },
          masterCredentials: async () => {
            if (!source) throw new Error(`no source credentials for ${link.id}`)
            return toIdentity(source)
          },
          clientConfig,
        })
      }
      case 'mfa-session': {
        const code = this.mfaCode(link.profile, link.mfaSerial)
        return async () => {
          if (!source) throw new Error(`no source credentials for ${link.id}`)
          const client = new STSClient({ ...clientConfig, credentials: toIdentity(source) })
          const out = await client.send(
            new GetSessionTokenCommand({
              SerialNumber: link.mfaSerial,
              TokenCode: code,
              DurationSeconds: this.opts.mfaSessionSeconds?.() ?? 43200,
            }),
          )
          const c = out.Credentials
          if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration)
            throw invalidResponse(link.profile, actionOf(link), 'GetSessionToken answered without credentials')
          return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration }
        }
      }
      case 'web-identity':
        // fromTokenFile reads the file at every call: Kubernetes rotates it.
        return fromTokenFile({
          webIdentityTokenFile: link.webIdentityTokenFile,
          roleArn: link.roleArn,
          roleSessionName: link.roleSessionName ?? sessionName(link.profile, this.opts.now()),
          ...(link.durationSeconds ? { durationSeconds: link.durationSeconds } : {}),
          clientConfig,
        })
      case 'process':
        return fromProcess({
          profile: link.profile,
          filepath: this.opts.credentialsFile,
          configFilepath: this.opts.configFile,
          ignoreCache: true,
        })
      case 'credential-source':
        if (link.credentialSource === 'Environment') return fromEnv()
        if (link.credentialSource === 'EcsContainer') return fromContainerMetadata({ timeout: 5000, maxRetries: 0 })
        return fromInstanceMetadata({ timeout: 5000, maxRetries: 0 })
    }
  }
}

const actionOf = (link: Link): string =>
  link.kind === 'mfa-session'
    ? `GetSessionToken (MFA ${link.mfaSerial})`
    : link.kind === 'assume-role'
      ? `AssumeRole ${link.roleArn}`
      : link.kind === 'web-identity'
        ? `AssumeRoleWithWebIdentity ${link.roleArn}`
        : link.kind === 'process'
          ? 'credential_process'
          : link.kind === 'credential-source'
            ? `credential_source ${link.credentialSource}`
            : link.kind

const toIdentity = (c: Credentials): AwsCredentialIdentity => ({
  accessKeyId: c.accessKeyId,
  secretAccessKey: c.secretAccessKey,
  sessionToken: c.sessionToken,
  ...(c.expiresAt !== undefined ? { expiration: new Date(c.expiresAt) } : {}),
})

const toCredentials = (id: AwsCredentialIdentity, link: Link): Credentials => ({
  accessKeyId: id.accessKeyId,
  secretAccessKey: id.secretAccessKey,
  sessionToken: id.sessionToken,
  expiresAt: id.expiration?.getTime(),
  accountId: (id as { accountId?: string }).accountId,
  roleArn: link.kind === 'assume-role' || link.kind === 'web-identity' ? link.roleArn : undefined,
})

/**
 * The SDK reports every failure of a credential_process as a CredentialsProviderError
 * carrying only a message, for a failed command Node's "Command failed: <the command
 * line>\n<its stderr>"; either may hold a token. Nothing structural tells the cases
 * apart, so whatever a process link throws is reported as the fact alone.
 */
const withoutCommandLine = (): unknown => ({
  name: 'CredentialProcessFailed',
  message: 'the command exited with an error; run it by hand to see why',
  $fault: 'client',
})
