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
