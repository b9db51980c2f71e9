import {execFile, spawn} from 'node:child_process'
import path from 'node:path'

import {packageRoot} from '../../src/lib/sandbox/paths.js'

export interface CliResult {
  exitCode: number
  stderr: string
  stdout: string
}

export const cliPath = path.join(packageRoot, 'bin', 'run.js')

/** Variables that would point the CLI at something other than what a test names. */
const isolatedVariables = [
  'AURORACTL_CLUSTER',
  'AURORACTL_CONFIG',
  'AURORACTL_ENDPOINT_MAP',
  'AURORACTL_ENV',
  'AURORACTL_SECRET',
  'AURORACTL_TF_DIR',
  'AURORACTL_VIA',
  'AWS_ENDPOINT_URL',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
]

/** Runs the built CLI (`bin/run.js`) as a user would, in a clean environment plus `env`. */
export function runCli(
  args: string[],
  options: {cwd?: string; env?: Record<string, string | undefined>; nodeArgs?: string[]} = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {...process.env}
  for (const name of isolatedVariables) delete env[name]
  Object.assign(env, {COLUMNS: '120', NO_COLOR: '1'}, options.env)
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...(options.nodeArgs ?? []), cliPath, ...args],
      {cwd: options.cwd ?? packageRoot, encoding: 'utf8', env, timeout: 60_000},
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({exitCode, stderr, stdout})
      },
    )
  })
}

export interface RunningCli {
  child: import('node:child_process').ChildProcessWithoutNullStreams
  exited: Promise<null | number>
  /** What the command has printed so far. */
  output: {stderr: string; stdout: string}
}

/** Starts the built CLI without waiting, for tests that signal it or watch its progress. */
export function startCli(args: string[], env: Record<string, string | undefined>): RunningCli {
  const child = spawn(process.execPath, [cliPath, ...args], {env: {...process.env, NO_COLOR: '1', ...env}})
  const output = {stderr: '', stdout: ''}
  child.stdout.on('data', (chunk) => {
    output.stdout += chunk
  })
  child.stderr.on('data', (chunk) => {
    output.stderr += chunk
  })
  const exited = new Promise<null | number>((resolve) => {
    child.on('exit', (code) => resolve(code))
  })
  return {child, exited, output}
}
