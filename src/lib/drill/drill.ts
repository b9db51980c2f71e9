import type {DBClusterSnapshot, RDSClient} from '@aws-sdk/client-rds'
import type {Client, QueryConfig} from 'pg'

import type {DrillCheck, DrillOutcome, DrillReport, DrillTeardown, PhaseName} from './types.js'

import {listClusterInstances, listClusters, listClusterSnapshots} from '../aws/rds.js'
import {rdsSdk} from '../aws/sdk.js'
import {runWaiter} from '../aws/wait.js'
import {formatDuration, seconds} from '../cli/duration.js'
import {AuroraError, badInput} from '../cli/errors.js'
import {type Progress, silentProgress} from '../cli/progress.js'
import {isTransientConnectError} from '../pg/errors.js'
import {objectCounts, type ObjectCounts, readSequence, type TableRef} from '../pg/verification/inventory.js'
import {measureTables} from '../pg/verification/verify.js'
import {executeRestore, planRestore} from '../restore/restore.js'
import {tagValue} from '../restore/tags.js'
import {createSnapshot, findSnapshot, randomSuffix} from '../snapshots.js'
import {completeManifest, readManifest, type SnapshotManifest} from './manifest.js'

/** Tags that mark a drill's throwaway cluster: `drill cleanup` finds leftovers by them. */
export const drillTag = 'auroractl:drill'
export const drillExpiresTag = 'auroractl:drill-expires'
export const drillSourceTag = 'auroractl:drill-source'

export type SnapshotChoice = {id: string; kind: 'id'} | {kind: 'create'} | {kind: 'latest'}

export interface DrillOptions {
  checks: string[]
  /** The source cluster came from --cluster itself: a --snapshot of another cluster is refused unless fromOtherCluster. */
  clusterExplicit?: boolean
  /** Opens a connection to a cluster's writer endpoint with the source cluster's credentials. */
  connect: (clusterId: string) => Promise<Client>
  /** --from-other-cluster: drill a snapshot of another cluster with the source cluster's settings. */
  fromOtherCluster?: boolean
  keep: boolean
  manifest?: {file: null | string; manifest: SnapshotManifest}
  now?: () => Date
  progress?: Progress
  /** Aborted on Ctrl-C or SIGTERM: the drill stops and tears down. */
  signal?: AbortSignal
  snapshot: SnapshotChoice
  sourceClusterId: string
  /** How long teardown may wait for AWS to delete the instances. */
  teardownTimeoutMs?: number
  /** The whole drill, teardown excluded. */
  timeoutMs: number
  verify: 'checksum' | 'count' | 'none'
  /** Found before the drill (trySourceChecks): carried into the report. */
  warnings?: string[]
}

const defaultTeardownTimeoutMs = 30 * 60_000
const expiryMarginMs = 30 * 60_000

/**
 * When a drill's cluster may be taken by `drill cleanup`: after the drill's whole --timeout, its teardown's
 * own budget and a margin, so a running drill (in this or another CI job) is never cleaned up under it.
 */
export function drillExpiry(startedAt: Date, timeoutMs: number, teardownTimeoutMs = defaultTeardownTimeoutMs): Date {
  return new Date(startedAt.getTime() + timeoutMs + teardownTimeoutMs + expiryMarginMs)
}

const timestamp = (date: Date) => date.toISOString().replaceAll(/[-:T]/g, '').slice(0, 14)

/**
 * `<cluster>-drill-<yyyymmddhhmmss>-<4 random>`, cut to RDS's 63 characters from the cluster's side. The
 * random part keeps two drills started in the same second (two CI jobs) apart: each tears down only its own.
 */
export function drillClusterId(sourceClusterId: string, now: Date, suffix: string = randomSuffix()): string {
  const tail = `-drill-${timestamp(now)}-${suffix}`
  return `${sourceClusterId.slice(0, 63 - tail.length).replace(/-+$/, '')}${tail}`
}

