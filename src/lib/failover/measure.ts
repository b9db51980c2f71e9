import type {ClusterObservation, FailoverEvent, FailoverMeasurement, MeasurementKind, Moment, ProbeResult, TimelineEntry} from './types.js'

/**
 * What the probe's results and the API's answers mean, as pure functions: the write-unavailability window,
 * when the endpoint's answer changed, when the API named the new writer, and whether the failover is over.
 * Times are milliseconds on the run's clock; a successful write counts when it returned, a failed one when
 * it was attempted.
 */

export interface Outage {
  dnsChange: null | {atMs: number; from: string; to: string}
  downtimeMs: null | number
  failedWrites: number
  failureReasons: Record<string, number>
  firstFailed: null | {atMs: number; error: string}
  firstOkAfter: null | {atMs: number}
  lastOkBefore: null | {atMs: number}
  probes: number
}

const byStart = (a: ProbeResult, b: ProbeResult) => a.startedMs - b.startedMs

/** The first answer that differs from the first one seen: when the writer endpoint started pointing elsewhere. */
export function answerChange(results: ProbeResult[]): Outage['dnsChange'] {
  const answered = results.filter((result) => result.answer !== null).sort(byStart)
  const from = answered[0]?.answer
  const changed = answered.find((result) => result.answer !== from)
  return from && changed ? {atMs: changed.startedMs, from, to: changed.answer!} : null
}

/**
 * The outage as an application saw it: from the last write that succeeded before the first failure to the
 * first that succeeded after the last one (flapping included). No failure: no downtime. No success after the
 * last failure: the outage had not ended (null).
 */
export function measureOutage(results: ProbeResult[]): Outage {
  const sorted = [...results].sort(byStart)
  const failures = sorted.filter((result) => !result.ok)
  const failureReasons: Record<string, number> = {}
  for (const failure of failures) {
    const key = failure.errorCode ?? 'other'
    failureReasons[key] = (failureReasons[key] ?? 0) + 1
  }

  const base = {dnsChange: answerChange(sorted), failedWrites: failures.length, failureReasons, probes: sorted.length}
  const first = failures[0]
  const last = failures.at(-1)
  if (!first || !last) return {...base, downtimeMs: 0, firstFailed: null, firstOkAfter: null, lastOkBefore: null}
  const before = sorted.filter((result) => result.ok && result.startedMs < first.startedMs)
  const after = sorted.filter((result) => result.ok && result.startedMs > last.startedMs)
  const lastOkMs = before.length > 0 ? Math.max(...before.map((result) => result.finishedMs)) : undefined
  const firstOkMs = after.length > 0 ? Math.min(...after.map((result) => result.finishedMs)) : undefined
  return {
    ...base,
    downtimeMs: firstOkMs === undefined ? null : firstOkMs - (lastOkMs ?? first.startedMs),
    firstFailed: {atMs: first.startedMs, error: first.error ?? 'unknown'},
    firstOkAfter: firstOkMs === undefined ? null : {atMs: firstOkMs},
    lastOkBefore: lastOkMs === undefined ? null : {atMs: lastOkMs},
  }
}

/** When the API first said something after the request: another writer, and available with that writer. */
export function apiMoments(
  observations: ClusterObservation[],
  fromWriter: string,
): {available: null | number; failingOver: null | number; writerChanged: null | number} {
  const changed = observations.find((observation) => observation.writer !== null && observation.writer !== fromWriter)
  const failingOver = observations.find((observation) => observation.status !== 'available')
  const available = observations.find(
    (observation) => observation.status === 'available' && observation.writer !== null && observation.writer !== fromWriter,
  )
  return {available: available?.atMs ?? null, failingOver: failingOver?.atMs ?? null, writerChanged: changed?.atMs ?? null}
}

/**
 * Over: the API says available with another writer, and every write since the last failure succeeded, the
 * first of them at least `settleMs` ago (the new writer has taken writes for a while).
 */
