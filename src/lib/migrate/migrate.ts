import type {Client} from 'pg'

import os from 'node:os'

import {AuroraError, badInput} from '../errors.js'
import {type Progress, silentProgress} from '../progress.js'
import {clientConfig, type ConnectionInfo, describeConnection} from './connection.js'
import {type ChildProcesses, copyParallel, copyStreaming, type DumpFilter, toolMajors} from './copy.js'
import {crossDatabasePatterns, filterParams, isFiltered, type ParsedFilter, resolveFilter, type TableFilter} from './filter.js'
import {formatBytes} from './format.js'
import {inventorySql, listSequences, listTables, qualified, quoteIdentifier, serverMajor, type TableRef, tableSelection, unmatchedPatterns} from './inventory.js'
import {watchCopyProgress} from './progress.js'
import {measureTables, type TableMeasure, verifyMigration, type VerifyMode, type VerifyReport} from './verify.js'

export interface PreflightItem {
  detail: string
  id: string
  status: 'fail' | 'ok' | 'warn'
}

export interface MigrateOptions {
  /** Asks the user to type the target database's name before --drop-existing drops it. */
  confirmDrop: (database: string) => Promise<void>
  dropExisting: boolean
  dryRun: boolean
  filter: DumpFilter
  jobs?: number
  progress?: Progress
  signal?: AbortSignal
  source: ConnectionInfo
  target: ConnectionInfo
  verify: VerifyMode
}

/** What the filter asked for, and the tables it leaves out (schema-qualified, quoted). */
export interface FilterReport {
  excludeTables: string[]
  leftOut: string[]
  schemas: string[]
  tables: string[]
}

export interface MigrateReport {
  dryRun: boolean
  filter: FilterReport
  jobs: number
  path: 'parallel' | 'stream' | null
  phases: Record<string, number>
  preflight: PreflightItem[]
  source: string
  sourceBytes: number
  tables: number
  target: string
  throughputBytesPerSecond: null | number
  verification: null | VerifyReport
}

const seconds = (ms: number) => Math.round(ms / 100) / 10

async function connect(info: ConnectionInfo, database?: string): Promise<Client> {
  const {default: pg} = await import('pg')
  const client = new pg.Client(await clientConfig(info, database))
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    throw new AuroraError('UNEXPECTED', `Cannot connect to ${describeConnection({...info, database: database ?? info.database})}: ${(error as Error).message.split('\n')[0]}`, {
      hint: 'Check the URL (host, port, user, database) and that the server is reachable.',
    })
  }

  return client
}

