// Small hand-built profile graphs for engine tests (the real builder is tested on its own).
import type { Link, ProfileGraph } from '../../src/core/links.js'

export const graphOf = (links: Link[], roots: Record<string, string>): ProfileGraph => ({
  links: new Map(links.map((l) => [l.id, l])),
  roots: new Map(Object.entries(roots)),
  errors: new Map(),
})

export const staticLink = (profile: string): Link => ({
  kind: 'static',
  id: `static:${profile}`,
  profile,
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
})

export const roleLink = (profile: string, source: string, extra: Partial<Link> = {}): Link =>
  ({
    kind: 'assume-role',
    id: `assume-role:${profile}`,
    profile,
    roleArn: `arn:aws:iam::123456789012:role/${profile}`,
    source,
    ...extra,
  }) as Link

export const ssoLink = (profile: string): Link => ({
  kind: 'sso',
  id: `sso:${profile}`,
  profile,
  ssoSession: 'corp',
  startUrl: 'https://example.awsapps.com/start',
  ssoRegion: 'us-east-1',
  accountId: '123456789012',
  roleName: 'Dev',
  cacheKey: 'corp',
})
