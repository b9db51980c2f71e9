import {supportsAutoPause} from '../aws/engine-versions.js'
import {formatPercent} from '../cli/render/text.js'
import {awsDefaultSecondsUntilAutoPause} from '../scaling.js'
import {describePatterns, hourOfWeekHeatmap, type UsagePatterns, weekdays} from './heatmap.js'
import {hoursPerMonth, priceTable, regionPrices, type StorageConfiguration, storageConfiguration} from './prices.js'
import {
  type AutoPauseEstimate,
  type Environment,
  environmentFromTag,
  environmentGuidance,
  estimateAutoPause,
  modelAcuHours,
  type RangeRecommendation,
  recommendRange,
} from './recommend.js'
import {type CapacityRange, type HourlyUsage, summarizeUsage, type UsageSummary, windowLabel} from './usage.js'

/** What the cost report is built from: the cluster as described, its hourly usage, and what the engine version supports. */
export interface CostInputs {
  cluster: {
    engineVersion: string
    /** Instances that are not Serverless v2 (provisioned classes): not billed in ACUs, left out. */
    provisioned: string[]
    region: string
    scaling: CapacityRange & {secondsUntilAutoPause?: number}
    storageType?: string
    tags: Record<string, string>
    /** False when the writer is a provisioned instance: the cluster can then never pause. */
    writerIsServerless: boolean
  }
  /** What the engine version supports (DescribeDBEngineVersions), undefined when AWS does not say. */
  support?: {maxCapacity: number; minCapacity: number}
  /**
   * Where the version cannot scale to 0 ACU: the oldest version of its major that can, as AWS reports it; null when
   * none of the major can; undefined when not asked or AWS did not answer.
   */
  upgradeForAutoPause?: null | string
  usage: HourlyUsage
}

