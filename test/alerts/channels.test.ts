// buildChannels: the log always, the others as the config and the machine allow.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { buildChannels, defaultAlertsConfig } from '../../src/alerts/channels.js'
import { ConfigError } from '../../src/core/errors.js'
import { recordingLogger } from '../helpers/fake-logger.js'
import { SecretRegistry } from '../../src/core/outgoing-text.js'

/** This file's own registry of secrets to redact (there is no process-wide one). */
const secrets = new SecretRegistry()

const withNotifySend = (dir: string): string => {
  mkdirSync(join(dir, 'bin'))
  writeFileSync(join(dir, 'bin', 'notify-send'), '#!/bin/sh\nexit 0\n')
  chmodSync(join(dir, 'bin', 'notify-send'), 0o755)
  return join(dir, 'bin')
}

t.test('the log channel alone when nothing else is configured or available', async (t) => {
  const names = buildChannels(defaultAlertsConfig(), { secrets, logger: recordingLogger(), env: { PATH: t.testdir() } }).map((c) => c.name)
  t.same(names, ['log'])
})

t.test('every channel the config asks for, desktop only when enabled and available', async (t) => {
  const env = { PATH: withNotifySend(t.testdir()), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' }
  const config = { desktop: true, webhook: { url: 'https://hooks.example.com/services/T0/B0/x' }, command: 'true' }
  t.same(
    buildChannels(config, { secrets, logger: recordingLogger(), env }).map((c) => c.name),
    ['log', 'desktop', 'webhook', 'command'],
  )
  t.same(
    buildChannels({ ...config, desktop: false }, { secrets, logger: recordingLogger(), env }).map((c) => c.name),
    ['log', 'webhook', 'command'],
  )
  t.same(
    buildChannels({ desktop: true, command: '  ' }, { secrets, logger: recordingLogger(), env }).map((c) => c.name),
    ['log', 'desktop'],
    'a blank command is no command',
  )
})

t.test('an unusable webhook URL stops the start with a ConfigError', async (t) => {
  t.throws(
    () => buildChannels({ desktop: false, webhook: { url: 'hooks.example.com/x' } }, { secrets, logger: recordingLogger(), env: {} }),
    ConfigError,
  )
})
