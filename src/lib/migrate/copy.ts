import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {AuroraError} from '../errors.js'
import {type ConnectionInfo, libpqEnvironment} from './connection.js'
import {type TableFilter} from './filter.js'

/** The tables to copy: pg_dump's -n/-t/-T patterns (see filter.ts, which reads them as pg_dump does). */
export type DumpFilter = TableFilter

/**
 * What a non-superuser on a managed target (Aurora's master user is rds_superuser, not superuser)
 * cannot replay: a comment on an extension it does not own (plpgsql's, at least) fails the whole
 * transaction. Such statements are left out of the plain stream and the directory TOC alike.
 */
export const managedTargetSkips = [/^COMMENT ON EXTENSION /]

/**
 * The filter's patterns, passed to pg_dump as given (pg_dump parses them with the rules filter.ts
 * reproduces), and --strict-names with an include pattern: without it, a --table that matches
 * nothing would dump the whole database.
 */
export function dumpFilterArgs(filter: DumpFilter): string[] {
  return [
    ...filter.schemas.flatMap((schema) => ['--schema', schema]),
    ...filter.tables.flatMap((table) => ['--table', table]),
    ...filter.excludeTables.flatMap((table) => ['--exclude-table', table]),
    ...(filter.schemas.length > 0 || filter.tables.length > 0 ? ['--strict-names'] : []),
  ]
}

/** Drops the statements a managed target refuses from a plain-format pre-data script. */
export function withoutManagedTargetRefusals(script: string): string {
  return script
    .split('\n')
    .filter((line) => !managedTargetSkips.some((pattern) => pattern.test(line)))
    .join('\n')
}

export interface ChildProcesses {
  /** Kills every child still running (Ctrl-C). */
  stop: () => void
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').filter(Boolean).slice(-count).join(' | ')
}

/**
 * pg_dump into psql in one transaction, so a failure leaves the target as it was. Both dumps read
 * the exported snapshot.
 *
 * - The schema (pre-data) is small: it is dumped first and filtered here.
 * - The rows and indexes go from pg_dump to psql through a named pipe, not through this process, so
 *   the copy costs no CPU here.
 * - psql reads its standard input last and commits only when that closes. It is closed only after
 *   pg_dump exited cleanly. A pg_dump that dies mid-stream would otherwise end psql's input at a
 *   statement boundary, and psql would commit a partial copy.
 */
export async function copyStreaming(
  source: ConnectionInfo,
  target: ConnectionInfo,
  options: {filter: DumpFilter; onChild?: (children: ChildProcesses) => void; snapshot: string},
): Promise<void> {
  const {execa} = await import('execa')
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-migrate-'))
  const running = new Set<{kill: (signal?: NodeJS.Signals) => boolean}>()
  let stopped = false
  options.onChild?.({
    stop() {
      stopped = true
      for (const child of running) child.kill('SIGKILL')
    },
  })
  const dumpArgs = ['--format=plain', '--no-owner', '--no-acl', `--snapshot=${options.snapshot}`, ...dumpFilterArgs(options.filter)]
  const dumpOptions = {env: libpqEnvironment(source), extendEnv: true, reject: false} as const
  try {
    const schema = execa('pg_dump', [...dumpArgs, '--section=pre-data'], {...dumpOptions, maxBuffer: 1024 ** 3})
    running.add(schema)
    const schemaDumped = await schema
    running.delete(schema)
    if (stopped) throw new AuroraError('INTERRUPTED', 'The copy was stopped.')
    if (schemaDumped.failed) throw new AuroraError('UNEXPECTED', `The copy failed (pg_dump: ${lastLines(String(schemaDumped.stderr))}). Nothing was written to the target.`)
    const schemaFile = path.join(dir, 'schema.sql')
    await writeFile(schemaFile, withoutManagedTargetRefusals(String(schemaDumped.stdout)), {mode: 0o600})
    const pipe = path.join(dir, 'data.pipe')
    await execa('mkfifo', ['-m', '600', pipe])

    const restore = execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-o', '/dev/null', '-f', schemaFile, '-f', pipe, '-f', '-'], {
      env: libpqEnvironment(target),
      extendEnv: true,
      reject: false,
      stdin: 'pipe',
    })
    const dump = execa('pg_dump', [...dumpArgs, '--section=data', '--section=post-data', `--file=${pipe}`], dumpOptions)
    running.add(restore)
    running.add(dump)
    // Whichever fails first takes the other down: each would otherwise wait for the pipe forever.
    const restoreEnded = restore.then((restored) => {
      if (restored.failed) dump.kill('SIGKILL')
      return restored
    })
    const dumped = await dump
    if (dumped.failed) restore.kill('SIGKILL')
    else restore.stdin!.end()
    const restored = await restoreEnded
    running.clear()
    if (stopped) throw new AuroraError('INTERRUPTED', 'The copy was stopped.')
    if (dumped.failed || restored.failed) {
      const which = restored.failed && !restored.isTerminated ? `psql: ${lastLines(String(restored.stderr))}` : `pg_dump: ${lastLines(String(dumped.stderr))}`
      throw new AuroraError('UNEXPECTED', `The copy failed (${which}). The target was left as it was: the restore ran in one transaction, rolled back.`)
    }
  } finally {
    for (const child of running) child.kill('SIGKILL')
    await rm(dir, {force: true, recursive: true})
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
    // Uncompressed: gzip would cost more CPU than the disk it saves, on the same cores the copy needs.
    const dump = execa('pg_dump', ['--format=directory', '--compress=0', `--jobs=${options.jobs}`, `--file=${dumpDir}`, '--no-owner', '--no-acl', `--snapshot=${options.snapshot}`, ...dumpFilterArgs(options.filter)], {
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

/** The major version of a client tool, e.g. 15 for "pg_dump (PostgreSQL) 15.18"; null when it is missing. */
export async function toolMajor(tool: string): Promise<null | number> {
  // node:child_process, not execa: this runs before anything else and execa takes longer to load than the tools take to answer.
  const {execFile} = await import('node:child_process')
  const stdout = await new Promise<null | string>((resolve) => {
    execFile(tool, ['--version'], (error, output) => resolve(error ? null : output))
  })
  const match = stdout === null ? null : /(\d+)(?:\.\d+)?/.exec(stdout)
  return match ? Number(match[1]) : null
}

/** The client tools a migration runs, and their major versions. */
export async function toolMajors(): Promise<Array<readonly [string, null | number]>> {
  return Promise.all(['pg_dump', 'pg_restore', 'psql'].map(async (tool) => [tool, await toolMajor(tool)] as const))
}