export function failoverSettled(
  results: ProbeResult[],
  latest: ClusterObservation | undefined,
  options: {fromWriter: string; nowMs: number; settleMs: number},
): boolean {
  if (!latest || latest.status !== 'available' || latest.writer === null || latest.writer === options.fromWriter) return false
  const lastFailureMs = Math.max(Number.NEGATIVE_INFINITY, ...results.filter((result) => !result.ok).map((result) => result.startedMs))
  const since = results.filter((result) => result.ok && result.startedMs > lastFailureMs)
  if (since.length === 0) return false
  return options.nowMs - Math.min(...since.map((result) => result.finishedMs)) >= options.settleMs
}

/** Turns run-clock milliseconds into moments relative to the request. */
export function momentMaker(requestedMs: number, requestedEpochMs: number): (ms: number) => Moment {
  return (ms) => ({at: new Date(requestedEpochMs + (ms - requestedMs)).toISOString(), t: Math.round(ms - requestedMs) / 1000})
}

export interface MeasurementInput {
  endedMs: number
  events: FailoverEvent[]
  fromWriter: string
  kind: MeasurementKind
  newWriter: null | string
  observations: ClusterObservation[]
  requestedEpochMs: number
  requestedMs: number
  results: ProbeResult[]
  toWriter: null | string
}

export function buildMeasurement(input: MeasurementInput): FailoverMeasurement {
  const outage = measureOutage(input.results)
  const api = apiMoments(input.observations, input.fromWriter)
  const moment = momentMaker(input.requestedMs, input.requestedEpochMs)
  const at = (ms: null | number) => (ms === null ? null : moment(ms))
  const measurement: FailoverMeasurement = {
    clusterAvailable: at(api.available),
    dnsChange: outage.dnsChange ? {...moment(outage.dnsChange.atMs), from: outage.dnsChange.from, to: outage.dnsChange.to} : null,
    downtimeSeconds: outage.downtimeMs === null ? null : Math.round(outage.downtimeMs) / 1000,
    events: input.events,
    failedWrites: outage.failedWrites,
    failureReasons: outage.failureReasons,
    firstFailedWrite: outage.firstFailed ? {...moment(outage.firstFailed.atMs), error: outage.firstFailed.error} : null,
    firstWriteAfter: at(outage.firstOkAfter?.atMs ?? null),
    fromWriter: input.fromWriter,
    kind: input.kind,
    lastWriteBefore: at(outage.lastOkBefore?.atMs ?? null),
    newWriter: input.newWriter,
    probes: outage.probes,
    requestedAt: moment(input.requestedMs).at,
    seconds: Math.round(input.endedMs - input.requestedMs) / 1000,
    timeline: [],
    toWriter: input.toWriter,
    writerChanged: at(api.writerChanged),
  }
  measurement.timeline = buildTimeline(measurement, at(api.failingOver))
  return measurement
}

/** The moments worth a line, in order: what the application saw, what the API said, and the RDS events. */
export function buildTimeline(measurement: FailoverMeasurement, failingOver: Moment | null): TimelineEntry[] {
  const entries: Array<null | TimelineEntry> = [
    {at: measurement.requestedAt, t: 0, what: `failover requested (${measurement.fromWriter} → ${measurement.toWriter ?? 'AWS picks'})`},
    measurement.lastWriteBefore && {...measurement.lastWriteBefore, what: 'last write ok before the outage'},
    measurement.firstFailedWrite && {...measurement.firstFailedWrite, what: `first failed write: ${measurement.firstFailedWrite.error}`},
    failingOver && {...failingOver, what: 'cluster reports failing-over'},
    measurement.dnsChange && {
      ...measurement.dnsChange,
      what: `writer endpoint answer changed: ${measurement.dnsChange.from} → ${measurement.dnsChange.to}`,
    },
    measurement.writerChanged && {...measurement.writerChanged, what: `API reports writer ${measurement.newWriter ?? '?'}`},
    measurement.firstWriteAfter && {...measurement.firstWriteAfter, what: 'first write ok after the outage'},
    measurement.clusterAvailable && {...measurement.clusterAvailable, what: 'cluster reports available'},
  ]
  const requested = Date.parse(measurement.requestedAt)
  for (const event of measurement.events) {
    const t = (Date.parse(event.date) - requested) / 1000
    entries.push({at: event.date, t, what: `RDS event: ${event.message}`})
  }

  return entries.filter((entry): entry is TimelineEntry => entry !== null).sort((a, b) => a.t - b.t)
}
