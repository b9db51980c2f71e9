import {CloudWatchClient, GetMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeDBClustersCommand, DescribeDBEngineVersionsCommand, DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {Ansis} from 'ansis'
import {mockClient} from 'aws-sdk-client-mock'
import {stripVTControlCharacters} from 'node:util'
import {beforeEach, describe, expect, it} from 'vitest'

import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderCostCsv, renderCostReport, renderHeatmap, shadeOf} from '../../src/lib/cli/render/cost.js'
import {fetchCostInputs} from '../../src/lib/cost/fetch.js'
import {describeDays, describeHours, describePatterns, hourOfWeek, hourOfWeekHeatmap, validateTimeZone} from '../../src/lib/cost/heatmap.js'
import {parsePrice, regionPrices, storageConfiguration} from '../../src/lib/cost/prices.js'
import {environmentFromTag, estimateAutoPause, modelAcuHours, recommendRange} from '../../src/lib/cost/recommend.js'
import {buildCostReport, type CostInputs} from '../../src/lib/cost/report.js'
import {costWindow, fetchHourlyUsage, type HourlyUsage, type InstanceUsage, summarizeUsage, toHourly} from '../../src/lib/cost/usage.js'
import {capacityRange} from '../../src/lib/doctor/checks/capacity.js'
import {DoctorFacts} from '../../src/lib/doctor/facts.js'
import {historyData, sandboxConnectionsAt, sandboxWriterAcuAt} from '../../src/lib/sandbox/usage-history.js'

const hour = 3_600_000
/** A Monday, 00:00 UTC: the known week starts here. */
const monday = Date.parse('2026-11-16T00:00:00Z')

type Hourly = Array<null | number>

function instance(
  id: string,
  series: {average: Hourly; connections?: Hourly; maximum?: Hourly},
  extra: Partial<InstanceUsage> = {},
): InstanceUsage {
  return {
    average: series.average,
    connections: series.connections ?? series.average.map(() => null),
    id,
    maximum: series.maximum ?? series.average,
    promotionTier: 1,
    writer: false,
    ...extra,
  }
}

function usageOf(instances: InstanceUsage[], start = monday, volumeBytes?: Hourly): HourlyUsage {
  const hours = instances[0]?.average.length ?? 0
  return {
    instances,
    volumeBytes: volumeBytes ?? Array.from({length: hours}, () => null),
    window: {end: new Date(start + hours * hour), hours, start: new Date(start)},
  }
}

/** Weekdays 08:00-20:00 and Saturday 10:00-14:00, hours from Monday 00:00. */
function busy(index: number): boolean {
  const day = Math.floor(index / 24)
  const ofDay = index % 24
  return (day < 5 && ofDay >= 8 && ofDay < 20) || (day === 5 && ofDay >= 10 && ofDay < 14)
}

/**
 * The known week (168 hours from Monday 00:00 UTC), min 1 and max 4 ACU: the writer busy on weekdays 08:00-20:00 and
 * Saturday 10:00-14:00 (average 1.25, maximum 1.5 ACU, 20 connections), else at the 1 ACU min (2 connections on
 * weekdays, none at the weekend); a reader in promotion tier 2 at the min all week without connections.
 */
function knownWeek(): HourlyUsage {
  const hours = Array.from({length: 168}, (_, index) => index)
  const writer = instance(
    'w',
    {
      average: hours.map((index) => (busy(index) ? 1.25 : 1)),
      connections: hours.map((index) => (busy(index) ? 20 : index < 120 ? 2 : 0)),
      maximum: hours.map((index) => (busy(index) ? 1.5 : 1)),
    },
    {writer: true},
  )
  const reader = instance('r', {average: hours.map(() => 1), connections: hours.map(() => 0)}, {promotionTier: 2})
  return usageOf(
    [writer, reader],
    monday,
    hours.map(() => 20 * 1024 ** 3),
  )
}

const knownRange = {maxAcu: 4, minAcu: 1}
/** The start of the known week's hour `offset`. */
const hourAt = (offset: number) => new Date(monday + offset * hour)

describe('the cost window', () => {
  const now = new Date('2026-11-30T21:35:12Z')

  it('ends at the last whole hour and spans --since', () => {
    expect(costWindow({sinceMs: 14 * 24 * hour}, now)).toEqual({
      end: new Date('2026-11-30T21:00:00Z'),
      hours: 336,
      start: new Date('2026-11-16T21:00:00Z'),
    })
    expect(costWindow({endMs: Date.parse('2026-11-23T00:00:00Z'), sinceMs: 7 * 24 * hour}, now).start).toEqual(
      new Date('2026-11-16T00:00:00Z'),
    )
  })

  it('refuses part hours, an end in the future, and a start past 455 days', () => {
    expect(() => costWindow({sinceMs: 90 * 60_000}, now)).toThrow('--since must be whole hours or days')
    expect(() => costWindow({endMs: now.getTime() + 2 * hour, sinceMs: hour}, now)).toThrow('is in the future')
    expect(() => costWindow({endMs: now.getTime() - 10 * 24 * hour, sinceMs: 450 * 24 * hour}, now)).toThrow('within the last 455 days')
  })

  it('puts points in their hours, leaving the others null', () => {
    const window = {end: new Date(monday + 3 * hour), hours: 3, start: new Date(monday)}
    const points = [
      {t: new Date(monday + hour).toISOString(), v: 2},
      {t: new Date(monday + 5 * hour).toISOString(), v: 9},
    ]
    expect(toHourly({points}, window)).toEqual([null, 2, null])
  })
})

