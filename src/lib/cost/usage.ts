import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'

import {badInput} from '../cli/errors.js'
import {fetchMetricQueries, type MetricQuery, type MetricSeries} from '../metrics.js'

const hourMs = 3_600_000

/** Whole hours [start, end): the last complete hour ends the window, so every hour in it is whole. */
export interface CostWindow {
  end: Date
  hours: number
  start: Date
}

/** CloudWatch keeps hourly datapoints for 455 days. */
export const costWindowLimits = {maxMs: 455 * 86_400_000, minMs: 86_400_000}

export function costWindow(options: {endMs?: number; sinceMs: number}, now: Date): CostWindow {
  const {sinceMs} = options
  if (sinceMs % hourMs !== 0) throw badInput(`--since must be whole hours or days (e.g. 36h, 14d), from 1d to 455d.`)
  const end = Math.floor((options.endMs ?? now.getTime()) / hourMs) * hourMs
  if (end > now.getTime()) throw badInput(`--end ${new Date(options.endMs!).toISOString()} is in the future.`)
  if (now.getTime() - (end - sinceMs) > costWindowLimits.maxMs)
    throw badInput('The window must start within the last 455 days: CloudWatch keeps hourly datapoints that long.')
  return {end: new Date(end), hours: sinceMs / hourMs, start: new Date(end - sinceMs)}
}

/** One Serverless v2 instance of the cluster, as the usage model needs it. */
export interface CostInstance {
  id: string
  /** The writer and readers in promotion tiers 0 and 1 pause and resume together; readers in tiers 2-15 on their own. */
  promotionTier: number
  writer: boolean
}

/** Hourly series of one instance: index i is the hour starting i hours after the window's start; null where there is no datapoint. */
export interface InstanceUsage extends CostInstance {
  /** The hour's average capacity (ACU): what the hour costs. */
  average: Array<null | number>
  /** The most connections seen in the hour (DatabaseConnections, Maximum). */
  connections: Array<null | number>
  /** The hour's highest capacity (ACU). */
  maximum: Array<null | number>
}

export interface HourlyUsage {
  instances: InstanceUsage[]
  /** The cluster volume's bytes used (VolumeBytesUsed, hourly average). */
  volumeBytes: Array<null | number>
  window: CostWindow
}

/**
 * The hourly usage of each instance (ServerlessDatabaseCapacity average and maximum, DatabaseConnections maximum)
 * and the cluster's VolumeBytesUsed, in one GetMetricData request set. Serverless v2 bills each instance's ACUs, and
 * the cluster-level ServerlessDatabaseCapacity is the average across instances, so the per-instance series are read.
 */
export async function fetchHourlyUsage(
  cloudWatch: CloudWatchClient,
  options: {clusterId: string; connections?: boolean; instances: CostInstance[]; volume?: boolean; window: CostWindow},
): Promise<HourlyUsage> {
  const {connections = true, volume = true, window} = options
  const queries: MetricQuery[] = []
  for (const instance of options.instances) {
    const dimension = {name: 'DBInstanceIdentifier' as const, value: instance.id}
    queries.push(
      {dimension, metric: 'ServerlessDatabaseCapacity', stat: 'Average'},
      {dimension, metric: 'ServerlessDatabaseCapacity', stat: 'Maximum'},
    )
    if (connections) queries.push({dimension, metric: 'DatabaseConnections', stat: 'Maximum'})
  }

  if (volume) queries.push({dimension: {name: 'DBClusterIdentifier', value: options.clusterId}, metric: 'VolumeBytesUsed', stat: 'Average'})
  const series = await fetchMetricQueries(cloudWatch, {queries, window: {...window, periodSeconds: 3600}})
  let next = 0
  // In the order the queries were made.
  const take = () => toHourly(series[next++]!, window)
  const none = () => toHourly({points: []}, window)
  const instances = options.instances.map((instance) => {
    const average = take()
    const maximum = take()
    return {...instance, average, connections: connections ? take() : none(), maximum}
  })
  return {instances, volumeBytes: volume ? take() : none(), window}
}

