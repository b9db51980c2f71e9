import {formatPercent} from '../cli/render/text.js'
import {acuText} from './heatmap.js'
import {type CapacityRange, type HourlyUsage, type InstanceUsage, type UsageSummary} from './usage.js'

/**
 * When the range is worth changing, from the hours' shares (usage.ts's summarizeUsage):
 * - max up (doubled, to the version's highest) when an instance spent a whole hour at the max in 5% of hours or more:
 *   it was throttled, not just busy;
 * - else max down when the peak never reached 75% of it: to the smallest max (in 0.5 steps, at least 1) that keeps the
 *   peak at 75% or less of it, so the peak still has a quarter of headroom;
 * - min down (halved, to 0.5 at the lowest) when half the hours or more ran at the min the whole hour: the load wanted
 *   less. Halving rather than jumping to 0.5: the data says the min was too high, not by how much. 0 ACU (auto-pause)
 *   is a separate decision, estimated by estimateAutoPause.
 */
const rangeRules = {atMinToLower: 0.5, headroom: 0.75, pinnedToRaise: 0.05} as const

interface RangeChange {
  from: number
  reason: string
  to: number
}

export interface RangeRecommendation {
  changed: boolean
  max: RangeChange
  min: RangeChange
}

const ceilHalf = (acu: number) => Math.ceil(acu * 2 - 1e-9) / 2
const floorHalf = (acu: number) => Math.floor(acu * 2 + 1e-9) / 2

/** The range the last `span` ("14-day") of hours supports, never above `highestMax` (the engine version's). */
export function recommendRange(
  summary: UsageSummary,
  range: CapacityRange,
  options: {highestMax: number; span: string},
): RangeRecommendation {
  const min = recommendMin(summary, range)
  const max = recommendMax(summary, range, {...options, lowest: Math.max(1, min.to)})
  return {changed: min.to !== min.from || max.to !== max.from, max, min}
}

function recommendMin(summary: UsageSummary, range: CapacityRange): RangeChange {
  const from = range.minAcu
  const keep = (reason: string) => ({from, reason: `min ${from}: ${reason}`, to: from})
  if (summary.hoursWithData === 0) return keep('no capacity datapoints to judge it by')
  if (from === 0) return keep('auto-pause is on (0 ACU when idle)')
  const atMin = `${formatPercent(summary.shares.atMin)} of hours ran at the min`
  if (summary.shares.atMin < rangeRules.atMinToLower) return keep(atMin)
  if (from <= 0.5) return keep(`${atMin}, already the lowest short of auto-pause`)
  const to = Math.max(0.5, floorHalf(from / 2))
  return {from, reason: `min ${from} → ${to}: ${atMin}`, to}
}

function recommendMax(
  summary: UsageSummary,
  range: CapacityRange,
  options: {highestMax: number; lowest: number; span: string},
): RangeChange {
  const from = range.maxAcu
  const keep = (reason: string) => ({from, reason: `max ${from}: ${reason}`, to: from})
  if (!summary.peak) return keep('no capacity datapoints to judge it by')
  // The max binds each instance alone: the peak is one instance's, not the instances' sum the heatmap shows.
  const peak = `the busiest instance's ${options.span} peak was ${acuText(summary.peak.acu)} ACU`
  const pinned = `${formatPercent(summary.shares.pinnedAtMax)} of hours spent whole at the max`
  if (summary.shares.pinnedAtMax >= rangeRules.pinnedToRaise) {
    const to = Math.min(options.highestMax, Math.max(from * 2, from + 0.5))
    if (to <= from) return keep(`${pinned} (throttling risk), and ${from} is the most this engine version allows`)
    return {from, reason: `max ${from} → ${to}: ${pinned} (throttling risk)`, to}
  }

  if (summary.peak.acu < from * rangeRules.headroom) {
    const to = Math.max(options.lowest, ceilHalf(summary.peak.acu / rangeRules.headroom))
    if (to < from) return {from, reason: `max ${from} → ${to}: ${peak} and no instance reached 75% of max`, to}
  }

  return keep(`${peak} (${formatPercent(summary.peak.acu / from)} of max); ${pinned}`)
}

/**
 * ACU-hours the observed hours would have used in `proposed`: each instance-hour's average clamped into it, and an
 * hour that sat at the current min all hour counted at the proposed min (the most a lower min could save: the load
 * wanted no more than the current min, how much less the data cannot say).
 */
