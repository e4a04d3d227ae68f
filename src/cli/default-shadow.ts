// `exec` and `env` point a program at the container endpoint, but every SDK's default
// chain looks at profile [default] first (AWS_PROFILE is unset for the program):
// credentials there win and the program silently runs as someone else. Say so.
import { withFix } from '../core/errors.js'
import { readDefaultSections } from '../files/aws-config-files.js'

/** Settings that make [default] a credential source ahead of the container provider, in both SDK families. */
const SOURCES: Array<[string, string]> = [
  ['aws_access_key_id', 'static keys'],
  ['role_arn', 'a role to assume'],
  ['sso_session', 'an SSO session'],
  ['sso_start_url', 'an SSO start URL'],
  ['sso_account_id', 'an SSO account'],
  ['credential_process', 'a credential_process'],
  ['web_identity_token_file', 'a web identity token file'],
  ['login_session', 'a login session'],
]

/** What in [default] would be used instead of the endpoint, or undefined. Pure. */
type Section = Record<string, string | undefined>

export const defaultSource = (
  config: Section | undefined,
  credentials: Section | undefined,
): { what: string; file: 'config' | 'credentials' } | undefined => {
  for (const [key, what] of SOURCES) {
    if (credentials?.[key]) return { what, file: 'credentials' }
    if (config?.[key]) return { what, file: 'config' }
  }
  return undefined
}

/** The one-line note for `exec`/`env`, or undefined when [default] holds no credentials. Never throws. */
export const defaultShadowNote = async (profile: string, env: NodeJS.ProcessEnv): Promise<string | undefined> => {
  if (profile === 'default') return undefined // then [default] is what the command should run as anyway
  try {
    const { paths, config, credentials } = await readDefaultSections(env)
    const found = defaultSource(config, credentials)
    if (!found) return undefined
    const where = found.file === 'credentials' ? `[default] of ${paths.credentialsFile}` : `[default] of ${paths.configFile}`
    return withFix(
      `${where} holds ${found.what}; the AWS CLI, boto3 and the JS SDK use it before the container endpoint, so the command would not run as profile "${profile}"`,
      'move it to a named profile (aws-credd doctor explains)',
    )
  } catch {
    return undefined // unreadable files: the program will say so itself
  }
}