/** What can be refused before anything is created (exit 2, nothing changed). */
export function validateDrill(options: Pick<DrillOptions, 'checks' | 'manifest' | 'snapshot' | 'verify'>): void {
  for (const check of options.checks)
    if (!check.trim()) throw badInput('--check must be a SQL query that returns true, e.g. --check "SELECT count(*) > 0 FROM games".')
  const manifest = options.manifest?.manifest
  if (!manifest) return
  if (options.verify === 'checksum' && manifest.mode !== 'checksum') {
    throw badInput(
      `--verify checksum needs a manifest with checksums; ${options.manifest!.file ?? 'the manifest'} has counts only.`,
      'Take it with `snapshot create --manifest FILE --manifest-mode checksum`, or use --verify count.',
    )
  }

  if (options.snapshot.kind === 'id' && options.snapshot.id !== manifest.snapshotId) {
    throw badInput(`--manifest describes snapshot ${manifest.snapshotId}, not ${options.snapshot.id}: it can only prove its own snapshot.`)
  }
}

/** What trying the --check queries on the source found: the ones that are false (or could not run read-only) there. */
export interface SourceCheckResult {
  /** One line per check that is not true on the source; the drill still runs it on the copy, and reports this. */
  warnings: string[]
}

/**
 * Tries every --check on the source cluster before anything is restored, each in a read-only transaction
 * that is rolled back, under a statement timeout: a syntax error, an unknown table, or a result that is not
 * exactly one row with one boolean column is refused (exit 2) while nothing has been created yet. A check
 * that is false on the source is not refused (the source may have changed since the snapshot) but reported.
 * A check that writes cannot run read-only; it is reported as untried on the source.
 */
export async function trySourceChecks(
  client: Client,
  checks: string[],
  options: {statementTimeoutMs?: number} = {},
): Promise<SourceCheckResult> {
  const warnings: string[] = []
  const timeoutMs = options.statementTimeoutMs ?? 30_000
  for (const sql of checks) {
    // eslint-disable-next-line no-await-in-loop
    await client.query('BEGIN READ ONLY')
    try {
      // eslint-disable-next-line no-await-in-loop
      await client.query(`SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`)
      let result: {fields: Array<{dataTypeID: number; name: string}>; rows: Array<Record<string, unknown>>}
      try {
        // The extended protocol takes one statement only, so "ROLLBACK; DELETE ..." cannot leave the read-only transaction.
        // (node-postgres supports queryMode; its type definitions do not list it yet.)
        // eslint-disable-next-line no-await-in-loop
        result = await client.query<Record<string, unknown>>({queryMode: 'extended', text: sql} as QueryConfig)
      } catch (error) {
        const {code} = error as {code?: string}
        const reason = (error as Error).message.split('\n')[0]
        if (code === '25006') {
          warnings.push(`--check "${sql}" writes, so it was not tried on the source (read-only); it runs on the restored copy only.`)
          continue
        }

        if (code === '57014') {
          warnings.push(`--check "${sql}" did not finish within ${formatDuration(timeoutMs)} on the source; its result there is unknown.`)
          continue
        }

        // A server error (syntax, unknown table or column, permissions): it would fail the same way on the copy.
        if (code)
          throw badInput(
            `--check "${sql}" fails on the source cluster: ${reason} (SQLSTATE ${code}); nothing was created.`,
            'Fix the query: a --check must return one row with one boolean column, e.g. --check "SELECT count(*) > 0 FROM games".',
          )
        throw error
      }

      const booleanType = 16
      const shape = `${result.rows.length} row${result.rows.length === 1 ? '' : 's'} with ${result.fields.length} column${result.fields.length === 1 ? '' : 's'}`
      if (result.rows.length !== 1 || result.fields.length !== 1 || result.fields[0]!.dataTypeID !== booleanType) {
        const type = result.fields.length === 1 && result.fields[0]!.dataTypeID !== booleanType ? ' of a non-boolean type' : ''
        throw badInput(
          `--check "${sql}" returns ${shape}${type} on the source; it must return exactly one row with one boolean column. Nothing was created.`,
          'For example --check "SELECT count(*) > 0 FROM games".',
        )
      }

      const value = Object.values(result.rows[0]!)[0]
      if (value !== true)
        warnings.push(
          `--check "${sql}" is ${value === null ? 'NULL' : 'false'} on the source cluster today; the drill runs it on the restored copy anyway.`,
        )
    } finally {
      // eslint-disable-next-line no-await-in-loop
      await client.query('ROLLBACK').catch(() => {})
    }
  }

  return {warnings}
}

