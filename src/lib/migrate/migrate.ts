import type {Client} from 'pg'

import os from 'node:os'

import {seconds} from '../cli/duration.js'
import {AuroraError, badInput} from '../cli/errors.js'
import {type Progress, silentProgress} from '../cli/progress.js'
import {quoteIdentifier, quoteLiteral} from '../pg/sql.js'
import {
  crossDatabasePatterns,
  filterParams,
  isFiltered,
  type ParsedFilter,
  resolveFilter,
  type TableFilter,
} from '../pg/verification/filter.js'
import {
  inventorySql,
  listSequences,
  listTables,
  qualified,
  serverMajor,
  type TableRef,
  tableSelection,
  unmatchedPatterns,
} from '../pg/verification/inventory.js'
import {
  measureTables,
  type TableMeasure,
  verifyMigration,
  type VerifyMode,
  type VerifyReport,
  type VerifySide,
} from '../pg/verification/verify.js'
import {type ConnectionInfo, describeConnection, openConnection} from './connection.js'
import {
  type ChildProcesses,
  copyInParallel,
  copyStreaming,
  createWorkDir,
  type DumpFilter,
  findLeftoverWorkDirs,
  removeLeftoverWorkDirs,
  toolMajors,
  type WorkDir,
} from './copy.js'
import {formatBytes} from './format.js'
import {watchCopyProgress} from './progress.js'
import {type CopiedRows, readTableLayouts} from './table-copy.js'

export interface PreflightItem {
  detail: string
  id: string
  status: 'fail' | 'ok' | 'warn'
}

export interface MigrateOptions {
  /** Asks the user to type the target database's name before --drop-existing replaces it. */
  confirmReplace: (database: string) => Promise<void>
  dropExisting: boolean
  dryRun: boolean
  filter: DumpFilter
  jobs?: number
  /** Keep the replaced database under a new name instead of dropping it. */
  keepOld: boolean
  progress?: Progress
  signal?: AbortSignal
  source: ConnectionInfo
  /** --split-tables-larger-than, in bytes (the parallel path). */
  splitBytes?: number
  target: ConnectionInfo
  verify: VerifyMode
  /** Where the private work folder (dump, schema file, pipe) is made. */
  workDir: string
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
  /** How the verified copy took the target's name; null when it did not (dry run, or a verification that failed). */
  swap: null | SwapResult
  tables: number
  target: string
  throughputBytesPerSecond: null | number
  verification: null | VerifyReport
}

/** One side's connection, with libpq's sslmode rules (prefer tries TLS first) and only that side's password. */
async function connect(info: ConnectionInfo, database?: string): Promise<Client> {
  return openConnection(info, database ?? info.database)
}

/**
 * Moves a database into the target and proves it: preflight (read-only on both sides), one
 * consistent snapshot of the source for the dump and the verification, the copy into a scratch
 * database, exact per-table counts (or checksums), sequences and object counts on both sides, and
 * only then the swap: the scratch database takes the target's name. Until that rename the target
 * database is never touched, so any failure (pg_dump dying, the source or target going away, a
 * verification mismatch, Ctrl-C, SIGTERM) leaves it exactly as it was.
 */
export async function migrate(input: MigrateInput): Promise<MigrateReport> {
  const run = await startRun(input)
  const {options} = run
  try {
    const preflight = await preflightPhase(run)
    if (options.dryRun) return run.report
    if (preflight.targetHasObjects) await options.confirmReplace(options.target.database)
    const sourceVerify = await copyPhase(run, preflight)
    if (sourceVerify && !(await verifyPhase(run, preflight, sourceVerify))) return run.report
    await swapPhase(run, preflight)
    run.report.phases.totalSeconds = seconds(performance.now() - run.started)
    return run.report
  } catch (error) {
    throw explainFailure(run, error)
  } finally {
    await cleanUp(run)
  }
}

/**
 * The options as the command gives them: the target may still be being looked up (the cluster's endpoint and
 * secret, from AWS), and the lookup overlaps the first connection to the source.
 */
export type MigrateInput = Omit<MigrateOptions, 'target'> & {target: ConnectionInfo | Promise<ConnectionInfo>}

/** What a migration holds while it runs: what its phases share, and what its cleanup must undo. */
interface MigrateRun {
  children?: ChildProcesses
  /** The rows each table's COPY sent and stored (the parallel path): the count verification compares these. */
  copiedRows?: Map<TableRef, CopiedRows>
  /** The source connection that holds the dump's snapshot until the verification ends. */
  holder: Client
  /** Where databases are created, renamed and dropped; it outlives the others to drop the scratch database. */
  maintenance?: Client
  onAbort: () => void
  /** Every connection but the maintenance one. */
  opened: Client[]
  options: MigrateOptions
  progress: Progress
  report: MigrateReport
  scratch?: string
  /** The scratch database's creation, not awaited where it starts: the clean-up waits for it before dropping it. */
  scratchCreating?: Promise<void>
  started: number
  swapped: boolean
  swapping: boolean
  toolsChecked: ReturnType<typeof toolMajors>
  workDir?: WorkDir
}

