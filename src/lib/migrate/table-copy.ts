import type {Client} from 'pg'

import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {quoteIdentifier, quoteLiteral} from '../pg/sql.js'
import {qualified, type TableRef} from '../pg/verification/inventory.js'
import {startTool, type ToolResult} from './tool-process.js'

/**
 * The streamed copy of table rows (the parallel path's data step, as pgcopydb does it): `jobs` tasks at a time,
 * each a pair of psql processes joined by a pipe: `COPY … TO STDOUT` on the source, inside the dump's exported
 * snapshot, into `COPY … FROM STDIN` on the scratch database. A table starts loading the moment its rows are read
 * (nothing is written to disk first), and no row passes through node (psql moves them at the cost of pg_dump's).
 *
 * - A table copied whole is truncated and loaded in one transaction with FREEZE: its rows arrive frozen and
 *   all-visible, so the index builds and the first reads after the copy do not write every page again to set
 *   hint bits.
 * - A table larger than its share of the work is split into ranges of physical row position (CTID), copied by
 *   several tasks at once (a TID range scan on PostgreSQL 14 and later). Parts cannot FREEZE: only the
 *   transaction that created or truncated a table may.
 * - Each COPY reports how many rows it sent and stored: the count verification compares those, per table.
 */

/** The part of the source's data one worker copies in one go: a whole table, or one CTID range of it. */
export interface CopyTask {
  /** COPY's binary format (see planCopyTasks): cheaper for the servers to write and read than text. */
  binary: boolean
  /** Columns COPY reads and writes, in order: generated and dropped columns are not copied (the target computes the former). */
  columns: string[]
  /** FREEZE: the whole table, truncated and loaded in one transaction. */
  freeze: boolean
  /** Heap pages [from, to) of a split table; to is null for the last range, which takes every later page too. */
  range?: {from: number; to: null | number}
  table: TableRef
}

/** What the planner needs to know of each table on the source. */
export interface TableLayout {
  /** Every copied column is of a built-in type whose binary form means the same value on both sides (see unsafeInBinary). */
  builtInTypes: boolean
  /** Copied columns, as CopyTask.columns. */
  columns: string[]
  /** The heap's size in pages (without indexes and TOAST). */
  pages: number
  table: TableRef
}

/** What --split-tables-larger-than defaults to: below it, a table loads whole and frozen (see planCopyTasks). */
const defaultSplitBytes = 1024 ** 3

/** The heap page size PostgreSQL is built with almost everywhere (Aurora's included). */
const pageBytes = 8192

/**
 * The tasks, largest first. A table is split when its heap is larger than `splitBytes` and than the work one job
 * should take (all the heaps divided by the jobs), into parts of about that share: one dominant table is then copied
 * by every job at once. Below that, tables load whole, side by side, and frozen: loading a part in parallel is
 * worth more than freezing only when the table is large (freezing saves its index builds and first reads a write
 * of every page; splitting divides its load time by the jobs, where the servers have the cores).
 * Splitting needs TID range scans (PostgreSQL 14): on an older source every table is copied whole.
 */
export function planCopyTasks(
  layouts: TableLayout[],
  jobs: number,
  options: {
    /**
     * Both servers run the same major version: COPY may use the binary format for a table whose columns are all of
     * built-in types (their binary form is the server's own; an extension's or a user's type keeps text, as do
     * different versions, whose binary forms are not promised to agree).
     */
    sameMajor?: boolean
    splitBytes?: number
    tidRangeScans: boolean
  },
): CopyTask[] {
  const totalPages = layouts.reduce((sum, layout) => sum + layout.pages, 0)
  const splitPages = Math.ceil((options.splitBytes ?? defaultSplitBytes) / pageBytes)
  const perJob = Math.ceil(totalPages / jobs)
  const tasks: Array<CopyTask & {pages: number}> = []
  for (const {builtInTypes, columns, pages, table} of layouts) {
    const binary = (options.sameMajor ?? false) && builtInTypes
    const split = jobs > 1 && options.tidRangeScans && pages > Math.max(splitPages, perJob)
    const parts = split ? Math.min(jobs, Math.ceil(pages / perJob)) : 1
    if (parts === 1) {
      tasks.push({binary, columns, freeze: true, pages, table})
      continue
    }

    const size = Math.ceil(pages / parts)
    for (let part = 0; part < parts; part++) {
      const to = part === parts - 1 ? null : (part + 1) * size
      tasks.push({binary, columns, freeze: false, pages: (to ?? pages) - part * size, range: {from: part * size, to}, table})
    }
  }

  return tasks.sort((a, b) => b.pages - a.pages).map(({pages: _pages, ...task}) => task)
}

