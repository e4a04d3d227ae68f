// Builds the alert channels the daemon config asks for. The log is always one
// of them, so an alert is never lost even with nothing else configured.
import type { Logger } from '../engine/ports.js'
import type { SecretRegistry } from '../core/outgoing-text.js'
import type { AlertChannel } from '../engine/ports.js'
import { commandChannel } from './command-channel.js'
import { desktopChannel, type SpawnFile } from './desktop-channel.js'
import { logChannel } from './log-channel.js'
import { webhookChannel } from './webhook-channel.js'

/** The `alerts` section of the daemon config (the zod schema has the same shape). */
export interface AlertsConfig {
  /** Desktop notifications, used only when this machine can show them. Default true. */
  desktop: boolean
  webhook?: { url: string; headers?: Record<string, string> }
  /** Run with /bin/sh -c, the facts in AWS_CREDD_* variables. */
  command?: string
}

export const defaultAlertsConfig = (): AlertsConfig => ({ desktop: true })

export interface ChannelDeps {
  logger: Logger
  /** The daemon's environment: decides desktop availability and is passed to the command. */
  env: NodeJS.ProcessEnv
  /** The daemon's registered secrets, redacted from every alert a channel sends. */
  secrets: SecretRegistry
  /** For tests: runs notify-send. */
  spawnNotify?: SpawnFile
  /** For tests: replaces the global fetch for the webhook. */
  fetch?: typeof fetch
}

/** Throws ConfigError for a webhook URL or header that cannot be used. */
export const buildChannels = (config: AlertsConfig, deps: ChannelDeps): AlertChannel[] => {
  const channels: AlertChannel[] = [logChannel(deps.logger)]
  if (config.desktop) {
    const desktop = desktopChannel({ env: deps.env, logger: deps.logger, secrets: deps.secrets, spawn: deps.spawnNotify })
    if (desktop) channels.push(desktop)
  }
  if (config.webhook) channels.push(webhookChannel({ ...config.webhook, fetch: deps.fetch, secrets: deps.secrets }))
  if (config.command !== undefined && config.command.trim() !== '')
    channels.push(commandChannel({ command: config.command, env: deps.env, secrets: deps.secrets }))
  return channels
}