/** The report as a dry run would give it, the source connection, and Ctrl-C/SIGTERM handling. Nothing is written. */
async function startRun(input: MigrateInput): Promise<MigrateRun> {
  const started = performance.now()
  // Started first, they overlap the connections: asking three tools their version is the slowest part of the preflight.
  const toolsChecked = toolMajors()
  const lookup = Promise.resolve(input.target)
  // Awaited below; a failure while the source connects must not surface as an unhandled rejection.
  lookup.catch(() => {})
  const holder = await connectUnlessInterrupted(input.source, input.signal)
  const target = await lookup.catch(async (error: unknown) => {
    await holder.end().catch(() => {})
    throw error
  })
  const options: MigrateOptions = {...input, target}
  const report: MigrateReport = {
    dryRun: options.dryRun,
    filter: {excludeTables: options.filter.excludeTables, leftOut: [], schemas: options.filter.schemas, tables: options.filter.tables},
    jobs: 1,
    path: null,
    phases: {},
    preflight: [],
    source: describeConnection(options.source),
    sourceBytes: 0,
    swap: null,
    tables: 0,
    target: describeConnection(options.target),
    throughputBytesPerSecond: null,
    verification: null,
  }
  const run: MigrateRun = {
    holder,
    onAbort() {
      // Ctrl-C or SIGTERM: stop the children and end the queries in flight; explainFailure says what state things are in.
      run.children?.stop()
      if (!run.swapping) closeOpened(run).catch(() => {})
    },
    opened: [holder],
    options,
    progress: options.progress ?? silentProgress,
    report,
    started,
    swapped: false,
    swapping: false,
    toolsChecked,
  }
  options.signal?.addEventListener('abort', run.onAbort)
  return run
}

const closeOpened = async (run: MigrateRun) => Promise.all(run.opened.splice(0).map((client) => client.end().catch(() => {})))

function throwIfInterrupted(run: MigrateRun): void {
  if (run.options.signal?.aborted) throw new Error('interrupted')
}

/** How many connections verify each side: no more than the copy's jobs, at most four. */
const verifyWidth = (jobs: number) => Math.max(1, Math.min(4, jobs))

/** 1. Preflight, read-only on both sides. Its items are the result; a failed one ends the run, with nothing written. */
async function preflightPhase(run: MigrateRun): Promise<Preflight> {
  const {options, progress, report} = run
  progress.start('Preflight (read-only on both sides)')
  const phaseStart = performance.now()
  run.maintenance = await connectMaintenance(options.target)
  const preflight = await runPreflight(run.holder, run.maintenance, options, run.toolsChecked)
  report.preflight = preflight.items
  report.sourceBytes = preflight.sourceBytes
  report.tables = preflight.tables.length
  report.filter.leftOut = preflight.leftOut
  report.jobs = options.jobs ?? preflight.defaultJobs
  report.phases.preflightSeconds = seconds(performance.now() - phaseStart)
  // The items are the result (stdout, through the rendered report); failures also end the run here, on stderr.
  const failed = preflight.items.filter((item) => item.status === 'fail')
  const preflightSummary = `Preflight: ${failed.length} failed, ${preflight.items.filter((item) => item.status === 'warn').length} warning(s)`
  if (failed.length > 0) progress.fail(preflightSummary)
  else progress.succeed(preflightSummary)
  if (failed.length > 0)
    throw badInput(`Preflight failed: ${failed.map((item) => `${item.id}: ${item.detail}`).join('; ')}. Nothing was written.`)
  return preflight
}

type SourceVerification = Awaited<ReturnType<typeof startSourceVerification>>

/**
 * 2. and 3. One consistent view of the source, held until its verification ends; the source's half of
 * the verification started on it; the copy, into a scratch database the target's sessions never see.
 * Timed together as the copy. Returns the source's verification, still running, unless --verify none.
 */
async function copyPhase(run: MigrateRun, preflight: Preflight): Promise<SourceVerification | undefined> {
  const {options, progress, report} = run
  throwIfInterrupted(run)
  const phaseStart = performance.now()
  report.path = report.jobs > 1 ? 'parallel' : 'stream'
  const {snapshot, sourceVerifying} = await holdSourceSnapshot(run, preflight)
  throwIfInterrupted(run)
  const scratchSide = nameScratch(run)
  // The scratch database is created while the rest starts: the source's verification connects, and on the
  // parallel path pg_dump reads the schema (it needs only the snapshot).
  const replacing = preflight.targetExists ? options.target.database : undefined
  const creating = createScratch(run.maintenance!, scratchSide, {replacing, schemas: preflight.schemasToCreate})
  creating.catch(() => {})
  run.scratchCreating = creating
  const [sourceVerify, workDir] = await Promise.all([sourceVerifying, createWorkDir(options.workDir)])
  run.workDir = workDir
  if (report.path === 'stream') await creating
  progress.start(
    `Copying ${preflight.tables.length} tables (${formatBytes(report.sourceBytes)}) with ${report.path === 'stream' ? 'pg_dump | psql in one transaction' : `${report.jobs} streamed COPY workers`}`,
  )
  await copyIntoScratch(run, {
    created: creating,
    scratchSide,
    snapshot,
    sourceMajor: preflight.sourceMajor,
    tables: preflight.tables,
    targetMajor: preflight.targetMajor,
    totalBytes: preflight.tables.reduce((sum, table) => sum + table.bytes, 0),
    workDir: run.workDir,
  })
  throwIfInterrupted(run)
  report.phases.copySeconds = seconds(performance.now() - phaseStart)
  report.throughputBytesPerSecond = report.phases.copySeconds > 0 ? Math.round(report.sourceBytes / report.phases.copySeconds) : null
  progress.succeed(
    `Copied with ${report.path === 'stream' ? 'pg_dump | psql' : `${report.jobs} COPY workers`} into ${scratchSide.database}`,
  )
  return sourceVerify
}