/**
 * A restore rehearsal: pick a snapshot, restore it into a throwaway cluster through the same code as
 * `restore`, wait until it takes logins, verify it (smoke checks, object counts, and against a
 * manifest the exact rows), and always tear it down. Every phase is timed. Never throws for a failed
 * phase: the report says what failed, and teardown has run.
 */
export async function runDrill(rds: RDSClient, options: DrillOptions): Promise<DrillReport> {
  const run = startDrill(options)
  try {
    await phase(run, 'pick', () => pickPhase(rds, run))
    await phase(run, 'restore', () => restorePhase(rds, run))
    await phase(run, 'ready', () => readyPhase(run))
    await phase(run, 'verify', () => verifyPhase(run))
  } catch (error) {
    run.report.outcome = outcomeOf(error)
    run.report.error = (error as Error).message.split('\n')[0]
  } finally {
    clearTimeout(run.timer)
    options.signal?.removeEventListener('abort', run.onAbort)
    await run.client?.end().catch(() => {})
  }

  await teardownPhase(rds, run)
  return finishReport(run)
}

/** What a drill's phases share while it runs. */
interface DrillRun {
  /** The login to the restored cluster, from the ready phase on. */
  client?: Client
  drillCluster: string
  manifest?: SnapshotManifest
  now: () => Date
  onAbort: () => void
  options: DrillOptions
  progress: Progress
  /** Time left of the drill's --timeout (at least a second, so a phase that starts late still tries). */
  remaining: () => number
  report: DrillReport
  /** Once the restore was asked for, teardown must look for a cluster to delete. */
  restoreStarted: boolean
  startedAt: Date
  /** Aborted by the --timeout or by Ctrl-C/SIGTERM; its reason says which. */
  stop: AbortController
  timer: NodeJS.Timeout
}

/** The report as it stands before anything is created, the --timeout clock, and Ctrl-C/SIGTERM handling. */
function startDrill(options: DrillOptions): DrillRun {
  const now = options.now ?? (() => new Date())
  const startedAt = now()
  const deadline = performance.now() + options.timeoutMs
  const drillCluster = drillClusterId(options.sourceClusterId, startedAt)
  const report: DrillReport = {
    checks: [],
    drillCluster,
    finishedAt: '',
    manifest: options.manifest
      ? {file: options.manifest.file, mode: options.manifest.manifest.mode, takenAt: options.manifest.manifest.takenAt}
      : null,
    outcome: 'passed',
    phases: [],
    restoreSeconds: 0,
    snapshot: null,
    sourceCluster: options.sourceClusterId,
    startedAt: startedAt.toISOString(),
    teardown: {detail: 'nothing was created', status: 'nothing-to-delete'},
    totalSeconds: 0,
    verifyMode: options.verify,
    warnings: [...(options.warnings ?? [])],
  }

  // A timeout aborts the current phase the same way Ctrl-C does; which one it was decides the outcome.
  const stop = new AbortController()
  const timer = setTimeout(
    () => stop.abort(new AuroraError('TIMED_OUT', `The drill ran out of its ${Math.round(options.timeoutMs / 60_000)} min --timeout.`)),
    options.timeoutMs,
  )
  const onAbort = () => stop.abort(new AuroraError('INTERRUPTED', 'Interrupted.'))
  if (options.signal?.aborted) onAbort()
  options.signal?.addEventListener('abort', onAbort)
  return {
    drillCluster,
    manifest: options.manifest?.manifest,
    now,
    onAbort,
    options,
    progress: options.progress ?? silentProgress,
    remaining: () => Math.max(1000, deadline - performance.now()),
    report,
    restoreStarted: false,
    startedAt,
    stop,
    timer,
  }
}

