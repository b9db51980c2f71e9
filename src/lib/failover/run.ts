import type {RDSClient} from '@aws-sdk/client-rds'

import type {Progress} from '../cli/progress.js'
import type {
  ClusterObservation,
  FailoverCall,
  FailoverEvent,
  FailoverMeasurement,
  FailoverPlan,
  FailoverReport,
  MeasurementKind,
} from './types.js'

import {describeCluster} from '../aws/rds.js'
import {rdsSdk, smithyClient} from '../aws/sdk.js'
import {runWaiter} from '../aws/wait.js'
import {formatDuration} from '../cli/duration.js'
import {AuroraError, ExitCode} from '../cli/errors.js'
import {buildMeasurement, failoverSettled} from './measure.js'
import {failoverCall} from './plan.js'
import {type ProbeClock, type ProbeOptions, realClock, startWriteProbe, type WriteProbe} from './probe.js'

/**
 * The rehearsal, as a list of phases for each failover (and the failback): a first write through the probe
 * (baseline), the FailoverDBCluster call (request), probing and polling the API until the new writer has
 * taken writes for a while and the cluster is available again (observe), and the RDS events (events).
 * It never throws once the failover was requested: the report says what happened, with what was measured.
 */

export interface FailoverRunOptions {
  clock?: ProbeClock
  failback: boolean
  /** --max-downtime in ms; undefined: measure only. */
  objectiveMs?: number
  plan: FailoverPlan
  probe: Omit<ProbeOptions, 'clock' | 'onResult'> & {endpoint: string; route: FailoverReport['probe']['route']}
  progress: Progress
  rds: RDSClient
  /** How long the new writer must take writes before the measurement ends. */
  settleMs: number
  /** Ctrl-C and SIGTERM. */
  signal: AbortSignal
  timeoutMs: number
}

interface RunContext {
  clock: ProbeClock
  deadlineMs: number
  options: FailoverRunOptions
  /** Aborted by Ctrl-C, SIGTERM or --timeout. */
  stop: AbortSignal
  timedOut: () => boolean
}

export async function runFailover(options: FailoverRunOptions): Promise<FailoverReport> {
  const clock = options.clock ?? realClock
  const report = initialReport(options)
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs)
  const run: RunContext = {
    clock,
    deadlineMs: clock.now() + options.timeoutMs,
    options,
    stop: AbortSignal.any([options.signal, timeout.signal]),
    timedOut: () => timeout.signal.aborted,
  }
  try {
    const first = await measureOnce(run, report, {call: options.plan.call, fromWriter: options.plan.writer, kind: 'failover'})
    if (options.failback) {
      const call = failoverCall(options.plan.clusterId, options.plan.writer)
      await measureOnce(run, report, {call, fromWriter: first.newWriter ?? first.toWriter ?? '?', kind: 'failback'})
    }

    report.outcome = judge(report.measurements, options.objectiveMs)
  } catch (error) {
    // Nothing was asked of AWS yet: the plain error (exit 2, 5, 130 ...) says it all.
    if (report.measurements.length === 0) throw error
    const code = error instanceof AuroraError ? error.code : undefined
    report.outcome = code === 'INTERRUPTED' ? 'interrupted' : code === 'TIMED_OUT' ? 'timeout' : 'error'
    report.error = (error as Error).message.split('\n')[0]
    report.finalState = await finalState(options.rds, options.plan.clusterId)
  } finally {
    clearTimeout(timer)
  }

  report.finishedAt = new Date().toISOString()
  return report
}

function initialReport(options: FailoverRunOptions): FailoverReport {
  const {probe} = options
  return {
    clusterId: options.plan.clusterId,
    dryRun: false,
    finalState: null,
    finishedAt: '',
    measurements: [],
    objectiveSeconds: options.objectiveMs === undefined ? null : options.objectiveMs / 1000,
    outcome: 'error',
    plan: options.plan,
    probe: {endpoint: probe.endpoint, intervalMs: probe.intervalMs, route: probe.route, timeoutMs: probe.timeoutMs},
    startedAt: new Date().toISOString(),
    warnings: [...options.plan.warnings],
  }
}

/** Passed when every measured outage ended within the objective (always, without one). */
export function judge(measurements: FailoverMeasurement[], objectiveMs: number | undefined): FailoverReport['outcome'] {
  if (measurements.some((measurement) => measurement.downtimeSeconds === null)) return 'error'
  if (objectiveMs === undefined) return 'passed'
  return measurements.some((measurement) => measurement.downtimeSeconds! * 1000 > objectiveMs) ? 'failed' : 'passed'
}