/** The dump's snapshot on the holder connection, and the source's verification reading it (not the target): it runs during the copy. */
async function holdSourceSnapshot(
  run: MigrateRun,
  preflight: Preflight,
): Promise<{snapshot: string; sourceVerifying: Promise<SourceVerification | undefined>}> {
  const {holder, options, report} = run
  await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  const {rows} = await holder.query<{snapshot: string}>('SELECT pg_export_snapshot() AS snapshot')
  const {snapshot} = rows[0]!
  // pg_dump locks the tables it dumps for as long as it runs; the parallel path's workers are not pg_dump, so the
  // snapshot's holder locks them instead: no TRUNCATE, DROP or table rewrite can pull the rows from under the copy.
  if (report.path === 'parallel') await lockTables(holder, preflight.tables)
  // eslint-disable-next-line unicorn/no-useless-undefined -- the promise's value is the point: no verification
  if (options.verify === 'none') return {snapshot, sourceVerifying: Promise.resolve<SourceVerification | undefined>(undefined)}
  const sourceVerifying = startSourceVerification(options.source, snapshot, {
    // Counts come from the COPYs themselves on the parallel path: the source is not read a second time.
    countedByCopy: options.verify === 'count' && report.path === 'parallel',
    mode: options.verify,
    onDone(elapsed) {
      // Reported apart from verifySeconds: this much ran alongside the copy.
      report.phases.sourceVerifySeconds = elapsed
    },
    opened: run.opened,
    preflight,
    width: verifyWidth(report.jobs),
  })
  sourceVerifying.catch(() => {})
  return {snapshot, sourceVerifying}
}

/** The scratch database's name, kept in the run before the database is created so that cleanup drops it whatever happens next. */
function nameScratch(run: MigrateRun): ConnectionInfo {
  const {target} = run.options
  run.scratch = scratchDatabaseName(target.database)
  return {...target, database: run.scratch}
}

/** The scratch database, like the one it replaces; with the schemas a --table copy needs (pg_dump --table creates none). */
async function createScratch(
  maintenance: Client,
  scratchSide: ConnectionInfo,
  options: {replacing: string | undefined; schemas: string[]},
): Promise<void> {
  await createScratchDatabase(maintenance, scratchSide.database, options.replacing)
  if (options.schemas.length > 0) await createSchemas(scratchSide, options.schemas)
}

/** pg_dump | psql, or the streamed COPY pipes (copyInParallel), with COPY progress sampled meanwhile; the work folder goes as soon as the copy ends. */
async function copyIntoScratch(
  run: MigrateRun,
  copy: {
    /** The scratch database's creation, under way: the parallel path's schema dump runs meanwhile. */
    created: Promise<void>
    scratchSide: ConnectionInfo
    snapshot: string
    sourceMajor: number
    tables: TableRef[]
    targetMajor: number
    totalBytes: number
    workDir: WorkDir
  },
): Promise<void> {
  const {options, report} = run
  const {scratchSide, snapshot, workDir} = copy
  const stopProgress = await watchProgress(options.target, scratchSide.database, {
    opened: run.opened,
    progress: run.progress,
    totalBytes: copy.totalBytes,
  })
  try {
    const onChild = (running: ChildProcesses) => {
      run.children = running
      // Ctrl-C may come between phases, before there was a child to stop.
      if (options.signal?.aborted) running.stop()
    }

    if (report.path === 'stream') {
      await copyStreaming(options.source, scratchSide, {filter: options.filter, onChild, snapshot, workDir: workDir.path})
      return
    }

    const [layouts, encoding] = await Promise.all([
      readTableLayouts(run.holder, copy.tables),
      run.holder.query<{encoding: string}>(`SELECT current_setting('server_encoding') AS encoding`),
    ])
    run.copiedRows = await copyInParallel(options.source, scratchSide, {
      filter: options.filter,
      jobs: report.jobs,
      layouts,
      onChild,
      onStage: (stage) => run.progress.update(parallelStages[stage]),
      scratchCreated: copy.created,
      signal: options.signal,
      snapshot,
      sourceEncoding: encoding.rows[0]!.encoding,
      sourceMajor: copy.sourceMajor,
      splitBytes: options.splitBytes,
      targetMajor: copy.targetMajor,
      workDir: workDir.path,
    })
  } finally {
    await stopProgress()
    await workDir.remove()
  }
}

/**
 * 4. Verify the scratch copy: source connections join the dump's snapshot, so the comparison is exact
 * while the source keeps writing. False when they differ: the report says how, and the copy is dropped.
 */
async function verifyPhase(run: MigrateRun, preflight: Preflight, sourceVerify: SourceVerification): Promise<boolean> {
  const {options, progress, report} = run
  const phaseStart = performance.now()
  progress.start(`Verifying ${preflight.tables.length} tables (${options.verify})`)
  const scratchSide: ConnectionInfo = {...options.target, database: run.scratch!}
  const width = run.copiedRows && options.verify === 'count' ? 1 : verifyWidth(report.jobs)
  const targetClients = await Promise.all(Array.from({length: width}, () => connect(scratchSide)))
  run.opened.push(...targetClients)
  const {tables} = preflight
  const counted =
    run.copiedRows && options.verify === 'count'
      ? await countsFromCopy(run.copiedRows, tables, {source: sourceVerify, target: {clients: targetClients}})
      : undefined
  report.verification = await verifyMigration(
    counted ? {...sourceVerify, measured: Promise.resolve(counted.sent)} : sourceVerify,
    {clients: targetClients, measured: counted && Promise.resolve(counted.stored)},
    {
      filter: preflight.filter,
      mode: options.verify,
      onTable: (done, total) => progress.update(`Verifying: ${done}/${total} tables`),
      sameMajor: preflight.sourceMajor === preflight.targetMajor,
      sequences: await listSequences(sourceVerify.clients[0]!, preflight.filter),
      tables,
    },
  )
  report.phases.verifySeconds = seconds(performance.now() - phaseStart)
  throwIfInterrupted(run)
  const mismatched = report.verification.tables.filter((table) => !table.match).length
  if (!report.verification.match) {
    progress.fail(
      `Verification found ${mismatched} table(s) that differ: the copy is dropped, ${options.target.database} is left as it was`,
    )
    return false
  }

  progress.succeed(`Verified: ${tables.length} tables, ${report.verification.sequences.length} sequences, object counts`)
  return true
}