describe('prices', () => {
  it('has a dated price for common regions, by storage configuration', () => {
    expect(regionPrices('us-east-1')).toMatchObject({acuHour: {'io-optimized': 0.16, standard: 0.12}, storageGbMonth: {standard: 0.1}})
    expect(regionPrices('xx-nowhere-1')).toBeUndefined()
    expect([storageConfiguration('aurora-iopt1'), storageConfiguration('aurora'), storageConfiguration(undefined)]).toEqual([
      'io-optimized',
      'standard',
      'standard',
    ])
  })

  it.each(['0', '-1', 'abc', '0.1.2', '101', ''])('refuses --price %j', (text) => {
    expect(() => parsePrice(text, '--price')).toThrow(/--price ".*" is not a price: USD per ACU-hour above 0 and at most 100/)
  })

  it('reads --price', () => {
    expect(parsePrice('0.14', '--price')).toBe(0.14)
  })
})

describe('usage summary', () => {
  it('counts the known week: ACU-hours, the peak, and the shares of hours at the max and the min', () => {
    const summary = summarizeUsage(knownWeek(), knownRange)
    expect(summary).toMatchObject({acuHours: 352, hoursWithData: 168, peak: {acu: 1.5, hour: '2026-11-16T08:00:00.000Z', instance: 'w'}})
    expect(summary.shares).toEqual({atMin: 104 / 168, pinnedAtMax: 0, reachedMax: 0})
    expect(summary.instances).toEqual([
      {acuHours: 184, hoursWithData: 168, id: 'w', peakAcu: 1.5},
      {acuHours: 168, hoursWithData: 168, id: 'r', peakAcu: 1},
    ])
  })

  it('has nothing to say without data', () => {
    const summary = summarizeUsage(usageOf([instance('w', {average: [null, null]})]), knownRange)
    expect(summary).toMatchObject({
      acuHours: 0,
      averageAcu: null,
      hoursWithData: 0,
      peak: null,
      shares: {atMin: 0, pinnedAtMax: 0, reachedMax: 0},
    })
  })

  it('skips gaps: shares are of the hours with data', () => {
    const summary = summarizeUsage(usageOf([instance('w', {average: [1, null, 2, null], maximum: [1, null, 2, null]})]), {
      maxAcu: 2,
      minAcu: 1,
    })
    expect(summary).toMatchObject({acuHours: 3, averageAcu: 1.5, hoursWithData: 2, shares: {atMin: 0.5, pinnedAtMax: 0.5, reachedMax: 0.5}})
  })

  it('tells an hour that touched the max from one pinned there', () => {
    const summary = summarizeUsage(usageOf([instance('w', {average: [1.5, 2, 1], maximum: [2, 2, 1]})]), {maxAcu: 2, minAcu: 0.5})
    expect(summary.shares).toEqual({atMin: 0, pinnedAtMax: 1 / 3, reachedMax: 2 / 3})
  })
})

