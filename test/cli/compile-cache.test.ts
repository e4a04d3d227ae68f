// The CLI turns on Node's compile cache where Node has one (22.1+), in the user's own
// cache folder, and is a no-op on Node 20. The built CLI is run in a throwaway HOME, so
// the cache it leaves behind (or not) is what a user's `credential_process` would get.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { compileCacheDir, startCompileCache } from '../../src/cli/compile-cache.js'
import { CLI, runCli, sandbox } from '../helpers/sandbox.js'

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
const nodeHasCache = major > 22 || (major === 22 && minor >= 1)

t.test('the cache folder: systemd CacheDirectory, else XDG_CACHE_HOME, else ~/.cache', async (t) => {
  const rows: Array<[Record<string, string>, string]> = [
    [{}, '/home/u/.cache/aws-credd/node-compile-cache'],
    [{ XDG_CACHE_HOME: '/x/cache' }, '/x/cache/aws-credd/node-compile-cache'],
    [{ XDG_CACHE_HOME: 'relative/cache' }, '/home/u/.cache/aws-credd/node-compile-cache'],
    [{ CACHE_DIRECTORY: '/var/cache/aws-credd', XDG_CACHE_HOME: '/x/cache' }, '/var/cache/aws-credd/node-compile-cache'],
    [{ CACHE_DIRECTORY: 'rel' }, '/home/u/.cache/aws-credd/node-compile-cache'],
  ]
  for (const [env, want] of rows) t.equal(compileCacheDir(env, '/home/u'), want, JSON.stringify(env))
})

t.test('startCompileCache: no API (Node 20) is a no-op; a failure never throws; the environment is left as it was', async (t) => {
  const env: Record<string, string | undefined> = { HOME: '/h', XDG_CACHE_HOME: '/c' }
  t.equal(startCompileCache(env, {}), false, 'Node 20: nothing to turn on')
  const asked: Array<string | undefined> = []
  const api = (status: number) => ({
    enableCompileCache: (dir?: string) => {
      asked.push(dir)
      env.NODE_COMPILE_CACHE = dir // as a later Node might, for child processes
      return { status }
    },
  })
  t.equal(startCompileCache(env, api(1)), true, 'ENABLED')
  t.same(asked, ['/c/aws-credd/node-compile-cache'], 'in the user cache folder, not the shared temp folder')
  t.equal(env.NODE_COMPILE_CACHE, undefined, 'exec hands its command the environment unchanged')
  t.equal(startCompileCache(env, api(2)), true, 'ALREADY_ENABLED (the user set NODE_COMPILE_CACHE)')
  t.equal(startCompileCache(env, api(0)), false, 'FAILED (a read-only folder, say)')
  t.equal(startCompileCache(env, api(3)), false, 'DISABLED (NODE_DISABLE_COMPILE_CACHE=1)')
  env.NODE_COMPILE_CACHE = '/mine'
  t.equal(startCompileCache(env, api(2)), true)
  t.equal(env.NODE_COMPILE_CACHE, '/mine', "the user's own setting is kept")
  const throwing = {
    enableCompileCache: () => {
      throw new Error('boom')
    },
  }
  t.equal(startCompileCache(env, throwing), false, 'a throwing API does not stop the command')
})

t.test(
  `the built CLI ${nodeHasCache ? 'writes its compile cache' : 'leaves no compile cache'} on Node ${process.versions.node}`,
  async (t) => {
    const home = t.testdir({})
    const sb = sandbox(home, { XDG_CACHE_HOME: join(home, '.cache') })
    delete sb.env.CACHE_DIRECTORY
    const cacheDir = join(sb.home, '.cache', 'aws-credd', 'node-compile-cache')
    const r = runCli(['--version'], sb.env)
    const done = await r.exited
    t.equal(done.code, 0, r.output())
    if (nodeHasCache) {
      const versions = existsSync(cacheDir) ? readdirSync(cacheDir) : []
      t.match(versions, [new RegExp(`^v${process.versions.node.replace(/\./g, '\\.')}-`)], 'one folder for this Node version')
      t.ok(
        versions.length > 0 && readdirSync(join(cacheDir, versions[0]!)).length > 0,
        'holding the compiled modules (commander, the program)',
      )
    } else {
      t.notOk(existsSync(join(sb.home, '.cache')), 'nothing written on Node 20')
    }

    // Inside a CLI process: the cache is on, in that folder, and NODE_COMPILE_CACHE is not set for children.
    const probe = `import(${JSON.stringify(join(CLI, '..', 'compile-cache.js'))}).then(async (m) => {
    const on = m.startCompileCache()
    const { default: mod } = await import('node:module')
    console.log(JSON.stringify({ on, dir: mod.getCompileCacheDir?.() ?? null, env: process.env.NODE_COMPILE_CACHE ?? null }))
  })`
    const seen = JSON.parse(execFileSync(process.execPath, ['-e', probe], { env: sb.env, encoding: 'utf8' })) as {
      on: boolean
      dir: string | null
      env: string | null
    }
    t.equal(seen.on, nodeHasCache, 'on from Node 22.1')
    if (nodeHasCache)
      t.match(
        seen.dir,
        new RegExp(`^${cacheDir}/v${process.versions.node.replace(/\./g, '\\.')}-`),
        'getCompileCacheDir() is the user cache folder',
      )
    else t.equal(seen.dir, null, 'Node 20 has no compile cache API')
    t.equal(seen.env, null, 'NODE_COMPILE_CACHE stays unset')
  },
)

t.test('NODE_DISABLE_COMPILE_CACHE=1 is honoured', async (t) => {
  const home = t.testdir({})
  const sb = sandbox(home, { XDG_CACHE_HOME: join(home, '.cache'), NODE_DISABLE_COMPILE_CACHE: '1' })
  delete sb.env.CACHE_DIRECTORY
  const r = runCli(['--version'], sb.env)
  t.equal((await r.exited).code, 0, r.output())
  t.notOk(existsSync(join(sb.home, '.cache', 'aws-credd', 'node-compile-cache')), 'no cache written')
})
