// Writes config.schema.json (for editors) from the zod schema in
// src/core/config/schema.ts, via the compiled dist/ (`npm run build` runs tsc
// first). With --check it only reports whether the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { configJsonSchemaText } from '../dist/core/config/json-schema.js'

const target = fileURLToPath(new URL('../config.schema.json', import.meta.url))
const text = configJsonSchemaText()

if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '')
  if (current !== text) {
    console.error('config.schema.json is out of date; run: npm run build')
    process.exit(1)
  }
} else if ((await readFile(target, 'utf8').catch(() => '')) !== text) {
  // Only write on change so the file's mtime does not churn on every build.
  await writeFile(target, text)
  console.error('wrote config.schema.json')
}
