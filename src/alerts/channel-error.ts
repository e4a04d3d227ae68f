// The one error type alert channels reject with: one line naming the channel,
// never the webhook URL's path or the command line (both may embed secrets).
import { CreddError, type FailureKind } from '../core/errors.js'

export class AlertChannelError extends CreddError {
  readonly channel: string
  constructor(channel: string, reason: string, opts: { fix?: string; kind?: FailureKind; code?: string } = {}) {
    super(`alert channel ${channel}: ${reason}`, { code: opts.code ?? 'AlertDeliveryFailed', kind: opts.kind ?? 'transient', fix: opts.fix })
    this.channel = channel
  }
}
