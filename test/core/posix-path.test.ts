// core/posix-path.ts gives the same answers as node:path's posix join and normalize,
// on the shapes core builds (env folders with and without trailing slashes) and odd ones.
import t from 'tap'
import { posix } from 'node:path'
import { joinPath, normalizePath } from '../../src/core/posix-path.js'

const JOINS: string[][] = [
  ['/run/user/1000', 'aws-credd'],
  ['/run/user/1000/', 'aws-credd'],
  ['/tmp', 'aws-credd-0'],
  ['/tmp/', 'aws-credd-0'],
  ['/home/u', '.local', 'state', 'aws-credd', 'run'],
  ['/x//y/', './z', '../w'],
  ['/', '..', 'a'],
  ['a', '..', '..', 'b'],
  ['a/', 'b/'],
  ['', ''],
  [],
  ['', '/a'],
  ['.', 'a'],
  ['/a/b', '../../..'],
  ['rel/dir', './'],
  ['/a', 'b/..'],
]

t.test('joinPath answers as path.posix.join', async (t) => {
  for (const parts of JOINS) t.equal(joinPath(...parts), posix.join(...parts), JSON.stringify(parts))
})

t.test('normalizePath answers as path.posix.normalize', async (t) => {
  for (const p of ['', '/', '//', '.', './', '..', '../a/..', '/a/./b//c/', 'a/../../b/', '/../a', 'a//b', '/a/b/../../..']) {
    t.equal(normalizePath(p), posix.normalize(p), JSON.stringify(p))
  }
})
