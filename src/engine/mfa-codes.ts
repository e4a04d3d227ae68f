// MFA codes handed to the daemon by `aws-credd mfa PROFILE CODE`, waiting for the
// renewal that needs them. A code is used once and forgotten after two minutes:
// TOTP codes live 30 seconds (AWS accepts a little drift), so an old one is useless.

export const MFA_CODE_TTL = 120_000

export class MfaCodes {
  private codes = new Map<string, { code: string; at: number }>()
  constructor(
    private readonly now: () => number,
    private readonly ttl = MFA_CODE_TTL,
  ) {}

  put(serial: string, code: string): void {
    this.codes.set(serial, { code, at: this.now() })
  }

  /** The code for this device, removed so it is never sent twice. */
  take(serial: string): string | undefined {
    const c = this.codes.get(serial)
    this.codes.delete(serial)
    return c && this.now() - c.at < this.ttl ? c.code : undefined
  }
}
