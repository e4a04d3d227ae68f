// The daemon's own config file (config.json): its schema and its defaults. Objects
// are strict everywhere so a typo such as "befor" is an error instead of a silently
// ignored setting; the field builders are in ./fields.ts, the messages for a wrong
// file in ./messages.ts.
//
// To add a setting: add a key to a section below (or a new section to
// `configShape`) with `.meta({ description })` and a default. The JSON Schema
// for editors (config.schema.json) is generated from this schema by
// scripts/write-schema.mjs (through ./json-schema.ts), and a test fails until it is regenerated.

import { z } from 'zod'
import { sectionNameProblem } from '../ini-section-edit.js'
import { duration, iniName, listenAddress, section, show } from './fields.js'
import { configProblems, InvalidConfigError } from './messages.js'

// ---- sections ----------------------------------------------------------------

const profileEntry = section({
  profile: iniName('profile name').meta({
    description: 'Name of a profile in ~/.aws/config (or ~/.aws/credentials) whose credentials aws-credd keeps fresh.',
  }),
  writeTo: iniName('credentials-file section name')
    // Names one of the readers (the JS SDK, botocore) would misread are refused up front.
    .refine((s) => sectionNameProblem(s) === undefined, {
      error: (iss) =>
        `${show(iss.input)} cannot be a credentials-file section: it ${sectionNameProblem(String(iss.input))}; pick a plain name such as "app"`,
    })
    .optional()
    .meta({
      description:
        'Section of ~/.aws/credentials that receives the fresh credentials. Without it the profile is kept fresh but not written to the file. It must not be the name of a profile aws-credd resolves, and two profiles cannot write the same section.',
    }),
}).meta({ description: 'One profile to keep fresh.' })

const profiles = z
  .array(profileEntry)
  .superRefine((list, ctx) => {
    // Elements may themselves be invalid here; only compare well-formed ones.
    const byProfile = new Map<string, number>()
    const byTarget = new Map<string, number>()
    list.forEach((p, i) => {
      if (typeof p?.profile !== 'string') return
      const first = byProfile.get(p.profile)
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'profile'],
          input: p.profile,
          message: `${show(p.profile)} is listed twice (also profiles[${first}]); remove one`,
        })
      } else byProfile.set(p.profile, i)
    })
    list.forEach((p, i) => {
      if (typeof p?.writeTo !== 'string') return
      const path = [i, 'writeTo']
      // Writing keys into the section of a profile that is itself resolved would
      // change what that profile means (and feed aws-credd its own output).
      const resolved = byProfile.get(p.writeTo)
      if (resolved !== undefined) {
        const which = resolved === i ? 'its own profile' : `the profile of profiles[${resolved}]`
        ctx.addIssue({
          code: 'custom',
          path,
          input: p.writeTo,
          message: `${show(p.writeTo)} is ${which}; writing keys there would change what that profile means; choose another section name, such as "${p.writeTo}-creds"`,
        })
        return
      }
      const other = byTarget.get(p.writeTo)
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path,
          input: p.writeTo,
          message: `${show(p.writeTo)} is also written by profiles[${other}]; give each profile its own section`,
        })
      } else byTarget.set(p.writeTo, i)
    })
  })
  .default([])
  .meta({
    description:
      'The profiles to keep fresh. Each one is refreshed before it expires and, with "writeTo", written to a credentials-file section.',
  })

const refresh = section({
  before: duration('How long before the credentials expire to fetch new ones.', '20m'),
})
  .prefault({})
  .meta({ description: 'When to refresh credentials.' })

const log = section({
  level: z
    .enum(['error', 'warn', 'info', 'debug'])
    .default('info')
    .meta({ description: 'The least severe messages to log: "error", "warn", "info" or "debug".' }),
  format: z.enum(['auto', 'text', 'json']).default('auto').meta({
    description: '"text" for readable lines, "json" for one JSON object per line, "auto" for text on a terminal and JSON otherwise.',
  }),
})
  .prefault({})
  .meta({ description: 'Logging. Secrets are never logged at any level.' })

const sso = section({
  refreshBefore: duration('Refresh an SSO access token this long before it expires (capped at half its lifetime).', '15m'),
  deviceLogin: z.enum(['off', 'alert']).default('off').meta({
    description:
      '"alert": when a session needs a login, start the device login and send its link through the alert channels, so a person can approve it from a phone; "off": only say that a login is needed.',
  }),
})
  .prefault({})
  .meta({ description: 'SSO sessions (IAM Identity Center): every one in ~/.aws/config is kept alive without further config.' })

