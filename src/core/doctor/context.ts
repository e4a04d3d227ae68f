// What every doctor rule derives from the facts the same way: the profiles as
// the SDKs merge the two files, the profile graph, and where a profile's keys
// are written. Built once per run, pure.
import { buildProfileGraph, mergeProfiles, type AwsProfileData } from '../profile-graph.js'
import type { ProfileGraph } from '../links.js'
import type { DoctorFacts, KeyCheckResult, KeyOwner, Section } from './facts.js'

export interface DoctorContext {
  facts: DoctorFacts
  now: number
  /** As both SDKs read them: per profile, the credentials file's keys over the config file's. */
  files: AwsProfileData
  /** Every profile, resolved as the JS SDK v3 resolves a profile it is asked for. */
  graph: ProfileGraph
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

export const buildContext = (facts: DoctorFacts, now: number): DoctorContext => {
  const files: AwsProfileData = {
    profiles: mergeProfiles(facts.config.profiles, facts.credentials.profiles),
    ssoSessions: facts.config.ssoSessions,
    services: facts.config.services,
  }
  return { facts, now, files, graph: buildProfileGraph(files, Object.keys(files.profiles), facts.env) }
}

export const hasProfile = (ctx: DoctorContext, name: string): boolean => own(ctx.files.profiles, name)

export const profileData = (ctx: DoctorContext, name: string): Section => (own(ctx.files.profiles, name) ? ctx.files.profiles[name]! : {})

/** Which file holds the aws_access_key_id the SDKs use for this profile (the credentials file wins). */
export const keyFile = (ctx: DoctorContext, name: string): 'credentials' | 'config' | undefined => {
  const { credentials, config } = ctx.facts
  if (own(credentials.profiles, name) && credentials.profiles[name]!.aws_access_key_id !== undefined) return 'credentials'
  if (own(config.profiles, name) && config.profiles[name]!.aws_access_key_id !== undefined) return 'config'
  return undefined
}

/** `the credentials file [p]` / `the config file [profile p]`, naming the path. */
export const sectionName = (ctx: DoctorContext, file: 'credentials' | 'config', profile: string): string =>
  file === 'credentials'
    ? `[${profile}] of ${ctx.facts.credentials.path}`
    : `${profile === 'default' ? '[default]' : `[profile ${profile}]`} of ${ctx.facts.config.path}`

/** What doctor's signed check said of these keys, if it ran. */
export const keyCheckFor = (ctx: DoctorContext, owner: KeyOwner): KeyCheckResult | undefined =>
  ctx.facts.network?.keyChecks?.find((c) => ('env' in owner ? 'env' in c.owner : 'profile' in c.owner && c.owner.profile === owner.profile))
