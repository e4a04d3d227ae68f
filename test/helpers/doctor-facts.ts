// Hand-built facts for the doctor's pure rules: two files as sections, an env,
// and the rest empty unless a test says otherwise. Keys are fake.
import type { DoctorFacts, Section, SsoSessionFacts } from '../../src/core/doctor/facts.js'

export const NOW = Date.UTC(2026, 0, 31, 12, 0, 0)
export const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
export const TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE'
export const ENV_KEY = 'AKIAENVKEY000000AAAA'
export const PROFILE_KEY = 'AKIAPROFILEKEY00BBBB'
export const TEMP_KEY = 'ASIATEMPKEY00000CCCC'

export interface FactsInput {
  env?: Record<string, string | undefined>
  config?: Record<string, Section>
  credentials?: Record<string, Section>
  ssoSessions?: Record<string, Section>
  services?: Record<string, Section>
  managed?: string[]
  writeTo?: Array<{ profile: string; section: string }>
  sessions?: SsoSessionFacts[]
  network?: DoctorFacts['network']
  patch?: (f: DoctorFacts) => void
}

export const CONFIG = '/home/u/.aws/config'
export const CREDENTIALS = '/home/u/.aws/credentials'
export const DAEMON_CONFIG = '/home/u/.config/aws-credd/config.json'

export const makeFacts = (i: FactsInput = {}): DoctorFacts => {
  const facts: DoctorFacts = {
    env: i.env ?? {},
    config: {
      path: CONFIG,
      exists: true,
      mode: 0o600,
      profiles: i.config ?? {},
      lint: [],
      ssoSessions: i.ssoSessions ?? {},
      services: i.services ?? {},
    },
    credentials: { path: CREDENTIALS, exists: true, mode: 0o600, profiles: i.credentials ?? {}, lint: [], managed: i.managed ?? [] },
    ssoSessions: i.sessions ?? [],
    ssoCacheFiles: [],
    daemonConfig: {
      ...(i.writeTo ? { path: DAEMON_CONFIG } : {}),
      writeTo: i.writeTo ?? [],
      tokenFile: { path: '/run/user/1/aws-credd/token', exists: false },
    },
    ...(i.network ? { network: i.network } : {}),
  }
  i.patch?.(facts)
  return facts
}

export const keys = (id: string, extra: Section = {}): Section => ({ aws_access_key_id: id, aws_secret_access_key: SECRET, ...extra })

/** Whatever a rule says: no secret key, no session token, no whole access key id. */
export const assertNoSecrets = (
  t: { notMatch: (found: unknown, re: RegExp | string, msg: string) => unknown },
  findings: unknown,
): void => {
  const text = JSON.stringify(findings)
  t.notMatch(text, SECRET, 'no secret key')
  t.notMatch(text, TOKEN, 'no session token')
  t.notMatch(text, /A[KS]IA[A-Z0-9]{16}/, 'no whole key id')
}
