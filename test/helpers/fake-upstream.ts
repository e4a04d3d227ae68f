// An upstream whose answers the test scripts: lifetimes per link, failures on cue,
// and a log of every call for "fetched once" and "no tight loop" assertions.
import { randomBytes } from 'node:crypto'
import type { Credentials } from '../../src/core/credentials.js'
import { CreddError, externalCode, UpstreamError } from '../../src/core/errors.js'
import type { Link, LinkId } from '../../src/core/links.js'
import type { Clock, Upstream } from '../../src/engine/ports.js'

export type Fault = 'transient' | 'permanent' | undefined

export class FakeUpstream implements Upstream {
  calls: Array<{ link: LinkId; at: number; sourceKey?: string; ok: boolean }> = []
  /** Seconds of life per link id (default for any link: `defaultLifetime`). */
  lifetimes = new Map<LinkId, number>()
  fault = new Map<LinkId, Fault>()
  constructor(
    private clock: Clock,
    public defaultLifetime = 3600,
  ) {}

  async fetch(link: Link, source: Credentials | undefined): Promise<Credentials> {
    const at = this.clock.now()
    const fault = this.fault.get(link.id)
    if (source?.expiresAt !== undefined && source.expiresAt <= at) {
      this.calls.push({ link: link.id, at, sourceKey: source.accessKeyId, ok: false })
      throw new UpstreamError(link.profile, 'ExpiredToken: source credentials expired', {
        code: externalCode('ExpiredToken'),
        kind: 'permanent',
      })
    }
    this.calls.push({ link: link.id, at, sourceKey: source?.accessKeyId, ok: !fault })
    if (fault === 'transient')
      throw new UpstreamError(link.profile, 'Throttling: Rate exceeded', { code: externalCode('Throttling'), kind: 'transient' })
    if (fault === 'permanent')
      throw new UpstreamError(link.profile, 'AccessDenied: not authorized', {
        code: externalCode('AccessDenied'),
        kind: 'permanent',
        fix: 'fix the trust policy',
      })
    if (link.kind === 'static') return { accessKeyId: link.accessKeyId, secretAccessKey: link.secretAccessKey }
    const life = this.lifetimes.get(link.id) ?? this.defaultLifetime
    return {
      accessKeyId: 'ASIA' + randomBytes(8).toString('hex').toUpperCase(),
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(40).toString('base64'),
      expiresAt: at + life * 1000,
    }
  }

  callsFor(id: LinkId): number[] {
    return this.calls.filter((c) => c.link === id).map((c) => c.at)
  }
}

export const isCreddError = (e: unknown): e is CreddError => e instanceof CreddError
