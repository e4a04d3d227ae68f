// Everything the emulator remembers, shared by the three services: STS issues
// and checks keys, the SSO portal issues keys STS then accepts, SSO-OIDC issues
// bearer tokens the portal accepts. Plain maps; no I/O here.
import { awsId, secretKey, token } from './ids.js'

export interface User {
  name: string
  accessKeyId: string
  secretAccessKey: string
  arn: string
  userId: string
  account: string
}

export interface Role {
  name: string
  arn: string
  roleId: string
  account: string
  /** Principal ARNs allowed to assume the role; undefined = anyone. */
  trust?: string[]
  externalId?: string
  maxSessionSeconds: number
  requireMfa: boolean
}

/** Temporary credentials (ASIA…) from AssumeRole*, GetSessionToken or the SSO portal. */
export interface Session {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiresAt: number
  /** What GetCallerIdentity answers. */
  arn: string
  userId: string
  account: string
  /** IAM ARN of the role behind an assumed-role session; undefined for GetSessionToken. */
  roleArn?: string
  /** GetSessionToken was called with an MFA code. */
  mfa?: boolean
}

export interface OidcClient {
  clientId: string
  clientSecret: string
  issuedAt: number
  expiresAt: number
  grantTypes?: string[]
}

export interface DeviceAuthorization {
  deviceCode: string
  userCode: string
  clientId: string
  expiresAt: number
  intervalSeconds: number
  approved: boolean
  used: boolean
  lastPollAt?: number
}

export interface StateOptions {
  now: () => number
  accountId: string
  credentialLifetimeSeconds?: number
  accessTokenLifetimeSeconds: number
  rotateRefreshTokens: boolean
}

export class EmulatorState {
  readonly users = new Map<string, User>() // by access key id
  readonly roles = new Map<string, Role>() // by IAM role ARN
  readonly sessions = new Map<string, Session>() // by access key id
  readonly accessTokens = new Map<string, { expiresAt: number }>()
  readonly ssoAssignments = new Set<string>() // `${accountId}/${roleName}`
  readonly oidcClients = new Map<string, OidcClient>()
  readonly refreshTokens = new Map<string, { clientId: string; revoked: boolean }>()
  readonly devices = new Map<string, DeviceAuthorization>() // by device code
  readonly webIdentityTokens: string[] = []
  /** Base URL once listening; the device flow's verification links point here. */
  url = ''

  constructor(readonly opts: StateOptions) {}

  now(): number {
    return this.opts.now()
  }

  /** Expiration for a credential requested for `seconds`, whole seconds like AWS prints it. */
  expiryFor(seconds: number): number {
    const lifetime = this.opts.credentialLifetimeSeconds ?? seconds
    return Math.floor((this.now() + lifetime * 1000) / 1000) * 1000
  }

  addUser(name: string, account = this.opts.accountId, secretAccessKey = secretKey()): User {
    const user: User = {
      name,
      accessKeyId: awsId('AKIA'),
      secretAccessKey,
      arn: `arn:aws:iam::${account}:user/${name}`,
      userId: awsId('AIDA'),
      account,
    }
    this.users.set(user.accessKeyId, user)
    return user
  }

  issueSession(who: Pick<Session, 'arn' | 'userId' | 'account' | 'roleArn' | 'mfa'>, seconds: number): Session {
    const session: Session = {
      ...who,
      accessKeyId: awsId('ASIA'),
      secretAccessKey: secretKey(),
      sessionToken: token('IQoJb3JpZ2luX2VtdQ', 96),
      expiresAt: this.expiryFor(seconds),
    }
    this.sessions.set(session.accessKeyId, session)
    return session
  }

  issueAccessToken(expiresInSeconds = this.opts.accessTokenLifetimeSeconds): { accessToken: string; expiresAt: number } {
    const accessToken = token('aoa', 96)
    const expiresAt = this.now() + expiresInSeconds * 1000
    this.accessTokens.set(accessToken, { expiresAt })
    return { accessToken, expiresAt }
  }

  issueRefreshToken(clientId: string): string {
    const refreshToken = token('aor', 96)
    this.refreshTokens.set(refreshToken, { clientId, revoked: false })
    return refreshToken
  }

  registerClient(expiresInSeconds = 90 * 24 * 3600, grantTypes?: string[]): OidcClient {
    const issuedAt = Math.floor(this.now() / 1000) * 1000
    const client: OidcClient = {
      clientId: token('', 16),
      clientSecret: token('eyJraWQiOiJlbXUifQ.', 120),
      issuedAt,
      expiresAt: issuedAt + expiresInSeconds * 1000,
      ...(grantTypes ? { grantTypes } : {}),
    }
    this.oidcClients.set(client.clientId, client)
    return client
  }
}
