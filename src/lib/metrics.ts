import type {CloudWatchClient, MetricDataQuery} from '@aws-sdk/client-cloudwatch'

import {cloudWatchSdk} from './aws/sdk.js'
import {formatDuration} from './cli/duration.js'
import {badInput} from './cli/errors.js'

export const knownMetrics = [
  'ServerlessDatabaseCapacity',
  'ACUUtilization',
  'CPUUtilization',
  'DatabaseConnections',
  'FreeableMemory',
  'VolumeBytesUsed',
] as const
export type MetricName = (typeof knownMetrics)[number]
export const defaultMetrics: MetricName[] = ['ServerlessDatabaseCapacity', 'ACUUtilization']
export type Statistic = 'Average' | 'Maximum' | 'Minimum'

/** One series per chart: a metric of the cluster, or of one instance with --by-instance. */
export interface MetricSeries {
  dimension: {name: 'DBClusterIdentifier' | 'DBInstanceIdentifier'; value: string}
  metric: MetricName
  points: Array<{t: string; v: number}>
}

export interface MetricsWindow {
  end: Date
  notes: string[]
  periodSeconds: number
  start: Date
  stat: Statistic
}

/** CloudWatch keeps one-minute data for 15 days, five-minute data for 63 days, hourly data for 455 days. */
const retention = [
  {maxAgeMs: 15 * 86_400_000, minPeriod: 60},
  {maxAgeMs: 63 * 86_400_000, minPeriod: 300},
  {maxAgeMs: 455 * 86_400_000, minPeriod: 3600},
]

/** At most this many points per series: what GetMetricStatistics allows and far more than a terminal shows. */
export const maxPointsPerSeries = 1440

/** Works out the window and period from the flags, raising the period where CloudWatch or the point limit requires, and saying so. */
export function planWindow(
  options: {endMs?: number; periodSeconds?: number; sinceMs?: number; startMs?: number; stat: Statistic},
  now: Date,
): MetricsWindow {
  const end = new Date(options.endMs ?? now.getTime())
  const start = new Date(options.startMs ?? end.getTime() - (options.sinceMs ?? 3_600_000))
  if (start >= end) throw badInput(`--start must be before --end (got ${start.toISOString()} and ${end.toISOString()}).`)
  const oldest = retention.at(-1)!.maxAgeMs
  if (now.getTime() - start.getTime() > oldest)
    throw badInput(`The window starts ${formatDuration(now.getTime() - start.getTime())} ago; CloudWatch keeps metrics for 455 days.`)
  const notes: string[] = []
  let period = options.periodSeconds ?? 60
  if (period < 60 || period % 60 !== 0) throw badInput(`--period ${period} is not allowed: a multiple of 60 seconds (60, 300, 3600 ...).`)
  const ageMs = now.getTime() - start.getTime()
  const kept = retention.find((tier) => ageMs <= tier.maxAgeMs)!.minPeriod
  if (period < kept) {
    notes.push(`Period raised from ${period}s to ${kept}s: CloudWatch keeps data this old only at ${kept}s resolution.`)
    period = kept
  }

  const points = Math.ceil((end.getTime() - start.getTime()) / 1000 / period)
  if (points > maxPointsPerSeries) {
    const raised = Math.ceil((end.getTime() - start.getTime()) / 1000 / maxPointsPerSeries / 60) * 60
    notes.push(`Period raised from ${period}s to ${raised}s to stay within ${maxPointsPerSeries} points per series.`)
    period = raised
  }

  return {end, notes, periodSeconds: period, start, stat: options.stat}
}

/** All asked series in one GetMetricData request, following NextToken. */
export async function fetchMetrics(
  cloudWatch: CloudWatchClient,
  options: {dimensions: MetricSeries['dimension'][]; metrics: MetricName[]; window: MetricsWindow},
): Promise<MetricSeries[]> {
  const queries = options.dimensions.flatMap((dimension) =>
    options.metrics.map((metric) => ({dimension, metric, stat: options.window.stat})),
  )
  return fetchMetricQueries(cloudWatch, {queries, window: options.window})
}

/** One series a query, each with its own statistic. */
export interface MetricQuery {
  dimension: MetricSeries['dimension']
  metric: MetricName
  stat: Statistic
}

/**
 * The series of every query (each with its own statistic) in one GetMetricData request set, following NextToken,
 * in the order asked; each series' points sorted by time.
 */
export async function fetchMetricQueries(
  cloudWatch: CloudWatchClient,
  options: {queries: MetricQuery[]; window: Pick<MetricsWindow, 'end' | 'periodSeconds' | 'start'>},
): Promise<MetricSeries[]> {
  const {GetMetricDataCommand} = cloudWatchSdk()
  const series: MetricSeries[] = options.queries.map(({dimension, metric}) => ({dimension, metric, points: []}))
  const queries: MetricDataQuery[] = options.queries.map(({dimension, metric, stat}, index) => ({
    Id: `m${index}`,
    MetricStat: {
      Metric: {Dimensions: [{Name: dimension.name, Value: dimension.value}], MetricName: metric, Namespace: 'AWS/RDS'},
      Period: options.window.periodSeconds,
      Stat: stat,
    },
  }))

  let nextToken: string | undefined
  do {
    // eslint-disable-next-line no-await-in-loop
    const page = await cloudWatch.send(
      new GetMetricDataCommand({
        EndTime: options.window.end,
        MetricDataQueries: queries,
        NextToken: nextToken,
        ScanBy: 'TimestampAscending',
        StartTime: options.window.start,
      }),
    )
    for (const result of page.MetricDataResults ?? []) {
      const target = series[Number(result.Id!.slice(1))]!
      for (const [index, timestamp] of (result.Timestamps ?? []).entries())
        target.points.push({t: timestamp.toISOString(), v: result.Values![index]!})
    }

    nextToken = page.NextToken
  } while (nextToken)

  for (const item of series) item.points.sort((a, b) => a.t.localeCompare(b.t))
  return series
}

export interface CapacitySummary {
  /** Capacity-hours over the window, from the datapoints: what Serverless v2 bills. */
  acuHours: number
  averageAcu: number
  datapoints: number
  peakAcu: number
  /** Share of datapoints at 95% of the configured max or above: the throttling signal. */
  shareAtCeiling: number
}

export function summarizeCapacity(points: Array<{v: number}>, maxAcu: number | undefined, periodSeconds: number): CapacitySummary | null {
  if (points.length === 0) return null
  const values = points.map((point) => point.v)
  const total = values.reduce((sum, value) => sum + value, 0)
  const ceiling = maxAcu === undefined ? Number.POSITIVE_INFINITY : maxAcu * 0.95
  return {
    acuHours: Math.round(((total * periodSeconds) / 3600) * 100) / 100,
    averageAcu: Math.round((total / values.length) * 100) / 100,
    datapoints: values.length,
    peakAcu: Math.max(...values),
    shareAtCeiling: Math.round((values.filter((value) => value >= ceiling).length / values.length) * 1000) / 1000,
  }
}