/** 5. Swap: quick, and not interrupted half-way (a second Ctrl-C still ends the process). */
async function swapPhase(run: MigrateRun, preflight: Preflight): Promise<void> {
  const {options, progress, report} = run
  await closeOpened(run)
  throwIfInterrupted(run)
  run.swapping = true
  progress.start(`Swapping the copy in as ${options.target.database}`)
  report.swap = await swapIn(run.maintenance!, {
    database: options.target.database,
    keepOld: options.keepOld,
    scratch: run.scratch!,
    targetExists: preflight.targetExists,
  })
  run.swapped = true
  progress.succeed(
    report.swap.replaced
      ? `Swapped in as ${options.target.database}; the old database was ${report.swap.oldKeptAs ? `kept as ${report.swap.oldKeptAs}` : 'dropped'}`
      : `Renamed into place as ${options.target.database}`,
  )
}

/** What a failure before the swap means for the target: untouched, and the copy dropped. */
function explainFailure(run: MigrateRun, error: unknown): unknown {
  const {database} = run.options.target
  if (run.options.signal?.aborted && !run.swapped) {
    return new AuroraError('INTERRUPTED', `Interrupted: the copy was stopped and dropped. ${untouched(database)}`)
  }

  if (error instanceof AuroraError && error.code === 'UNEXPECTED' && run.scratch && !run.swapped) {
    return new AuroraError(error.code, `${error.message} ${untouched(database)}`, {hint: error.hint})
  }

  // A database error or a connection lost once the copy began (the source or the target going away): said so. A bug
  // of ours (a TypeError, say) stays as it is, with its stack.
  const bug = error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError
  if (!(error instanceof AuroraError) && error instanceof Error && !bug && run.scratch && !run.swapped) {
    return new AuroraError('UNEXPECTED', `The migration failed (${error.message.split('\n')[0]}). ${untouched(database)}`)
  }

  return error
}

/**
 * In this order: the connections (the scratch database cannot be dropped while they are in it), the
 * work folder, the scratch database unless it was swapped in, and last the maintenance connection that drops it.
 */
async function cleanUp(run: MigrateRun): Promise<void> {
  run.options.signal?.removeEventListener('abort', run.onAbort)
  await closeOpened(run)
  await run.workDir?.remove()
  // A failure can come while the scratch database is still being created: a DROP sent meanwhile could find nothing.
  await run.scratchCreating?.catch(() => {})
  if (run.scratch && !run.swapped) await dropScratchDatabase(run.maintenance, run.options.target, run.scratch, run.progress)
  await run.maintenance?.end().catch(() => {})
}

const untouched = (database: string) =>
  `The target database ${database} was not touched (the copy went into a scratch database, now dropped).`

