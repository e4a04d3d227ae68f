// The fix lines that more than one place shows, each written once here: the same
// problem is told with the same words in the CLI, the log, alerts and HTTP answers.
// test/core/fixes.test.ts fails when one of these texts is written by hand elsewhere
// in src/. A fix only one place ever shows stays next to its error.
import { loginFlag, sessionLoginFlag, type SsoSessionInfo } from './sso-sessions.js'

type SessionName = Pick<SsoSessionInfo, 'ssoSession' | 'label'>

/** The command that hands the daemon a code for a profile's MFA device. */
const mfaCommand = (profile: string): string => `aws-credd mfa ${profile} CODE`

/** `aws-credd login` for a session, with the flag that names it. */
const credddLogin = (s: SessionName): string => `aws-credd login ${sessionLoginFlag(s)}`

export const fixes = {
  /** A profile waits for an MFA code the running daemon takes. */
  mfa: (profile: string): string => `run: ${mfaCommand(profile)} (the current code of its MFA device)`,
  /** A profile needs an MFA code and no daemon runs to take it (`aws-credd process`). */
  mfaViaDaemon: (profile: string): string => `start it (aws-credd run), then run: ${mfaCommand(profile)}`,
  /** No daemon answers on the control socket; appended to control-client's noDaemon line. */
  startDaemon: 'start it with `aws-credd run`',
  /** `aws-credd process` failed with no fix of its own. */
  checkProfile: (profile: string): string =>
    `check profile "${profile}" in the AWS config file, or start the daemon (aws-credd run) to see its status`,
  /** What a person runs to log in to an SSO session again, both ways. */
  ssoLogin: (s: SessionName): string => `${credddLogin(s)} (or aws sso login ${sessionLoginFlag(s)})`,
  /** The fix line of a session that needs a person: ssoLogin, prefixed with `run:`. */
  runSsoLogin: (s: SessionName): string => `run: ${fixes.ssoLogin(s)}`,
  /** The daemon's answer when a session needs login and no login link is open yet. */
  runCreddLogin: (s: SessionName): string => `run ${credddLogin(s)}`,
  /** The AWS CLI's login for the session of an SSO profile (`ssoSession` unset: a legacy profile holding the start URL). */
  awsSsoLogin: (ssoSession: string | undefined, profile: string): string => `aws sso login ${loginFlag(ssoSession, profile)}`,
  /** The SSO token cache file is broken: a login writes it anew. */
  ssoCacheRewrite: 'log in again to rewrite it (aws sso login)',
  /** Two profiles (or a profile and a writeTo) claim one credentials-file section. */
  writeToName: 'choose another writeTo name in the config',
  /** The running daemon serves no container endpoint, which a grant or `env` needs. */
  containerEndpoint: 'set "server": {"listen": "127.0.0.1:9911"} in its config (and AWS_CREDD_SERVER_LISTEN not "off"), then restart it',
} as const
