// moto_server as a second, independent STS/IAM that checks SigV4 signatures,
// trust policies and permission policies (see test/integration/moto.test.ts for
// what moto 5.2 does and does not enforce).
import { spawn, type ChildProcess } from 'node:child_process'
import { createConnection, createServer } from 'node:net'
import { findExecutable } from '../../src/alerts/find-executable.js'
import { runTool } from './sandbox.js'

/** The seed script below makes exactly this many IAM calls; moto counts them against INITIAL_NO_AUTH_ACTION_COUNT. */
export const SEED_CALLS = 6

export interface Moto {
  url: string
  /** The last 64 KB of moto's request log, for failure messages only. */
  output: () => string
  stop: () => Promise<void>
}

export type MotoStart = { ok: true; moto: Moto } | { ok: false; missing: boolean; reason: string }

export const findOnPath = (name: string, path = process.env.PATH ?? ''): string | undefined => findExecutable(name, path)

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

// A TCP connect, not an HTTP request: any AWS request would use up one of moto's unauthenticated actions.
const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port })
    c.once('connect', () => (c.destroy(), resolve(true)))
    c.once('error', () => resolve(false))
  })

const killGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
  try {
    if (child.pid) process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/**
 * Start moto_server on a free 127.0.0.1 port in its own process group, accepting
 * the first `noAuthActions` requests unauthenticated and enforcing IAM auth after.
 * `missing` is true when moto_server is not installed (not on PATH, or a shim that cannot find it).
 */
export const startMoto = async (env: NodeJS.ProcessEnv, noAuthActions = SEED_CALLS, readyMs = 15_000): Promise<MotoStart> => {
  if (!findOnPath('moto_server', env.PATH))
    return { ok: false, missing: true, reason: 'moto_server is not on PATH (pip install "moto[server]>=5.2")' }
  const port = await freePort()
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...env, INITIAL_NO_AUTH_ACTION_COUNT: String(noAuthActions) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so teardown also reaches a shim's children
  })
  // If the test process dies without teardown, do not leave moto listening.
  const onExit = (): void => killGroup(child, 'SIGKILL')
  process.once('exit', onExit)
  let out = ''
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-65_536)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  let exit: { code: number | null; error?: Error } | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => ((exit = { code: null, error }), resolve()))
    child.once('exit', (code) => ((exit ??= { code }), resolve()))
  })
  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit)
    if (exit) return
    killGroup(child, 'SIGTERM')
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  const end = Date.now() + readyMs
  while (Date.now() < end && !exit) {
    if (await portOpen(port)) return { ok: true, moto: { url: `http://127.0.0.1:${port}`, output: () => out, stop } }
    await new Promise((r) => setTimeout(r, 50))
  }
  await stop()
  const failed = exit as { code: number | null; error?: Error } | undefined
  if (failed?.error || failed?.code === 127)
    return { ok: false, missing: true, reason: `moto_server could not run: ${failed.error?.message ?? out.trim().split('\n')[0]}` }
  return {
    ok: false,
    missing: false,
    reason: `moto_server ${failed ? `exited with ${failed.code}` : `was not listening after ${readyMs}ms`} on port ${port}; output:\n${out}`,
  }
}

export interface MotoChain {
  userArn: string
  accessKeyId: string
  secretAccessKey: string
  roleA: string
  roleB: string
}

// boto3 comes with moto. Exactly SEED_CALLS requests, all inside moto's unauthenticated window.
// Real AWS matches a role ARN principal against any session of that role; moto compares the
// caller's assumed-role session ARN literally, so role B must trust A's exact session ARN.
const SEED = `
import json, sys, boto3
from botocore.config import Config
url, session_a, external_id = sys.argv[1:4]
iam = boto3.client('iam', endpoint_url=url, region_name='us-east-1',
                   aws_access_key_id='AKIAIOSFODNN7EXAMPLE', aws_secret_access_key='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
                   config=Config(retries={'total_max_attempts': 1}))
def doc(statement): return json.dumps({'Version': '2012-10-17', 'Statement': [statement]})
allow_assume = doc({'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Resource': '*'})
trust = lambda principals, **cond: doc({'Effect': 'Allow', 'Principal': {'AWS': principals}, 'Action': 'sts:AssumeRole', **cond})
user = iam.create_user(UserName='alice')['User']
key = iam.create_access_key(UserName='alice')['AccessKey']
iam.put_user_policy(UserName='alice', PolicyName='assume', PolicyDocument=allow_assume)
a = iam.create_role(RoleName='A', AssumeRolePolicyDocument=trust([user['Arn']]))['Role']
iam.put_role_policy(RoleName='A', PolicyName='assume', PolicyDocument=allow_assume)
session_arn = a['Arn'].replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + '/' + session_a
b = iam.create_role(RoleName='B', AssumeRolePolicyDocument=trust([a['Arn'], session_arn], Condition={'StringEquals': {'sts:ExternalId': external_id}}))['Role']
print(json.dumps({'userArn': user['Arn'], 'accessKeyId': key['AccessKeyId'], 'secretAccessKey': key['SecretAccessKey'], 'roleA': a['Arn'], 'roleB': b['Arn']}))
`

/**
 * User alice (keys, may sts:AssumeRole) → role A (trusts alice, may sts:AssumeRole)
 * → role B (trusts A's session `sessionA`, requires ExternalId `externalId`; no permissions of its own).
 */
export const seedChain = async (url: string, env: NodeJS.ProcessEnv, sessionA: string, externalId: string): Promise<MotoChain> => {
  const r = await runTool('python3', ['-c', SEED, url, sessionA, externalId], env)
  if (r.code !== 0)
    throw new Error(`seeding moto at ${url} failed (python3 with boto3 needed): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)
  return JSON.parse(r.stdout) as MotoChain
}

/** moto's own record of every AssumeRole it granted (GET /moto-api/data.json is not an AWS action and is not counted). */
export const assumedRoles = async (url: string): Promise<Array<{ role_arn: string; session_name: string; external_id: string | null }>> => {
  const res = await fetch(`${url}/moto-api/data.json`)
  const data = (await res.json()) as {
    sts?: { AssumedRole?: Array<{ role_arn: string; session_name: string; external_id: string | null }> }
  }
  return data.sts?.AssumedRole ?? []
}