export function failoverExitCode(report: FailoverReport): number {
  const codes: Record<FailoverReport['outcome'], number> = {
    'dry-run': ExitCode.ok,
    error: ExitCode.unexpected,
    failed: ExitCode.checkFailed,
    interrupted: ExitCode.interrupted,
    passed: ExitCode.ok,
    timeout: ExitCode.timedOut,
  }
  return codes[report.outcome]
}

/** One failover, measured; the measurement joins the report as soon as the failover was requested, even if it then ends early. */
async function measureOnce(
  run: RunContext,
  report: FailoverReport,
  {call, fromWriter, kind}: {call: FailoverCall; fromWriter: string; kind: MeasurementKind},
): Promise<FailoverMeasurement> {
  const {clock, options} = run
  const observations: ClusterObservation[] = []
  const state: ProgressState = {kind, status: options.plan.clusterStatus, writer: fromWriter, writes: 'not tried yet'}
  const probe = startProbe(run, state)
  let requested: null | {epochMs: number; ms: number} = null
  let events: FailoverEvent[] = []
  try {
    await baselinePhase(run, probe)
    requested = await requestPhase(run, call, kind)
    await observePhase(run, probe, {fromWriter, observations, state})
    await probe.stop()
    events = await eventsPhase(options.rds, call, fromWriter, requested.epochMs)
  } finally {
    await probe.stop()
    if (requested) {
      const firstOk = Math.min(...probe.results.filter((result) => result.ok).map((result) => result.startedMs))
      const latest = observations.at(-1)
      report.measurements.push(
        buildMeasurement({
          endedMs: clock.now(),
          events,
          fromWriter,
          kind,
          newWriter: latest?.writer && latest.writer !== fromWriter ? latest.writer : null,
          observations,
          requestedEpochMs: requested.epochMs,
          requestedMs: requested.ms,
          // Failures before the first write that worked are the probe finding its feet, not the failover.
          results: probe.results.filter((result) => result.startedMs >= firstOk),
          toWriter: call.input.TargetDBInstanceIdentifier ?? options.plan.target?.id ?? null,
        }),
      )
    }
  }

  return report.measurements.at(-1)!
}

/** One progress line, rewritten only when something changes: the cluster's status and writer, and whether writes work. */
interface ProgressState {
  kind: MeasurementKind
  status: string
  writer: null | string
  writes: string
}

function showProgress(run: RunContext, state: ProgressState, change: Partial<ProgressState>): void {
  Object.assign(state, change)
  run.options.progress.update(`${state.kind}: cluster ${state.status}, writer ${state.writer ?? 'none'}; writes ${state.writes}`)
}

function startProbe(run: RunContext, state: ProgressState): WriteProbe {
  return startWriteProbe({
    ...run.options.probe,
    clock: run.clock,
    onResult: (result) => showProgress(run, state, {writes: result.ok ? 'ok' : `failing (${result.errorCode})`}),
  })
}

/** Stops a wait on Ctrl-C, --timeout, or the probe ending on an error that cannot get better; rethrows the real reason. */
async function waitFor(
  run: RunContext,
  probe: WriteProbe,
  {check, maxMs, what}: {check: () => Promise<boolean>; maxMs?: number; what: string},
): Promise<void> {
  const {createWaiter, WaiterState} = smithyClient()
  const remaining = Math.max(2000, run.deadlineMs - run.clock.now())
  try {
    await runWaiter(
      (config) =>
        createWaiter({...config, client: run.options.rds}, what, async () => ({
          state: (await check()) ? WaiterState.SUCCESS : WaiterState.RETRY,
        })),
      {
        delays: {max: 2, min: 1},
        signal: AbortSignal.any([run.stop, probe.ended]),
        stillRunning: 'A failover already requested goes on in AWS; check it with `auroractl status`.',
        timeoutMs: Math.min(remaining, maxMs ?? remaining),
        what,
      },
    )
  } catch (error) {
    const fatal = probe.fatal()
    if (fatal) throw fatal
    const timedOut = run.timedOut() || (error instanceof AuroraError && error.code === 'TIMED_OUT')
    if (timedOut && maxMs !== undefined && maxMs < remaining) {
      const lastError = probe.results.findLast((result) => !result.ok)?.error
      throw new AuroraError(
        'UNEXPECTED',
        `No write went through the writer endpoint within ${formatDuration(maxMs)}${lastError ? ` (last: ${lastError})` : ''}.`,
        {
          hint: 'Check the route to the cluster (`auroractl doctor`, --via, the security group) before rehearsing a failover.',
        },
      )
    }

    if (timedOut) {
      throw new AuroraError('TIMED_OUT', `Gave up after ${formatDuration(run.options.timeoutMs)} (--timeout) waiting for ${what}.`, {
        hint: 'A failover already requested goes on in AWS: check it with `auroractl status`; raise --timeout for a slow one.',
      })
    }

    throw error
  }
}