/** One phase: timed, its one-line detail reported, and a timeout or Ctrl-C ending it at once (the reason is the abort's). */
async function phase(run: DrillRun, name: PhaseName, work: () => Promise<string>): Promise<void> {
  const {phases} = run.report
  const {signal} = run.stop
  const started = performance.now()
  try {
    if (signal.aborted) throw signal.reason
    const detail = await Promise.race([work(), aborted(signal)])
    phases.push({detail, name, seconds: seconds(performance.now() - started), status: 'passed'})
  } catch (error) {
    const failure = signal.aborted ? (signal.reason as Error) : (error as Error)
    phases.push({detail: failure.message.split('\n')[0]!, name, seconds: seconds(performance.now() - started), status: 'failed'})
    throw failure
  }
}

/** The snapshot: given, the newest, or taken now with a manifest read just before it. */
async function pickPhase(rds: RDSClient, run: DrillRun): Promise<string> {
  const {options, progress, report} = run
  progress.start('Picking the snapshot')
  const picked = await pickSnapshot(
    rds,
    options,
    {drillCluster: run.drillCluster, signal: run.stop.signal, timeoutMs: run.remaining()},
    async (created) => {
      // Take the manifest just before the snapshot so the drill proves that snapshot.
      const source = await options.connect(options.sourceClusterId)
      try {
        const draft = await readManifest(source, {
          cluster: options.sourceClusterId,
          mode: options.verify === 'checksum' ? 'checksum' : 'count',
        })
        const snapshot = await created()
        run.manifest = await completeManifest(source, draft, snapshot.DBClusterSnapshotIdentifier!)
        report.manifest = {file: null, mode: run.manifest.mode, takenAt: run.manifest.takenAt}
        return snapshot
      } finally {
        await source.end().catch(() => {})
      }
    },
  )
  report.snapshot = {
    createdAt: picked.snapshot.SnapshotCreateTime?.toISOString() ?? null,
    id: picked.snapshot.DBClusterSnapshotIdentifier!,
    type: picked.snapshot.SnapshotType ?? null,
  }
  if (run.manifest && run.manifest.snapshotId !== report.snapshot.id) {
    throw badInput(
      `The manifest describes snapshot ${run.manifest.snapshotId}, but the drill picked ${report.snapshot.id}.`,
      `Pass --snapshot ${run.manifest.snapshotId}.`,
    )
  }

  progress.succeed(`Snapshot ${report.snapshot.id} (${picked.how})`)
  return `${report.snapshot.id}: ${picked.how}, taken ${report.snapshot.createdAt ?? '?'}`
}

/** The throwaway cluster, restored through the same code as `restore`, tagged so `drill cleanup` can find it. */
async function restorePhase(rds: RDSClient, run: DrillRun): Promise<string> {
  const {drillCluster, options} = run
  const plan = await planRestore(rds, {
    deletionProtection: false,
    extraTags: [
      {Key: drillTag, Value: 'true'},
      {Key: drillExpiresTag, Value: drillExpiry(run.startedAt, options.timeoutMs, options.teardownTimeoutMs).toISOString()},
      {Key: drillSourceTag, Value: options.sourceClusterId},
    ],
    fromOtherCluster: options.fromOtherCluster,
    readers: 0,
    source: {
      clusterExplicit: options.clusterExplicit,
      kind: 'snapshot',
      snapshot: run.report.snapshot!.id,
      sourceClusterId: options.sourceClusterId,
    },
    targetId: drillCluster,
  })
  run.restoreStarted = true
  const restored = await executeRestore(rds, plan, {progress: run.progress, signal: run.stop.signal, timeoutMs: run.remaining()})
  return `${drillCluster}: accepted ${restored.phases.apiAcceptedSeconds} s, cluster available ${restored.phases.clusterAvailableSeconds} s, writer available ${restored.phases.instancesAvailableSeconds} s`
}

/** A login to the restored cluster with the source cluster's credentials. */
async function readyPhase(run: DrillRun): Promise<string> {
  const {drillCluster, options, progress} = run
  progress.start(`Logging in to ${drillCluster} with ${options.sourceClusterId}'s credentials`)
  // A new cluster's endpoint can take a minute or two to resolve and accept; longer than ten means something is wrong.
  run.client = await connectWhenReady(() => options.connect(drillCluster), {
    progress,
    signal: run.stop.signal,
    timeoutMs: Math.min(run.remaining(), 10 * 60_000),
    what: `Logging in to ${drillCluster}`,
  })
  const {rows} = await run.client.query<{database: string; version: string}>(
    `SELECT current_database() AS database, current_setting('server_version') AS version`,
  )
  progress.succeed(`Logged in to ${drillCluster}`)
  return `endpoint reachable, login works (database ${rows[0]!.database}, PostgreSQL ${rows[0]!.version})`
}