/** Opens the source's verification connections inside the dump's snapshot and starts counting there. */
async function startSourceVerification(
  source: ConnectionInfo,
  snapshot: string,
  options: {
    countedByCopy: boolean
    mode: Exclude<VerifyMode, 'none'>
    onDone: (seconds: number) => void
    opened: Client[]
    preflight: Preflight
    width: number
  },
): Promise<{clients: Client[]; inTransaction: true; measured?: Promise<TableMeasure[]>}> {
  // Without tables to measure, one connection reads the sequences and counts the objects.
  const width = options.countedByCopy ? 1 : options.width
  const clients = await Promise.all(Array.from({length: width}, () => connect(source)))
  options.opened.push(...clients)
  await Promise.all(
    clients.map((client) =>
      client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshot)}`),
    ),
  )
  if (options.countedByCopy) return {clients, inTransaction: true}
  const started = performance.now()
  const {preflight} = options
  const measured = measureTables({clients, inTransaction: true}, preflight.tables, {
    mode: options.mode,
    sameMajor: preflight.sourceMajor === preflight.targetMajor,
  }).then((tables) => {
    options.onDone(seconds(performance.now() - started))
    return tables
  })
  // Awaited after the copy; a failure meanwhile must not surface as an unhandled rejection.
  measured.catch(() => {})
  return {clients, inTransaction: true, measured}
}

/** What the parallel path is doing, for the progress line (the rows' own progress replaces it while they load). */
const parallelStages = {
  indexes: 'Building indexes and constraints, setting sequences',
  rows: 'Copying rows',
  schema: 'Dumping and restoring the schema',
}

/** ACCESS SHARE on every copied table, in the snapshot holder's transaction (until the verification ends), in batches of 500 names. */
async function lockTables(holder: Client, tables: TableRef[]): Promise<void> {
  for (let start = 0; start < tables.length; start += 500) {
    const names = tables.slice(start, start + 500).map((table) => qualified(table))
    // eslint-disable-next-line no-await-in-loop
    await holder.query(`LOCK TABLE ${names.join(', ')} IN ACCESS SHARE MODE`)
  }
}

/**
 * Each table's rows as its COPYs sent them (the source's side) and stored them (the target's), in the tables' order.
 * A table the COPYs did not carry (its rows went through pg_restore) is counted on both sides instead.
 */
async function countsFromCopy(
  copied: Map<TableRef, CopiedRows>,
  tables: TableRef[],
  sides: {source: VerifySide; target: VerifySide},
): Promise<{sent: TableMeasure[]; stored: TableMeasure[]}> {
  const rest = tables.filter((table) => !copied.has(table))
  const [sourceRest, targetRest] = await Promise.all([
    measureTables(sides.source, rest, {mode: 'count', sameMajor: true}),
    measureTables(sides.target, rest, {mode: 'count', sameMajor: true}),
  ])
  const measure = (side: 'sent' | 'stored', counts: TableMeasure[]) =>
    tables.map((table) => {
      const rows = copied.get(table)
      return rows ? {hash: null, rows: rows[side]} : counts[rest.indexOf(table)]!
    })
  return {sent: measure('sent', sourceRest), stored: measure('stored', targetRest)}
}

/** Where databases are created, renamed and dropped: never the target itself, whose sessions would block the swap. */
async function connectMaintenance(target: ConnectionInfo): Promise<Client> {
  return connect(target, 'postgres').catch(async (error) => {
    if (target.database === 'template1') throw error
    return connect(target, 'template1').catch(() => {
      throw error
    })
  })
}

/** Leaves room in PostgreSQL's 63-byte names for the suffix, without cutting a multi-byte character. */
function namePrefix(database: string): string {
  let prefix = ''
  for (const character of database) {
    if (Buffer.byteLength(prefix + character) > 30) break
    prefix += character
  }

  return prefix
}

export const scratchMarker = '__auroractl_new_'
export const oldMarker = '__auroractl_old_'

export function scratchDatabaseName(database: string): string {
  return `${namePrefix(database)}${scratchMarker}${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`
}

function oldDatabaseName(database: string, now = new Date()): string {
  return `${namePrefix(database)}${oldMarker}${now.toISOString().replaceAll(/\D/g, '').slice(0, 14)}`
}

/**
 * The scratch database. Replacing an existing database, it takes that database's encoding and
 * collation (from template0, as a restore should); a new one gets the server's defaults.
 */
async function createScratchDatabase(maintenance: Client, scratch: string, existing: string | undefined): Promise<void> {
  if (!existing) {
    await maintenance.query(`CREATE DATABASE ${quoteIdentifier(scratch)}`)
    return
  }

  const {rows} = await maintenance.query<{collate: string; ctype: string; encoding: string; icu: null | string; provider: null | string}>(
    `SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype,
            to_jsonb(d) ->> 'datlocprovider' AS provider, coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') AS icu
     FROM pg_database d WHERE datname = $1`,
    [existing],
  )
  const like = rows[0]!
  const icu = like.provider === 'i' && like.icu ? ` LOCALE_PROVIDER icu ICU_LOCALE ${quoteLiteral(like.icu)}` : ''
  await maintenance.query(
    `CREATE DATABASE ${quoteIdentifier(scratch)} TEMPLATE template0 ENCODING ${quoteLiteral(like.encoding)} LC_COLLATE ${quoteLiteral(like.collate)} LC_CTYPE ${quoteLiteral(like.ctype)}${icu}`,
  )
}

export interface SwapResult {
  /** Where the replaced database is now, with --keep-old (or when dropping it failed). */
  oldKeptAs: null | string
  /** Why the replaced database could not be dropped, if it could not. */
  oldNotDropped?: string
  /** Whether an existing database was replaced (else the copy was renamed into a free name). */
  replaced: boolean
  scratch: string
}

/**
 * Renames the verified copy into place. Both renames run in one transaction, so there is no moment
 * without a database of the target's name. Sessions on the old database are ended first (the user
 * confirmed replacing it); one that reconnects in between makes the rename fail, so it is retried.
 */
async function swapIn(
  maintenance: Client,
  options: {database: string; keepOld: boolean; scratch: string; targetExists: boolean},
): Promise<SwapResult> {
  const {database, scratch} = options
  if (!options.targetExists) {
    await maintenance.query(`ALTER DATABASE ${quoteIdentifier(scratch)} RENAME TO ${quoteIdentifier(database)}`)
    return {oldKeptAs: null, replaced: false, scratch}
  }

  const old = oldDatabaseName(database)
  for (let attempt = 1; ; attempt++) {
    // eslint-disable-next-line no-await-in-loop
    await maintenance.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      database,
    ])
    try {
      // eslint-disable-next-line no-await-in-loop
      await maintenance.query(
        `BEGIN; ALTER DATABASE ${quoteIdentifier(database)} RENAME TO ${quoteIdentifier(old)}; ALTER DATABASE ${quoteIdentifier(scratch)} RENAME TO ${quoteIdentifier(database)}; COMMIT`,
      )
      break
    } catch (error) {
      // eslint-disable-next-line no-await-in-loop
      await maintenance.query('ROLLBACK').catch(() => {})
      // 55006: still being accessed (a terminated session takes a moment to go, or one reconnected).
      if ((error as {code?: string}).code !== '55006' || attempt >= 10) throw error
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => {
        setTimeout(resolve, 200)
      })
    }
  }

  if (options.keepOld) return {oldKeptAs: old, replaced: true, scratch}
  try {
    await maintenance.query(`DROP DATABASE ${quoteIdentifier(old)} WITH (FORCE)`)
    return {oldKeptAs: null, replaced: true, scratch}
  } catch (error) {
    return {oldKeptAs: old, oldNotDropped: (error as Error).message.split('\n')[0], replaced: true, scratch}
  }
}

/**
 * Drops the scratch database after a failure. The maintenance connection may be gone with a
 * restarted target: then a new one is tried for a few seconds. If the target cannot be reached at
 * all, the message names what is left, and the next run's preflight names it again.
 */
async function dropScratchDatabase(
  maintenance: Client | undefined,
  target: ConnectionInfo,
  scratch: string,
  progress: Progress,
): Promise<void> {
  const drop = (client: Client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(scratch)} WITH (FORCE)`)
  if (
    maintenance &&
    (await drop(maintenance).then(
      () => true,
      () => false,
    ))
  )
    return
  for (let attempt = 0; attempt < 5; attempt++) {
    // eslint-disable-next-line no-await-in-loop
    const client = await connectMaintenance(target).catch(() => {})
    if (client) {
      // eslint-disable-next-line no-await-in-loop
      const dropped = await drop(client).then(
        () => true,
        () => false,
      )
      // eslint-disable-next-line no-await-in-loop
      await client.end().catch(() => {})
      if (dropped) return
    }

    // eslint-disable-next-line no-await-in-loop
    await new Promise((resolve) => {
      setTimeout(resolve, 1000)
    })
  }

  progress.note(
    `Could not drop the scratch database ${scratch} on the target: drop it with DROP DATABASE ${quoteIdentifier(scratch)}; the target database itself was not touched.`,
  )
}