export function modelAcuHours(usage: HourlyUsage, current: CapacityRange, proposed: CapacityRange): number {
  let total = 0
  for (const instance of usage.instances) {
    for (const [hour, average] of instance.average.entries()) {
      if (average !== null) total += modelledAcu(instance, hour, current, proposed)
    }
  }

  return total
}

function modelledAcu(instance: InstanceUsage, hour: number, current: CapacityRange, proposed: CapacityRange): number {
  const average = instance.average[hour]!
  const highest = instance.maximum[hour] ?? average
  if (highest <= current.minAcu) return proposed.minAcu
  return Math.min(proposed.maxAcu, Math.max(proposed.minAcu, average))
}

export interface AutoPauseEstimate {
  /** Hours in which every instance of a pausing group had no connection (the writer's group, or a reader of its own). */
  idleHours: number
  /** Share of the hours with data in which the writer's group was idle (the cluster can pause). */
  idleShare: number
  /** Seconds an instance waits idle before it pauses: SecondsUntilAutoPause, 300 by default. */
  pauseAfterSeconds: number
  /** ACU-hours the idle hours would not have used, less the wait before each pause. */
  savedAcuHours: number
}

/**
 * What auto-pause (min 0) would have saved in the observed hours: an instance pauses after `pauseAfterSeconds` with no
 * connections. The writer and readers in promotion tiers 0 and 1 pause only together; readers in tiers 2-15 alone.
 * An hour is idle for a group when each of its instances saw no connection all hour; each run of idle hours still
 * pays for the wait before the pause. Null when the hours have no DatabaseConnections datapoints to tell.
 */
export function estimateAutoPause(
  usage: HourlyUsage,
  ranges: {current: CapacityRange; proposed: CapacityRange},
  pauseAfterSeconds: number,
): AutoPauseEstimate | null {
  const hasConnections = usage.instances.some((instance) => instance.connections.some((value) => value !== null))
  if (!hasConnections) return null
  const writerGroup = usage.instances.filter((instance) => instance.writer || instance.promotionTier <= 1)
  const groups = [writerGroup, ...usage.instances.filter((instance) => !writerGroup.includes(instance)).map((instance) => [instance])]
  const wait = Math.min(1, pauseAfterSeconds / 3600)
  let savedAcuHours = 0
  let idleHours = 0
  let writerIdle = 0
  let hoursWithData = 0
  for (const [index, group] of groups.entries()) {
    let previousIdle = false
    for (let hour = 0; hour < usage.window.hours; hour++) {
      const hasData = group.some((instance) => instance.average[hour] !== null)
      if (index === 0 && hasData) hoursWithData++
      const idle = hasData && group.every((instance) => instance.connections[hour] === 0)
      if (idle) {
        const acu = group.reduce(
          (sum, instance) => sum + (instance.average[hour] === null ? 0 : modelledAcu(instance, hour, ranges.current, ranges.proposed)),
          0,
        )
        savedAcuHours += previousIdle ? acu : acu * (1 - wait)
        idleHours++
        if (index === 0) writerIdle++
      }

      previousIdle = idle
    }
  }

  return {idleHours, idleShare: hoursWithData === 0 ? 0 : writerIdle / hoursWithData, pauseAfterSeconds, savedAcuHours}
}

/** The seed's cost section: "dev 0.5-1.0, staging 0.5-2.0, prod 1.0-4.0 ACU (adjust to load)". */
export const environmentGuidance = {
  dev: {maxAcu: 1, minAcu: 0.5},
  prod: {maxAcu: 4, minAcu: 1},
  staging: {maxAcu: 2, minAcu: 0.5},
} as const satisfies Record<string, CapacityRange>

export type Environment = keyof typeof environmentGuidance

/** An Environment tag as people write it: "dev", "Development", "stg", "Staging", "prod", "Production". */
export function environmentFromTag(value: string | undefined): Environment | undefined {
  const text = (value ?? '').trim().toLowerCase()
  if (['dev', 'develop', 'development'].includes(text)) return 'dev'
  if (['stage', 'staging', 'stg'].includes(text)) return 'staging'
  if (['prd', 'prod', 'production'].includes(text)) return 'prod'
  return undefined
}