/** The --check queries, object counts, and against a manifest every table's rows and every sequence. */
async function verifyPhase(run: DrillRun): Promise<string> {
  const {manifest, options, progress} = run
  const {checks} = run.report
  progress.start('Verifying the restored data')
  checks.push(...(await verifyRestored(run.client!, {checks: options.checks, manifest, verify: options.verify})))
  const failed = checks.filter((check) => !check.passed)
  if (failed.length > 0) {
    progress.fail(`${failed.length} of ${checks.length} checks failed`)
    throw new AuroraError(
      'CHECK_FAILED',
      `${failed.length} of ${checks.length} checks failed: ${failed
        .map((check) => check.name)
        .slice(0, 5)
        .join(', ')}${failed.length > 5 ? ', ...' : ''}`,
    )
  }

  progress.succeed(`${checks.length} checks passed`)
  return `${checks.length} checks passed${manifest ? ` against the manifest (${manifest.exactness.exact ? 'exact' : 'approximate'})` : ''}`
}

/**
 * Teardown runs whatever happened before it, with its own time budget and no abort signal: a second
 * Ctrl-C is the only way to stop it (and the cleanup command finds what that leaves).
 */
async function teardownPhase(rds: RDSClient, run: DrillRun): Promise<void> {
  const {options, report} = run
  const teardownStarted = performance.now()
  report.teardown = await removeDrillCluster(rds, run.drillCluster, {
    keep: options.keep,
    progress: run.progress,
    restoreStarted: run.restoreStarted,
    timeoutMs: options.teardownTimeoutMs ?? defaultTeardownTimeoutMs,
  })
  report.phases.push({
    detail: report.teardown.detail,
    name: 'teardown',
    seconds: seconds(performance.now() - teardownStarted),
    status: report.teardown.status === 'failed' ? 'failed' : report.teardown.status === 'kept' ? 'skipped' : 'passed',
  })
  if (report.teardown.status === 'failed' && report.outcome === 'passed') report.outcome = 'error'
}

/** Phases not reached are listed as skipped, in the runbook's order; the totals are the phases' sums. */
function finishReport(run: DrillRun): DrillReport {
  const {phases} = run.report
  for (const name of ['pick', 'restore', 'ready', 'verify'] as const) {
    if (!phases.some((entry) => entry.name === name)) phases.splice(-1, 0, {detail: 'not reached', name, seconds: 0, status: 'skipped'})
  }

  phases.sort((a, b) => phaseOrder.indexOf(a.name) - phaseOrder.indexOf(b.name))
  run.report.restoreSeconds = seconds(
    phases.filter((entry) => ['pick', 'ready', 'restore'].includes(entry.name)).reduce((sum, entry) => sum + entry.seconds * 1000, 0),
  )
  run.report.totalSeconds = seconds(phases.reduce((sum, entry) => sum + entry.seconds * 1000, 0))
  run.report.finishedAt = run.now().toISOString()
  return run.report
}

const phaseOrder: PhaseName[] = ['pick', 'restore', 'ready', 'verify', 'teardown']

function outcomeOf(error: unknown): DrillOutcome {
  const {code} = error as AuroraError
  if (code === 'CHECK_FAILED') return 'failed'
  if (code === 'TIMED_OUT') return 'timeout'
  if (code === 'INTERRUPTED') return 'interrupted'
  return 'error'
}

/** Exit codes: 0 passed, 4 a verification failed, 5 timeout, 130 interrupted, 1 otherwise (bad input is refused before a drill starts: 2). */
export function drillExitCode(report: DrillReport): number {
  switch (report.outcome) {
    case 'error': {
      return 1
    }

    case 'failed': {
      return 4
    }

    case 'interrupted': {
      return 130
    }

    case 'passed': {
      return 0
    }

    case 'timeout': {
      return 5
    }
  }
}