describe('the hour-of-week heatmap', () => {
  it('averages each hour (all instances together) into its day and hour', () => {
    const heatmap = hourOfWeekHeatmap(knownWeek(), 'UTC')
    expect(heatmap.cells[0]![8]).toBe(2.25)
    expect(heatmap.cells[0]![7]).toBe(2)
    expect(heatmap.cells[5]![10]).toBe(2.25)
    expect(heatmap.cells[6]![12]).toBe(2)
    expect(heatmap.samples.flat().every((count) => count === 1)).toBe(true)
  })

  it('averages over the weeks, and leaves cells without data null', () => {
    const twoMondays = Array.from({length: 192}, (_, index) =>
      index === 0 ? 1 : index === 168 ? 3 : index < 24 || index >= 168 ? 2 : null,
    )
    const heatmap = hourOfWeekHeatmap(usageOf([instance('w', {average: twoMondays})]), 'UTC')
    expect(heatmap.cells[0]![0]).toBe(2)
    expect(heatmap.samples[0]![0]).toBe(2)
    expect(heatmap.cells[1]![0]).toBeNull()
  })

  it('shifts to another time zone', () => {
    const heatmap = hourOfWeekHeatmap(knownWeek(), 'Europe/Berlin')
    // 08:00 UTC is 09:00 in Berlin in November; Monday 00:00 UTC is Monday 01:00 there.
    expect(heatmap.cells[0]![9]).toBe(2.25)
    expect(heatmap.cells[0]![8]).toBe(2)
    expect(hourOfWeek(new Date(monday), 'Europe/Berlin')).toEqual({day: 0, hour: 1})
    expect(hourOfWeek(new Date(monday - hour), 'UTC')).toEqual({day: 6, hour: 23})
    expect(() => validateTimeZone('Mars/Olympus', '--time-zone')).toThrow('--time-zone "Mars/Olympus" is not an IANA time zone')
  })

  it('says the busy hours in words, unmoved by a stray busy Saturday morning', () => {
    const patterns = describePatterns(hourOfWeekHeatmap(knownWeek(), 'UTC'))!
    expect(patterns.busy).toMatchObject({averageAcu: 2.25, days: 'weekdays', hours: '08:00-20:00', restLabel: 'nights and weekends'})
    expect(patterns.busy!.restAverageAcu).toBeCloseTo(217 / 108, 10)
    expect(patterns.summary).toBe(
      'Weekdays 08:00-20:00 UTC average 2.25 ACU, 2 instances together; nights and weekends 2.01 ACU. Busiest hour Mon 08:00 (2.25 ACU, 2 instances together), quietest Mon 00:00 (2 ACU).',
    )
  })

  it('calls a flat week flat, and has no words without data', () => {
    const flat = describePatterns(hourOfWeekHeatmap(usageOf([instance('w', {average: Array.from({length: 168}, () => 1)})]), 'UTC'))!
    expect(flat.busy).toBeNull()
    expect(flat.summary).toMatch(/^No busy hours: every hour of the week averages 1 ACU\. Busiest hour Mon 00:00/)
    expect(describePatterns(hourOfWeekHeatmap(usageOf([instance('w', {average: [null]})]), 'UTC'))).toBeNull()
  })

  it('names days and hours', () => {
    expect([describeDays([0, 1, 2, 3, 4]), describeDays([5, 6]), describeDays([0, 1, 2, 3, 4, 5, 6]), describeDays([0, 1, 2, 4])]).toEqual([
      'weekdays',
      'weekends',
      'every day',
      'Mon-Wed, Fri',
    ])
    expect(describeHours([9, 10, 11, 14, 15, 23])).toBe('09:00-12:00 and 14:00-16:00 and 23:00-24:00')
  })
})

