import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

import {cliPath} from './run-cli.js'

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`

export interface PtyCli {
  /** The exit code of the CLI (script -e passes it through), or null when it had to be killed. */
  exited: Promise<null | number>
  /** Kills the CLI with SIGKILL if it is still there (a hung spinner ignores everything else). */
  kill: () => void
  /** The CLI's process id, once it has started. */
  pid: () => Promise<number>
  /** Everything the terminal showed so far (stdout and stderr share the pseudo-terminal). */
  screen: () => string
  /** The size of it in bytes. */
  screenBytes: () => number
  script: ChildProcessWithoutNullStreams
}

/**
 * Runs the built CLI in a real pseudo-terminal made by util-linux `script`, after `stty cols 0` (what some
 * `docker exec -t` / `kubectl exec -t` set-ups report). The CLI replaces the shell (`exec`), so it is the
 * direct child of `script`.
 */
export function startInZeroColumnTerminal(args: string[], env: Record<string, string | undefined>): PtyCli {
  const command = `stty cols 0 rows 24; exec ${quote(process.execPath)} ${quote(cliPath)} ${args.map((arg) => quote(arg)).join(' ')}`
  const childEnv: NodeJS.ProcessEnv = {...process.env, TERM: 'xterm-256color', ...env}
  delete childEnv.COLUMNS
  const script = spawn('script', ['-qefc', command, '/dev/null'], {env: childEnv})
  const chunks: Buffer[] = []
  let bytes = 0
  script.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length
    // Keep what a person would read; a runaway spinner is measured in bytes, not kept.
    if (chunks.length < 2000) chunks.push(chunk)
  })
  script.stderr.on('data', () => {})
  const exited = new Promise<null | number>((resolve) => {
    script.on('exit', (code) => resolve(code))
  })
  let cliPid: number | undefined
  const pid = async () => {
    for (let attempt = 0; attempt < 100 && cliPid === undefined; attempt++) {
      const children = `/proc/${script.pid}/task/${script.pid}/children`
      const found = existsSync(children) ? readFileSync(children, 'utf8').trim().split(/\s+/).find(Boolean) : undefined
      if (found) cliPid = Number(found)
      else await sleep(50)
    }

    if (cliPid === undefined) throw new Error('the CLI did not start in the pseudo-terminal')
    return cliPid
  }

  return {
    exited,
    kill() {
      if (cliPid !== undefined && isAlive(cliPid)) process.kill(cliPid, 'SIGKILL')
      script.kill('SIGKILL')
    },
    pid,
    screen: () => Buffer.concat(chunks).toString('utf8'),
    screenBytes: () => bytes,
    script,
  }
}

export function isAlive(pid: number): boolean {
  // A zombie has exited; only its parent has not collected it yet.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** Milliseconds until `pid` is gone, or null when it is still there after `limitMs`. */
export async function timeToExit(pid: number, limitMs: number): Promise<null | number> {
  const started = performance.now()
  while (performance.now() - started < limitMs) {
    if (!isAlive(pid)) return Math.round(performance.now() - started)
    await sleep(20)
  }

  return isAlive(pid) ? null : Math.round(performance.now() - started)
}