/**
 * Moves a database into the target and proves it: preflight (read-only on both sides), one
 * consistent snapshot of the source for the dump and the verification, the copy, then exact
 * per-table counts (or checksums), sequences and object counts on both sides.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateReport> {
  const progress = options.progress ?? silentProgress
  const started = performance.now()
  const phases: Record<string, number> = {}
  const report: MigrateReport = {
    dryRun: options.dryRun,
    filter: {excludeTables: options.filter.excludeTables, leftOut: [], schemas: options.filter.schemas, tables: options.filter.tables},
    jobs: 1,
    path: null,
    phases,
    preflight: [],
    source: describeConnection(options.source),
    sourceBytes: 0,
    tables: 0,
    target: describeConnection(options.target),
    throughputBytesPerSecond: null,
    verification: null,
  }
  // Started first, they overlap the connections: asking three tools their version is the slowest part of the preflight.
  const toolsChecked = toolMajors()
  import('execa').catch(() => {})
  const holder = await connect(options.source)
  const opened: Client[] = [holder]
  let maintenance: Client | undefined
  let children: ChildProcesses | undefined
  const onAbort = () => children?.stop()
  options.signal?.addEventListener('abort', onAbort)
  try {
    // 1. Preflight.
    progress.start('Preflight (read-only on both sides)')
    let phaseStart = performance.now()
    maintenance = await connect(options.target, 'postgres').catch(async () => connect(options.target))
    opened.push(maintenance)
    const preflight = await runPreflight(holder, maintenance, options, toolsChecked)
    report.preflight = preflight.items
    report.sourceBytes = preflight.sourceBytes
    report.tables = preflight.tables.length
    report.filter.leftOut = preflight.leftOut
    report.jobs = options.jobs ?? preflight.defaultJobs
    phases.preflightSeconds = seconds(performance.now() - phaseStart)
    progress.succeed(`Preflight: ${preflight.items.filter((item) => item.status !== 'ok').length} note(s)`)
    for (const item of preflight.items) progress.note(`  ${item.status.padEnd(4)} ${item.id}: ${item.detail}`)
    const failed = preflight.items.filter((item) => item.status === 'fail')
    if (failed.length > 0) throw badInput(`Preflight failed: ${failed.map((item) => `${item.id}: ${item.detail}`).join('; ')}. Nothing was written.`)
    if (options.dryRun) return report

    if (preflight.targetHasObjects) {
      await options.confirmDrop(options.target.database)
      await maintenance.query(`DROP DATABASE ${quoteIdentifier(options.target.database)} WITH (FORCE)`)
      await maintenance.query(`CREATE DATABASE ${quoteIdentifier(options.target.database)}`)
      preflight.targetExists = true
    }

    const interrupted = () => {
      if (options.signal?.aborted) throw new Error('interrupted')
    }

    // 2. One consistent view of the source, held until its verification ends.
    interrupted()
    phaseStart = performance.now()
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const {rows} = await holder.query<{snapshot: string}>('SELECT pg_export_snapshot() AS snapshot')
    const {snapshot} = (rows[0]!)

    // The source's half of the verification reads the snapshot, not the target: it runs during the copy.
    const verifyWidth = Math.max(1, Math.min(4, report.jobs))
    const sourceVerify =
      options.verify === 'none'
        ? undefined
        : await startSourceVerification(options.source, snapshot, {
            mode: options.verify,
            onDone(elapsed) {
              // Reported apart from verifySeconds: this much ran alongside the copy.
              phases.sourceVerifySeconds = elapsed
            },
            opened,
            preflight,
            width: verifyWidth,
          })

    // 3. Copy.
    report.path = report.jobs > 1 ? 'parallel' : 'stream'
    progress.start(`Copying ${preflight.tables.length} tables (${formatBytes(report.sourceBytes)}) with ${report.path === 'stream' ? 'pg_dump | psql in one transaction' : `pg_dump/pg_restore -j ${report.jobs}`}`)
    const monitor = await connect(options.target, 'postgres').catch(() => {})
    if (monitor) opened.push(monitor)
    const namers = new Map<string, Promise<Client>>()
    let progressStopped = false
    const nameOf = async (database: string, relid: number) => {
      // A sample still in flight when the copy ends must not open a connection the swap would trip over.
      if (progressStopped) throw new Error('progress stopped')
      let namer = namers.get(database)
      if (!namer) {
        namer = connect(options.target, database)
        namers.set(database, namer)
      }

      const {rows} = await (await namer).query<{name: string}>('SELECT $1::oid::regclass::text AS name', [relid])
      return rows[0]!.name
    }

    const stopWatching = monitor
      ? watchCopyProgress(monitor, {
          database: options.target.database,
          nameOf,
          onUpdate: (line) => progress.update(line),
          totalBytes: preflight.tables.reduce((sum, table) => sum + table.bytes, 0),
        })
      : () => {}

    const stopProgress = async () => {
      progressStopped = true
      stopWatching()
      // The namers hold connections to the databases being copied into: a swap (rename) needs them gone.
      await Promise.all([...namers.values()].map((namer) => namer.then((client) => client.end(), () => {}).catch(() => {})))
      namers.clear()
    }

    try {
      await copy(maintenance, {
        beforeSwap: stopProgress,
        onChild(running) {
          children = running
          // Ctrl-C may come between phases, before there was a child to stop.
          if (options.signal?.aborted) running.stop()
        },
        options,
        report,
        schemasToCreate: preflight.schemasToCreate,
        snapshot,
        targetExists: preflight.targetExists,
      })
    } finally {
      await stopProgress()
    }

    if (options.signal?.aborted) {
      throw new AuroraError('INTERRUPTED', `Interrupted after the copy had finished: ${options.target.database} on the target holds the complete copy, not verified. Verify by running again with --drop-existing, or drop it.`)
    }

    phases.copySeconds = seconds(performance.now() - phaseStart)
    report.throughputBytesPerSecond = phases.copySeconds > 0 ? Math.round(report.sourceBytes / phases.copySeconds) : null
    progress.succeed(`Copied with ${report.path === 'stream' ? 'pg_dump | psql' : `-j ${report.jobs}`}`)

    // 4. Verify: source connections join the dump's snapshot, so the comparison is exact while the source keeps writing.
    if (sourceVerify) {
      phaseStart = performance.now()
      progress.start(`Verifying ${preflight.tables.length} tables (${options.verify})`)
      const targetClients = await Promise.all(Array.from({length: verifyWidth}, () => connect(options.target)))
      opened.push(...targetClients)
      const {tables} = preflight
      report.verification = await verifyMigration(
        sourceVerify,
        {clients: targetClients},
        {
          filter: preflight.filter,
          mode: options.verify,
          onTable: (done, total) => progress.update(`Verifying: ${done}/${total} tables`),
          sameMajor: preflight.sourceMajor === preflight.targetMajor,
          sequences: await listSequences(sourceVerify.clients[0]!, preflight.filter),
          tables,
        },
      )
      phases.verifySeconds = seconds(performance.now() - phaseStart)
      const mismatched = report.verification.tables.filter((table) => !table.match).length
      if (report.verification.match) progress.succeed(`Verified: ${tables.length} tables, ${report.verification.sequences.length} sequences, object counts`)
      else progress.fail(`Verification found ${mismatched} table(s) that differ`)
    }

    phases.totalSeconds = seconds(performance.now() - started)
    return report
  } catch (error) {
    if (error instanceof AuroraError && error.code === 'INTERRUPTED' && error.message.startsWith('Interrupted after')) throw error
    if (options.signal?.aborted) {
      throw new AuroraError('INTERRUPTED', `Interrupted: the copy was stopped. ${report.path === 'stream' ? 'The target is as it was (the restore ran in one transaction).' : 'The target database was not swapped in; the partial copy was dropped.'}`)
    }

    throw error
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    await Promise.all(opened.map((client) => client.end().catch(() => {})))
  }
}

/** Opens the source's verification connections inside the dump's snapshot and starts counting there. */
async function startSourceVerification(
  source: ConnectionInfo,
  snapshot: string,
  options: {mode: Exclude<VerifyMode, 'none'>; onDone: (seconds: number) => void; opened: Client[]; preflight: Preflight; width: number},
): Promise<{clients: Client[]; inTransaction: true; measured: Promise<TableMeasure[]>}> {
  const clients = await Promise.all(Array.from({length: options.width}, () => connect(source)))
  options.opened.push(...clients)
  await Promise.all(clients.map((client) => client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${snapshot.replaceAll("'", "''")}'`)))
  const started = performance.now()
  const {preflight} = options
  const measured = measureTables({clients, inTransaction: true}, preflight.tables, {mode: options.mode, sameMajor: preflight.sourceMajor === preflight.targetMajor}).then((tables) => {
    options.onDone(seconds(performance.now() - started))
    return tables
  })
  // Awaited after the copy; a failure meanwhile must not surface as an unhandled rejection.
  measured.catch(() => {})
  return {clients, inTransaction: true, measured}
}

async function copy(
  maintenance: Client,
  {
    beforeSwap,
    onChild,
    options,
    report,
    schemasToCreate,
    snapshot,
    targetExists,
  }: {
    beforeSwap: () => Promise<void>
    onChild: (children: ChildProcesses) => void
    options: MigrateOptions
    report: MigrateReport
    schemasToCreate: string[]
    snapshot: string
    targetExists: boolean
  },
): Promise<void> {
  const {database} = options.target
  let createdTarget = false
  if (!targetExists) {
    await maintenance.query(`CREATE DATABASE ${quoteIdentifier(database)}`)
    createdTarget = true
  }

  // pg_dump --table creates no schema; the parallel path's scratch copy is made from this database, so it has them too.
  if (schemasToCreate.length > 0) await createSchemas(options.target, schemasToCreate)

  if (report.path === 'stream') {
    try {
      await copyStreaming(options.source, options.target, {filter: options.filter, onChild, snapshot})
    } catch (error) {
      if (createdTarget) await maintenance.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`).catch(() => {})
      throw error
    }

    return
  }

  // Restore into a copy of the target (its extensions included), swapped in only when complete.
  const scratch = `${database.slice(0, 40)}__auroractl_${Math.random().toString(36).slice(2, 8)}`
  try {
    await maintenance.query(`CREATE DATABASE ${quoteIdentifier(scratch)} TEMPLATE ${quoteIdentifier(database)}`)
  } catch (error) {
    throw new AuroraError('UNEXPECTED', `Cannot prepare the parallel restore: ${(error as Error).message.split('\n')[0]}`, {
      hint: 'Other sessions connected to the target database block it; close them, or use --jobs 1 (one transaction).',
    })
  }

  try {
    await copyParallel(options.source, options.target, {filter: options.filter, jobs: report.jobs, onChild, restoreInto: scratch, snapshot})
    await beforeSwap()
    await maintenance.query(`DROP DATABASE ${quoteIdentifier(database)} WITH (FORCE)`)
    await maintenance.query(`ALTER DATABASE ${quoteIdentifier(scratch)} RENAME TO ${quoteIdentifier(database)}`)
  } catch (error) {
    await maintenance.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(scratch)} WITH (FORCE)`).catch(() => {})
    if (createdTarget) await maintenance.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`).catch(() => {})
    throw error
  }
}

/**
 * The default copy path. Directory format writes the whole dump to disk before the restore starts, so it
 * only wins when several tables can load at once: a small database, one dominant table (pg_restore
 * loads a table with one job) or a single core are faster through the one-transaction stream.
 */
export function chooseJobs(sourceBytes: number, tables: Array<{bytes: number}>, cores: number): {jobs: number; why: string} {
  if (sourceBytes < 1024 ** 3) return {jobs: 1, why: 'under 1 GiB, streaming beats writing a dump to disk first'}
  if (cores < 2) return {jobs: 1, why: 'one CPU core'}
  const largest = Math.max(0, ...tables.map((table) => table.bytes))
  if (largest > sourceBytes / 2) return {jobs: 1, why: 'one table holds most of the data, and a table loads with one job'}
  return {jobs: Math.min(4, cores), why: `${formatBytes(sourceBytes)} over several large tables, ${cores} cores`}
}

interface Preflight {
  defaultJobs: number
  /** The options' filter with its unqualified patterns resolved on the source: both sides evaluate it alike. */
  filter: TableFilter & {resolved: ParsedFilter}
  items: PreflightItem[]
  /** The tables the filter leaves out, schema-qualified and quoted. */
  leftOut: string[]
  /** Schemas the copied tables need that pg_dump --table does not create. */
  schemasToCreate: string[]
  sourceBytes: number
  sourceMajor: number
  tables: TableRef[]
  targetExists: boolean
  targetHasObjects: boolean
  targetMajor: number
}

async function runPreflight(source: Client, maintenance: Client, options: MigrateOptions, toolsChecked: ReturnType<typeof toolMajors>): Promise<Preflight> {
  const items: PreflightItem[] = []
  const add = (id: string, status: PreflightItem['status'], detail: string) => items.push({detail, id, status})
  const [sourceMajor, targetMajor] = await Promise.all([serverMajor(source), serverMajor(maintenance)])

  // Client tools: pg_dump must be at least the source server's major version.
  const tools = await toolsChecked
  const tooOld = tools.filter(([, major]) => major === null || major < sourceMajor)
  if (tooOld.length > 0) {
    add('tools', 'fail', `${tooOld.map(([tool, major]) => `${tool} ${major ?? 'missing'}`).join(', ')}; the source runs PostgreSQL ${sourceMajor}: install postgresql-client-${sourceMajor} or newer`)
  } else {
    add('tools', 'ok', `${tools.map(([tool, major]) => `${tool} ${major}`).join(', ')} for source ${sourceMajor}, target ${targetMajor}`)
  }

  // The target database: absent (created), empty, or refused.
  const {database} = options.target
  const {rows: exists} = await maintenance.query<{found: boolean}>('SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS found', [database])
  const targetExists = exists[0]!.found
  let targetHasObjects = false
  if (targetExists) {
    const target = await connect(options.target)
    try {
      const {rows} = await target.query<{objects: number}>(inventorySql.userObjects)
      targetHasObjects = rows[0]!.objects > 0
    } finally {
      await target.end()
    }
  }

  if (!targetExists) add('target.empty', 'ok', `database ${database} does not exist: it will be created`)
  else if (!targetHasObjects) add('target.empty', 'ok', `database ${database} holds no tables, views or sequences`)
  else if (options.dropExisting) add('target.empty', 'warn', `database ${database} holds objects: --drop-existing drops and recreates it (after you confirm)`)
  else add('target.empty', 'fail', `database ${database} is not empty; pass --drop-existing to replace it (it asks you to type its name)`)

  // Extensions: the source's must be installable on the target.
  const {rows: sourceExtensions} = await source.query<{name: string; version: string}>(inventorySql.extensions)
  const allowed = await maintenance.query<{setting: string}>(`SELECT current_setting('rds.extensions', true) AS setting`)
  const offered = allowed.rows[0]?.setting
    ? allowed.rows[0].setting.split(',').map((name) => name.trim())
    : (await maintenance.query<{name: string}>('SELECT name FROM pg_available_extensions')).rows.map((row) => row.name)
  const missing = sourceExtensions.filter((extension) => !offered.includes(extension.name)).map((extension) => extension.name)
  if (missing.length > 0) add('extensions', 'fail', `not available on the target: ${missing.join(', ')}`)
  else add('extensions', 'ok', sourceExtensions.length > 0 ? `all available on the target: ${sourceExtensions.map((extension) => extension.name).join(', ')}` : 'none beyond plpgsql')

  // Owners and grants: copied without them (--no-owner --no-acl); say which roles that concerns.
  const filter = await resolveFilter(source, options.filter)
  const {rows: owners} = await source.query<{role: string}>(inventorySql.owners, filterParams(filter))
  const {rows: roles} = await maintenance.query<{name: string}>('SELECT rolname AS name FROM pg_roles')
  const absent = owners.map((owner) => owner.role).filter((role) => !roles.some((existing) => existing.name === role))
  add('owners', absent.length > 0 ? 'warn' : 'ok', `objects will be owned by ${options.target.user} (--no-owner --no-acl)${absent.length > 0 ? `; source owners missing on the target: ${absent.join(', ')}` : ''}`)

  const tables = await listTables(source, filter)
  const {leftOut, schemasToCreate} = await checkFilter(source, filter, add)
  const withoutKey = tables.filter((table) => !table.hasPrimaryKey && !table.isPartition)
  add('tables', withoutKey.length > 0 ? 'warn' : 'ok', `${tables.length} tables${withoutKey.length > 0 ? `; without a primary key: ${withoutKey.map((table) => `${table.schema}.${table.name}`).join(', ')}` : ''}`)
  const {rows: special} = await source.query<{event_triggers: number; large_objects: number; size: string}>(
    'SELECT (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects, (SELECT count(*) FROM pg_event_trigger)::int AS event_triggers, pg_database_size(current_database())::bigint AS size',
  )
  const {event_triggers: eventTriggers, large_objects: largeObjects} = special[0]!
  if (largeObjects > 0) add('large-objects', ...largeObjectsNote(largeObjects, filter))
  if (eventTriggers > 0) add('event-triggers', 'warn', `${eventTriggers} event trigger(s): creating them needs a superuser, which a managed target does not grant`)

  // Jobs: each pg_restore job, and each verification worker, is a connection on the target.
  const sourceBytes = Number(special[0]!.size)
  const {jobs: defaultJobs, why} = chooseJobs(sourceBytes, tables, os.availableParallelism())
  const jobs = options.jobs ?? defaultJobs
  const {rows: connections} = await maintenance.query<{free: number}>(
    `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int - (SELECT count(*) FROM pg_stat_activity)::int AS free`,
  )
  const needed = jobs + Math.min(4, jobs) + 2
  add('connections', connections[0]!.free >= needed ? 'ok' : 'fail', `${jobs} job(s) need about ${needed} connections; the target has ${connections[0]!.free} free`)
  add('size', 'ok', `source database ${formatBytes(sourceBytes)}: ${jobs === 1 ? 'one transaction (pg_dump | psql)' : `parallel, ${jobs} jobs (pg_dump -Fd / pg_restore)`}${options.jobs ? ' (--jobs)' : ` by default: ${why}`}`)
  return {defaultJobs, filter, items, leftOut, schemasToCreate, sourceBytes, sourceMajor, tables, targetExists, targetHasObjects, targetMajor}
}

/** pg_dump copies large objects only when no --schema or --table is given. */
function largeObjectsNote(count: number, filter: TableFilter): [PreflightItem['status'], string] {
  if (filter.schemas.length > 0 || filter.tables.length > 0) return ['warn', `${count} large object(s): not copied (pg_dump leaves them out under --schema or --table)`]
  return ['ok', `${count} large object(s): copied, and counted in the verification`]
}

/** Creates the schemas a --table copy needs in the (new or empty) target database. */
async function createSchemas(target: ConnectionInfo, schemas: string[]): Promise<void> {
  const client = await connect(target)
  try {
    for (const schema of schemas) {
      // eslint-disable-next-line no-await-in-loop
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`)
    }
  } finally {
    await client.end()
  }
}