describe('the recommendation', () => {
  it("gives the issue's examples for the known week: max 4 → 2, min 1 → 0.5, with their reasons", () => {
    const recommendation = recommendRange(summarizeUsage(knownWeek(), knownRange), knownRange, {highestMax: 256, span: '7-day'})
    expect(recommendation).toEqual({
      changed: true,
      max: {from: 4, reason: "max 4 → 2: the busiest instance's 7-day peak was 1.5 ACU and no instance reached 75% of max", to: 2},
      min: {from: 1, reason: 'min 1 → 0.5: 62% of hours ran at the min', to: 0.5},
    })
  })

  it('raises a max pinned for whole hours in 5% of hours, up to the version’s highest', () => {
    const pinned = Array.from({length: 20}, (_, index) => (index === 0 ? 2 : 1))
    const summary = summarizeUsage(usageOf([instance('w', {average: pinned})]), {maxAcu: 2, minAcu: 0.5})
    expect(recommendRange(summary, {maxAcu: 2, minAcu: 0.5}, {highestMax: 256, span: '14-day'}).max).toEqual({
      from: 2,
      reason: 'max 2 → 4: 5% of hours spent whole at the max (throttling risk)',
      to: 4,
    })
    const atTop = summarizeUsage(usageOf([instance('w', {average: pinned.map((value) => value * 64)})]), {maxAcu: 128, minAcu: 0.5})
    expect(recommendRange(atTop, {maxAcu: 128, minAcu: 0.5}, {highestMax: 128, span: '14-day'}).max.to).toBe(128)
  })

  it('keeps a max the peak reached, and a min at 0.5 or with too few hours there', () => {
    const summary = summarizeUsage(usageOf([instance('w', {average: [0.5, 0.5, 0.75], maximum: [0.5, 0.5, 1]})]), {maxAcu: 1, minAcu: 0.5})
    const recommendation = recommendRange(summary, {maxAcu: 1, minAcu: 0.5}, {highestMax: 256, span: '3-hour'})
    expect(recommendation.changed).toBe(false)
    expect(recommendation.max.reason).toBe(
      "max 1: the busiest instance's 3-hour peak was 1 ACU (100% of max); 0% of hours spent whole at the max",
    )
    expect(recommendation.min.reason).toBe('min 0.5: 67% of hours ran at the min, already the lowest short of auto-pause')
    const busy = summarizeUsage(usageOf([instance('w', {average: [3, 3, 2]})]), {maxAcu: 4, minAcu: 2})
    expect(recommendRange(busy, {maxAcu: 4, minAcu: 2}, {highestMax: 256, span: 'x'}).min.reason).toBe('min 2: 33% of hours ran at the min')
  })

  it('never lowers the max below 1 ACU or the min, and says so without data', () => {
    const idle = summarizeUsage(usageOf([instance('w', {average: [2, 2, 2, 2]})]), {maxAcu: 16, minAcu: 2})
    const recommendation = recommendRange(idle, {maxAcu: 16, minAcu: 2}, {highestMax: 256, span: 'x'})
    // The min halves to 1; the peak (2) stays at 75% or less of 2.67, rounded up to a half: 3.
    expect([recommendation.min.to, recommendation.max.to]).toEqual([1, 3])
    const tiny = summarizeUsage(usageOf([instance('w', {average: [0.5, 0.5]})]), {maxAcu: 8, minAcu: 0.5})
    expect(recommendRange(tiny, {maxAcu: 8, minAcu: 0.5}, {highestMax: 256, span: 'x'}).max.to).toBe(1)
    const empty = summarizeUsage(usageOf([instance('w', {average: [null]})]), {maxAcu: 8, minAcu: 1})
    expect(recommendRange(empty, {maxAcu: 8, minAcu: 1}, {highestMax: 256, span: 'x'})).toMatchObject({
      changed: false,
      max: {reason: 'max 8: no capacity datapoints to judge it by'},
      min: {reason: 'min 1: no capacity datapoints to judge it by'},
    })
  })

  it('models the new range: averages clamped, hours at the old min at the new min', () => {
    expect(modelAcuHours(knownWeek(), knownRange, {maxAcu: 2, minAcu: 0.5})).toBe(216)
    expect(modelAcuHours(knownWeek(), knownRange, knownRange)).toBe(352)
    expect(modelAcuHours(knownWeek(), knownRange, {maxAcu: 1.2, minAcu: 1})).toBeCloseTo(64 * 1.2 + 104 + 168, 10)
  })

  it('estimates auto-pause: the writer alone (its reader is in tier 2), the reader on its own, less the wait before each pause', () => {
    const estimate = estimateAutoPause(knownWeek(), {current: knownRange, proposed: {maxAcu: 2, minAcu: 0.5}}, 300)!
    expect(estimate.idleHours).toBe(44 + 168)
    expect(estimate.idleShare).toBeCloseTo(44 / 168, 10)
    expect(estimate.savedAcuHours).toBeCloseTo(22 - 2 * 0.5 * (300 / 3600) + 84 - 0.5 * (300 / 3600), 10)
  })

  it('pauses a tier-1 reader only with the writer, and cannot tell without connection data', () => {
    const week = knownWeek()
    week.instances[1]!.promotionTier = 1
    const together = estimateAutoPause(week, {current: knownRange, proposed: knownRange}, 3600)!
    // Whole idle hours of the pair, less the first hour of each of the two runs (a wait of an hour).
    expect(together).toMatchObject({idleHours: 44, savedAcuHours: (44 - 2) * 2})
    expect(estimateAutoPause(usageOf([instance('w', {average: [1]})]), {current: knownRange, proposed: knownRange}, 300)).toBeNull()
  })

  it('reads the Environment tag as people write it', () => {
    expect(['dev', 'Development', 'STG', 'staging', 'Production', 'prod', 'qa', undefined].map((tag) => environmentFromTag(tag))).toEqual([
      'dev',
      'dev',
      'staging',
      'staging',
      'prod',
      'prod',
      undefined,
      undefined,
    ])
  })
})

/** What 15.14 supports: 0 to 256 ACU. */
const autoPauseVersion = {maxCapacity: 256, minCapacity: 0}

function knownInputs(overrides: Partial<CostInputs['cluster']> = {}, support: CostInputs['support'] = autoPauseVersion): CostInputs {
  return {
    cluster: {
      engineVersion: '15.14',
      provisioned: [],
      region: 'us-east-1',
      scaling: knownRange,
      storageType: 'aurora',
      tags: {Environment: 'Production'},
      writerIsServerless: true,
      ...overrides,
    },
    support,
    usage: knownWeek(),
  }
}

