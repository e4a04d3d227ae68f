// The committed config.schema.json and config.example.json must match the code.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { configJsonSchema, configJsonSchemaText } from '../../src/core/config/json-schema.js'
import { parseConfig } from '../../src/core/config/schema.js'

const root = (name: string) => fileURLToPath(new URL(`../../${name}`, import.meta.url))

t.test('config.schema.json is what scripts/write-schema.mjs generates now', async (t) => {
  t.equal(readFileSync(root('config.schema.json'), 'utf8'), configJsonSchemaText(), 'stale: run `npm run build` to regenerate')
  t.match(readFileSync(root('scripts/write-schema.mjs'), 'utf8'), /configJsonSchemaText\(\)/, 'the script writes configJsonSchemaText()')
})

t.test('config.example.json is valid and points at the schema', async (t) => {
  const example = JSON.parse(readFileSync(root('config.example.json'), 'utf8'))
  t.equal(example.$schema, './config.schema.json')
  const c = parseConfig(example, 'config.example.json')
  t.strictSame(c.profiles, [{ profile: 'dev-sso', writeTo: 'dev' }, { profile: 'deploy' }])
  t.equal(c.refresh.before, 20 * 60_000)
  // The example spells out the defaults: parsing it gives what no config gives, apart from profiles, the webhook and the command.
  const { profiles: _p, alerts, $schema: _s, ...rest } = c
  const { profiles: _d, alerts: defaultAlerts, ...defaults } = parseConfig({}, 'defaults')
  // "off" is written out in the example; absent means off too.
  const offAsAbsent = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'listen' && x === false ? undefined : x)))
  t.strictSame(offAsAbsent(rest), offAsAbsent(defaults))
  t.strictSame({ ...alerts, webhook: undefined, command: undefined }, { ...defaultAlerts, webhook: undefined, command: undefined })
  t.equal(alerts.command, 'logger -t aws-credd "$AWS_CREDD_MESSAGE"')
})

type Node = { [k: string]: unknown; properties?: Record<string, Node>; items?: Node }

t.test('every key has a description; every key with a default shows it', async (t) => {
  const schema = configJsonSchema() as Node
  t.equal(schema.additionalProperties, false)
  const visit = (node: Node, path: string) => {
    if (node.items) visit(node.items, `${path}[]`)
    for (const [k, child] of Object.entries(node.properties ?? {})) {
      t.type(child.description, 'string', `${path}${k} has a description`)
      // Free-form maps (HTTP headers) are the one kind of object that takes any key.
      if (child.type === 'object' && child.propertyNames === undefined && k !== 'headers')
        t.equal(child.additionalProperties, false, `${path}${k} is strict`)
      visit(child, `${path}${k}.`)
    }
  }
  visit(schema, '')
  const props = schema.properties!
  t.strictSame(props.refresh!.default, { before: '20m' })
  t.strictSame(props.log!.default, { level: 'info', format: 'auto' })
  t.strictSame(props.profiles!.default, [])
  const before = props.refresh!.properties!.before!
  t.equal(before.type, 'string')
  t.type(before.pattern, 'string')
  t.match(before.description, /duration/)
})
