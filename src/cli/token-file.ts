// Writes a token the daemon handed out where a consumer reads it: 0600, no newline
// (botocore refuses a token file that ends with one), atomically, in a 0700 folder.
import { dirname } from 'node:path'
import { ensureDir, writeFileAtomic } from '../files/atomic-write.js'

export const writeTokenFile = async (file: string, token: string): Promise<void> => {
  await ensureDir(dirname(file))
  await writeFileAtomic(file, token, { mode: 0o600 })
}
