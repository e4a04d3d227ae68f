// Configured endpoint URLs ("endpoint_url", AWS_ENDPOINT_URL_*), resolved the
// way the AWS SDK for JS v3 resolves them (@smithy/core/endpoints
// getEndpointFromConfig + getEndpointUrlConfig), so that aws-credd talks to the
// same STS/SSO endpoint the user's own programs would (LocalStack, a VPC
// endpoint, the test emulator).
//
// Order, first hit wins:
//   0. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's
//      ignore_configured_endpoint_urls: "true" → no configured endpoint at all.
//   1. AWS_ENDPOINT_URL_<SERVICE ID>   (STS, SSO, SSO_OIDC)
//   2. AWS_ENDPOINT_URL
//   3. the profile's `services = NAME` → [services NAME] → `<sts|sso|sso_oidc> =` sub-key endpoint_url
//   4. the profile's endpoint_url
//
// JS-SDK details kept on purpose (botocore differs, noted for the record):
// - Booleans are exactly "true"/"false"; any other value (or "") is skipped and
//   the next source is asked (botocore: case-insensitive, anything else = false).
// - `services = NAME` naming a missing section makes the SDK swallow the config
//   file entirely: no endpoint, not even the profile's endpoint_url (botocore
//   raises InvalidConfigError). We return undefined too, but report it in
//   `missingServicesSection` so the profile graph can refuse it instead of
//   silently calling real AWS.
// - Empty env values count as unset.
// Known deviation: the SDK reads these keys from a profile merged with the
// config file winning over the credentials file; callers pass the profile as
// merged by parseKnownFiles (credentials file wins). Only matters when both
// files set endpoint_url for the same profile.

export type EndpointService = 'sts' | 'sso' | 'sso-oidc'

/** The SDK's serviceId of each client (split on spaces to build the keys below). */
const SERVICE_ID: Record<EndpointService, string> = { sts: 'STS', sso: 'SSO', 'sso-oidc': 'SSO OIDC' }

export type EndpointSource = 'ignored' | 'env-service' | 'env-global' | 'services-section' | 'profile' | 'none'

export interface EndpointResolution {
  url: string | undefined
  /** Where the URL came from, for `explain`-style output. */
  source: EndpointSource
  /** The env var or config key that decided, e.g. `AWS_ENDPOINT_URL_STS` or `services dev → sts.endpoint_url`. */
  key?: string
  /** Set when the profile says `services = NAME` and there is no [services NAME]. */
  missingServicesSection?: string
}

type Env = Record<string, string | undefined>
type Sections = Record<string, Record<string, string>>

const has = (o: object | undefined, k: string): boolean => o !== undefined && Object.prototype.hasOwnProperty.call(o, k)

/** The SDK's booleanSelector inside a loadConfig chain: a bad value means "ask the next source". */
const strictBool = (v: string | undefined): boolean | undefined => (v === 'true' ? true : v === 'false' ? false : undefined)

export const endpointEnvVar = (service: EndpointService): string =>
  ['AWS_ENDPOINT_URL', ...SERVICE_ID[service].split(' ').map((w) => w.toUpperCase())].join('_')

export const endpointConfigKey = (service: EndpointService): string =>
  SERVICE_ID[service]
    .split(' ')
    .map((w) => w.toLowerCase())
    .join('_')

const IGNORE_ENV = 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'
const IGNORE_KEY = 'ignore_configured_endpoint_urls'

export const explainEndpoint = (
  service: EndpointService,
  profile: Record<string, string> | undefined,
  services: Sections,
  env: Env,
): EndpointResolution => {
  const prof = profile ?? {}
  const ignore = strictBool(env[IGNORE_ENV]) ?? strictBool(has(prof, IGNORE_KEY) ? prof[IGNORE_KEY] : undefined) ?? false
  if (ignore) return { url: undefined, source: 'ignored' }

  const serviceVar = endpointEnvVar(service)
  if (env[serviceVar]) return { url: env[serviceVar], source: 'env-service', key: serviceVar }
  if (env.AWS_ENDPOINT_URL) return { url: env.AWS_ENDPOINT_URL, source: 'env-global', key: 'AWS_ENDPOINT_URL' }

  if (has(prof, 'services')) {
    const name = prof.services as string
    if (!has(services, name)) return { url: undefined, source: 'none', missingServicesSection: name }
    const subKey = `${endpointConfigKey(service)}.endpoint_url`
    const section = services[name] as Record<string, string>
    if (has(section, subKey) && section[subKey]) {
      return { url: section[subKey], source: 'services-section', key: `services ${name} → ${subKey}` }
    }
  }
  if (has(prof, 'endpoint_url') && prof.endpoint_url) return { url: prof.endpoint_url, source: 'profile', key: 'endpoint_url' }
  return { url: undefined, source: 'none' }
}

/** The configured endpoint URL for `service`, or undefined to use the SDK's default endpoint. */
export const resolveEndpoint = (
  service: EndpointService,
  profile: Record<string, string> | undefined,
  services: Sections,
  env: Env,
): string | undefined => explainEndpoint(service, profile, services, env).url
