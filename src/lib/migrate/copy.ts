import {rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import type {TableRef} from '../pg/verification/inventory.js'
import type {CopiedRows, Killable, TableLayout} from './table-copy.js'

import {AuroraError} from '../cli/errors.js'
import {type TableFilter} from '../pg/verification/filter.js'
import {qualified} from '../pg/verification/inventory.js'
import {type ConnectionInfo, dbnameArgument, libpqEnvironment} from './connection.js'
import {startTool} from './tool-process.js'

/** The tables to copy: pg_dump's -n/-t/-T patterns (see filter.ts, which reads them as pg_dump does). */
export type DumpFilter = TableFilter

/**
 * What a non-superuser on a managed target (Aurora's master user is rds_superuser, not superuser)
 * cannot replay: a comment on an extension it does not own (plpgsql's, at least) fails the whole
 * transaction. Such statements are left out of the plain stream and the schema archive's restore list alike.
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

const workDirPrefix = 'auroractl-migrate-'

/**
 * A private (0700) folder for the work files: the schema file and the named pipe (one transaction), or the schema
 * archive, its restore list and the COPY status files (parallel). The archive can hold table data (large objects,
 * extensions' configuration rows, tables psql cannot name), unencrypted, so nothing here may outlive the run on any exit path: `remove()` on the normal ones, and a
 * synchronous hook on process exit for a second Ctrl-C or SIGTERM, which end the process at once.
 * Only `kill -9` can leave it behind; the next run removes such leftovers (see `removeLeftoverWorkDirs`).
 */
export interface WorkDir {
  path: string
  remove: () => Promise<void>
}

export async function createWorkDir(parent: string): Promise<WorkDir> {
  const {mkdtemp} = await import('node:fs/promises')
  const {rmSync} = await import('node:fs')
  // mkdtemp creates the folder 0700. The pid in its name tells a later run whether its owner is gone.
  const dir = await mkdtemp(path.join(parent, `${workDirPrefix}${process.pid}-`))
  const onExit = () => rmSync(dir, {force: true, recursive: true})
  process.on('exit', onExit)
  return {
    path: dir,
    async remove() {
      process.off('exit', onExit)
      await rm(dir, {force: true, recursive: true})
    },
  }
}

/** Work folders whose run was killed (the pid in their name is gone). A running migrate's folder is not among them. */
export async function findLeftoverWorkDirs(parent: string): Promise<string[]> {
  const {readdir} = await import('node:fs/promises')
  const entries = await readdir(parent, {withFileTypes: true}).catch(() => [])
  return entries
    .filter((entry) => {
      const match = new RegExp(`^${workDirPrefix}(\\d+)-`).exec(entry.name)
      return entry.isDirectory() && match !== null && !isRunning(Number(match[1]))
    })
    .map((entry) => path.join(parent, entry.name))
}

/** Removes the work folders of killed runs, and returns them. */
export async function removeLeftoverWorkDirs(parent: string): Promise<string[]> {
  const leftovers = await findLeftoverWorkDirs(parent)
  await Promise.all(leftovers.map((dir) => rm(dir, {force: true, recursive: true})))
  return leftovers
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Children of one copy: killed on Ctrl-C, and on process exit, so none outlives auroractl. */
function childTracker() {
  const running = new Set<Killable>()
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL')
  }

  process.on('exit', killAll)
  return {
    dispose() {
      killAll()
      process.off('exit', killAll)
    },
    running,
  }
}

// Every child runs with --no-password: without a password of its own it fails at once instead of prompting on a terminal it does not have.

/**
 * pg_dump into psql in one transaction, into the scratch database `target.database`. Both dumps read
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
  options: {filter: DumpFilter; onChild?: (children: ChildProcesses) => void; snapshot: string; workDir: string},
): Promise<void> {
  const {dispose, running} = childTracker()
  let stopped = false
  options.onChild?.({
    stop() {
      stopped = true
      for (const child of running) child.kill('SIGKILL')
    },
  })
  const dumpArgs = [
    '--no-password',
    '--format=plain',
    '--no-owner',
    '--no-acl',
    `--snapshot=${options.snapshot}`,
    ...dumpFilterArgs(options.filter),
  ]
  const dumpEnv = libpqEnvironment(source)
  try {
    const schema = startTool('pg_dump', [...dumpArgs, '--section=pre-data'], {env: dumpEnv})
    running.add(schema.child)
    const schemaDumped = await schema.ended
    running.delete(schema.child)
    if (stopped) throw new AuroraError('INTERRUPTED', 'The copy was stopped.')
    if (schemaDumped.failed) throw new AuroraError('UNEXPECTED', `The copy failed (pg_dump: ${lastLines(schemaDumped.stderr)}).`)
    const schemaFile = path.join(options.workDir, 'schema.sql')
    await writeFile(schemaFile, withoutManagedTargetRefusals(schemaDumped.stdout), {mode: 0o600})
    const pipe = path.join(options.workDir, 'data.pipe')
    const fifo = await startTool('mkfifo', ['-m', '600', pipe], {env: {PATH: process.env.PATH ?? ''}}).ended
    if (fifo.failed) throw new AuroraError('UNEXPECTED', `Could not make the named pipe ${pipe}: ${fifo.stderr.trim()}`)

    const restore = startTool('psql', oneTransactionRestoreArgs(schemaFile, pipe), {
      env: libpqEnvironment(target),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const dump = startTool('pg_dump', [...dumpArgs, '--section=data', '--section=post-data', `--file=${pipe}`], {env: dumpEnv})
    running.add(restore.child)
    running.add(dump.child)
    // Whichever fails first takes the other down: each would otherwise wait for the pipe forever.
    const restoreEnded = restore.ended.then((restored) => {
      if (restored.failed) dump.child.kill('SIGKILL')
      return restored
    })
    const dumped = await dump.ended
    if (dumped.failed) restore.child.kill('SIGKILL')
    else restore.child.stdin!.end()
    const restored = await restoreEnded
    running.clear()
    if (stopped) throw new AuroraError('INTERRUPTED', 'The copy was stopped.')
    if (dumped.failed || restored.failed) {
      const which =
        restored.failed && restored.signal === null ? `psql: ${lastLines(restored.stderr)}` : `pg_dump: ${lastLines(dumped.stderr)}`
      throw new AuroraError('UNEXPECTED', `The copy failed (${which}).`)
    }
  } finally {
    dispose()
  }
}

/** psql reads the schema file, then the rows through the pipe, then its standard input, all in one transaction. */
function oneTransactionRestoreArgs(schemaFile: string, pipe: string): string[] {
  return [
    '--no-password',
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '--single-transaction',
    '-o',
    '/dev/null',
    '-f',
    schemaFile,
    '-f',
    pipe,
    '-f',
    '-',
  ]
}

/** The dump's table of contents, less what a managed target refuses, as a file for pg_restore --use-list. */
async function writeRestoreList(archive: string, workDir: string): Promise<string> {
  const listing = await startTool('pg_restore', ['--list', archive], {env: {PATH: process.env.PATH ?? ''}}).ended
  if (listing.failed) throw new AuroraError('UNEXPECTED', `The copy failed (pg_restore --list: ${lastLines(listing.stderr)}).`)
  const kept = listing.stdout
    .split('\n')
    .filter((line) => !/ COMMENT - EXTENSION /.test(line))
    .join('\n')
  const listFile = path.join(workDir, 'restore.list')
  await writeFile(listFile, kept, {mode: 0o600})
  return listFile
}

interface ParallelCopyOptions {
  filter: DumpFilter
  jobs: number
  /** The copied tables' pages and columns, read in the snapshot. */
  layouts: TableLayout[]
  onChild?: (children: ChildProcesses) => void
  /** Told when a stage starts: the schema, the rows, the indexes and constraints. */
  onStage?: (stage: 'indexes' | 'rows' | 'schema') => void
  /** The scratch database being created: the schema is dumped meanwhile, and restored once it exists. */
  scratchCreated: Promise<void>
  signal?: AbortSignal
  snapshot: string
  /** The source database's encoding: the rows travel in it. */
  sourceEncoding: string
  sourceMajor: number
  /** A table whose heap is larger is split into CTID ranges (when it is also larger than its share of the jobs). */
  splitBytes?: number
  targetMajor: number
  workDir: string
}

/**
 * The parallel path, streamed (no dump of the rows is ever written to disk):
 * 1. pg_dump -Fc of everything but the copied tables' rows (schema, sequence values, large objects, the rows of
 *    extension configuration tables), in the snapshot; pg_restore of its pre-data section in one transaction.
 * 2. The rows, `jobs` COPY pipes at a time (table-copy.ts).
 * 3. pg_restore -j `jobs` of the rest: sequence values and large objects, then indexes, constraints and triggers.
 * Returns the rows each table's COPYs sent and stored; a table psql cannot name stays in the archive (absent here).
 */
export async function copyInParallel(
  source: ConnectionInfo,
  target: ConnectionInfo,
  options: ParallelCopyOptions,
): Promise<Map<TableRef, CopiedRows>> {
  const {copyableByPsql} = await import('./table-copy.js')
  const {dispose, running} = childTracker()
  let stopped = false
  options.onChild?.({
    stop() {
      stopped = true
      for (const child of running) child.kill('SIGKILL')
    },
  })
  // Ctrl-C can come before a child exists to be killed: then no child is started at all.
  const stopIfAsked = () => {
    if (stopped || options.signal?.aborted) throw new AuroraError('INTERRUPTED', 'The copy was stopped.')
  }

  const run = async (tool: string, args: string[], env: Record<string, string>) => {
    stopIfAsked()
    const {child, ended} = startTool(tool, ['--no-password', ...args], {env})
    running.add(child)
    const result = await ended
    running.delete(child)
    stopIfAsked()
    if (result.failed) throw new AuroraError('UNEXPECTED', `The copy failed (${tool}: ${lastLines(result.stderr)}).`)
  }

  try {
    options.onStage?.('schema')
    const copyable = options.layouts.filter((layout) => copyableByPsql(layout))
    const archive = path.join(options.workDir, 'schema.dump')
    const dumped = run(
      'pg_dump',
      [
        '--format=custom',
        '--compress=0',
        `--file=${archive}`,
        `--snapshot=${options.snapshot}`,
        ...dumpFilterArgs(options.filter),
        // Both parts quoted: inside double quotes no character is a pg_dump wildcard, so each pattern is one table.
        ...copyable.map((layout) => `--exclude-table-data=${qualified(layout.table)}`),
      ],
      libpqEnvironment(source),
    )
    await Promise.all([dumped, options.scratchCreated])
    const listFile = await writeRestoreList(archive, options.workDir)
    // The database as a quoted keyword: libpq would read a name holding "=" as a whole connection string.
    const restoreArgs = [
      '--exit-on-error',
      '--no-owner',
      '--no-acl',
      `--use-list=${listFile}`,
      `--dbname=${dbnameArgument(target.database)}`,
    ]
    await run('pg_restore', ['--section=pre-data', '--single-transaction', ...restoreArgs, archive], libpqEnvironment(target))

    options.onStage?.('rows')
    const copied = await copyRows(source, target, copyable, {...options, running}).catch((error: unknown) => {
      stopIfAsked()
      throw new AuroraError('UNEXPECTED', `The copy failed (${(error as Error).message}).`)
    })
    stopIfAsked()

    options.onStage?.('indexes')
    await run(
      'pg_restore',
      ['--section=data', '--section=post-data', `--jobs=${options.jobs}`, ...restoreArgs, archive],
      libpqEnvironment(target),
    )
    return copied
  } finally {
    dispose()
  }
}

/** The rows of `copyable`, `jobs` COPY pipes at a time, each planned from its table's size and column types. */
async function copyRows(
  source: ConnectionInfo,
  target: ConnectionInfo,
  copyable: TableLayout[],
  options: ParallelCopyOptions & {running: Set<Killable>},
): Promise<Map<TableRef, CopiedRows>> {
  const {copyTasks, planCopyTasks, sessionSettingsSql} = await import('./table-copy.js')
  const tasks = planCopyTasks(copyable, options.jobs, {
    sameMajor: options.sourceMajor === options.targetMajor,
    splitBytes: options.splitBytes,
    tidRangeScans: options.sourceMajor >= 14,
  })
  const sides = {
    settings: sessionSettingsSql(options.sourceEncoding),
    snapshot: options.snapshot,
    sourceEnv: libpqEnvironment(source),
    statusDir: options.workDir,
    targetEnv: libpqEnvironment(target),
  }
  return copyTasks(tasks, sides, {jobs: options.jobs, running: options.running, signal: options.signal})
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
