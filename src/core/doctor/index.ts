// `aws-credd doctor`'s decisions: every rule over one snapshot of facts and `now`,
// the findings grouped (environment, then each profile, then each SSO session),
// limited to one profile on request, and the exit status (0 ok, 1 warnings, 2 errors).
import { buildContext, hasProfile } from './context.js'
import { envRules } from './env-rules.js'
import type { DoctorFacts } from './facts.js'
import { fileRules } from './file-rules.js'
import { configHeader, exitCodeOf, finding, scopeKey, summarize, type Finding, type Summary } from './findings.js'
import { networkRules } from './network-rules.js'
import { profileRules } from './profile-rules.js'
import { runtimeRules } from './runtime-rules.js'
import { ssoRules } from './sso-rules.js'
import { writeToRules } from './writeto-rules.js'

export type { DoctorFacts } from './facts.js'
export type { Finding, Scope, Severity, Summary } from './findings.js'
export { probeTargets } from './network-rules.js'
export { keyCheckTargets } from './key-checks.js'

export interface DoctorReport {
  findings: Finding[]
  summary: Summary
  exitCode: number
}

export interface DoctorOptions {
  /** Only this profile (and the environment, and the SSO sessions it uses). */
  profile?: string
}

const rank = (f: Finding): number => (f.scope === 'environment' ? 0 : 'profile' in f.scope ? 1 : 2)

export const runDoctor = (facts: DoctorFacts, now: number, opts: DoctorOptions = {}): DoctorReport => {
  const ctx = buildContext(facts, now)
  let findings = [
    ...envRules(ctx),
    ...fileRules(ctx),
    ...runtimeRules(ctx),
    ...networkRules(ctx),
    ...profileRules(ctx),
    ...writeToRules(ctx),
    ...ssoRules(ctx),
  ]
  const only = opts.profile
  if (only !== undefined) {
    const sessions = new Set(facts.ssoSessions.filter((s) => s.info.profiles.includes(only)).map((s) => s.info.label))
    // A writeTo finding is scoped to the section, and concerns the profile that writes it too.
    findings = findings.filter(
      (f) =>
        f.scope === 'environment' ||
        f.data?.profile === only ||
        ('profile' in f.scope ? f.scope.profile === only : sessions.has(f.scope.ssoSession)),
    )
    if (!hasProfile(ctx, only) && !facts.daemonConfig.writeTo.some((w) => w.section === only)) {
      findings.push(
        finding(
          'error',
          { profile: only },
          'profile-not-found',
          `profile "${only}" is not defined in ${facts.config.path} or ${facts.credentials.path}`,
          `add ${configHeader(only)} to ${facts.config.path} (aws configure --profile ${only}), or check the name`,
        ),
      )
    }
  }
  // Group by scope, keeping the order in which each scope first appears.
  const order = new Map<string, number>()
  findings.forEach((f, i) => {
    if (!order.has(scopeKey(f.scope))) order.set(scopeKey(f.scope), i)
  })
  findings = findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || order.get(scopeKey(a.f.scope))! - order.get(scopeKey(b.f.scope))! || a.i - b.i)
    .map(({ f }) => f)
  const summary = summarize(findings)
  return { findings, summary, exitCode: exitCodeOf(summary) }
}
