// Both unit files pass `systemd-analyze verify` (Debian's systemd package; .ci/run
// installs it) and keep the settings the README promises.
import t from 'tap'
import { execFile } from 'node:child_process'
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const verify = (file: string): Promise<{ code: number; out: string }> =>
  new Promise((resolve) =>
    execFile('systemd-analyze', ['verify', file], (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    ),
  )

const units = [
  { src: 'aws-credd.service', as: 'aws-credd.service' },
  // A template is verified as one of its instances.
  { src: 'aws-credd@.service', as: 'aws-credd@app.service' },
]

for (const u of units) {
  t.test(`${u.src}: systemd-analyze verify accepts it`, async (t) => {
    const dir = t.testdir({})
    const file = join(dir, u.as)
    copyFileSync(join('systemd', u.src), file)
    const r = await verify(file)
    t.equal(r.code, 0, r.out)
    t.equal(r.out.trim(), '', 'no warnings')
    const text = readFileSync(file, 'utf8')
    for (const line of [
      'Type=notify',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'Restart=on-failure',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'PrivateTmp=yes',
      'UMask=0077',
      'SystemCallFilter=@system-service',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
      'NotifyAccess=all',
    ]) {
      t.match(text, new RegExp(`^${line.replace(/[$()]/g, '\\$&')}$`, 'm'), line)
    }
    t.match(text, /^ReadWritePaths=.*\.aws/m, 'writes only the AWS folder (and the runtime folder)')
  })
}

t.test('a broken unit is refused (the check can fail)', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'broken.service')
  copyFileSync(join('systemd', 'aws-credd.service'), file)
  const text = readFileSync(file, 'utf8')
    .replace('Type=notify', 'Type=notfy')
    .replace(/^ExecStart=.*$/m, 'ExecStart=relative-path run')
  const { writeFileSync } = await import('node:fs')
  writeFileSync(file, text)
  const r = await verify(file)
  t.not(r.code, 0)
  t.match(r.out, /notfy|relative-path/)
})
