import asciichart from 'asciichart'
import Table from 'cli-table3'

import type {CapacitySummary, MetricSeries, MetricsWindow} from '../../metrics.js'
import type {Palette} from './colour.js'

/** Shrinks a series to `width` columns, keeping each bucket's maximum so peaks stay visible. */
export function resample(values: number[], width: number): number[] {
  if (values.length <= width) return values
  const out: number[] = []
  for (let column = 0; column < width; column++) {
    const from = Math.floor((column * values.length) / width)
    const to = Math.max(from + 1, Math.floor(((column + 1) * values.length) / width))
    out.push(Math.max(...values.slice(from, to)))
  }

  return out
}

function timeLabel(iso: string, utc: boolean, withDate: boolean): string {
  const format = new Intl.DateTimeFormat('en-GB', {
    day: withDate ? '2-digit' : undefined,
    hour: '2-digit',
    hour12: false,
    minute: '2-digit',
    month: withDate ? 'short' : undefined,
    timeZone: utc ? 'UTC' : undefined,
  })
  return format.format(new Date(iso))
}

const labelWidth = 9

/**
 * A line chart of capacity over time with the configured min and max ACU drawn as reference lines,
 * sized to `columns`, and a time axis in the user's zone (or UTC).
 */
export function renderCapacityChart(
  series: MetricSeries,
  options: {colour: Palette; columns: number; height?: number; maxAcu?: number; minAcu?: number; unit?: string; utc: boolean},
): string {
  const unit = options.unit ?? 'ACU'
  const width = Math.max(20, options.columns - labelWidth - 3)
  const values = resample(
    series.points.map((point) => point.v),
    width,
  )
  const lines = [values]
  const colours = [asciichart.cyan]
  if (options.maxAcu !== undefined) {
    lines.push(values.map(() => options.maxAcu!))
    colours.push(asciichart.red)
  }

  if (options.minAcu !== undefined) {
    lines.push(values.map(() => options.minAcu!))
    colours.push(asciichart.darkgray)
  }

  const plain = options.colour.level === 0
  const chart = asciichart.plot(lines, {
    colors: plain ? undefined : colours,
    format: (value: number) => `${value.toFixed(2)}${unit ? ` ${unit}` : ''}`.padStart(labelWidth),
    height: options.height ?? 10,
  })
  const first = series.points[0]!.t
  const last = series.points.at(-1)!.t
  const spansDays = Date.parse(last) - Date.parse(first) > 86_400_000
  const left = timeLabel(first, options.utc, spansDays)
  const right = timeLabel(last, options.utc, spansDays)
  const axis = `${' '.repeat(labelWidth + 2)}${left}${right.padStart(Math.max(right.length + 1, values.length - left.length))}`
  const reference = [
    options.maxAcu === undefined ? '' : `max ${options.maxAcu}`,
    options.minAcu === undefined ? '' : `min ${options.minAcu} ACU`,
  ]
    .filter(Boolean)
    .join(', ')
  const zone = options.utc ? 'UTC' : new Intl.DateTimeFormat().resolvedOptions().timeZone
  const legend = `${' '.repeat(labelWidth + 2)}${reference ? `${reference} (lines); ` : ''}times ${zone}`.slice(0, options.columns)
  return [chart, axis, legend].join('\n')
}

export function renderCapacitySummary(summary: CapacitySummary, window: MetricsWindow, maxAcu: number | undefined): string {
  return [
    `Peak ${summary.peakAcu} ACU, average ${summary.averageAcu} ACU over ${summary.datapoints} points (${window.stat}, ${window.periodSeconds}s period)`,
    `At the ceiling (>= 95% of max ${maxAcu ?? '?'} ACU): ${(summary.shareAtCeiling * 100).toFixed(1)}% of the time`,
    `Estimated capacity used: ${summary.acuHours} ACU-hours`,
  ].join('\n')
}

export function renderMetricsCsv(series: MetricSeries[]): string {
  const lines = ['timestamp,metric,dimension,value']
  for (const item of series) for (const point of item.points) lines.push(`${point.t},${item.metric},${item.dimension.value},${point.v}`)
  return lines.join('\n')
}

export function renderMetricsTable(series: MetricSeries[], utc: boolean): string {
  const times = [...new Set(series.flatMap((item) => item.points.map((point) => point.t)))].sort()
  const table = new Table({
    head: [
      'Time',
      ...series.map((item) => `${item.metric}${item.dimension.name === 'DBInstanceIdentifier' ? ` (${item.dimension.value})` : ''}`),
    ],
    style: {border: [], head: []},
  })
  const spansDays = times.length > 1 && Date.parse(times.at(-1)!) - Date.parse(times[0]!) > 86_400_000
  for (const time of times) {
    table.push([timeLabel(time, utc, spansDays), ...series.map((item) => String(item.points.find((point) => point.t === time)?.v ?? ''))])
  }

  return table.toString()
}
