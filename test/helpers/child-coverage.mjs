// Preload (node --import) for the built CLI's processes under `tap`: records their V8
// coverage of dist/ into .tap/coverage, where tap's report maps it back to src/ through
// the source maps. It replaces tap's own child hook (@tapjs/processinfo), whose module
// loader hooks run every import through a worker thread and about double the start-up
// of a CLI process that loads the AWS SDK; the suite starts hundreds of them.
// Same file format as @tapjs/processinfo writes (V8 coverage + a 'source-map-cache').
import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { findSourceMap } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = process.env.CREDD_CHILD_COVERAGE_ROOT
if (root) {
  process.setSourceMapsEnabled(true)
  // Only the project's built code: not node_modules, not node: internals, not the tests.
  const prefix = pathToFileURL(join(root, 'dist')).href + '/'
  const session = new Session()
  session.connect()
  session.post('Profiler.enable')
  session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true })
  // 'exit' runs for process.exit and a normal end (a SIGTERM'd daemon exits through its
  // handler); the same-thread inspector answers synchronously, so the file is written here.
  process.on('exit', () => {
    session.post('Profiler.takePreciseCoverage', (err, cov) => {
      if (err) return
      const sourceMapCache = {}
      const result = cov.result.filter((s) => s.url.startsWith(prefix))
      for (const s of result) {
        let map
        try {
          map = findSourceMap(s.url)
        } catch {
          map = undefined
        }
        if (map?.payload) sourceMapCache[s.url] = { lineLengths: map.lineLengths, data: map.payload }
      }
      if (result.length === 0) return
      const dir = join(root, '.tap', 'coverage')
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, `${randomUUID()}.json`), JSON.stringify({ result, 'source-map-cache': sourceMapCache }))
    })
  })
}
