import {badInput} from '../cli/errors.js'
import {type HourlyUsage} from './usage.js'

export const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const

/** Average ACU (all instances together) by day of the week (rows, Monday first) and hour of the day (columns). */
interface HourOfWeekHeatmap {
  /** cells[day][hour]: the average over the hours of the window that fall there; null where none had data. */
  cells: Array<Array<null | number>>
  /** How many instances each hour adds up. */
  instances: number
  /** How many hours of the window each cell averages. */
  samples: number[][]
  timeZone: string
}

/** Refuses (exit 2) a time zone Intl does not know. */
export function validateTimeZone(timeZone: string, flag: string): string {
  try {
    zoneFormat(timeZone)
  } catch {
    throw badInput(`${flag} "${timeZone}" is not an IANA time zone: e.g. UTC, Europe/Berlin, America/New_York.`)
  }

  return timeZone
}

/** Day of the week (0 = Monday) and hour of the day of an instant in a time zone. */
export function hourOfWeek(time: Date, timeZone: string): {day: number; hour: number} {
  if (timeZone === 'UTC') return {day: (time.getUTCDay() + 6) % 7, hour: time.getUTCHours()}
  const parts = zoneFormat(timeZone).formatToParts(time)
  const weekday = parts.find((part) => part.type === 'weekday')!.value
  return {day: weekdays.indexOf(weekday as (typeof weekdays)[number]), hour: Number(parts.find((part) => part.type === 'hour')!.value) % 24}
}

const formats = new Map<string, Intl.DateTimeFormat>()
function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {hour: '2-digit', hourCycle: 'h23', timeZone, weekday: 'short'})
    formats.set(timeZone, format)
  }

  return format
}

/** Each hour's ACU (the sum of the instances' averages that hour) averaged into its day-of-week and hour-of-day cell. */
export function hourOfWeekHeatmap(usage: HourlyUsage, timeZone: string): HourOfWeekHeatmap {
  const sums = weekdays.map(() => Array.from({length: 24}, () => 0))
  const samples = weekdays.map(() => Array.from({length: 24}, () => 0))
  for (let hour = 0; hour < usage.window.hours; hour++) {
    const values = usage.instances
      .map((instance) => instance.average[hour])
      .filter((value): value is number => value !== null && value !== undefined)
    if (values.length === 0) continue
    const {day, hour: ofDay} = hourOfWeek(new Date(usage.window.start.getTime() + hour * 3_600_000), timeZone)
    sums[day]![ofDay]! += values.reduce((sum, value) => sum + value, 0)
    samples[day]![ofDay]!++
  }

  const cells = sums.map((row, day) => row.map((sum, hour) => (samples[day]![hour]! === 0 ? null : sum / samples[day]![hour]!)))
  return {cells, instances: usage.instances.length, samples, timeZone}
}

interface HeatmapCell {
  acu: number
  day: (typeof weekdays)[number]
  hour: number
}

/** The busy part of the week in words: which days, which hours, and the averages inside and outside it (all instances together). */
export interface UsagePatterns {
  busiest: HeatmapCell
  busy: null | {averageAcu: number; days: string; hours: string; restAverageAcu: number; restLabel: string}
  quietest: HeatmapCell
  summary: string
}

/**
 * Reads the heatmap the way a person would: cells at least a third of the way from the quietest to the busiest
 * are busy; the busy days are those with at least half as many busy cells as the busiest day (and two or more),
 * the busy hours those busy on more than half of the busy days. A stray busy hour changes neither. Null without data.
 */
