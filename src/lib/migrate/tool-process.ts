import {type ChildProcess, spawn, type StdioOptions} from 'node:child_process'

/**
 * The client tools a migration runs (pg_dump, psql, pg_restore), started with node:child_process rather than
 * execa: importing execa took about 150 ms of migrate's start (measured while profiling for issue #19), more
 * than these few spawns need.
 */

/** How a tool ended, and what it wrote (stdout only when it was collected). */
export interface ToolResult {
  code: null | number
  /** It exited other than with 0 (or could not start). */
  failed: boolean
  signal: NodeJS.Signals | null
  stderr: string
  stdout: string
}

/**
 * Starts `tool` with exactly `env` (the caller builds it: libpq variables and this side's password only), its
 * stdin, stdout and stderr as `stdio` says (stdout and stderr collected when piped).
 */
export function startTool(
  tool: string,
  args: string[],
  options: {
    env: Record<string, string>
    /** False when stdout is a pipe to another process: reading it here would take rows from that process. */
    readStdout?: boolean
    stdio?: StdioOptions
  },
): {child: ChildProcess; ended: Promise<ToolResult>} {
  const child = spawn(tool, args, {env: options.env, stdio: options.stdio ?? ['ignore', 'pipe', 'pipe']})
  return {child, ended: toolEnded(child, options.readStdout ?? true)}
}

/** Collects a child's output (stdout only when `readStdout`) until it has exited and its streams are closed. */
function toolEnded(child: ChildProcess, readStdout: boolean): Promise<ToolResult> {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  if (readStdout) child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
  let startError = ''
  return new Promise((resolve) => {
    child.on('error', (error) => {
      startError = error.message
    })
    child.on('close', (code, signal) => {
      resolve({
        code,
        failed: code !== 0,
        signal,
        stderr: Buffer.concat(stderr).toString() + startError,
        stdout: Buffer.concat(stdout).toString(),
      })
    })
  })
}