async function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), {once: true})
  })
}

async function pickSnapshot(
  rds: RDSClient,
  options: DrillOptions,
  {drillCluster, signal, timeoutMs}: {drillCluster: string; signal: AbortSignal; timeoutMs: number},
  withManifest: (created: () => Promise<DBClusterSnapshot>) => Promise<DBClusterSnapshot>,
): Promise<{how: string; snapshot: DBClusterSnapshot}> {
  const {snapshot: choice, sourceClusterId} = options
  if (choice.kind === 'create') {
    const snapshotId = drillCluster.replace('-drill-', '-drill-snap-').slice(0, 255)
    const take = async () => {
      await createSnapshot(
        rds,
        {clusterId: sourceClusterId, reason: 'restore drill', snapshotId, tags: [{Key: drillTag, Value: 'true'}]},
        {signal, timeoutMs, wait: true},
      )
      return (await findSnapshot(rds, snapshotId))!
    }

    return {how: 'taken now (kept: prune it with `snapshot prune`)', snapshot: await withManifest(take)}
  }

  if (choice.kind === 'id') {
    const snapshot = await findSnapshot(rds, choice.id)
    if (!snapshot)
      throw new AuroraError('NOT_FOUND', `Snapshot ${choice.id} was not found.`, {hint: 'List them with `auroractl snapshot list`.'})
    if (snapshot.Status !== 'available') throw new AuroraError('UNEXPECTED', `Snapshot ${choice.id} is ${snapshot.Status}, not available.`)
    return {how: `${snapshot.SnapshotType ?? 'manual'}, by id`, snapshot}
  }

  const newest = (await listClusterSnapshots(rds, sourceClusterId)).find((snapshot) => snapshot.Status === 'available')
  if (!newest) {
    throw new AuroraError('NOT_FOUND', `${sourceClusterId} has no available snapshot to drill with.`, {
      hint: 'Take one with `auroractl snapshot create --manifest FILE`, or pass --create-snapshot.',
    })
  }

  return {how: `newest ${newest.SnapshotType ?? ''} snapshot`.replace('  ', ' '), snapshot: newest}
}

/**
 * Retries the login while it fails for a reason that can pass (the endpoint not resolving yet, refused,
 * timed out, the server starting up: see pg/errors.ts) until it works or time runs out; any other failure
 * (wrong password, no such role or database, a refused certificate) ends the wait at once with the real
 * error. The progress line shows the last error, the time waited and the time left.
 */
export async function connectWhenReady(
  connect: () => Promise<Client>,
  options: {delayMs?: number; progress?: Progress; signal: AbortSignal; timeoutMs: number; what: string},
): Promise<Client> {
  const started = performance.now()
  const deadline = started + options.timeoutMs
  const progress = options.progress ?? silentProgress
  let lastError: Error | undefined
  let attempts = 0
  let shownReason = ''
  let shownAt = 0
  while (performance.now() < deadline && !options.signal.aborted) {
    attempts++
    try {
      // eslint-disable-next-line no-await-in-loop
      return await connect()
    } catch (error) {
      lastError = error as Error
      if (!isTransientConnectError(error)) throw error
      // A new error is shown at once; the same one again at most every 10 s (a CI log gets a line per update).
      const reason = lastError.message.split('\n')[0]!
      if (reason !== shownReason || performance.now() - shownAt >= 10_000) {
        shownReason = reason
        shownAt = performance.now()
        progress.update(
          `${options.what}: not yet (${reason}); waited ${formatDuration(shownAt - started)}, ${formatDuration(Math.max(0, deadline - shownAt))} left`,
        )
      }

      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => {
        setTimeout(resolve, options.delayMs ?? 2000)
      })
    }
  }

  if (lastError) {
    throw new AuroraError(
      'TIMED_OUT',
      `${options.what}: no login within ${formatDuration(options.timeoutMs)} (${attempts} attempts); last error: ${lastError.message.split('\n')[0]}`,
      {cause: lastError},
    )
  }

  throw new AuroraError('TIMED_OUT', `${options.what}: no login within ${formatDuration(options.timeoutMs)}.`)
}

