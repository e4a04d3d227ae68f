import t from 'tap'
import { mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { PathWatcher } from '../../src/files/path-watcher.js'

const waitFor = async (cond: () => boolean, ms = 3000): Promise<boolean> => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (cond()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return cond()
}

t.test('sees files and folders appear, change, vanish and come back', async (t) => {
  const home = t.testdir({})
  const aws = join(home, '.aws')
  const config = join(aws, 'config')
  const cache = join(aws, 'sso', 'cache')
  const seen: string[] = []
  const w = new PathWatcher((target) => seen.push(target))
  await w.start([{ path: config }, { path: cache, dir: true }])
  t.teardown(() => w.close())

  mkdirSync(aws, { mode: 0o700 })
  writeFileSync(config, '[default]\n')
  t.ok(await waitFor(() => seen.includes(config)), 'config created inside a folder that did not exist')

  mkdirSync(cache, { recursive: true })
  await waitFor(() => seen.includes(cache))
  // The folder's own appearance is reported (and a reader then lists it); give the new watch a moment.
  await new Promise((r) => setTimeout(r, 200))
  seen.length = 0
  writeFileSync(join(cache, 'abc.json'), '{}')
  t.ok(await waitFor(() => seen.includes(cache)), 'file in the SSO cache')

  seen.length = 0
  writeFileSync(join(aws, 'config.tmp'), '[profile x]\n')
  renameSync(join(aws, 'config.tmp'), config)
  t.ok(await waitFor(() => seen.includes(config)), 'replaced by rename')

  rmSync(join(aws, 'sso'), { recursive: true })
  await new Promise((r) => setTimeout(r, 200))
  seen.length = 0
  mkdirSync(cache, { recursive: true })
  writeFileSync(join(cache, 'def.json'), '{}')
  t.ok(await waitFor(() => seen.includes(cache)), 'cache folder deleted and recreated is still watched')

  // The whole ~/.aws removed and made again (a dotfiles reset): still watched afterwards.
  rmSync(aws, { recursive: true })
  await new Promise((r) => setTimeout(r, 200))
  mkdirSync(aws)
  writeFileSync(config, '[default]\n')
  t.ok(await waitFor(() => seen.includes(config)), 'config in a recreated ~/.aws')
  await new Promise((r) => setTimeout(r, 200))
  seen.length = 0
  writeFileSync(config, '[default]\nregion = eu-west-1\n')
  t.ok(await waitFor(() => seen.includes(config)), 'later edits in the recreated ~/.aws are seen too')
  mkdirSync(cache, { recursive: true })
  await new Promise((r) => setTimeout(r, 200))
  seen.length = 0
  writeFileSync(join(cache, 'ghi.json'), '{}')
  t.ok(await waitFor(() => seen.includes(cache)), 'and a new sso/cache inside it')

  seen.length = 0
  writeFileSync(join(aws, 'unrelated'), 'x')
  await new Promise((r) => setTimeout(r, 300))
  t.same(seen, [], 'unrelated files do not trigger')
})

t.test('sso/cache made right after ~/.aws, while the watch on ~/.aws is being set up: it is watched too', async (t) => {
  const home = t.testdir({})
  const cache = join(home, '.aws', 'sso', 'cache')
  const seen: Array<[string, string]> = []
  const w = new PathWatcher((target, event) => seen.push([target, event]))
  await w.start([{ path: join(home, '.aws', 'config') }, { path: cache, dir: true }])
  t.teardown(() => w.close())
  mkdirSync(join(home, '.aws'))
  t.ok(await waitFor(() => seen.length > 0), '~/.aws appears: the watcher starts watching it')
  seen.length = 0
  mkdirSync(cache, { recursive: true }) // at once, as `aws sso login` does before it writes the token
  t.ok(await waitFor(() => seen.some(([p]) => p === cache)), 'the new cache folder is reported')
  // A file written into it is seen once its watch is set up: never, if sso/ went unnoticed.
  let n = 0
  const fileSeen = async (): Promise<boolean> => {
    for (; n < 20; n++) {
      writeFileSync(join(cache, `token-${n}.json`), '{}')
      if (await waitFor(() => seen.some(([p, e]) => p === cache && e === 'add'), 250)) return true
    }
    return false
  }
  t.ok(await fileSeen(), `a token file in it is seen (after ${n + 1} writes)`)
})

t.test('re-armed while closing (a late event, a late setTargets): no watch handle is left behind', async (t) => {
  const home = t.testdir({ '.aws': { config: '' }, other: {} })
  const w = new PathWatcher(() => undefined)
  await w.start([{ path: join(home, '.aws', 'config') }])
  const closing = w.close()
  // run.ts re-arms after each applied change; chokidar's add() during close reopens a handle.
  w.setTargets([{ path: join(home, 'other', 'x') }])
  await closing
  await new Promise((r) => setTimeout(r, 300))
  t.same(process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap' || r === 'StatWatcher'), [], 'every fs.watch handle closed')
})
