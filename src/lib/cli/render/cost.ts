import type {CostReport} from '../../cost/report.js'
import type {Palette} from './colour.js'

import {acuText} from '../../cost/heatmap.js'
import {type HourlyUsage, hourStart} from '../../cost/usage.js'
import {formatPercent, keyValueBlock} from './text.js'

/** Ten shades, quietest first: what the heatmap prints without colour (and over the colours with it). */
export const shades = ' .:-=+*#%@'
/** 256-colour backgrounds for the same ten steps, dark blue to red. */
const shadeColours = [236, 17, 18, 25, 31, 36, 71, 143, 214, 196]
const noData = '?'

const money = (value: number) => `$${value.toFixed(2)}`
/** A unit price: cents at least ($0.10), more digits when it has them ($0.225). */
const unitPrice = (value: number) => (Number.isInteger(Math.round(value * 1e6) / 1e4) ? money(value) : `$${value}`)
const storageName = (kind: string) => (kind === 'standard' ? 'Aurora Standard' : 'Aurora I/O-Optimized')

/** The shade (0-9) of a cell between the quietest and busiest cells; everything in the lowest shade when they are equal. */
export function shadeOf(value: number, low: number, high: number): number {
  if (high <= low) return 0
  return Math.min(shades.length - 1, Math.floor(((value - low) / (high - low)) * shades.length))
}

/**
 * The hour-of-week heatmap: a row a day (Monday first), a column an hour, each cell shaded by its average ACU between
 * the quietest and the busiest cell, with the legend beneath. Two characters a cell where the terminal has room.
 */
export function renderHeatmap(heatmap: CostReport['heatmap'], options: {colour: Palette; columns: number}): string {
  const values = heatmap.cells.flat().filter((value): value is number => value !== null)
  if (values.length === 0) return 'No hourly datapoints to draw.'
  const low = Math.min(...values)
  const high = Math.max(...values)
  const width = options.columns >= 60 ? 2 : 1
  const plain = options.colour.level === 0
  const paint = (shade: null | number) => {
    if (shade === null) return noData.repeat(width)
    const text = shades[shade]!.repeat(width)
    return plain ? text : options.colour.bg(shadeColours[shade]!)(text)
  }

  const axis = Array.from({length: 8}, (_, index) =>
    String(index * 3)
      .padStart(2, '0')
      .padEnd(3 * width),
  ).join('')
  const row = (cells: Array<null | number>) => cells.map((value) => paint(value === null ? null : shadeOf(value, low, high))).join('')
  return [
    `Average ACU by hour of the week (${heatmap.timeZone}), all instances together`,
    `     ${axis.trimEnd()}`,
    ...heatmap.days.map((day, index) => `${day}  ${row(heatmap.cells[index]!)}`),
    ...legend({high, low, paint}),
  ].join('\n')
}

/** Each shade in brackets (so the blank one shows) with the ACU it starts at. */
function legend(options: {high: number; low: number; paint: (shade: null | number) => string}): string[] {
  const {high, low, paint} = options
  if (high <= low) return [`     [${paint(0)}] every cell ${acuText(low)} ACU   [${paint(null)}] no data`]
  const step = (high - low) / shades.length
  const entries = [...shades].map((_, shade) => `[${paint(shade)}] ${acuText(low + step * shade)}`)
  return [`     ${entries.slice(0, 5).join('  ')}`, `     ${entries.slice(5).join('  ')}  ACU and up   [${paint(null)}] no data`]
}

/** The whole report for a person: money, heatmap, range, recommendation, and what is not counted. */
export function renderCostReport(report: CostReport, options: {bin: string; cluster: string; colour: Palette; columns: number}): string {
  const {colour} = options
  const sections = [
    colour.bold(`Cost of ${options.cluster} over ${report.window.hours} hours, ${report.window.start} to ${report.window.end}`),
    keyValueBlock(moneyRows(report)),
    'Not included:',
    ...report.notIncluded.map((item) => `  - ${item}`),
    '',
    renderHeatmap(report.heatmap, options),
    report.patterns?.summary ?? '',
    '',
    rangeLine(report),
    '',
    ...recommendationLines(report, options),
  ]
  return sections.join('\n')
}

