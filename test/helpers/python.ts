// The machine's python3 with boto3/botocore (the AWS CLI v1 sits beside it), for
// tests that drive real Python clients.
import { execFileSync } from 'node:child_process'

/** The python3 executable that can import `module`, or undefined. */
export const findPython = (module = 'boto3'): string | undefined => {
  try {
    return execFileSync('python3', ['-c', `import ${module}, sys; print(sys.executable)`], { encoding: 'utf8' }).trim()
  } catch {
    return undefined
  }
}

/** An environment for a Python client with nothing but what the test gives it: no AWS_* from the caller, no real ~/.aws. */
export const cleanPythonEnv = (home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  AWS_CONFIG_FILE: `${home}/config`,
  AWS_SHARED_CREDENTIALS_FILE: `${home}/credentials`,
  AWS_DEFAULT_REGION: 'us-east-1',
  ...extra,
})
