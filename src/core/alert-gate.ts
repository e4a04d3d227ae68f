// Which alert to send, if any, when a subject's condition is looked at again:
// one alert when the condition changes, reminders no more often than `repeat`,
// and `recovered` only after a bad condition was actually announced. Pure: the
// caller keeps the returned memory per subject (an SSO session or a profile).

/** What a subject needs from a person right now; 'ok' needs nothing. */
export type Condition = 'ok' | 'relogin-soon' | 'relogin-required' | 'logging-in' | 'refresh-failing' | 'mfa-required'

export interface AlertMemory {
  condition: Condition
  /** When an alert for this condition was last sent; undefined: not yet. */
  sentAt?: number
  /** A bad condition was announced in this episode, so its end is worth a `recovered`. */
  announced: boolean
}

export type GateAnswer = { send: Exclude<Condition, 'ok'> | 'recovered' | undefined; reminder: boolean; memory: AlertMemory }

export const gateAlert = (prev: AlertMemory | undefined, condition: Condition, now: number, repeat: number): GateAnswer => {
  const before = prev ?? { condition: 'ok', announced: false }
  if (condition === 'ok') {
    const send = before.condition !== 'ok' && before.announced ? 'recovered' : undefined
    return { send, reminder: false, memory: { condition: 'ok', announced: false } }
  }
  if (condition !== before.condition) {
    return { send: condition, reminder: false, memory: { condition, sentAt: now, announced: true } }
  }
  if (before.sentAt === undefined || now - before.sentAt >= repeat) {
    return { send: condition, reminder: before.sentAt !== undefined, memory: { condition, sentAt: now, announced: true } }
  }
  return { send: undefined, reminder: false, memory: before }
}
