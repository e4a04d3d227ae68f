// The deploy/ examples stay consistent with the daemon: the sample config is valid,
// and the app in each example points at the sidecar the way the SDKs require
// (loopback URL, the token file of the app's consumer entry, a shared network namespace).
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseConfig } from '../../src/core/config/schema.js'

const yaml = (file: string): Record<string, any> =>
  JSON.parse(
    execFileSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))[0]))', file], {
      encoding: 'utf8',
    }),
  )

const config = parseConfig(JSON.parse(readFileSync('deploy/config/config.json', 'utf8')), 'deploy/config/config.json')
// The app is a consumer of its own profile: it gets a token that opens that profile alone, never the owner's.
const consumer = config.consumers.find((c) => c.name === 'app')!
const tokenFile = consumer.tokenFile

t.test('docker-compose: the app shares the sidecar network and reads its token', async (t) => {
  const c = yaml('deploy/docker-compose.yml')
  const app = c.services.app
  t.equal(app.network_mode, 'service:aws-credd')
  t.match(app.environment.AWS_CONTAINER_CREDENTIALS_FULL_URI, /^http:\/\/127\.0\.0\.1:9911\/v1\/credentials\/app$/)
  t.equal(app.environment.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, tokenFile)
  t.ok(
    config.profiles.some((p) => p.profile === 'app' && p.writeTo === 'app-static'),
    'the static-keys tool reads the section aws-credd writes',
  )
  t.match(c.services['legacy-tool'].entrypoint.join(' '), /--profile app-static/)
})

t.test('kubernetes: sidecar and app in one pod, token on a shared emptyDir, non-root', async (t) => {
  const pod = yaml('deploy/kubernetes-pod.yaml')
  const [credd, app] = pod.spec.containers
  t.equal(credd.name, 'aws-credd')
  t.equal(pod.spec.securityContext.runAsNonRoot, true)
  const env = Object.fromEntries(app.env.map((e: { name: string; value: string }) => [e.name, e.value]))
  t.match(env.AWS_CONTAINER_CREDENTIALS_FULL_URI, /^http:\/\/127\.0\.0\.1:9911\//)
  t.equal(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, tokenFile)
  const shared = (c: { volumeMounts: Array<{ name: string; mountPath: string }> }) =>
    c.volumeMounts.find((m) => m.name === 'shared')?.mountPath
  t.equal(shared(credd), '/shared')
  t.equal(shared(app), '/shared')
  t.ok(
    credd.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/run/credd'),
    'a writable runtime folder with a read-only root',
  )
})

t.test("the example apps run on images that have their client, and the token folder is the daemon's", async (t) => {
  const c = yaml('deploy/docker-compose.yml')
  const pod = yaml('deploy/kubernetes-pod.yaml')
  for (const [where, image, command] of [
    ['compose', c.services.app.image, c.services.app.entrypoint],
    ['pod', pod.spec.containers[1].image, pod.spec.containers[1].command],
  ] as const) {
    t.match(image, /^amazon\/aws-cli:/, `${where}: the AWS CLI image`)
    t.match((command as string[]).join(' '), /aws sts get-caller-identity/, `${where}: runs the CLI, which the image has`)
  }
  const dockerfile = readFileSync('Dockerfile', 'utf8')
  const folder = tokenFile.slice(0, tokenFile.lastIndexOf('/'))
  t.match(
    dockerfile,
    new RegExp(`mkdir -p [^\\n]*${folder}[^\\n]*chown node:node [^\\n]*${folder}`),
    `the image creates ${folder} for the node user (a new named volume copies its owner)`,
  )
})

t.test("the example app's consumer opens exactly the profile its URL asks for", async (t) => {
  t.same(consumer.profiles, ['app'])
  t.equal(config.server.tokenFile, undefined, "the owner's token stays in the sidecar's runtime folder")
})

t.test('kubernetes: the emptyDirs for the token and the runtime folder are made private before aws-credd starts', async (t) => {
  const pod = yaml('deploy/kubernetes-pod.yaml')
  const init = (pod.spec.initContainers as Array<Record<string, any>>).find((c) => c.name === 'private-folders')!
  t.ok(init, 'an init container prepares them')
  t.equal(init.securityContext.runAsUser, 0, 'as root: an emptyDir belongs to root')
  t.match(init.command.join(' '), /chown 1000:1000 \/shared \/run-credd && chmod 0750 \/shared && chmod 0700 \/run-credd/)
  const mounts = Object.fromEntries((init.volumeMounts as Array<{ name: string; mountPath: string }>).map((m) => [m.name, m.mountPath]))
  t.same(mounts, { shared: '/shared', run: '/run-credd' })
  t.equal(pod.spec.securityContext.runAsUser, 1000, 'the uid the folders are given to')
})