/** Puts a series' points in their hours of the window (a point off the hour grid goes to the hour it falls in). */
export function toHourly(series: Pick<MetricSeries, 'points'>, window: CostWindow): Array<null | number> {
  const hours: Array<null | number> = Array.from({length: window.hours}, () => null)
  for (const point of series.points) {
    const index = Math.floor((Date.parse(point.t) - window.start.getTime()) / hourMs)
    if (index >= 0 && index < window.hours) hours[index] = point.v
  }

  return hours
}

/** The configured capacity range. */
export interface CapacityRange {
  maxAcu: number
  minAcu: number
}

/** At or above 99% of the max is at the max (as doctor's capacity.ceiling counts it). */
const atMaxShare = 0.99

export interface UsageSummary {
  /** ACU-hours: the sum over instances of each hour's average. */
  acuHours: number
  /** acuHours per hour with data: all instances together. */
  averageAcu: null | number
  /** Hours in the window with a datapoint from any instance. */
  hoursWithData: number
  instances: Array<{acuHours: number; hoursWithData: number; id: string; peakAcu: null | number}>
  /** The highest hourly maximum of any instance, and when. */
  peak: null | {acu: number; hour: string; instance: string}
  /** Shares of the hours with data: some instance reached the max; some instance's whole-hour average was at the max; every instance stayed at the min all hour. */
  shares: {atMin: number; pinnedAtMax: number; reachedMax: number}
}

/** What the hours held, against the configured range. */
export function summarizeUsage(usage: HourlyUsage, range: CapacityRange): UsageSummary {
  const ceiling = range.maxAcu * atMaxShare
  let acuHours = 0
  let hoursWithData = 0
  const counts = {atMin: 0, pinnedAtMax: 0, reachedMax: 0}
  let peak: UsageSummary['peak'] = null
  for (let hour = 0; hour < usage.window.hours; hour++) {
    const present = usage.instances.filter((instance) => instance.average[hour] !== null)
    if (present.length === 0) continue
    hoursWithData++
    for (const instance of present) {
      acuHours += instance.average[hour]!
      const highest = instance.maximum[hour] ?? instance.average[hour]!
      if (!peak || highest > peak.acu) peak = {acu: highest, hour: hourStart(usage.window, hour), instance: instance.id}
    }

    const highestOf = (instance: InstanceUsage) => instance.maximum[hour] ?? instance.average[hour]!
    if (present.some((instance) => highestOf(instance) >= ceiling)) counts.reachedMax++
    if (present.some((instance) => instance.average[hour]! >= ceiling)) counts.pinnedAtMax++
    if (present.every((instance) => highestOf(instance) <= range.minAcu)) counts.atMin++
  }

  const share = (count: number) => (hoursWithData === 0 ? 0 : count / hoursWithData)
  return {
    acuHours,
    averageAcu: hoursWithData === 0 ? null : acuHours / hoursWithData,
    hoursWithData,
    instances: usage.instances.map((instance) => instanceSummary(instance)),
    peak,
    shares: {atMin: share(counts.atMin), pinnedAtMax: share(counts.pinnedAtMax), reachedMax: share(counts.reachedMax)},
  }
}

function instanceSummary(instance: InstanceUsage): UsageSummary['instances'][number] {
  const averages = instance.average.filter((value): value is number => value !== null)
  const highs = instance.average.flatMap((value, hour) => (value === null ? [] : [instance.maximum[hour] ?? value]))
  return {
    acuHours: averages.reduce((sum, value) => sum + value, 0),
    hoursWithData: averages.length,
    id: instance.id,
    peakAcu: highs.length === 0 ? null : Math.max(...highs),
  }
}

export const hourStart = (window: CostWindow, hour: number): string => new Date(window.start.getTime() + hour * hourMs).toISOString()

/** The hours the window's span reads as: "14-day", "36-hour". */
export const windowLabel = (window: CostWindow): string => (window.hours % 24 === 0 ? `${window.hours / 24}-day` : `${window.hours}-hour`)
