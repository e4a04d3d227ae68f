// The one error type alert channels reject with. Defined with the other errors
// (core/errors.ts); this module stays so the channels' imports keep working.
export { AlertChannelError } from '../core/errors.js'