const webhook = section({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).meta({
    description:
      'Receives a JSON POST per alert (event, message, text, ssoSession or profile, profiles, verificationUriComplete). Slack and Mattermost incoming webhooks show `text` as is.',
  }),
  headers: z.record(z.string(), z.string()).optional().meta({ description: 'Extra HTTP headers, such as an Authorization header.' }),
}).meta({ description: 'A webhook for alerts.' })

const alerts = section({
  warnBefore: duration('Send relogin-soon this long before a login becomes necessary.', '30m'),
  repeat: duration('Repeat an alert for a condition that persists no more often than this.', '1h'),
  failingAfter: duration('Send refresh-failing when renewals have been failing (transiently) for this long.', '10m'),
  desktop: z.boolean().default(true).meta({ description: 'Desktop notifications through notify-send, when a desktop session is there.' }),
  webhook: webhook.optional(),
  command: z.string().min(1, { error: 'must not be empty; remove the key or write a command' }).optional().meta({
    description:
      'A shell command run per alert, with the facts in AWS_CREDD_EVENT, AWS_CREDD_MESSAGE, AWS_CREDD_SSO_SESSION, AWS_CREDD_PROFILE, AWS_CREDD_PROFILES, AWS_CREDD_VERIFICATION_URI_COMPLETE, AWS_CREDD_FIX.',
  }),
})
  .prefault({})
  .meta({ description: 'Telling a person when they must log in again. The log always gets every alert.' })

const mfa = section({
  sessionDuration: duration(
    'Lifetime of the GetSessionToken session kept for an MFA device (15m to 36h); roles are assumed from it without asking again.',
    '12h',
  ).refine((ms) => ms >= 15 * 60_000 && ms <= 36 * 3600_000, { error: 'must be between 15m and 36h (the limits of GetSessionToken)' }),
})
  .prefault({})
  .meta({ description: 'Profiles with mfa_serial: a code given with `aws-credd mfa PROFILE CODE` opens a session that lasts this long.' })

const server = section({
  listen: listenAddress(
    'Where the container-credentials endpoint listens (AWS_CONTAINER_CREDENTIALS_FULL_URI=http://HOST:PORT/v1/credentials/PROFILE). Loopback only unless you mean otherwise: anything else is logged as a warning. The environment variable AWS_CREDD_SERVER_LISTEN overrides it (for containers).',
    '127.0.0.1:9911',
  ),
  socket: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Also (or instead, with listen "off") serve on this unix socket, created 0600.' }),
  tokenFile: z.string().min(1).optional().meta({
    description:
      "File holding the endpoint's auth token (0600, no newline; for AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). Created with a random token unless it holds one. Default: token in the runtime folder ($XDG_RUNTIME_DIR/aws-credd).",
  }),
  rateLimit: section({
    perSecond: z
      .number()
      .min(0, { error: 'must be 0 (no limit) or more' })
      .default(100)
      .meta({ description: 'Requests a second each token may make on average; 0 turns the limit off.' }),
    burst: z
      .number()
      .int()
      .min(1, { error: 'must be at least 1' })
      .default(200)
      .meta({ description: 'Requests a token may make at once after being quiet.' }),
  })
    .prefault({})
    .meta({
      description:
        'Requests over the limit are answered 429 with Retry-After. SDKs ask once per credential refresh, far below the default.',
    }),
})
  .prefault({})
  .meta({ description: 'The container-credentials endpoint every AWS SDK can refresh from.' })

const imds = section({
  listen: listenAddress(
    'Where an IMDSv2-compatible endpoint listens (AWS_EC2_METADATA_SERVICE_ENDPOINT=http://HOST:PORT). Off unless set.',
  ),
  profile: iniName('profile name').optional().meta({ description: 'The profile served as the instance role (required with listen).' }),
  roleName: z.string().min(1).optional().meta({ description: 'The role name shown to clients (default: the profile name).' }),
  allowV1: z.boolean().default(false).meta({ description: 'Also answer IMDSv1 requests without a session token (not recommended).' }),
})
  .prefault({})
  .refine((v) => !v.listen || v.profile !== undefined, {
    error: 'imds.listen needs imds.profile: name the profile to serve as the instance role',
    path: ['profile'],
  })
  .meta({ description: 'An EC2 instance metadata (IMDSv2) endpoint for tools that only know instance roles.' })