/**
 * The checks: each --check must return true; object counts must equal the manifest's (or, without
 * one, show at least one table); against a manifest, every table's exact rows (and hash), and every
 * sequence at or past the manifest's value (sequences are not transactional, so the snapshot may hold
 * a later value than the manifest read).
 */
export async function verifyRestored(
  client: Client,
  options: {checks: string[]; manifest?: SnapshotManifest; verify: 'checksum' | 'count' | 'none'},
): Promise<DrillCheck[]> {
  const checks: DrillCheck[] = []
  for (const sql of options.checks) {
    try {
      // eslint-disable-next-line no-await-in-loop
      const {rows} = await client.query<Record<string, unknown>>(sql)
      const value = rows[0] ? Object.values(rows[0])[0] : undefined
      checks.push({
        detail: value === true ? 'returned true' : `returned ${rows.length === 0 ? 'no rows' : JSON.stringify(value)}, not true`,
        kind: 'smoke',
        name: sql,
        passed: value === true,
      })
    } catch (error) {
      checks.push({detail: `failed: ${(error as Error).message.split('\n')[0]}`, kind: 'smoke', name: sql, passed: false})
    }
  }

  const objects = await objectCounts(client)
  const {manifest} = options
  if (manifest) {
    for (const [kind, expected] of Object.entries(manifest.objects) as Array<[keyof ObjectCounts, null | number]>) {
      checks.push({
        detail: `manifest ${expected}, restored ${objects[kind]}`,
        kind: 'objects',
        name: kind,
        passed: objects[kind] === expected,
      })
    }
  } else {
    checks.push({
      detail: Object.entries(objects)
        .map(([kind, count]) => `${count} ${kind}`)
        .join(', '),
      kind: 'objects',
      name: 'schema',
      passed: objects.tables > 0,
    })
  }

  if (!manifest || options.verify === 'none') return checks
  const tables: TableRef[] = manifest.tables.map((table) => ({
    bytes: 0,
    columns: table.columns,
    hasPrimaryKey: true,
    isPartition: false,
    name: table.name,
    schema: table.schema,
  }))
  const measured = await measureTables({clients: [client]}, tables, {mode: options.verify, sameMajor: true})
  for (const [index, expected] of manifest.tables.entries()) {
    const found = measured[index]!
    const hashes = options.verify === 'checksum'
    const passed = found.rows === expected.rows && (!hashes || found.hash === expected.hash)
    const restored =
      found.error === undefined ? `${found.rows} rows${hashes ? ` (hash ${found.hash})` : ''}` : `unreadable (${found.error})`
    checks.push({
      detail: `manifest ${expected.rows} rows${hashes ? ` (hash ${expected.hash})` : ''}, restored ${restored}`,
      kind: 'table',
      name: expected.table,
      passed,
    })
  }

  for (const expected of manifest.sequences) {
    // eslint-disable-next-line no-await-in-loop
    const {error, value: found} = await readSequence(client, expected)
    const passed = found !== null && BigInt(found.lastValue) >= BigInt(expected.lastValue)
    checks.push({
      detail: `manifest ${expected.lastValue}, restored ${found?.lastValue ?? `unreadable (${error})`}`,
      kind: 'sequence',
      name: expected.sequence,
      passed,
    })
  }

  return checks
}

/** Deletes the drill cluster's instances, waits for them to go, then deletes the cluster without a final snapshot. */
async function removeDrillCluster(
  rds: RDSClient,
  clusterId: string,
  options: {keep: boolean; progress: Progress; restoreStarted: boolean; timeoutMs: number},
): Promise<DrillTeardown> {
  if (!options.restoreStarted) return {detail: 'nothing was created', status: 'nothing-to-delete'}
  const sdk = rdsSdk()
  const exists = await rds.send(new sdk.DescribeDBClustersCommand({DBClusterIdentifier: clusterId})).then(
    () => true,
    (error: Error) => (error.name === 'DBClusterNotFoundFault' ? false : Promise.reject(error)),
  )
  if (!exists) return {detail: `${clusterId} was never created`, status: 'nothing-to-delete'}
  if (options.keep)
    return {
      detail: `${clusterId} kept (--keep); remove it with \`auroractl drill cleanup --older-than 1s\` (it is protected until its expiry otherwise)`,
      status: 'kept',
    }
  options.progress.start(`Deleting ${clusterId}`)
  try {
    const deleted = await deleteDrillCluster(rds, clusterId, options.timeoutMs)
    options.progress.succeed(`Deleted ${clusterId}`)
    return {detail: `deleted ${[...deleted, clusterId].join(', ')} (no final snapshot)`, status: 'deleted'}
  } catch (error) {
    options.progress.fail(`Deleting ${clusterId}`)
    return {
      detail: `${(error as Error).message.split('\n')[0]}; remove what is left with \`auroractl drill cleanup\``,
      status: 'failed',
    }
  }
}

