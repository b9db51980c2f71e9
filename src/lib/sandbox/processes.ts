import {spawn} from 'node:child_process'
import {openSync} from 'node:fs'
import net from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {AuroraError} from '../cli/errors.js'

/** A free TCP port on the loopback interface, chosen by the kernel. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1)
  return port!
}

/**
 * `count` different free ports. Each is held open until all are chosen: ports asked for one after
 * another can come back equal (the kernel may hand out a port again as soon as it is closed), and
 * moto and PostgreSQL given the same one fail with "address already in use".
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      {length: count},
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer()
          server.unref()
          server.once('error', reject)
          server.listen(0, '127.0.0.1', () => resolve(server))
        }),
    ),
  )
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port)
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
        }),
    ),
  )
  return ports
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user (postgres when we are not root).
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Starts a long-running process detached from this one, output appended to `logFile`. */
export function spawnDetached(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): number {
  const log = openSync(logFile, 'a')
  const child = spawn(command, args, {detached: true, env, stdio: ['ignore', log, log]})
  child.unref()
  if (!child.pid) throw new AuroraError('SANDBOX', `Could not start ${command}.`)
  return child.pid
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Returns whether the process was running. */
export async function stopProcess(pid: number | undefined, graceMs = 5000): Promise<boolean> {
  if (!isAlive(pid)) return false
  try {
    process.kill(pid!, 'SIGTERM')
  } catch {
    return false
  }

  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true
    // Polling is the point: there is no event for another process's exit.
    // eslint-disable-next-line no-await-in-loop
    await sleep(100)
  }

  try {
    process.kill(pid!, 'SIGKILL')
  } catch {
    // Already gone.
  }

  return true
}

/** Polls `probe` until it resolves true or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, hint?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    // Polling is the point: each probe must finish before the next.
    // eslint-disable-next-line no-await-in-loop
    if (await probe().catch(() => false)) return
    // eslint-disable-next-line no-await-in-loop
    await sleep(150)
  }

  throw new AuroraError('TIMED_OUT', `${what} did not become ready within ${Math.round(timeoutMs / 1000)} s.`, {hint})
}
