// The one rule for tests that need something outside Node (root, python3 with botocore,
// moto_server, prlimit, a pseudo-terminal, ...): on a developer's machine a missing
// prerequisite skips the test with a line saying what is missing; under CI it never
// skips, it fails naming what is missing (.ci/run installs everything the suite needs).
// Every such test goes through here, so the rule lives in one place.
import type { Test } from 'tap'

type Env = Record<string, string | undefined>

/** CI is on when `CI` is set to anything but '', '0' or 'false' (GitHub, GitLab and .ci/run set CI=true). */
export const underCi = (env: Env = process.env): boolean => {
  const v = env.CI?.trim().toLowerCase()
  return v !== undefined && v !== '' && v !== '0' && v !== 'false'
}

/** What to do about a prerequisite: run (it is there), skip (missing, not CI) or fail (missing under CI). */
export const prerequisiteVerdict = (ok: boolean, env: Env = process.env): 'run' | 'skip' | 'fail' =>
  ok ? 'run' : underCi(env) ? 'fail' : 'skip'

/**
 * Call first thing in a test body: true when `what` is there and the test should go on. Otherwise
 * it ends the test: skipped (plan 0 with the reason) off CI, a failure naming `what` under CI.
 * Usage: `if (!requireOrSkip(t, 'python3 with botocore (pip install botocore)', !!python)) return`
 */
export const requireOrSkip = (t: Pick<Test, 'fail' | 'plan'>, what: string, ok: boolean, env: Env = process.env): boolean => {
  const verdict = prerequisiteVerdict(ok, env)
  if (verdict === 'fail')
    t.fail(`missing prerequisite: ${what} (CI=true: a missing prerequisite fails instead of skipping; .ci/run installs it)`)
  else if (verdict === 'skip') t.plan(0, `skip: missing ${what} (under CI=true this fails)`)
  return verdict === 'run'
}

/** Root, for tests that chown to another uid. */
export const isRoot = (): boolean => process.getuid?.() === 0
