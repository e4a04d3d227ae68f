// The two real readers of ~/.aws/credentials, for tests that must prove both see our keys:
// the AWS SDK for JS (its own loader) and botocore (Python, as the AWS CLI reads it).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader'

export type Sections = Record<string, Record<string, string>>

/** What the AWS SDK reads from a credentials file (never cached). */
export const sdkRead = async (path: string): Promise<Sections> => {
  const { credentialsFile } = await loadSharedConfigFiles({
    filepath: path,
    configFilepath: join(path, '..', 'no-such-config'),
    ignoreCache: true,
  })
  return credentialsFile as Sections
}

const PY = `
import json, sys
from botocore.configloader import raw_config_parse
out = []
for p in sys.argv[1:]:
    try:
        out.append({"ok": raw_config_parse(p)})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
print(json.dumps(out))
`

/** What botocore reads from each file, or the error that makes the whole file unreadable. */
export const botocoreRead = (paths: string[]): Array<{ ok?: Sections; error?: string }> => {
  const r = spawnSync('python3', ['-c', PY, ...paths], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`)
  return JSON.parse(r.stdout)
}