interface CostOptions {
  environment?: Environment
  /** USD per ACU-hour from --price. */
  price?: number
  timeZone: string
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places
const dollars = (value: number) => round(value, 2)

/** Everything the report says, as numbers (the --json contract); the human rendering is render/cost.ts's. */
export interface CostReport {
  autoPause: {
    enabled: boolean
    estimate: (AutoPauseEstimate & {monthlySaving: null | number}) | null
    note: string
    supported: boolean | null
  }
  compute: {
    acuHours: number
    averageAcu: null | number
    instances: Array<{acuHours: number; hoursWithData: number; id: string; peakAcu: null | number}>
    monthly: null | number
    window: null | number
  }
  environment: {guidance: CapacityRange | null; name: Environment | null; source: 'flag' | 'none' | 'tag'}
  heatmap: {cells: Array<Array<null | number>>; days: string[]; samples: number[][]; timeZone: string}
  notes: string[]
  notIncluded: string[]
  patterns: null | UsagePatterns
  price: {
    asOf: string
    perAcuHour: null | number
    region: string
    source: 'flag' | 'none' | 'table'
    storageConfiguration: StorageConfiguration
    storagePerGbMonth: null | number
    tableSource: string
  }
  range: {
    current: CapacityRange
    highestMax: number
    hoursWithData: number
    peak: UsageSummary['peak']
    shares: UsageSummary['shares']
  }
  recommendation: RangeRecommendation & {
    model: string
    monthly: {current: null | number; recommended: null | number; withAutoPause: null | number}
  }
  storage: null | {averageGb: number; monthly: null | number}
  window: {end: string; hours: number; start: string}
}

/** The cost review: pure, from what fetchCostInputs gathered. */
export function buildCostReport(inputs: CostInputs, options: CostOptions): CostReport {
  const {cluster, usage} = inputs
  const current = {maxAcu: cluster.scaling.maxAcu, minAcu: cluster.scaling.minAcu}
  const summary = summarizeUsage(usage, current)
  const highestMax = inputs.support?.maxCapacity ?? 256
  const recommendation = recommendRange(summary, current, {highestMax, span: windowLabel(usage.window)})
  const proposed = {maxAcu: recommendation.max.to, minAcu: recommendation.min.to}
  const storageKind = storageConfiguration(cluster.storageType)
  const table = regionPrices(cluster.region)
  const perAcuHour = options.price ?? table?.acuHour[storageKind] ?? null
  const monthlyOf = (acuHours: number) =>
    perAcuHour === null || summary.hoursWithData === 0 ? null : dollars((acuHours / summary.hoursWithData) * hoursPerMonth * perAcuHour)
  const autoPause = autoPauseSection(inputs, {current, proposed}, monthlyOf)
  const recommendedMonthly = monthlyOf(modelAcuHours(usage, current, proposed))
  const heatmap = hourOfWeekHeatmap(usage, options.timeZone)
  const environment = environmentSection(cluster.tags, options.environment)
  return {
    autoPause,
    compute: {
      acuHours: round(summary.acuHours, 2),
      averageAcu: summary.averageAcu === null ? null : round(summary.averageAcu, 3),
      instances: summary.instances.map((instance) => ({...instance, acuHours: round(instance.acuHours, 2)})),
      monthly: monthlyOf(summary.acuHours),
      window: perAcuHour === null ? null : dollars(summary.acuHours * perAcuHour),
    },
    environment,
    heatmap: {
      cells: heatmap.cells.map((row) => row.map((value) => (value === null ? null : round(value, 3)))),
      days: [...weekdays],
      samples: heatmap.samples,
      timeZone: heatmap.timeZone,
    },
    notes: reportNotes(inputs, {perAcuHour, summary}),
    notIncluded: notIncluded(storageKind, table?.ioPerMillion),
    patterns: describePatterns(heatmap),
    price: {
      asOf: priceTable.asOf,
      perAcuHour,
      region: cluster.region,
      source: options.price === undefined ? (table ? 'table' : 'none') : 'flag',
      storageConfiguration: storageKind,
      storagePerGbMonth: table?.storageGbMonth[storageKind] ?? null,
      tableSource: priceTable.source,
    },
    range: {current, highestMax, hoursWithData: summary.hoursWithData, peak: summary.peak, shares: roundShares(summary.shares)},
    recommendation: {
      ...recommendation,
      model:
        'Monthly = ACU-hours per observed hour × 730 × price. Recommended: each instance-hour’s average clamped into the new range, ' +
        'an hour spent at the current min counted at the new min. Auto-pause: idle hours (no connections) cost nothing after the pause wait.',
      monthly: {
        current: monthlyOf(summary.acuHours),
        recommended: recommendedMonthly,
        withAutoPause:
          recommendedMonthly === null || typeof autoPause.estimate?.monthlySaving !== 'number'
            ? null
            : dollars(recommendedMonthly - autoPause.estimate.monthlySaving),
      },
    },
    storage: storageSection(usage, table?.storageGbMonth[storageKind]),
    window: {end: usage.window.end.toISOString(), hours: usage.window.hours, start: usage.window.start.toISOString()},
  }
}

const roundShares = (shares: UsageSummary['shares']) => ({
  atMin: round(shares.atMin, 4),
  pinnedAtMax: round(shares.pinnedAtMax, 4),
  reachedMax: round(shares.reachedMax, 4),
})

function environmentSection(tags: Record<string, string>, flag: Environment | undefined): CostReport['environment'] {
  const name = flag ?? environmentFromTag(tags.Environment ?? tags.environment)
  return {guidance: name ? {...environmentGuidance[name]} : null, name: name ?? null, source: flag ? 'flag' : name ? 'tag' : 'none'}
}

function autoPauseSection(
  inputs: CostInputs,
  ranges: {current: CapacityRange; proposed: CapacityRange},
  monthlyOf: (acuHours: number) => null | number,
): CostReport['autoPause'] {
  const {cluster, support} = inputs
  const supported = support === undefined ? null : supportsAutoPause(support)
  const enabled = cluster.scaling.minAcu === 0
  const pauseAfter = cluster.scaling.secondsUntilAutoPause ?? awsDefaultSecondsUntilAutoPause
  const raw = cluster.writerIsServerless ? estimateAutoPause(inputs.usage, ranges, pauseAfter) : null
  const estimate = raw && {
    ...raw,
    idleShare: round(raw.idleShare, 4),
    // Nothing to save where it is on already, or where the version cannot pause.
    monthlySaving: enabled || supported === false ? null : monthlyOf(raw.savedAcuHours),
    savedAcuHours: round(raw.savedAcuHours, 2),
  }
  return {enabled, estimate, note: autoPauseNote({enabled, estimate: raw, inputs, pauseAfter, supported}), supported}
}

function autoPauseNote(facts: {
  enabled: boolean
  estimate: AutoPauseEstimate | null
  inputs: CostInputs
  pauseAfter: number
  supported: boolean | null
}): string {
  const {enabled, estimate, inputs, pauseAfter, supported} = facts
  const version = `aurora-postgresql ${inputs.cluster.engineVersion}`
  if (enabled) return `Auto-pause is on: instances pause after ${pauseAfter} s without connections.`
  if (!inputs.cluster.writerIsServerless) return 'The writer is a provisioned instance: the cluster cannot pause.'
  if (supported === false) return `${version} cannot scale to 0 ACU: ${upgradeText(inputs)}.`
  if (!estimate) return 'No DatabaseConnections datapoints: the idle hours (no connections) cannot be told.'
  const maybe = supported === null ? `whether ${version} can scale to 0 ACU, AWS did not say` : `${version} can scale to 0 ACU`
  return `Auto-pause (${maybe}): no connections in ${formatPercent(estimate.idleShare)} of hours; min 0 would pause the cluster in them after ${pauseAfter} s.`
}

/** The version to upgrade to for auto-pause, as AWS reports it (fetchCostInputs asks). */
function upgradeText(inputs: CostInputs): string {
  const {upgradeForAutoPause: first} = inputs
  const major = inputs.cluster.engineVersion.split('.')[0]
  if (first) return `auto-pause needs a version that can; the first ${major}.x that can is ${first}, as AWS reports it`
  if (first === null) return `no ${major}.x version can, as AWS reports it: auto-pause needs a later major version`
  return 'auto-pause needs a version that can, as AWS reports it (`aws rds describe-db-engine-versions --engine aurora-postgresql`)'
}

function storageSection(usage: HourlyUsage, pricePerGbMonth: number | undefined): CostReport['storage'] {
  const values = usage.volumeBytes.filter((value): value is number => value !== null)
  if (values.length === 0) return null
  const averageGb = values.reduce((sum, value) => sum + value, 0) / values.length / 1024 ** 3
  return {averageGb: round(averageGb, 3), monthly: pricePerGbMonth === undefined ? null : dollars(averageGb * pricePerGbMonth)}
}

function notIncluded(storage: StorageConfiguration, ioPerMillion: number | undefined): string[] {
  return [
    storage === 'standard'
      ? `I/O requests (Aurora Standard bills them${ioPerMillion === undefined ? '' : `: $${ioPerMillion.toFixed(2)} per million`}; I/O-Optimized includes them)`
      : 'I/O requests: none billed (I/O-Optimized includes them in the ACU and storage prices)',
    'backup storage beyond the free amount (the cluster volume’s size), and snapshots',
    'data transfer out of the region or across availability zones',
    'Performance Insights beyond its free 7 days, Enhanced Monitoring, CloudWatch Logs',
    'RDS Proxy, Extended Support, and any Savings Plans, credits or discounts',
  ]
}

function reportNotes(inputs: CostInputs, facts: {perAcuHour: null | number; summary: UsageSummary}): string[] {
  const notes: string[] = []
  const {cluster, usage} = inputs
  if (facts.perAcuHour === null)
    notes.push(
      `No Serverless v2 price for ${cluster.region} in the table (as of ${priceTable.asOf}): ACU-hours only. Give one with --price.`,
    )
  if (facts.summary.hoursWithData < usage.window.hours)
    notes.push(
      `${usage.window.hours - facts.summary.hoursWithData} of ${usage.window.hours} hours have no capacity datapoints (a new, stopped or paused cluster has none); monthly figures scale the observed hours.`,
    )
  if (cluster.provisioned.length > 0)
    notes.push(`Provisioned instances are not billed in ACUs and are left out: ${cluster.provisioned.join(', ')}.`)
  if (usage.instances.length === 0) notes.push('The cluster has no Serverless v2 instances.')
  return notes
}