describe('the cost report', () => {
  it('prices the known week in us-east-1', () => {
    const report = buildCostReport(knownInputs(), {timeZone: 'UTC'})
    expect(report.compute).toMatchObject({acuHours: 352, monthly: 183.54, window: 42.24})
    expect(report.storage).toEqual({averageGb: 20, monthly: 2})
    expect(report.price).toMatchObject({perAcuHour: 0.12, source: 'table', storageConfiguration: 'standard', storagePerGbMonth: 0.1})
    expect(report.recommendation.monthly).toEqual({current: 183.54, recommended: 112.63, withAutoPause: 57.42})
    expect(report.autoPause).toMatchObject({enabled: false, estimate: {monthlySaving: 55.21}, supported: true})
    expect(report.environment).toEqual({guidance: {maxAcu: 4, minAcu: 1}, name: 'prod', source: 'tag'})
    expect(report.notes).toEqual([])
    expect(report.notIncluded.join('\n')).toMatch(/I\/O requests \(Aurora Standard bills them: \$0\.20 per million/)
  })

  it('says a region without a price gives ACU-hours only, unless --price', () => {
    const report = buildCostReport(knownInputs({region: 'xx-nowhere-1'}), {timeZone: 'UTC'})
    expect(report.compute).toMatchObject({acuHours: 352, monthly: null, window: null})
    expect(report.storage).toEqual({averageGb: 20, monthly: null})
    expect(report.recommendation.monthly).toEqual({current: null, recommended: null, withAutoPause: null})
    expect(report.notes[0]).toBe(
      'No Serverless v2 price for xx-nowhere-1 in the table (as of 2025-12-01): ACU-hours only. Give one with --price.',
    )
    const priced = buildCostReport(knownInputs({region: 'xx-nowhere-1'}), {price: 0.2, timeZone: 'UTC'})
    expect(priced.compute.window).toBe(70.4)
    expect(priced.price.source).toBe('flag')
  })

  it('prices I/O-Optimized, takes --environment over the tag, and notes a version without auto-pause', () => {
    const inputs = {
      ...knownInputs({engineVersion: '15.4', storageType: 'aurora-iopt1'}, {maxCapacity: 128, minCapacity: 0.5}),
      upgradeForAutoPause: '15.7',
    }
    const report = buildCostReport(inputs, {environment: 'dev', timeZone: 'UTC'})
    expect(report.price).toMatchObject({perAcuHour: 0.16, storagePerGbMonth: 0.225})
    expect(report.environment).toEqual({guidance: {maxAcu: 1, minAcu: 0.5}, name: 'dev', source: 'flag'})
    expect(report.autoPause.supported).toBe(false)
    expect(report.autoPause.note).toBe(
      'aurora-postgresql 15.4 cannot scale to 0 ACU: auto-pause needs a version that can; the first 15.x that can is 15.7, as AWS reports it.',
    )
    expect(report.range.highestMax).toBe(128)
  })

  it('saves nothing with auto-pause where the version cannot pause, in --json too', () => {
    const report = buildCostReport(knownInputs({engineVersion: '15.4'}, {maxCapacity: 256, minCapacity: 0.5}), {timeZone: 'UTC'})
    expect(report.autoPause).toMatchObject({enabled: false, estimate: {monthlySaving: null}, supported: false})
    expect(report.autoPause.estimate!.idleHours).toBe(44 + 168)
    expect(report.recommendation.monthly).toEqual({current: 183.54, recommended: 112.63, withAutoPause: null})
    expect(report.autoPause.note).toMatch(
      /^aurora-postgresql 15\.4 cannot scale to 0 ACU: auto-pause needs a version that can, as AWS reports it/,
    )
    const text = renderCostReport(report, {
      bin: 'auroractl',
      cluster: 'c',
      colour: createPalette({json: true, noColorFlag: true}),
      columns: 100,
    })
    expect(text).not.toContain('With auto-pause')
    const none = buildCostReport(
      {...knownInputs({engineVersion: '12.9'}, {maxCapacity: 128, minCapacity: 0.5}), upgradeForAutoPause: null},
      {
        timeZone: 'UTC',
      },
    )
    expect(none.autoPause.note).toBe(
      'aurora-postgresql 12.9 cannot scale to 0 ACU: no 12.x version can, as AWS reports it: auto-pause needs a later major version.',
    )
  })

  it('says when auto-pause is on, or a provisioned writer keeps the cluster awake', () => {
    const on = buildCostReport(knownInputs({scaling: {maxAcu: 4, minAcu: 0, secondsUntilAutoPause: 600}}), {timeZone: 'UTC'})
    expect(on.autoPause).toMatchObject({enabled: true, estimate: {monthlySaving: null, pauseAfterSeconds: 600}})
    expect(on.autoPause.note).toBe('Auto-pause is on: instances pause after 600 s without connections.')
    expect(on.recommendation.min.reason).toBe('min 0: auto-pause is on (0 ACU when idle)')
    const provisioned = buildCostReport(knownInputs({provisioned: ['p (db.r6g.large)'], writerIsServerless: false}), {timeZone: 'UTC'})
    expect(provisioned.autoPause.estimate).toBeNull()
    expect(provisioned.notes).toContain('Provisioned instances are not billed in ACUs and are left out: p (db.r6g.large).')
  })

  it('counts hours without data in a note, and scales the month from the observed hours', () => {
    const inputs = knownInputs()
    for (const item of inputs.usage.instances) item.average = item.average.map((value, index) => (index < 84 ? null : value))
    const report = buildCostReport(inputs, {timeZone: 'UTC'})
    expect(report.notes).toContain(
      '84 of 168 hours have no capacity datapoints (a new, stopped or paused cluster has none); monthly figures scale the observed hours.',
    )
    expect(report.range.hoursWithData).toBe(84)
  })
})

describe('rendering', () => {
  const plain = createPalette({json: true, noColorFlag: true})

  it('shades cells between the quietest and the busiest, with plain characters and a legend', () => {
    expect([shadeOf(2, 2, 2.25), shadeOf(2.25, 2, 2.25), shadeOf(2.1, 2, 2.25), shadeOf(5, 5, 5)]).toEqual([0, 9, 4, 0])
    const report = buildCostReport(knownInputs(), {timeZone: 'UTC'})
    const lines = renderHeatmap(report.heatmap, {colour: plain, columns: 100}).split('\n')
    expect(lines[0]).toBe('Average ACU by hour of the week (UTC), all instances together')
    expect(lines[1]).toBe('     00    03    06    09    12    15    18    21')
    expect(lines[2]).toBe(`Mon  ${' '.repeat(16)}${'@'.repeat(24)}${' '.repeat(8)}`)
    expect(lines[7]).toBe(`Sat  ${' '.repeat(20)}${'@'.repeat(8)}${' '.repeat(20)}`)
    expect(lines[9]).toBe('     [  ] 2  [..] 2.03  [::] 2.05  [--] 2.08  [==] 2.1')
    expect(lines[10]).toBe('     [++] 2.13  [**] 2.15  [##] 2.18  [%%] 2.2  [@@] 2.23  ACU and up   [??] no data')
    const narrow = renderHeatmap(report.heatmap, {colour: plain, columns: 40}).split('\n')
    expect(narrow[2]).toBe(`Mon  ${' '.repeat(8)}${'@'.repeat(12)}${' '.repeat(4)}`)
  })

  it('renders the report with the reasons, the guidance and the command to apply', () => {
    const text = renderCostReport(buildCostReport(knownInputs(), {timeZone: 'UTC'}), {
      bin: 'auroractl',
      cluster: 'c',
      colour: plain,
      columns: 100,
    })
    expect(text).toContain('Compute  352 ACU-hours (w 184, r 168) ≈ $42.24 at $0.12/ACU-hour (us-east-1, Aurora Standard)')
    expect(text).toContain('≈ $183.54 a month at this rate (730 hours)')
    expect(text).toContain('Storage  20 GB used (VolumeBytesUsed, average) ≈ $2.00 a month at $0.10/GB-month (Aurora Standard)')
    expect(text).toContain('Recommendation (prod guidance: 1-4 ACU, from the Environment tag)')
    expect(text).toContain("  max 4 → 2: the busiest instance's 7-day peak was 1.5 ACU and no instance reached 75% of max")
    expect(text).toContain('  min 1 → 0.5: 62% of hours ran at the min')
    expect(text).toContain('  0.5-2 ACU is outside the prod guidance: the guidance is a starting point, the load decides')
    expect(text).toContain('  Monthly compute: $183.54 now, $112.63 with 0.5-2 ACU')
    expect(text).toContain('  With auto-pause: $57.42 a month (saves $55.21): `auroractl scale --min 0 --max 2 --auto-pause 5m`')
    expect(text).toContain('  Apply: `auroractl scale --min 0.5 --max 2`')
    expect(text).toContain(
      'Range 1-4 ACU, each instance: reached the max in 0% of hours, whole hours at the max 0% (throttling risk); at the min all hour 62%',
    )
  })

  it('paints the shades as background colours on a colour terminal', () => {
    const report = buildCostReport(knownInputs(), {timeZone: 'UTC'})
    const painted = renderHeatmap(report.heatmap, {colour: new Ansis(3), columns: 100})
    expect(painted).toContain(`\u001B[48;5;196m@@`)
    expect(painted).toContain(`\u001B[48;5;236m  `)
    expect(stripVTControlCharacters(painted)).toBe(renderHeatmap(report.heatmap, {colour: plain, columns: 100}))
  })

  it('renders a cluster without datapoints without a heatmap or busy hours', () => {
    const empty = buildCostReport({...knownInputs(), usage: usageOf([instance('w', {average: [null, null]})])}, {timeZone: 'UTC'})
    const text = renderCostReport(empty, {bin: 'auroractl', cluster: 'c', colour: plain, columns: 100})
    expect(text).toContain('No hourly datapoints to draw.')
    expect(text).toContain('max 4: no capacity datapoints to judge it by')
    expect(text).toContain('Note: 2 of 2 hours have no capacity datapoints')
    expect(empty.patterns).toBeNull()
  })

  it('writes the hourly series as CSV, one row an instance-hour with data', () => {
    const usage = usageOf([
      instance('w', {average: [1, null], connections: [3, null], maximum: [1.5, null]}),
      instance('r', {average: [0.5, 0.5]}),
    ])
    expect(renderCostCsv(usage)).toBe(
      [
        'hour,instance,acu_average,acu_maximum,connections_maximum',
        '2026-11-16T00:00:00.000Z,w,1,1.5,3',
        '2026-11-16T00:00:00.000Z,r,0.5,0.5,',
        '2026-11-16T01:00:00.000Z,r,0.5,0.5,',
      ].join('\n'),
    )
  })
})

describe('fetching the hourly usage', () => {
  const cloudWatch = mockClient(CloudWatchClient)

  beforeEach(() => cloudWatch.reset())

  it('asks once per page for each instance’s average, maximum and connections and the volume, and follows NextToken', async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {Id: 'm0', Timestamps: [hourAt(0)], Values: [1.25]},
          {Id: 'm1', Timestamps: [hourAt(0)], Values: [1.5]},
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          {Id: 'm0', Timestamps: [hourAt(1)], Values: [1]},
          {Id: 'm2', Timestamps: [hourAt(1), hourAt(0)], Values: [0, 7]},
          {Id: 'm3', Timestamps: [hourAt(1)], Values: [1024]},
        ],
      })
    const window = {end: hourAt(2), hours: 2, start: hourAt(0)}
    const usage = await fetchHourlyUsage(cloudWatch as unknown as CloudWatchClient, {
      clusterId: 'c',
      instances: [{id: 'w', promotionTier: 1, writer: true}],
      window,
    })
    expect(usage.instances[0]).toMatchObject({average: [1.25, 1], connections: [7, 0], maximum: [1.5, null]})
    expect(usage.volumeBytes).toEqual([null, 1024])
    const calls = cloudWatch.commandCalls(GetMetricDataCommand)
    expect(calls).toHaveLength(2)
    expect(calls[1]!.args[0].input.NextToken).toBe('page-2')
    expect(
      calls[0]!.args[0].input.MetricDataQueries!.map((query) => [
        query.MetricStat!.Metric!.MetricName,
        query.MetricStat!.Stat,
        query.MetricStat!.Period,
      ]),
    ).toEqual([
      ['ServerlessDatabaseCapacity', 'Average', 3600],
      ['ServerlessDatabaseCapacity', 'Maximum', 3600],
      ['DatabaseConnections', 'Maximum', 3600],
      ['VolumeBytesUsed', 'Average', 3600],
    ])
  })
})