/** Instances first (a cluster with instances cannot be deleted), then the cluster. Returns the instance ids deleted. */
export async function deleteDrillCluster(rds: RDSClient, clusterId: string, timeoutMs: number): Promise<string[]> {
  const sdk = rdsSdk()
  const instances = (await listClusterInstances(rds, clusterId)).map((instance) => instance.DBInstanceIdentifier!)
  await Promise.all(
    instances.map((id) =>
      rds.send(new sdk.DeleteDBInstanceCommand({DBInstanceIdentifier: id, SkipFinalSnapshot: true})).catch((error: Error) => {
        if (error.name !== 'DBInstanceNotFoundFault') throw error
      }),
    ),
  )
  for (const id of instances) {
    // eslint-disable-next-line no-await-in-loop
    await runWaiter((config) => sdk.waitUntilDBInstanceDeleted({...config, client: rds}, {DBInstanceIdentifier: id}), {
      stillRunning: `Instance ${id} is still being deleted.`,
      timeoutMs,
      what: `instance ${id} to be deleted`,
    })
  }

  await rds.send(new sdk.DeleteDBClusterCommand({DBClusterIdentifier: clusterId, SkipFinalSnapshot: true}))
  return instances
}

export interface LeftoverDrill {
  ageSeconds: number
  clusterId: string
  createdAt: null | string
  /** The auroractl:drill-expires tag: until then the drill may still be running. */
  expiresAt: null | string
  source: null | string
}

export interface DrillScope {
  /** Every source cluster's drills (--all-clusters), not only the resolved cluster's. */
  allClusters: boolean
  /** --older-than: drills created at least this long ago, expired or not (a deliberate widening). */
  olderThanMs?: number
  /** The resolved cluster: drills whose auroractl:drill-source tag names it. */
  sourceCluster?: string
}

/**
 * Drill clusters (tagged auroractl:drill=true) in scope, and those left out because they may still be running.
 * Default: the resolved cluster's drills whose expiry tag has passed. --all-clusters widens the clusters,
 * --older-than replaces the expiry rule with an age (drills without a readable expiry need it).
 */
export async function findLeftoverDrills(
  rds: RDSClient,
  scope: DrillScope,
  now: Date,
): Promise<{found: LeftoverDrill[]; notExpired: LeftoverDrill[]}> {
  const drills = (await listClusters(rds, 1000))
    .filter((cluster) => tagValue(cluster.TagList, drillTag) === 'true')
    .map((cluster) => ({
      ageSeconds: cluster.ClusterCreateTime ? Math.round((now.getTime() - cluster.ClusterCreateTime.getTime()) / 1000) : 0,
      clusterId: cluster.DBClusterIdentifier!,
      createdAt: cluster.ClusterCreateTime?.toISOString() ?? null,
      expiresAt: tagValue(cluster.TagList, drillExpiresTag) ?? null,
      source: tagValue(cluster.TagList, drillSourceTag) ?? null,
    }))
    .filter((drill) => scope.allClusters || drill.source === scope.sourceCluster)
  const inScope = (drill: LeftoverDrill) => {
    if (scope.olderThanMs !== undefined) return drill.ageSeconds * 1000 >= scope.olderThanMs
    const expires = drill.expiresAt ? Date.parse(drill.expiresAt) : Number.NaN
    return !Number.isNaN(expires) && expires <= now.getTime()
  }

  return {found: drills.filter((drill) => inScope(drill)), notExpired: drills.filter((drill) => !inScope(drill))}
}