const metrics = section({
  listen: listenAddress('Where Prometheus metrics (/metrics) and health checks (/healthz, /readyz) are served. Off unless set.'),
  tokenFile: z.string().min(1).optional().meta({
    description:
      'File holding a bearer token that /metrics then requires (Authorization: Bearer TOKEN; in Prometheus: authorization: { credentials_file: … } with a copy of it). 0600, no newline; created with a random token unless it holds one. /healthz and /readyz stay open and name no profile.',
  }),
})
  .prefault({})
  .meta({ description: 'Metrics and health endpoints.' })

/** Grant names: safe in a metrics label, a file name and a log line (see core/grants.ts GRANT_NAME). */
const GRANT_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$'

const consumerEntry = section({
  name: z
    .string()
    .regex(new RegExp(GRANT_NAME_PATTERN), { error: 'must be letters, digits and . _ : @ - (up to 64, starting with a letter or digit)' })
    .refine((s) => s !== 'owner' && s !== 'imds', { error: '"owner" and "imds" are reserved; choose another name' })
    .refine((s) => !s.startsWith('env.') && !s.startsWith('exec.'), {
      error: 'names starting with "env." or "exec." are kept for aws-credd env and exec; choose another name',
    })
    .meta({
      description: "The consumer's name, as the audit log, the metrics and `aws-credd grants` show it.",
      pattern: GRANT_NAME_PATTERN,
    }),
  profiles: z
    .array(iniName('profile name'))
    .min(1, { error: 'must name at least one profile' })
    .meta({ description: 'The profiles this consumer may read from the container endpoint; any other answers 403.' }),
  tokenFile: z
    .string()
    .refine((s) => s.startsWith('/'), {
      error: (iss) => `${show(iss.input)} is not an absolute path; write the full path, such as "/shared/NAME.token"`,
    })
    .meta({
      description:
        "The consumer's token (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). Made (random, 0600, no newline) when missing; an existing one is kept, a symlink included (a Kubernetes Secret mount), when what it names is owned by the daemon's user or root and writable by nobody else. A change to the file takes effect within seconds and the old token stops working.",
    }),
}).meta({ description: 'A program (a sidecar, an agent) that may read some profiles and nothing else.' })

const consumers = z
  .array(consumerEntry)
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>()
    const files = new Map<string, number>()
    list.forEach((c, i) => {
      if (typeof c?.name === 'string') {
        const first = seen.get(c.name)
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            input: c.name,
            message: `${show(c.name)} is listed twice (also consumers[${first}]); give each consumer its own name`,
          })
        else seen.set(c.name, i)
      }
      if (typeof c?.tokenFile === 'string') {
        const first = files.get(c.tokenFile)
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'tokenFile'],
            input: c.tokenFile,
            message: `is also the token file of consumers[${first}]; give each consumer its own token file`,
          })
        else files.set(c.tokenFile, i)
      }
    })
  })
  .default([])
  .meta({
    description:
      "Consumers with their own token, each opening only its profiles on the container endpoint. The owner's token (server.tokenFile) still opens every profile.",
  })

const audit = section({
  file: z.string().min(1).optional().meta({
    description:
      'Where the audit log goes: one JSON line per second per consumer, profile and answer (never a secret), "off" for none. Default: audit.log in the state folder ($STATE_DIRECTORY, $XDG_STATE_HOME/aws-credd or ~/.local/state/aws-credd).',
  }),
})
  .prefault({})
  .meta({ description: 'The record of who asked for which credentials and what they got.' })

/** Every top-level key. New sections go here. */
const configShape = {
  $schema: z.string().optional().meta({ description: 'Path or URL of config.schema.json, so editors can check this file.' }),
  profiles,
  refresh,
  sso,
  alerts,
  mfa,
  server,
  consumers,
  imds,
  metrics,
  audit,
  log,
}

export const configSchema = section(configShape).meta({
  title: 'aws-credd config',
  description: 'Configuration of the aws-credd daemon (config.json).',
})

/** The parsed config: defaults filled in, durations in milliseconds. */
export type Config = z.output<typeof configSchema>
export type ProfileEntry = Config['profiles'][number]

// ---- parsing ---------------------------------------------------------------

/**
 * Validates parsed JSON from `source` (a file name used in messages) and fills
 * in defaults. Throws InvalidConfigError (a ConfigError) whose message is one
 * line naming the file, the key path and the offending value.
 */
export const parseConfig = (json: unknown, source: string): Config => {
  const result = configSchema.safeParse(json)
  if (result.success) return result.data
  throw new InvalidConfigError(configProblems(result.error.issues, json, source))
}

/** The config used when there is no config file. */
export const defaultConfig = (): Config => parseConfig({}, '(defaults)')