describe('doctor capacity.range', () => {
  const rds = mockClient(RDSClient)
  const cloudWatch = mockClient(CloudWatchClient)

  beforeEach(() => {
    rds.reset()
    cloudWatch.reset()
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'c',
          DBClusterMembers: [{DBInstanceIdentifier: 'w', IsClusterWriter: true}],
          ServerlessV2ScalingConfiguration: {MaxCapacity: 4, MinCapacity: 1},
        },
      ],
    })
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({DBInstances: [{DBInstanceClass: 'db.serverless', DBInstanceIdentifier: 'w', PromotionTier: 1}]})
    rds.on(DescribeDBEngineVersionsCommand).rejects(new Error('not asked'))
  })

  // Clients of the mocked classes: the SDK's paginators check the client's class.
  const facts = () =>
    new DoctorFacts(
      {cloudWatch: async () => new CloudWatchClient({region: 'us-east-1'}), rds: async () => new RDSClient({region: 'us-east-1'})} as never,
      {clusterId: 'c', tcpTimeoutMs: 1000},
      new Date('2026-11-30T21:10:00Z'),
    )

  it('warns with the recommendation’s reasons, in one GetMetricData call', async () => {
    const week = knownWeek().instances[0]!
    const start = Date.parse('2026-11-16T21:00:00Z')
    const stamps = week.average.map((_, index) => new Date(start + index * hour))
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {Id: 'm0', Timestamps: stamps, Values: week.average as number[]},
        {Id: 'm1', Timestamps: stamps, Values: week.maximum as number[]},
      ],
    })
    const outcome = await capacityRange.run(facts())
    expect(outcome.status).toBe('warn')
    expect(outcome.value).toBe(1.5 / 4)
    expect(outcome.detail).toBe(
      "last 14 days: 1-4 ACU, busiest instance's peak 1.5 ACU (38% of max); at the min all hour in 62% of 168 hours, whole hours at the max 0%",
    )
    expect(outcome.items).toEqual([
      "max 4 → 2: the busiest instance's 14-day peak was 1.5 ACU and no instance reached 75% of max",
      'min 1 → 0.5: 62% of hours ran at the min',
    ])
    expect(outcome.hint).toContain('auroractl scale --min 0.5 --max 2')
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(1)
  })

  it('is ok without datapoints', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({MetricDataResults: [{Id: 'm0'}, {Id: 'm1'}]})
    expect(await capacityRange.run(facts())).toMatchObject({status: 'ok', value: 0})
  })
})