function moneyRows(report: CostReport): Array<[string, string]> {
  const {compute, price} = report
  const rate =
    price.perAcuHour === null
      ? ''
      : ` at ${unitPrice(price.perAcuHour)}/ACU-hour (${price.source === 'flag' ? '--price' : `${price.region}, ${storageName(price.storageConfiguration)}`})`
  const perInstance = compute.instances.map((instance) => `${instance.id} ${acuText(instance.acuHours)}`).join(', ')
  const rows: Array<[string, string]> = [
    [
      'Compute',
      `${acuText(compute.acuHours)} ACU-hours (${perInstance || 'no instances'})${compute.window === null ? '' : ` ≈ ${money(compute.window)}${rate}`}`,
    ],
  ]
  if (compute.monthly !== null) rows.push(['', `≈ ${money(compute.monthly)} a month at this rate (730 hours)`])
  rows.push(['Storage', storageText(report)])
  return rows
}

function storageText(report: CostReport): string {
  const {price, storage} = report
  if (!storage) return 'no VolumeBytesUsed datapoints'
  const cost =
    storage.monthly === null
      ? `(no storage price for ${price.region})`
      : `≈ ${money(storage.monthly)} a month at ${unitPrice(price.storagePerGbMonth!)}/GB-month (${storageName(price.storageConfiguration)})`
  return `${acuText(storage.averageGb)} GB used (VolumeBytesUsed, average) ${cost}`
}

function rangeLine(report: CostReport): string {
  const {current, shares} = report.range
  return (
    `Range ${current.minAcu}-${current.maxAcu} ACU, each instance: reached the max in ${formatPercent(shares.reachedMax)} of hours, ` +
    `whole hours at the max ${formatPercent(shares.pinnedAtMax)} (throttling risk); at the min all hour ${formatPercent(shares.atMin)} (min may be too high)`
  )
}

function recommendationLines(report: CostReport, options: {bin: string; colour: Palette}): string[] {
  const {autoPause, environment, recommendation} = report
  const {guidance} = environment
  const {monthly} = recommendation
  const lines = [
    options.colour.bold(
      guidance
        ? `Recommendation (${environment.name} guidance: ${guidance.minAcu}-${guidance.maxAcu} ACU, from the ${environment.source === 'flag' ? '--environment flag' : 'Environment tag'})`
        : 'Recommendation (no environment guidance: tag the cluster Environment=dev, staging or prod, or pass --environment)',
    ),
    `  ${recommendation.max.reason}`,
    `  ${recommendation.min.reason}`,
  ]
  if (guidance) {
    const within = recommendation.min.to >= guidance.minAcu && recommendation.max.to <= guidance.maxAcu
    lines.push(
      `  ${recommendation.min.to}-${recommendation.max.to} ACU is ${within ? 'within' : 'outside'} the ${environment.name} guidance${within ? '' : ': the guidance is a starting point, the load decides'}`,
    )
  }

  if (monthly.current !== null && monthly.recommended !== null) {
    lines.push(
      `  Monthly compute: ${money(monthly.current)} now, ${money(monthly.recommended)} with ${recommendation.min.to}-${recommendation.max.to} ACU`,
    )
  }

  lines.push(`  ${autoPause.note}`)
  if (typeof autoPause.estimate?.monthlySaving === 'number' && monthly.withAutoPause !== null) {
    lines.push(
      `  With auto-pause: ${money(monthly.withAutoPause)} a month (saves ${money(autoPause.estimate.monthlySaving)}): \`${options.bin} scale --min 0 --max ${recommendation.max.to} --auto-pause 5m\``,
    )
  }

  if (recommendation.changed)
    lines.push(
      `  Apply: \`${options.bin} scale --min ${recommendation.min.to} --max ${recommendation.max.to}\` (and min_capacity/max_capacity in the module)`,
    )
  lines.push(options.colour.dim(`  ${recommendation.model}`))
  for (const note of report.notes) lines.push(options.colour.yellow(`Note: ${note}`))
  return lines
}

const csvCell = (value: null | number | undefined) => (value === null || value === undefined ? '' : String(value))

/** The hourly series, one row an instance-hour: what the report was computed from. */
export function renderCostCsv(usage: HourlyUsage): string {
  const lines = ['hour,instance,acu_average,acu_maximum,connections_maximum']
  for (let hour = 0; hour < usage.window.hours; hour++) {
    const start = hourStart(usage.window, hour)
    for (const instance of usage.instances) {
      if (instance.average[hour] === null && instance.connections[hour] === null) continue
      lines.push(
        [start, instance.id, csvCell(instance.average[hour]), csvCell(instance.maximum[hour]), csvCell(instance.connections[hour])].join(
          ',',
        ),
      )
    }
  }

  return lines.join('\n')
}
