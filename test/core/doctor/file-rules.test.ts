// File rules: readable, parseable by every reader, and closed to other users.
import t from 'tap'
import { buildContext } from '../../../src/core/doctor/context.js'
import type { DoctorFacts } from '../../../src/core/doctor/facts.js'
import { fileRules } from '../../../src/core/doctor/file-rules.js'
import { CONFIG, CREDENTIALS, makeFacts, NOW, PROFILE_KEY, keys } from '../../helpers/doctor-facts.js'

const run = (patch: (f: DoctorFacts) => void, config = {}) => fileRules(buildContext(makeFacts({ config, patch }), NOW))
const cacheFile = '/home/u/.aws/sso/cache/abc.json'
const tokenFile = '/run/user/1/aws-credd/token'

const cases: Array<
  [
    string,
    (f: DoctorFacts) => void,
    Record<string, Record<string, string>>,
    Array<{ severity: string; code: string; message?: RegExp; fix?: string }>,
  ]
> = [
  ['all 0600', () => {}, {}, []],
  [
    'credentials 0644',
    (f) => {
      f.credentials.mode = 0o644
    },
    {},
    [{ severity: 'warning', code: 'file-mode', message: /is mode 644: other users can read your keys/, fix: `chmod 600 ${CREDENTIALS}` }],
  ],
  [
    'credentials 0640',
    (f) => {
      f.credentials.mode = 0o640
    },
    {},
    [{ severity: 'warning', code: 'file-mode' }],
  ],
  [
    'config 0644 without keys is fine',
    (f) => {
      f.config.mode = 0o644
    },
    { x: { region: 'eu-west-1' } },
    [],
  ],
  [
    'config 0644 with keys',
    (f) => {
      f.config.mode = 0o644
    },
    { x: keys(PROFILE_KEY) },
    [{ severity: 'warning', code: 'file-mode', message: /holds keys/, fix: `chmod 600 ${CONFIG}` }],
  ],
  [
    'config group-writable',
    (f) => {
      f.config.mode = 0o664
    },
    {},
    [{ severity: 'warning', code: 'file-mode', message: /other users can change it/ }],
  ],
  [
    'SSO cache file 0644',
    (f) => {
      f.ssoCacheFiles = [{ path: cacheFile, exists: true, mode: 0o644 }]
    },
    {},
    [{ severity: 'warning', code: 'file-mode', message: /SSO token/, fix: `chmod 600 ${cacheFile}` }],
  ],
  [
    'daemon token file 0640',
    (f) => {
      f.daemonConfig.tokenFile = { path: tokenFile, exists: true, mode: 0o640 }
    },
    {},
    [{ severity: 'error', code: 'file-mode', message: /refuses to start/, fix: `chmod 600 ${tokenFile}` }],
  ],
  [
    'credentials unreadable',
    (f) => {
      f.credentials.unreadable = 'cannot read it (EACCES)'
      f.credentials.unreadableFix = 'chmod 600 it'
    },
    {},
    [{ severity: 'error', code: 'file-unreadable', message: /^the AWS credentials file: cannot read it/, fix: 'chmod 600 it' }],
  ],
  [
    'a line botocore refuses',
    (f) => {
      f.config.lint = [`${CONFIG} line 3: section header "[profile b" has no closing ]`]
    },
    {},
    [{ severity: 'warning', code: 'ini-refused', message: /line 3/ }],
  ],
  [
    'daemon config invalid',
    (f) => {
      f.daemonConfig.error = 'config.json: refresh.befor: unknown key (did you mean "before"?)'
      f.daemonConfig.errorFix = undefined
    },
    {},
    [{ severity: 'error', code: 'daemon-config', message: /befor/ }],
  ],
]

for (const [name, patch, config, want] of cases) {
  t.test(name, async (t) => {
    const findings = run(patch, config)
    t.equal(findings.length, want.length, findings.map((f) => f.message).join(' | '))
    want.forEach((w, i) => {
      t.match(findings[i], { severity: w.severity, code: w.code, scope: 'environment' })
      if (w.message) t.match(findings[i]!.message, w.message)
      if (w.fix) t.equal(findings[i]!.fix, w.fix)
    })
  })
}
