// Doctor rules for the daemon config's writeTo sections: keys aws-credd writes
// there are useless when a reader picks another provider for that name first.
// botocore/credentials.py create_credential_resolver + ProfileProviderBuilder:
//   env → AssumeRoleProvider (role_arn without web_identity_token_file) →
//   AssumeRoleWithWebIdentityProvider (role_arn + web_identity_token_file) →
//   SSOProvider (sso_account_id or sso_role_name) → SharedCredentialProvider
//   (the credentials-file keys) → login → ProcessProvider → ConfigProvider.
// Profiles are merged (full_config: the credentials file over the config file), so
// a role_arn or sso_* key of `[profile S]` in ~/.aws/config shadows section [S].
// credential_process comes after the credentials-file keys: it does not shadow.
// The JS SDK v3 (resolveProfileData) checks role_arn + (source_profile xor
// credential_source) before static keys, static keys before web identity,
// credential_process and SSO: only a role shadows the keys there.
import type { DoctorContext } from './context.js'
import { hasProfile } from './context.js'
import { configHeader, finding, type Finding } from './findings.js'
import type { Section } from './facts.js'

const WRITTEN = new Set(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'])

/** The provider botocore picks before the credentials-file keys, with the keys that make it. */
export const botocoreShadow = (d: Section): { provider: string; keys: string[] } | undefined => {
  if (d.role_arn !== undefined && d.web_identity_token_file === undefined) {
    return {
      provider: 'the assume-role provider',
      keys: ['role_arn', ...['source_profile', 'credential_source'].filter((k) => d[k] !== undefined)],
    }
  }
  if (d.role_arn !== undefined) return { provider: 'the web-identity provider', keys: ['role_arn', 'web_identity_token_file'] }
  const sso = ['sso_account_id', 'sso_role_name'].filter((k) => d[k] !== undefined)
  if (sso.length > 0) return { provider: 'the SSO provider', keys: sso }
  return undefined
}

/** True when the JS SDK v3 assumes the role instead of using the section's keys. */
export const jsShadows = (d: Section): boolean =>
  d.role_arn !== undefined && (d.source_profile !== undefined) !== (d.credential_source !== undefined)

export const writeToRules = (ctx: DoctorContext): Finding[] => {
  const { config, credentials, daemonConfig } = ctx.facts
  const out: Finding[] = []
  for (const { profile, section } of daemonConfig.writeTo) {
    const scope = { profile: section }
    const fromConfig = Object.prototype.hasOwnProperty.call(config.profiles, section) ? config.profiles[section]! : {}
    const credsSection = Object.prototype.hasOwnProperty.call(credentials.profiles, section) ? credentials.profiles[section]! : {}
    const others = Object.fromEntries(Object.entries(credsSection).filter(([k]) => !WRITTEN.has(k)))
    const d = { ...fromConfig, ...others }
    const shadow = botocoreShadow(d)
    const where = Object.keys(others).some((k) => shadow?.keys.includes(k))
      ? `[${section}] of ${credentials.path}`
      : `${configHeader(section)} of ${config.path}`
    if (shadow) {
      const js = jsShadows(d)
        ? ', and so does the JS SDK v3 (it assumes role_arn before using static keys)'
        : '; the JS SDK v3 still uses the keys (static keys come first there)'
      out.push(
        finding(
          'error',
          scope,
          'writeto-shadowed',
          `aws-credd writes profile ${profile}'s keys to [${section}] of ${credentials.path}, but ${where} also sets ${shadow.keys.join(', ')}: botocore and the AWS CLI use ${shadow.provider} for "${section}", which comes before the credentials-file keys in botocore's chain${js}`,
          `choose another "writeTo" than "${section}" in ${daemonConfig.path ?? 'the daemon config'}, or remove ${shadow.keys.join(', ')} from ${where}`,
          { profile, section, provider: shadow.provider },
        ),
      )
      continue
    }
    if (!hasProfile(ctx, section)) {
      out.push(
        finding(
          'info',
          scope,
          'writeto-not-written',
          `[${section}] (writeTo of profile ${profile}) is not in ${credentials.path} yet: aws-credd writes it once it has resolved ${profile}`,
          'aws-credd run',
        ),
      )
      continue
    }
    const note = d.credential_process !== undefined ? ' (its credential_process comes after the keys in both chains)' : ''
    out.push(
      finding(
        'ok',
        scope,
        'writeto',
        `[${section}] receives profile ${profile}'s keys; botocore and the JS SDK v3 both read them${note}`,
        undefined,
        { profile, section },
      ),
    )
  }
  return out
}