/**
 * The filter's part of the preflight: patterns pg_dump would refuse (--strict-names, another
 * database), foreign keys that would point at a table left out (the restore would fail), and what is
 * left out.
 */
async function checkFilter(
  source: Client,
  filter: TableFilter & {resolved: ParsedFilter},
  add: (id: string, status: PreflightItem['status'], detail: string) => void,
): Promise<{leftOut: string[]; schemasToCreate: string[]}> {
  if (!isFiltered(filter)) return {leftOut: [], schemasToCreate: []}
  const {rows: database} = await source.query<{name: string}>('SELECT current_database() AS name')
  const otherDatabase = crossDatabasePatterns(filter, database[0]!.name)
  if (otherDatabase.length > 0) add('filter', 'fail', `${otherDatabase.join(', ')}: names another database than ${database[0]!.name} (cross-database references are not implemented)`)
  const unmatched = await unmatchedPatterns(source, filter)
  for (const pattern of unmatched.schemas) add('filter', 'fail', `--schema ${pattern} matches no schema`)
  for (const pattern of unmatched.tables) add('filter', 'fail', `--table ${pattern} matches no table, view or sequence${/[A-Z]/.test(pattern) && !pattern.includes('"') ? ' (unquoted letters fold to lower case: quote a mixed-case name, e.g. \'"Orders"\')' : ''}`)
  const selection = await tableSelection(source, filter)
  const {rows: dangling} = await source.query<{constraint: string; referenced: string; table: string}>(inventorySql.foreignKeysLeavingFilter, filterParams(filter))
  for (const key of dangling) {
    add('filter', 'fail', `${key.table} has foreign key ${key.constraint} to ${key.referenced}, which the filter leaves out: the restore would fail; include ${key.referenced} or leave both out`)
  }

  const leftOut = selection.leftOut.map((table) => qualified(table))
  const excludedUnmatched = filter.excludeTables.length > 0 ? await unmatchedPatterns(source, {...filter, schemas: [], tables: filter.excludeTables}) : {tables: []}
  for (const pattern of excludedUnmatched.tables) add('filter', 'warn', `--exclude-table ${pattern} matches nothing: it leaves nothing out`)
  add('filter', 'ok', `${selection.selected.length} table(s) copied, ${leftOut.length} left out${leftOut.length > 0 ? `: ${leftOut.slice(0, 10).join(', ')}${leftOut.length > 10 ? `, and ${leftOut.length - 10} more` : ''}` : ''}`)
  // pg_dump --table creates no schema: the copy creates those its relations live in.
  const schemasToCreate = filter.tables.length > 0 ? (await source.query<{schema: string}>(inventorySql.selectedSchemas, filterParams(filter))).rows.map((row) => row.schema) : []
  return {leftOut, schemasToCreate}
}
