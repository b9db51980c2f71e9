import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {Transform} from 'node:stream'

import {AuroraError} from '../errors.js'
import {type ConnectionInfo, libpqEnvironment} from './connection.js'

export interface DumpFilter {
  excludeTables: string[]
  schemas: string[]
}

/**
 * What a non-superuser on a managed target (Aurora's master user is rds_superuser, not superuser)
 * cannot replay: a comment on an extension it does not own (plpgsql's, at least) fails the whole
 * transaction. Such statements are left out of the plain stream and the directory TOC alike.
 */
export const managedTargetSkips = [/^COMMENT ON EXTENSION /]

function dumpFilterArgs(filter: DumpFilter): string[] {
  return [...filter.schemas.flatMap((schema) => ['--schema', schema]), ...filter.excludeTables.flatMap((table) => ['--exclude-table', table])]
}

/** Drops statements a managed target refuses, line by line, from a plain-format dump stream. */
export function managedTargetFilter(): Transform {
  let pending = ''
  return new Transform({
    flush(callback) {
      callback(null, managedTargetSkips.some((pattern) => pattern.test(pending)) ? '' : pending)
    },
    transform(chunk: Buffer, _encoding, callback) {
      const lines = (pending + chunk.toString('utf8')).split('\n')
      pending = lines.pop() ?? ''
      callback(null, lines.filter((line) => !managedTargetSkips.some((pattern) => pattern.test(line))).map((line) => `${line}\n`).join(''))
    },
  })
}

export interface ChildProcesses {
  /** Kills every child still running (Ctrl-C). */
  stop: () => void
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').filter(Boolean).slice(-count).join(' | ')
}

/**
 * `pg_dump | psql --single-transaction`: one transaction on the target, so a failure leaves it as it
 * was. The dump reads the exported snapshot.
 */
export async function copyStreaming(
  source: ConnectionInfo,
  target: ConnectionInfo,
  options: {filter: DumpFilter; onChild?: (children: ChildProcesses) => void; snapshot: string},
): Promise<void> {
  const {execa} = await import('execa')
  const dump = execa('pg_dump', ['--format=plain', '--no-owner', '--no-acl', `--snapshot=${options.snapshot}`, ...dumpFilterArgs(options.filter)], {
    buffer: {stderr: true, stdout: false},
    env: libpqEnvironment(source),
    extendEnv: true,
    reject: false,
  })
  const restore = execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-o', '/dev/null'], {
    env: libpqEnvironment(target),
    extendEnv: true,
    reject: false,
    stdin: 'pipe',
  })
  options.onChild?.({
    stop() {
      dump.kill('SIGTERM')
      restore.kill('SIGTERM')
    },
  })
  dump.stdout!.pipe(managedTargetFilter()).pipe(restore.stdin!)
  const [dumped, restored] = await Promise.all([dump, restore])
  if (dumped.failed || restored.failed) {
    const which = dumped.failed ? `pg_dump: ${lastLines(String(dumped.stderr))}` : `psql: ${lastLines(String(restored.stderr))}`
    throw new AuroraError('UNEXPECTED', `The copy failed (${which}). The target was left as it was: the restore ran in one transaction.`)
  }
}

/**
 * Directory format in parallel: `pg_dump -Fd -j N` into a private temp directory, then
 * `pg_restore -j N --exit-on-error` into a fresh database made from the target (so it keeps the
 * target's extensions). Only on success is that database swapped in; on failure it is dropped and
 * the target is untouched.
 */
export async function copyParallel(
  source: ConnectionInfo,
  target: ConnectionInfo,
  options: {
    filter: DumpFilter
    jobs: number
    onChild?: (children: ChildProcesses) => void
    restoreInto: string
    snapshot: string
  },
): Promise<void> {
  const {execa} = await import('execa')
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-migrate-'))
  const dumpDir = path.join(dir, 'dump')
  const running = new Set<{kill: (signal?: NodeJS.Signals) => boolean}>()
  let stopped = false
  options.onChild?.({
    stop() {
      stopped = true
      for (const child of running) child.kill('SIGTERM')
    },
  })
  // Ctrl-C can come before a child exists to be killed: then no child is started at all.
  const stopIfAsked = () => {
    if (stopped) throw new AuroraError('INTERRUPTED', 'The copy was stopped.')
  }

  try {
    stopIfAsked()
    const dump = execa('pg_dump', ['--format=directory', `--jobs=${options.jobs}`, `--file=${dumpDir}`, '--no-owner', '--no-acl', `--snapshot=${options.snapshot}`, ...dumpFilterArgs(options.filter)], {
      env: libpqEnvironment(source),
      extendEnv: true,
      reject: false,
    })
    running.add(dump)
    const dumped = await dump
    running.delete(dump)
    if (dumped.failed) throw new AuroraError('UNEXPECTED', `pg_dump failed: ${lastLines(String(dumped.stderr))}. Nothing was written to the target.`)

    // The table of contents, less what a managed target refuses.
    const listing = await execa('pg_restore', ['--list', dumpDir], {reject: false})
    const kept = String(listing.stdout)
      .split('\n')
      .filter((line) => !/ COMMENT - EXTENSION /.test(line))
      .join('\n')
    const listFile = path.join(dir, 'restore.list')
    await writeFile(listFile, kept, {mode: 0o600})

    stopIfAsked()
    const restore = execa('pg_restore', [`--jobs=${options.jobs}`, '--exit-on-error', '--no-owner', '--no-acl', `--use-list=${listFile}`, `--dbname=${options.restoreInto}`, dumpDir], {
      env: libpqEnvironment(target, options.restoreInto),
      extendEnv: true,
      reject: false,
    })
    running.add(restore)
    const restored = await restore
    running.delete(restore)
    if (restored.failed) throw new AuroraError('UNEXPECTED', `pg_restore failed: ${lastLines(String(restored.stderr))}`)
  } finally {
    await rm(dir, {force: true, recursive: true})
  }
}

/** The major version of a client tool, e.g. 15 for "pg_dump (PostgreSQL) 15.18". */
export async function toolMajor(tool: string): Promise<null | number> {
  const {execa} = await import('execa')
  const result = await execa(tool, ['--version'], {reject: false})
  const match = /(\d+)(?:\.\d+)?/.exec(String(result.stdout))
  return result.failed || !match ? null : Number(match[1])
}