/** A write must work before the failover, or there is nothing to measure (and a wrong password shows now, with nothing changed). */
async function baselinePhase(run: RunContext, probe: WriteProbe): Promise<void> {
  run.options.progress.start(`Probing writes through ${run.options.probe.endpoint} every ${run.options.probe.intervalMs}ms`)
  await waitFor(run, probe, {
    check: async () => probe.results.some((result) => result.ok),
    maxMs: 60_000,
    what: 'a first write through the writer endpoint',
  })
}

async function requestPhase(run: RunContext, call: FailoverCall, kind: MeasurementKind): Promise<{epochMs: number; ms: number}> {
  const {FailoverDBClusterCommand} = rdsSdk()
  const requested = {epochMs: Date.now(), ms: run.clock.now()}
  await run.options.rds.send(new FailoverDBClusterCommand(call.input), {abortSignal: run.stop})
  run.options.progress.note(`${kind} requested: ${call.api} ${JSON.stringify(call.input)}`)
  return requested
}

async function observePhase(
  run: RunContext,
  probe: WriteProbe,
  context: {fromWriter: string; observations: ClusterObservation[]; state: ProgressState},
): Promise<void> {
  const {clusterId} = run.options.plan
  const check = async () => {
    const cluster = await describeCluster(run.options.rds, clusterId)
    const writer = cluster.DBClusterMembers?.find((member) => member.IsClusterWriter)?.DBInstanceIdentifier ?? null
    const observation = {atMs: run.clock.now(), status: cluster.Status ?? 'unknown', writer}
    context.observations.push(observation)
    showProgress(run, context.state, {status: observation.status, writer})
    return failoverSettled(probe.results, observation, {
      fromWriter: context.fromWriter,
      nowMs: run.clock.now(),
      settleMs: run.options.settleMs,
    })
  }

  await waitFor(run, probe, {check, what: `the new writer of ${clusterId} to take writes for ${formatDuration(run.options.settleMs)}`})
  run.options.progress.succeed(`${context.state.kind} of ${clusterId} measured`)
}

/** The cluster's and both instances' events since the request, as far as AWS has delivered them (best effort). */
async function eventsPhase(rds: RDSClient, call: FailoverCall, fromWriter: string, requestedEpochMs: number): Promise<FailoverEvent[]> {
  const {DescribeEventsCommand} = rdsSdk()
  const sources: Array<['db-cluster' | 'db-instance', string]> = [
    ['db-cluster', call.input.DBClusterIdentifier],
    ['db-instance', fromWriter],
  ]
  if (call.input.TargetDBInstanceIdentifier) sources.push(['db-instance', call.input.TargetDBInstanceIdentifier])
  // Clocks differ a little between here and AWS: a few seconds before the request still belong to it.
  const since = requestedEpochMs - 5000
  const answers = await Promise.all(
    sources.map(async ([SourceType, SourceIdentifier]) =>
      rds
        .send(new DescribeEventsCommand({SourceIdentifier, SourceType, StartTime: new Date(since)}))
        .then((answer) => answer.Events ?? [])
        .catch(() => []),
    ),
  )
  return answers
    .flat()
    .filter((event) => (event.Date?.getTime() ?? 0) >= since)
    .map((event) => ({
      categories: event.EventCategories ?? [],
      date: event.Date!.toISOString(),
      message: event.Message ?? '',
      source: event.SourceIdentifier ?? '',
    }))
    .sort((a, b) => a.date.localeCompare(b.date))
}

/** What the cluster says now, for a run that stopped early: the failover goes on in AWS regardless. */
async function finalState(rds: RDSClient, clusterId: string): Promise<FailoverReport['finalState']> {
  try {
    const cluster = await describeCluster(rds, clusterId)
    const writer = cluster.DBClusterMembers?.find((member) => member.IsClusterWriter)?.DBInstanceIdentifier ?? null
    return {status: cluster.Status ?? null, writer}
  } catch {
    return null
  }
}
