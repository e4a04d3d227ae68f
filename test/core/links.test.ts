// The link model's three helpers, one named row per rule: which kinds take another
// link's credentials (sourceOf), which need an MFA code (mfaSerialOf), and how a chain is
// walked from a root (chainOf: root first, stops at a missing link, never loops).
import t from 'tap'
import { chainOf, mfaSerialOf, sourceOf, type Link } from '../../src/core/links.js'
import { graphOf, roleLink, ssoLink, staticLink } from '../helpers/graphs.js'

const SERIAL = 'arn:aws:iam::123456789012:mfa/alice'
const mfaSession: Link = { kind: 'mfa-session', id: 'mfa-session:base', profile: 'base', mfaSerial: SERIAL, source: 'static:base' }
const webIdentity: Link = {
  kind: 'web-identity',
  id: 'web-identity:k8s',
  profile: 'k8s',
  roleArn: 'arn:aws:iam::123456789012:role/k8s',
  webIdentityTokenFile: '/var/run/token',
}
const processLink: Link = { kind: 'process', id: 'process:p', profile: 'p', command: 'get-creds --json' }
const envSource: Link = { kind: 'credential-source', id: 'credential-source:c', profile: 'c', credentialSource: 'Environment' }

t.test("sourceOf: only assume-role and mfa-session take another link's credentials", async (t) => {
  const rows: Array<[string, Link, string | undefined]> = [
    ['assume-role is signed by its source', roleLink('admin', 'static:base'), 'static:base'],
    ['an MFA session is signed by the static keys it names', mfaSession, 'static:base'],
    ['static keys need no input', staticLink('base'), undefined],
    ['SSO needs only its token', ssoLink('dev'), undefined],
    ['web identity needs only its token file', webIdentity, undefined],
    ['credential_process needs only its command', processLink, undefined],
    ['credential_source needs only the environment or metadata', envSource, undefined],
  ]
  for (const [proves, link, want] of rows) t.equal(sourceOf(link), want, proves)
})

t.test('mfaSerialOf: the device a link needs a code for', async (t) => {
  const rows: Array<[string, Link, string | undefined]> = [
    ['an MFA session needs its device', mfaSession, SERIAL],
    ['a role with mfa_serial needs its device', roleLink('admin', 'static:base', { mfaSerial: SERIAL } as Partial<Link>), SERIAL],
    ['a role without mfa_serial needs none', roleLink('admin', 'static:base'), undefined],
    ['static keys need none', staticLink('base'), undefined],
    ['SSO needs none (MFA happens in the browser)', ssoLink('dev'), undefined],
  ]
  for (const [proves, link, want] of rows) t.equal(mfaSerialOf(link), want, proves)
})

t.test('chainOf: from the root down to the link that needs no input', async (t) => {
  const base = staticLink('base')
  const a = roleLink('a', 'static:base')
  const b = roleLink('b', 'assume-role:a')
  const loopX = roleLink('x', 'assume-role:y')
  const loopY = roleLink('y', 'assume-role:x')
  const self = roleLink('self', 'assume-role:self')
  const orphan = roleLink('orphan', 'static:gone')
  const g = graphOf([base, a, b, loopX, loopY, self, orphan, mfaSession], {})
  const ids = (root: string): string[] => chainOf(g, root).map((l) => l.id)
  const rows: Array<[string, string, string[]]> = [
    ['a link with no source is a chain of one', 'static:base', ['static:base']],
    ['a role and its source, root first', 'assume-role:a', ['assume-role:a', 'static:base']],
    ['a role chain of three, in order', 'assume-role:b', ['assume-role:b', 'assume-role:a', 'static:base']],
    ['an MFA session and the keys that sign it', 'mfa-session:base', ['mfa-session:base', 'static:base']],
    ['an unknown root is an empty chain', 'static:nobody', []],
    ['a missing source ends the chain at the last link that exists', 'assume-role:orphan', ['assume-role:orphan']],
    ['a cycle of two is walked once and stops', 'assume-role:x', ['assume-role:x', 'assume-role:y']],
    ['a link that is its own source is walked once', 'assume-role:self', ['assume-role:self']],
  ]
  for (const [proves, root, want] of rows) t.same(ids(root), want, proves)
  t.equal(chainOf(g, 'assume-role:a')[1], base, "the chain holds the graph's link objects, not copies")
})
