// `which`: the executable `name` on a PATH, without spawning a shell (the desktop channel looks for notify-send).
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

export const findExecutable = (name: string, path: string | undefined): string | undefined => {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue
    try {
      accessSync(join(dir, name), constants.X_OK)
      return join(dir, name)
    } catch {
      // not in this directory
    }
  }
  return undefined
}
