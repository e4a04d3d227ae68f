// Alerts about single profiles, from the refresher's events: renewals failing
// transiently for longer than `failingAfter`, and a role that needs an MFA code.
// Profiles that fail because their SSO session needs a login are left to the SSO
// keeper, which alerts once per session rather than once per profile.
import type { Alert } from '../core/alert.js'
import { gateAlert, type AlertMemory, type Condition } from '../core/alert-gate.js'
import { SsoTokenError } from '../core/errors.js'
import type { EngineEvent } from './ports.js'
import type { AlertTiming } from './sso-alerts.js'

export class ProfileAlerts {
  private memory = new Map<string, AlertMemory>()
  private failingSince = new Map<string, number>()

  constructor(
    private readonly timing: AlertTiming,
    private readonly alert: (a: Alert) => void,
    private readonly mfaFix: (profile: string) => string,
  ) {}

  onEvent(e: EngineEvent, now: number): void {
    if (e.type === 'renewed' || e.type === 'recovered') {
      this.failingSince.delete(e.profile)
      return this.apply(e.profile, 'ok', now, undefined)
    }
    if (e.type !== 'failed') return
    if (e.error instanceof SsoTokenError) return
    if (e.error.code === 'MfaRequired') return this.apply(e.profile, 'mfa-required', now, e.error.reason)
    if (e.kind !== 'transient') return
    const since = this.failingSince.get(e.profile) ?? now
    this.failingSince.set(e.profile, since)
    if (now - since >= this.timing.failingAfter) this.apply(e.profile, 'refresh-failing', now, e.error.reason)
  }

  private apply(profile: string, condition: Condition, now: number, reason: string | undefined): void {
    const answer = gateAlert(this.memory.get(profile), condition, now, this.timing.repeat)
    this.memory.set(profile, answer.memory)
    if (!answer.send) return
    const again = answer.reminder ? ' (reminder)' : ''
    const base = { profile, profiles: [profile], at: now }
    if (answer.send === 'recovered') return this.alert({ ...base, event: 'recovered', message: `profile "${profile}" is fresh again` })
    if (answer.send === 'mfa-required') {
      return this.alert({
        ...base,
        event: 'mfa-required',
        message: `profile "${profile}" needs an MFA code${again}`,
        fix: this.mfaFix(profile),
      })
    }
    this.alert({
      ...base,
      event: 'refresh-failing',
      message: `profile "${profile}": renewals keep failing${again}: ${reason ?? 'unknown error'}`,
      fix: 'see the log for the cause; the current credentials are served until they expire',
    })
  }
}