/**
 * Types whose binary form is not the same value on the target: any type of a user or an extension (OID 16384 and
 * up: their binary form is the extension's version's), the reg* types (binary is an OID, which names another object
 * in another database; their text is the name), and types without binary input or output (aclitem); arrays of them.
 */
const unsafeInBinary = `
  SELECT t.oid FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
  WHERE t.oid >= 16384 OR e.oid >= 16384 OR t.typname ~ '^_?reg'
     OR t.typsend = 0 OR t.typreceive = 0 OR e.typsend = 0 OR e.typreceive = 0`

/** Each copied table's heap pages and copied columns (attgenerated through jsonb: it is new in PostgreSQL 12), read on the source inside the snapshot. */
export async function readTableLayouts(source: Client, tables: TableRef[]): Promise<TableLayout[]> {
  const copied = `FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND coalesce(to_jsonb(a) ->> 'attgenerated', '') = ''`
  const {rows} = await source.query<{built_in: boolean; columns: string[]; index: number; pages: string}>(
    `SELECT t.index, pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages,
            ARRAY(SELECT a.attname::text ${copied} ORDER BY a.attnum) AS columns,
            NOT EXISTS (SELECT 1 ${copied} AND a.atttypid IN (${unsafeInBinary})) AS built_in
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(schema, name, index)
     JOIN pg_namespace n ON n.nspname = t.schema
     JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.name`,
    [tables.map((table) => table.schema), tables.map((table) => table.name)],
  )
  const byIndex = new Map(rows.map((row) => [Number(row.index), row]))
  return tables.map((table, index) => {
    const row = byIndex.get(index + 1)
    // A table dropped since it was listed cannot be: the run holds ACCESS SHARE locks on every copied table.
    if (!row) throw new Error(`Table ${qualified(table)} is no longer on the source.`)
    return {builtInTypes: row.built_in, columns: row.columns, pages: Number(row.pages), table}
  })
}

/** COPY's source, as psql's \copy: the table's columns, or one CTID range of them. */
export function copyOutCommand(task: CopyTask): string {
  const columns = task.columns.map((column) => quoteIdentifier(column)).join(', ')
  const table = qualified(task.table)
  const format = task.binary ? ' with (format binary)' : ''
  if (!task.range) return `\\copy ${table}${columns ? ` (${columns})` : ''} to pstdout${format}`
  const {from, to} = task.range
  const upper = to === null ? '' : ` AND ctid < ${quoteLiteral(`(${to},0)`)}::tid`
  return `\\copy (SELECT ${columns} FROM ONLY ${table} WHERE ctid >= ${quoteLiteral(`(${from},0)`)}::tid${upper}) to pstdout${format}`
}

export function copyInCommand(task: CopyTask): string {
  const columns = task.columns.map((column) => quoteIdentifier(column)).join(', ')
  const options = [...(task.freeze ? ['freeze'] : []), ...(task.binary ? ['format binary'] : [])]
  return `\\copy ${qualified(task.table)}${columns ? ` (${columns})` : ''} from pstdin${options.length > 0 ? ` with (${options.join(', ')})` : ''}`
}

/**
 * psql reads a backslash command to the end of its line: a table or column name holding a line break cannot be
 * written in one. Such a table's rows stay in pg_dump's archive (pg_restore loads them; the verification counts them).
 */
export const copyableByPsql = (layout: TableLayout): boolean =>
  ![layout.table.schema, layout.table.name, ...layout.columns].some((name) => /[\n\r]/.test(name))

/** Rows one table sent and stored, summed over its parts. */
export interface CopiedRows {
  sent: number
  stored: number
}

/** What every task's two psql sessions need: where each side is (libpq environments, passwords included), the snapshot and the settings. */
interface CopySides {
  settings: string
  snapshot: string
  sourceEnv: Record<string, string>
  /** A private folder for the source psql's status output (a file: psql cannot open a socket by path). */
  statusDir: string
  targetEnv: Record<string, string>
}

/** A child psql, as the caller's Ctrl-C handling kills it. */
export interface Killable {
  kill: (signal?: NodeJS.Signals) => boolean
}

/**
 * Runs the tasks `jobs` at a time, largest first (each runner takes the next task when it finishes one). Stops
 * taking tasks once `signal` aborts; a failed task fails the whole copy (the caller drops the scratch database).
 */