describe('fetching the cost inputs', () => {
  const rds = mockClient(RDSClient)
  const cloudWatch = mockClient(CloudWatchClient)

  beforeEach(() => {
    rds.reset()
    cloudWatch.reset()
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({DBInstances: [{DBInstanceClass: 'db.serverless', DBInstanceIdentifier: 'w', PromotionTier: 1}]})
    cloudWatch.on(GetMetricDataCommand).resolves({MetricDataResults: []})
    // 15.4 cannot scale to 0 ACU; 15.7 and 15.14 can (as AWS would report them).
    rds.on(DescribeDBEngineVersionsCommand).callsFake((input: {EngineVersion?: string}) => ({
      DBEngineVersions: ['15.4', '15.14', '15.7']
        .filter((version) => input.EngineVersion === undefined || version === input.EngineVersion)
        .map((version) => ({
          EngineVersion: version,
          ServerlessV2FeaturesSupport: {MaxCapacity: 256, MinCapacity: version === '15.4' ? 0.5 : 0},
        })),
    }))
  })

  const clusterAt = (EngineVersion: string, scaling: {MaxCapacity: number; MinCapacity: number; SecondsUntilAutoPause?: number}) =>
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'c',
          DBClusterMembers: [{DBInstanceIdentifier: 'w', IsClusterWriter: true}],
          Engine: 'aurora-postgresql',
          EngineVersion,
          ServerlessV2ScalingConfiguration: scaling,
        },
      ],
    })
  const fetch = () =>
    fetchCostInputs(
      {cloudWatch: new CloudWatchClient({region: 'us-east-1'}), rds: new RDSClient({region: 'us-east-1'})},
      {clusterId: 'c', window: {end: hourAt(2), hours: 2, start: hourAt(0)}},
    )

  it('asks AWS for the first version that can pause where this one cannot, and ignores a pause delay above min 0', async () => {
    clusterAt('15.4', {MaxCapacity: 4, MinCapacity: 0.5, SecondsUntilAutoPause: 600})
    const inputs = await fetch()
    expect(inputs.support).toEqual({maxCapacity: 256, minCapacity: 0.5})
    expect(inputs.upgradeForAutoPause).toBe('15.7')
    expect(inputs.cluster.scaling).toEqual({maxAcu: 4, minAcu: 0.5, secondsUntilAutoPause: undefined})
    expect(buildCostReport(inputs, {timeZone: 'UTC'}).autoPause.note).toContain('the first 15.x that can is 15.7, as AWS reports it')
  })

  it('keeps the pause delay at min 0, and asks nothing more of a version that can pause', async () => {
    clusterAt('15.14', {MaxCapacity: 4, MinCapacity: 0, SecondsUntilAutoPause: 600})
    const inputs = await fetch()
    expect(inputs.cluster.scaling).toEqual({maxAcu: 4, minAcu: 0, secondsUntilAutoPause: 600})
    expect(inputs.upgradeForAutoPause).toBeUndefined()
    expect(rds.commandCalls(DescribeDBEngineVersionsCommand)).toHaveLength(1)
  })
})

