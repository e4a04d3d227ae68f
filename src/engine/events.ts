// What the refresher reports. Logs, the status table, alerts and metrics all
// subscribe to these instead of being called from inside the engine.
import type { CreddError, FailureKind } from '../core/errors.js'
import type { LinkId, LinkKind } from '../core/links.js'

export type EngineEvent =
  | { type: 'renewed'; link: LinkId; profile: string; kind: LinkKind; expiresAt?: number; first: boolean }
  | {
      type: 'failed'
      link: LinkId
      profile: string
      error: CreddError
      kind: FailureKind
      attempt: number
      /** Same code as the previous failure of this link: log it quietly. */
      repeated: boolean
      retryAt?: number
    }
  | { type: 'recovered'; link: LinkId; profile: string; downFor: number }
  | { type: 'expired'; profile: string }
  | {
      type: 'profile-error'
      profile: string
      error: CreddError
      /** The profile resolved before: its last good chain keeps being renewed and served. */
      keptLastGood: boolean
    }

export type EventListener = (e: EngineEvent) => void