export async function copyTasks(
  tasks: CopyTask[],
  sides: CopySides,
  options: {jobs: number; running: Set<Killable>; signal?: AbortSignal},
): Promise<Map<TableRef, CopiedRows>> {
  const copied = new Map<TableRef, CopiedRows>()
  let next = 0
  let failed = false
  const runner = async () => {
    while (next < tasks.length && !failed && !options.signal?.aborted) {
      const index = next++
      const task = tasks[index]!
      // eslint-disable-next-line no-await-in-loop
      const rows = await copyOne(task, sides, options.running, index).catch((error: unknown) => {
        failed = true
        throw error
      })
      const sum = copied.get(task.table) ?? {sent: 0, stored: 0}
      copied.set(task.table, {sent: sum.sent + rows.sent, stored: sum.stored + rows.stored})
    }
  }

  await Promise.all(Array.from({length: Math.min(options.jobs, tasks.length)}, () => runner()))
  if (options.signal?.aborted) throw new Error('interrupted')
  return copied
}

const psqlBase = ['--no-password', '-X', '-v', 'ON_ERROR_STOP=1']

/**
 * One task: a source psql writes the rows (\copy … to pstdout) into a pipe the target psql reads (\copy … from
 * pstdin); the pipe joins the two processes directly, so no row passes through this one. The source's status
 * ("COPY n", rows sent) goes to a file through -o, apart from the rows; the target's ("COPY n", rows stored) to
 * its stdout. A source that fails half-way ends the target's input early and the target may commit a part: the task
 * still fails, and the scratch database with it.
 */
async function copyOne(task: CopyTask, sides: CopySides, running: Set<Killable>, index: number): Promise<CopiedRows> {
  const statusFile = path.join(sides.statusDir, `copy-${index}.status`)
  const sourceArgs = [
    ...psqlBase,
    '-o',
    statusFile,
    '-c',
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    '-c',
    `SET TRANSACTION SNAPSHOT ${quoteLiteral(sides.snapshot)}`,
    '-c',
    sides.settings,
    '-c',
    copyOutCommand(task),
  ]
  const targetArgs = [
    ...psqlBase,
    '-c',
    task.freeze ? `${sides.settings}; BEGIN; TRUNCATE ONLY ${qualified(task.table)}` : sides.settings,
    '-c',
    copyInCommand(task),
    ...(task.freeze ? ['-c', 'COMMIT'] : []),
  ]
  const source = startTool('psql', sourceArgs, {env: sides.sourceEnv, readStdout: false})
  const target = startTool('psql', targetArgs, {env: sides.targetEnv, stdio: [source.child.stdout!, 'pipe', 'pipe']})
  // The target holds the pipe's read end now; this process must not read from it too.
  source.child.stdout!.destroy()
  running.add(source.child)
  running.add(target.child)
  // Whichever fails first takes the other down: neither may wait on a pipe whose other end is gone.
  const stopOther = (other: typeof source) => (result: ToolResult) => {
    if (result.failed) other.child.kill('SIGKILL')
    return result
  }

  try {
    const [sourceEnded, targetEnded] = await Promise.all([source.ended.then(stopOther(target)), target.ended.then(stopOther(source))])
    const sent = copyCount(await readFile(statusFile, 'utf8').catch(() => ''))
    const stored = copyCount(targetEnded.stdout)
    if (sourceEnded.code !== 0 || sent === undefined)
      throw new Error(`psql on the source: ${lastLine(sourceEnded.stderr) || `exit ${sourceEnded.code ?? sourceEnded.signal}`}`)
    if (targetEnded.code !== 0 || stored === undefined)
      throw new Error(`psql on the target: ${lastLine(targetEnded.stderr) || `exit ${targetEnded.code ?? targetEnded.signal}`}`)
    return {sent, stored}
  } finally {
    running.delete(source.child)
    running.delete(target.child)
  }
}

/** The row count of psql's last "COPY n" status line. */
const copyCount = (output: string): number | undefined => {
  const counts = [...output.matchAll(/^COPY (\d+)$/gm)]
  return counts.length > 0 ? Number(counts.at(-1)![1]) : undefined
}

const lastLine = (text: string) =>
  text
    .trim()
    .split('\n')
    .findLast((line) => line && !/^(BEGIN|SET|COPY \d+|TRUNCATE TABLE|COMMIT)$/.test(line)) ?? ''

/**
 * Session settings, as pg_dump and its restore script set them: the rows travel as text in the source
 * database's encoding (converted by the target if its own differs), dates and intervals in formats both
 * sides read alike, floats with every digit, no timeout cutting a long COPY short, and row security off so
 * that a policy hiding rows fails the copy instead of shrinking it.
 */
export function sessionSettingsSql(encoding: string): string {
  return [
    `SET client_encoding = ${quoteLiteral(encoding)}`,
    'SET DateStyle = ISO',
    'SET IntervalStyle = postgres',
    'SET extra_float_digits = 3',
    'SET statement_timeout = 0',
    'SET lock_timeout = 0',
    'SET idle_in_transaction_session_timeout = 0',
    'SET row_security = off',
    "SET xmloption = 'content'",
  ].join('; ')
}