describe('the sandbox history', () => {
  const range = {maxAcu: 1, minAcu: 0.5}

  it('runs office hours in UTC, with spikes on Tuesday and Thursday at 14:00 and idle nights and weekends', () => {
    // 2026-11-17 is a Tuesday.
    expect([
      sandboxWriterAcuAt(new Date('2026-11-17T10:00:00Z'), range),
      sandboxWriterAcuAt(new Date('2026-11-17T10:05:00Z'), range),
      sandboxWriterAcuAt(new Date('2026-11-17T14:05:00Z'), range),
      sandboxWriterAcuAt(new Date('2026-11-17T03:00:00Z'), range),
      sandboxWriterAcuAt(new Date('2026-11-21T10:00:00Z'), range),
    ]).toEqual([1, 0.5, 1, 0.5, 0.5])
    expect([
      sandboxConnectionsAt(new Date('2026-11-17T10:00:00Z'), 'writer'),
      sandboxConnectionsAt(new Date('2026-11-17T10:05:00Z'), 'writer'),
      sandboxConnectionsAt(new Date('2026-11-17T14:30:00Z'), 'writer'),
      sandboxConnectionsAt(new Date('2026-11-17T19:00:00Z'), 'writer'),
      sandboxConnectionsAt(new Date('2026-11-17T10:00:00Z'), 'reader'),
      sandboxConnectionsAt(new Date('2026-11-17T23:00:00Z'), 'writer'),
    ]).toEqual([30, 18, 42, 3, 2, 0])
  })

  it('publishes statistic sets of the minutes they stand for, a set cut short holding only its minutes', () => {
    const data = historyData(
      [{dimensions: [], every: 3600, name: 'X', unit: 'None', valueAt: (minute) => sandboxWriterAcuAt(minute, range)}],
      new Date('2026-11-17T10:00:00Z'),
      new Date('2026-11-17T11:30:00Z'),
    )
    expect(data.map((datum) => [datum.Timestamp!.toISOString(), datum.StatisticValues])).toEqual([
      ['2026-11-17T10:00:00.000Z', {Maximum: 1, Minimum: 0.5, SampleCount: 60, Sum: 45}],
      ['2026-11-17T11:00:00.000Z', {Maximum: 1, Minimum: 0.5, SampleCount: 30, Sum: 22.5}],
    ])
  })
})