/** Samples COPY progress in the scratch database; returns the function that stops it and closes its connections. */
async function watchProgress(
  target: ConnectionInfo,
  scratch: string,
  options: {opened: Client[]; progress: Progress; totalBytes: number},
): Promise<() => Promise<void>> {
  const monitor = await connect(target, 'postgres').catch(() => {})
  if (!monitor) return async () => {}
  options.opened.push(monitor)
  const namers = new Map<string, Promise<Client>>()
  let stopped = false
  const nameOf = async (database: string, relid: number) => {
    // A sample still in flight when the copy ends must not open a connection the swap would trip over.
    if (stopped) throw new Error('progress stopped')
    let namer = namers.get(database)
    if (!namer) {
      namer = connect(target, database)
      namers.set(database, namer)
    }

    const {rows} = await (await namer).query<{name: string}>('SELECT $1::oid::regclass::text AS name', [relid])
    return rows[0]!.name
  }

  const stopWatching = watchCopyProgress(monitor, {
    database: scratch,
    nameOf,
    onUpdate: (line) => options.progress.update(line),
    totalBytes: options.totalBytes,
  })
  return async () => {
    stopped = true
    stopWatching()
    // The namers hold connections to the scratch database: the swap (rename) and a drop need them gone.
    await Promise.all(
      [...namers.values()].map((namer) =>
        namer
          .then(
            (client) => client.end(),
            () => {},
          )
          .catch(() => {}),
      ),
    )
    namers.clear()
  }
}

/** Below this, the parallel path's extra steps (a second pg_dump, two pg_restores, a psql pair per table) cost more than they save. */
const parallelFromBytes = 64 * 1024 ** 2

/**
 * The default copy path. The parallel path streams (it writes no dump to disk) and splits a large table over its
 * jobs, so it wins whenever there are cores to share and data enough: one job per core, at most four. One
 * transaction (pg_dump | psql) is kept for a small database, a single core, and many small tables, where
 * starting a psql pair for each table would cost more than it saves.
 */
