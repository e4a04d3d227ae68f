// `aws-credd login [--sso-session NAME | --profile NAME] [--no-browser]`: the
// device authorization flow, writing the token exactly where and how
// `aws sso login` does, so the AWS CLI, the SDKs and the daemon all use it.
import { spawn } from 'node:child_process'
import { errorLine, ProfileError } from '../core/errors.js'
import { findSsoSession, listSsoSessions, type SsoSessionInfo } from '../core/sso-sessions.js'
import { AwsSsoOidc } from '../aws/sso-oidc.js'
import { LoginCancelled, startDeviceLogin } from '../engine/device-login.js'
import { awsPaths, readAwsFiles } from '../files/aws-config-files.js'
import { readSsoToken, ssoCacheFile, writeSsoToken } from '../files/sso-cache.js'
import { foregroundClock as clock } from '../runtime/clock.js'
import { UsageError, type Command } from './command.js'

export interface LoginOptions {
  ssoSession?: string
  profile?: string
  browser: boolean
}

type Env = NodeJS.ProcessEnv

export const loginCommand: Command<LoginOptions> = {
  validate: (opts) =>
    opts.ssoSession && opts.profile ? new UsageError('aws-credd login: give --sso-session or --profile, not both') : opts,
  run: async (opts, { io, env }) => {
    // Through the outgoing-text gate (io.stderr): the verification link and errors come from the SSO-OIDC service.
    const say = (line: string): void => io.stderr(line)
    let session: SsoSessionInfo
    try {
      const files = await readAwsFiles(env)
      const sessions = listSsoSessions(files, env)
      const found = findSsoSession(sessions, files, {
        ssoSession: opts.ssoSession,
        profile: opts.profile ?? (opts.ssoSession ? undefined : env.AWS_PROFILE),
      })
      if (!found)
        throw new ProfileError(
          opts.profile ?? opts.ssoSession ?? '',
          unknownSessionMessage(opts, sessions, files.configFile),
          'configure one with `aws configure sso-session`, or name one of those listed',
        )
      session = found
    } catch (e) {
      say(`aws-credd: ${errorLine(e)}`)
      return 2
    }
    const file = ssoCacheFile(awsPaths(env).ssoCacheDir, session.cacheKey)
    const cached = await readSsoToken(file).catch(() => undefined)
    const oidc = new AwsSsoOidc(() => clock.now())
    let login
    try {
      login = await startDeviceLogin({ oidc, clock: clock }, session, cached)
    } catch (e) {
      say(`aws-credd: ${errorLine(e)}`)
      return 1
    }
    const a = login.authorization
    const opened = opts.browser && openBrowser(a.verificationUriComplete, env)
    say(
      opened
        ? 'Attempting to open your default browser.\nIf the browser does not open, open the following URL:\n'
        : 'Open the following URL:\n',
    )
    say(a.verificationUriComplete)
    say(`\nand check that it shows the code: ${a.userCode}\n(or open ${a.verificationUri} and enter the code)\n`)
    const cancel = (): void => login.cancel()
    process.once('SIGINT', cancel)
    try {
      const token = await login.token
      await writeSsoToken(file, token)
      say(`Successfully logged into Start URL: ${session.startUrl}`)
      return 0
    } catch (e) {
      if (e instanceof LoginCancelled) return 130
      say(`aws-credd: ${errorLine(e)}`)
      return 1
    } finally {
      process.off('SIGINT', cancel)
    }
  },
}

const unknownSessionMessage = (opts: LoginOptions, sessions: SsoSessionInfo[], configFile: string): string => {
  const known = sessions.map((s) => (s.ssoSession ? `--sso-session ${s.ssoSession}` : `--${s.label}`)).join(', ')
  const asked = opts.ssoSession
    ? `SSO session "${opts.ssoSession}"`
    : opts.profile
      ? `profile "${opts.profile}" (or its SSO session)`
      : 'which SSO session to log in to'
  return `${configFile}: cannot find ${asked}${sessions.length ? `; known: ${known}` : '; it defines no SSO session'}`
}

/**
 * Opens the link like the AWS CLI's webbrowser.open: $BROWSER when set, else
 * xdg-open on a desktop (open on macOS). False when there is nothing to open it with.
 */
const openBrowser = (url: string, env: Env): boolean => {
  const command =
    env.BROWSER?.split(':')[0] || (process.platform === 'darwin' ? 'open' : env.DISPLAY || env.WAYLAND_DISPLAY ? 'xdg-open' : undefined)
  if (!command) return false
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true, env })
    child.on('error', () => undefined)
    child.unref()
    return true
  } catch {
    return false
  }
}
