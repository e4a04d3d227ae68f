// Everything `aws-credd doctor` knows about this machine, gathered once by the
// adapters (src/files/doctor-facts.ts, src/aws/doctor-probes.ts) and read by
// the pure rules. Raw sections are kept per file so a rule can say where a key
// came from. Holds secrets in memory (the files' keys); rules never print them.
import type { PathFacts, RuntimeDirChoice } from '../runtime-trust.js'
import type { SsoSessionInfo } from '../sso-sessions.js'

export type Env = Record<string, string | undefined>
export type Section = Record<string, string>

export interface FileFacts {
  path: string
  exists: boolean
  /** Permission bits (mode & 0o777), when the file exists. */
  mode?: number
  /** Why it cannot be used, one line. */
  unreadable?: string
  /** What fixes that. */
  unreadableFix?: string
}

export interface AwsFileFacts extends FileFacts {
  /** Profiles as this file alone defines them (config: `[profile x]` → x), keys as the SDK reads them. */
  profiles: Record<string, Section>
  /** Lines the AWS CLI and botocore refuse, one message each (core/ini-lint). */
  lint: string[]
}

export interface SsoTokenFacts {
  /** Epoch ms. */
  expiresAt: number
  hasRefreshToken: boolean
  /** clientId and clientSecret of the registration that can use the refresh token. */
  hasClientRegistration: boolean
  /** Epoch ms, when the file says. */
  registrationExpiresAt?: number
}

export interface SsoSessionFacts {
  info: SsoSessionInfo
  cacheFile: string
  /** Absent: no cache file (nobody logged in). */
  token?: SsoTokenFacts
  unreadable?: string
}

export interface DaemonConfigFacts {
  /** The daemon config read (--config, or the default path when it exists). */
  path?: string
  /** It exists but is invalid: the ConfigError's reason, and its fix. */
  error?: string
  errorFix?: string
  writeTo: Array<{ profile: string; section: string }>
  /** server.tokenFile, or the runtime folder's `token`. */
  tokenFile: FileFacts
}

export type ProbeService = 'sts' | 'sso' | 'sso-oidc' | 'container' | 'imds'

export interface ProbeTarget {
  url: string
  service: ProbeService
  /** What chose the URL: `AWS_ENDPOINT_URL_STS`, `endpoint_url of [profile x]`, `the default for us-east-1`. */
  via: string
  /** Profiles or sessions that use it (for the message). */
  users: string[]
}

export interface ProbeResult {
  target: ProbeTarget
  answered: boolean
  /** HTTP status, when it answered. */
  status?: number
  /** The answer's `Date` header, epoch ms. */
  serverDate?: number
  /** Local clock when the request went out and the answer came in (epoch ms). */
  sentAt: number
  receivedAt: number
  /** Why it did not answer: `ECONNREFUSED`, `timed out after 5s`. */
  error?: string
}

/** `untrusted`: the control socket failed the trust check, so it was not asked (the runtime rules say why). */
export type DaemonFacts = { running: true; pid?: number } | { running: false; reason: string; untrusted?: true }

/** The runtime folder the daemon and the clients would use, and what lstat says of it and its control socket. */
export interface RuntimeFacts {
  uid: number
  choice: RuntimeDirChoice
  /** lstat of choice.dir, stat of its parent, lstat of the control socket in it. */
  folder: PathFacts
  parent: PathFacts
  socket: PathFacts
}

/** Whose keys a key check tried: the environment's, or a profile's from the files. */
export type KeyOwner = { env: true } | { profile: string }

/** Temporary keys that say nothing of their expiry, to be tried with one signed GetCallerIdentity. */
export interface KeyCheckTarget {
  owner: KeyOwner
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  region: string
  /** The STS URL the owner would sign against. */
  endpoint: string
}

/** valid: STS accepted them. expired: ExpiredToken. refused: any other authentication error. unknown: no answer. */
export interface KeyCheckResult {
  owner: KeyOwner
  outcome: 'valid' | 'expired' | 'refused' | 'unknown'
  /** The error code STS gave, or why there was no answer. */
  code?: string
}

export interface NetworkFacts {
  probes: ProbeResult[]
  daemon: DaemonFacts
  /** One per KeyCheckTarget (absent when nothing needed checking). */
  keyChecks?: KeyCheckResult[]
}

export interface DoctorFacts {
  env: Env
  config: AwsFileFacts & { ssoSessions: Record<string, Section>; services: Record<string, Section> }
  credentials: AwsFileFacts & {
    /** Sections that carry aws-credd's marker comment. */
    managed: string[]
  }
  ssoSessions: SsoSessionFacts[]
  /** Every file in ~/.aws/sso/cache (tokens and client registrations). */
  ssoCacheFiles: FileFacts[]
  daemonConfig: DaemonConfigFacts
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, when set. */
  containerTokenFile?: FileFacts
  /** Absent with --no-network. */
  network?: NetworkFacts
  /** Absent where there are no uids (Windows). */
  runtime?: RuntimeFacts
}