export function chooseJobs(sourceBytes: number, tables: Array<{bytes: number}>, cores: number): {jobs: number; why: string} {
  if (cores < 2) return {jobs: 1, why: 'one CPU core'}
  if (sourceBytes < parallelFromBytes) return {jobs: 1, why: `under ${formatBytes(parallelFromBytes)}, one stream has the least to start`}
  if (tables.length > 200 && sourceBytes / tables.length < 1024 ** 2)
    return {jobs: 1, why: `${tables.length} tables averaging under 1 MiB: one stream beats a psql pair per table`}
  const jobs = Math.min(4, cores)
  return {jobs, why: `${formatBytes(sourceBytes)} over ${cores} cores`}
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

async function runPreflight(
  source: Client,
  maintenance: Client,
  options: MigrateOptions,
  toolsChecked: ReturnType<typeof toolMajors>,
): Promise<Preflight> {
  const items: PreflightItem[] = []
  const add = (id: string, status: PreflightItem['status'], detail: string) => items.push({detail, id, status})
  const [sourceMajor, targetMajor] = await Promise.all([serverMajor(source), serverMajor(maintenance)])
  items.push(await checkTools(toolsChecked, sourceMajor, targetMajor))
  const target = await checkTargetDatabase(maintenance, options)
  items.push(target.item, ...(await checkSwap(maintenance, options, target.targetExists)), await checkExtensions(source, maintenance))
  const filter = await resolveFilter(source, options.filter)
  items.push(await checkOwners(source, maintenance, options.target.user, filter))

  const tables = await listTables(source, filter)
  const {leftOut, schemasToCreate} = await checkFilter(source, filter, add)
  const withoutKey = tables.filter((table) => !table.hasPrimaryKey && !table.isPartition)
  add(
    'tables',
    withoutKey.length > 0 ? 'warn' : 'ok',
    `${tables.length} tables${withoutKey.length > 0 ? `; without a primary key: ${withoutKey.map((table) => `${table.schema}.${table.name}`).join(', ')}` : ''}`,
  )
  const {rows: special} = await source.query<{event_triggers: number; large_objects: number; size: string}>(
    'SELECT (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects, (SELECT count(*) FROM pg_event_trigger)::int AS event_triggers, pg_database_size(current_database())::bigint AS size',
  )
  const {event_triggers: eventTriggers, large_objects: largeObjects} = special[0]!
  if (largeObjects > 0) add('large-objects', ...largeObjectsNote(largeObjects, filter))
  if (eventTriggers > 0)
    add(
      'event-triggers',
      'warn',
      `${eventTriggers} event trigger(s): creating them needs a superuser, which a managed target does not grant`,
    )

  const sourceBytes = Number(special[0]!.size)
  const {jobs: defaultJobs, why} = chooseJobs(sourceBytes, tables, os.availableParallelism())
  const jobs = options.jobs ?? defaultJobs
  add('connections', ...(await checkConnections(maintenance, jobs)))
  add(
    'size',
    'ok',
    `source database ${formatBytes(sourceBytes)}: ${jobs === 1 ? 'one transaction (pg_dump | psql)' : `parallel, ${jobs} jobs (streamed COPY, then pg_restore -j ${jobs} for indexes and constraints)`}${options.jobs ? ' (--jobs)' : ` by default: ${why}`}`,
  )
  return {
    defaultJobs,
    filter,
    items,
    leftOut,
    schemasToCreate,
    sourceBytes,
    sourceMajor,
    tables,
    targetExists: target.targetExists,
    targetHasObjects: target.targetHasObjects,
    targetMajor,
  }
}

/** Client tools: pg_dump must be at least the source server's major version. */
async function checkTools(toolsChecked: ReturnType<typeof toolMajors>, sourceMajor: number, targetMajor: number): Promise<PreflightItem> {
  const tools = await toolsChecked
  const tooOld = tools.filter(([, major]) => major === null || major < sourceMajor)
  if (tooOld.length > 0) {
    return {
      detail: `${tooOld.map(([tool, major]) => `${tool} ${major ?? 'missing'}`).join(', ')}; the source runs PostgreSQL ${sourceMajor}: install postgresql-client-${sourceMajor} or newer`,
      id: 'tools',
      status: 'fail',
    }
  }

  return {
    detail: `${tools.map(([tool, major]) => `${tool} ${major}`).join(', ')} for source ${sourceMajor}, target ${targetMajor}`,
    id: 'tools',
    status: 'ok',
  }
}

/** The target database: absent (created), empty, or refused. */
async function checkTargetDatabase(
  maintenance: Client,
  options: MigrateOptions,
): Promise<{item: PreflightItem; targetExists: boolean; targetHasObjects: boolean}> {
  const {database} = options.target
  const {rows: exists} = await maintenance.query<{found: boolean}>(
    'SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS found',
    [database],
  )
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

  const item = (status: PreflightItem['status'], detail: string) => ({
    item: {detail, id: 'target.empty', status},
    targetExists,
    targetHasObjects,
  })
  if (!targetExists) return item('ok', `database ${database} does not exist: it will be created`)
  if (!targetHasObjects) return item('ok', `database ${database} holds no tables, views or sequences`)
  if (options.dropExisting)
    return item(
      'warn',
      `database ${database} holds objects: --drop-existing replaces it with the copy once that is verified, after you confirm (${options.keepOld ? 'kept under a new name' : 'then dropped'}; --keep-old keeps it)`,
    )
  return item('fail', `database ${database} is not empty; pass --drop-existing to replace it (it asks you to type its name)`)
}

/** Extensions: the source's must be installable on the target. */
async function checkExtensions(source: Client, maintenance: Client): Promise<PreflightItem> {
  const {rows: sourceExtensions} = await source.query<{name: string; version: string}>(inventorySql.extensions)
  const allowed = await maintenance.query<{setting: string}>(`SELECT current_setting('rds.extensions', true) AS setting`)
  const offered = allowed.rows[0]?.setting
    ? allowed.rows[0].setting.split(',').map((name) => name.trim())
    : (await maintenance.query<{name: string}>('SELECT name FROM pg_available_extensions')).rows.map((row) => row.name)
  const missing = sourceExtensions.filter((extension) => !offered.includes(extension.name)).map((extension) => extension.name)
  if (missing.length > 0) return {detail: `not available on the target: ${missing.join(', ')}`, id: 'extensions', status: 'fail'}
  return {
    detail:
      sourceExtensions.length > 0
        ? `all available on the target: ${sourceExtensions.map((extension) => extension.name).join(', ')}`
        : 'none beyond plpgsql',
    id: 'extensions',
    status: 'ok',
  }
}

/** Owners and grants: copied without them (--no-owner --no-acl); say which roles that concerns. */
async function checkOwners(
  source: Client,
  maintenance: Client,
  targetUser: string,
  filter: TableFilter & {resolved: ParsedFilter},
): Promise<PreflightItem> {
  const {rows: owners} = await source.query<{role: string}>(inventorySql.owners, filterParams(filter))
  const {rows: roles} = await maintenance.query<{name: string}>('SELECT rolname AS name FROM pg_roles')
  const absent = owners.map((owner) => owner.role).filter((role) => !roles.some((existing) => existing.name === role))
  return {
    detail: `objects will be owned by ${targetUser} (--no-owner --no-acl)${absent.length > 0 ? `; source owners missing on the target: ${absent.join(', ')}` : ''}`,
    id: 'owners',
    status: absent.length > 0 ? 'warn' : 'ok',
  }
}

/** Jobs: each pg_restore job, and each verification worker, is a connection on the target. */
async function checkConnections(maintenance: Client, jobs: number): Promise<[PreflightItem['status'], string]> {
  const {rows: connections} = await maintenance.query<{free: number}>(
    `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int - (SELECT count(*) FROM pg_stat_activity)::int AS free`,
  )
  const needed = jobs + Math.min(4, jobs) + 2
  return [
    connections[0]!.free >= needed ? 'ok' : 'fail',
    `${jobs} job(s) need about ${needed} connections; the target has ${connections[0]!.free} free`,
  ]
}

/** pg_dump copies large objects only when no --schema or --table is given. */
function largeObjectsNote(count: number, filter: TableFilter): [PreflightItem['status'], string] {
  if (filter.schemas.length > 0 || filter.tables.length > 0)
    return ['warn', `${count} large object(s): not copied (pg_dump leaves them out under --schema or --table)`]
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
  if (otherDatabase.length > 0)
    add(
      'filter',
      'fail',
      `${otherDatabase.join(', ')}: names another database than ${database[0]!.name} (cross-database references are not implemented)`,
    )
  const unmatched = await unmatchedPatterns(source, filter)
  for (const pattern of unmatched.schemas) add('filter', 'fail', `--schema ${pattern} matches no schema`)
  for (const pattern of unmatched.tables)
    add(
      'filter',
      'fail',
      `--table ${pattern} matches no table, view or sequence${/[A-Z]/.test(pattern) && !pattern.includes('"') ? ' (unquoted letters fold to lower case: quote a mixed-case name, e.g. \'"Orders"\')' : ''}`,
    )
  const selection = await tableSelection(source, filter)
  const {rows: dangling} = await source.query<{constraint: string; referenced: string; table: string}>(
    inventorySql.foreignKeysLeavingFilter,
    filterParams(filter),
  )
  for (const key of dangling) {
    add(
      'filter',
      'fail',
      `${key.table} has foreign key ${key.constraint} to ${key.referenced}, which the filter leaves out: the restore would fail; include ${key.referenced} or leave both out`,
    )
  }

  const leftOut = selection.leftOut.map((table) => qualified(table))
  const excludedUnmatched =
    filter.excludeTables.length > 0 ? await unmatchedPatterns(source, {...filter, schemas: [], tables: filter.excludeTables}) : {tables: []}
  for (const pattern of excludedUnmatched.tables) add('filter', 'warn', `--exclude-table ${pattern} matches nothing: it leaves nothing out`)
  add(
    'filter',
    'ok',
    `${selection.selected.length} table(s) copied, ${leftOut.length} left out${leftOut.length > 0 ? `: ${leftOut.slice(0, 10).join(', ')}${leftOut.length > 10 ? `, and ${leftOut.length - 10} more` : ''}` : ''}`,
  )
  // pg_dump --table creates no schema: the copy creates those its relations live in.
  const schemasToCreate =
    filter.tables.length > 0
      ? (await source.query<{schema: string}>(inventorySql.selectedSchemas, filterParams(filter))).rows.map((row) => row.schema)
      : []
  return {leftOut, schemasToCreate}
}

/**
 * What the swap needs, checked before anything is written: the right to rename the target database
 * (its owner's), and what earlier runs left behind: scratch databases of a killed run (named, not
 * dropped: another run may be copying into one) and work folders of killed runs (removed: their
 * owner's pid is gone, and they hold unencrypted table data).
 */
async function checkSwap(maintenance: Client, options: MigrateOptions, targetExists: boolean): Promise<PreflightItem[]> {
  const items: PreflightItem[] = []
  const {database} = options.target
  if (targetExists) {
    const {rows} = await maintenance.query<{owner: string; owns: boolean}>(
      `SELECT pg_get_userbyid(datdba) AS owner, pg_has_role(current_user, datdba, 'MEMBER') AS owns FROM pg_database WHERE datname = $1`,
      [database],
    )
    if (rows[0]!.owns) {
      items.push({
        detail: `the copy is built in a scratch database and renamed to ${database} once verified; sessions still connected to ${database} are then ended`,
        id: 'target.swap',
        status: 'ok',
      })
    } else {
      items.push({
        detail: `database ${database} is owned by ${rows[0]!.owner}: only its owner can swap the verified copy in (rename it)`,
        id: 'target.owner',
        status: 'fail',
      })
    }
  }

  const {rows: leftovers} = await maintenance.query<{name: string}>(
    `SELECT datname AS name FROM pg_database WHERE position($1 in datname) > 0 ORDER BY 1`,
    [scratchMarker],
  )
  if (leftovers.length > 0) {
    items.push({
      detail: `scratch database(s) left by an interrupted run: ${leftovers.map((row) => `${row.name} (DROP DATABASE ${quoteIdentifier(row.name)})`).join(', ')}`,
      id: 'target.leftovers',
      status: 'warn',
    })
  }

  // A dry run changes nothing: it names them only.
  const leftoverDirs = options.dryRun ? await findLeftoverWorkDirs(options.workDir) : await removeLeftoverWorkDirs(options.workDir)
  if (leftoverDirs.length > 0) {
    items.push({
      detail: `${options.dryRun ? 'would remove' : 'removed'} ${leftoverDirs.length} work folder(s) a killed run left: ${leftoverDirs.join(', ')}`,
      id: 'work-dir',
      status: 'warn',
    })
  }

  return items
}

/**
 * The first connection to the source, given up at once on Ctrl-C or SIGTERM: a source that accepts TCP and
 * never answers would otherwise hold the interrupted run for the whole connect timeout. Nothing exists yet.
 */
async function connectUnlessInterrupted(source: ConnectionInfo, signal: AbortSignal | undefined): Promise<Client> {
  const connecting = connect(source)
  if (!signal) return connecting
  const stop = new AbortController()
  const aborted = new Promise<never>((_resolve, reject) => {
    const interrupted = () =>
      reject(
        new AuroraError('INTERRUPTED', `Interrupted while connecting to the source ${describeConnection(source)}; nothing was written.`),
      )
    if (signal.aborted) interrupted()
    else signal.addEventListener('abort', interrupted, {once: true, signal: stop.signal})
  })
  try {
    return await Promise.race([connecting, aborted])
  } catch (error) {
    // A connection that arrives after all is closed; one that fails has nothing to close.
    connecting.then(
      (client) => client.end().catch(() => {}),
      () => {},
    )
    throw error
  } finally {
    stop.abort()
  }
}