export function describePatterns(heatmap: HourOfWeekHeatmap): null | UsagePatterns {
  const filled = heatmap.cells.flatMap((row, day) => row.flatMap((acu, hour) => (acu === null ? [] : [{acu, day: weekdays[day]!, hour}])))
  if (filled.length === 0) return null
  // The first of equals, in week order.
  let [busiest, quietest] = [filled[0]!, filled[0]!]
  for (const cell of filled) {
    if (cell.acu > busiest.acu) busiest = cell
    if (cell.acu < quietest.acu) quietest = cell
  }

  const zone = heatmap.timeZone
  // The cells add the instances up, unlike a peak or a max, which are one instance's: the words say so.
  const together = heatmap.instances > 1 ? `, ${heatmap.instances} instances together` : ''
  const extremes = `Busiest hour ${busiest.day} ${clock(busiest.hour)} (${acuText(busiest.acu)} ACU${together}), quietest ${quietest.day} ${clock(quietest.hour)} (${acuText(quietest.acu)} ACU).`
  // Less than a tenth of the busiest apart (or 0.05 ACU) is flat: no busy hours to speak of.
  if (busiest.acu - quietest.acu < Math.max(0.05, busiest.acu * 0.1)) {
    return {
      busiest,
      busy: null,
      quietest,
      summary: `No busy hours: every hour of the week averages ${acuText(quietest.acu) === acuText(busiest.acu) ? acuText(busiest.acu) : `${acuText(quietest.acu)}-${acuText(busiest.acu)}`} ACU${together}. ${extremes}`,
    }
  }

  const threshold = quietest.acu + (busiest.acu - quietest.acu) / 3
  const isBusy = heatmap.cells.map((row) => row.map((acu) => acu !== null && acu >= threshold))
  const busyCounts = isBusy.map((row) => row.filter(Boolean).length)
  const mostBusy = Math.max(...busyCounts)
  const days = busyCounts.flatMap((count, day) => (count >= Math.max(2, mostBusy / 2) ? [day] : []))
  const hours = Array.from({length: 24}, (_, hour) => hour).filter(
    (hour) => days.filter((day) => isBusy[day]![hour]).length > days.length / 2,
  )
  if (days.length === 0 || hours.length === 0) return {busiest, busy: null, quietest, summary: `No regular busy hours. ${extremes}`}
  const inside = filled.filter((cell) => days.includes(weekdays.indexOf(cell.day)) && hours.includes(cell.hour))
  const outside = filled.filter((cell) => !inside.includes(cell))
  const mean = (cells: typeof filled) => cells.reduce((sum, cell) => sum + cell.acu, 0) / cells.length
  const busy = {
    averageAcu: mean(inside),
    days: describeDays(days),
    hours: describeHours(hours),
    restAverageAcu: outside.length === 0 ? mean(inside) : mean(outside),
    restLabel: restLabel(days, hours),
  }
  const summary = `${capitalise(busy.days)} ${busy.hours} ${zone} average ${acuText(busy.averageAcu)} ACU${together}; ${busy.restLabel} ${acuText(busy.restAverageAcu)} ACU. ${extremes}`
  return {busiest, busy, quietest, summary}
}

const clock = (hour: number) => `${String(hour).padStart(2, '0')}:00`
/** ACU with at most two decimals: 1.25, 0.5, 2. */
export const acuText = (acu: number) => String(Math.round(acu * 100 + 1e-9) / 100)
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** [0..4] -> "weekdays"; [5, 6] -> "weekends"; all -> "every day"; else runs: "Mon-Wed, Fri". */
export function describeDays(days: number[]): string {
  const key = days.join(',')
  if (key === '0,1,2,3,4') return 'weekdays'
  if (key === '5,6') return 'weekends'
  if (days.length === 7) return 'every day'
  return runs(days)
    .map(([from, to]) => (from === to ? weekdays[from]! : `${weekdays[from]}-${weekdays[to]}`))
    .join(', ')
}

/** [9..17] -> "09:00-18:00"; two runs -> "09:00-12:00 and 14:00-18:00". */
export function describeHours(hours: number[]): string {
  return runs(hours)
    .map(([from, to]) => `${clock(from)}-${clock(to + 1)}`)
    .join(' and ')
}

function restLabel(days: number[], hours: number[]): string {
  const oneDaytimeRun = runs(hours).length === 1 && hours[0]! > 0 && hours.at(-1)! < 23
  if (days.join(',') === '0,1,2,3,4' && oneDaytimeRun) return 'nights and weekends'
  if (days.length === 7 && oneDaytimeRun) return 'nights'
  return 'other hours'
}

/** Sorted numbers as [first, last] runs of consecutive values. */
function runs(values: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (const value of values) {
    const last = out.at(-1)
    if (last && value === last[1] + 1) last[1] = value
    else out.push([value, value])
  }

  return out
}
