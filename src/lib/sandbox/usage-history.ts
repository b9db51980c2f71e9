import type {Dimension, MetricDatum} from '@aws-sdk/client-cloudwatch'

/**
 * The seeded cluster's CloudWatch history before its last three hours (those are seed.ts's, minute by minute):
 * 14 days of a dev cluster used in office hours, in UTC, so that `metrics cost` and doctor's `capacity.range`
 * have something true to say. No randomness: every value is a function of the UTC minute, so tests can work
 * out exactly what a report must show.
 *
 * - Weekdays 09:00-18:00 (busy): the writer alternates between 1 ACU and 0.5 ACU every 5 minutes (slots starting
 *   at :00, :10, :20 ... at 1 ACU), an hourly average of 0.75 ACU reaching the 1 ACU max; 24 connections
 *   (30 in the 1 ACU slots, 18 in the others) on the writer, 2 on the reader.
 * - Two spikes a week, Tuesday and Thursday 14:00-15:00: the writer at its 1 ACU max the whole hour, 42 connections.
 * - Weekdays 07:00-09:00 and 18:00-20:00: the writer at the 0.5 ACU min with 3 connections (early and late users).
 * - Nights 20:00-07:00 and weekends: both instances at the min with no connections at all (what auto-pause could save).
 * - The reader sits at the 0.5 ACU min throughout, as it does in the last three hours.
 * - The cluster-level ServerlessDatabaseCapacity follows the writer, as the last three hours always have (AWS reports
 *   the average of the instances there, which is why `metrics cost` reads each instance's series); cluster-level
 *   connections are the two instances' together; the volume holds 2.5 GiB.
 *
 * Volume matters (moto takes ~85 µs a datapoint and `sandbox up` should stay quick), so the history is published
 * as CloudWatch statistic sets of the one-minute values it stands for: the cluster's capacity in 5-minute sets (what
 * `metrics capacity` charts), everything else in hourly sets. Averages, maxima and minima over an hour are exactly
 * those of the one-minute data.
 */
export const seededHistoryDays = 14

const sandboxWeek = {
  /** Weekdays, UTC hours [from, to). */
  busy: {from: 9, to: 18},
  shoulder: {from: 7, to: 20},
  /** ISO weekday (1 = Monday) and UTC hour of the hour-long spikes to the max. */
  spikes: [
    {hour: 14, weekday: 2},
    {hour: 14, weekday: 4},
  ],
} as const

export const sandboxVolumeBytes = 2.5 * 1024 ** 3

type Phase = 'busy' | 'idle' | 'shoulder' | 'spike'

/** ISO weekday of a UTC time: 1 Monday ... 7 Sunday. */
const isoWeekday = (time: Date): number => ((time.getUTCDay() + 6) % 7) + 1

function phaseAt(time: Date): Phase {
  const weekday = isoWeekday(time)
  const hour = time.getUTCHours()
  if (weekday > 5) return 'idle'
  if (sandboxWeek.spikes.some((spike) => spike.weekday === weekday && spike.hour === hour)) return 'spike'
  if (hour >= sandboxWeek.busy.from && hour < sandboxWeek.busy.to) return 'busy'
  if (hour >= sandboxWeek.shoulder.from && hour < sandboxWeek.shoulder.to) return 'shoulder'
  return 'idle'
}

/** In a busy hour, the 5-minute slots starting at :00, :10, :20 ... run at the max. */
const highSlot = (time: Date): boolean => Math.floor(time.getUTCMinutes() / 5) % 2 === 0

/** The writer's capacity in the minute starting at `time` (older than the last three hours). */
export function sandboxWriterAcuAt(time: Date, range: {maxAcu: number; minAcu: number}): number {
  const phase = phaseAt(time)
  if (phase === 'spike') return range.maxAcu
  return phase === 'busy' && highSlot(time) ? range.maxAcu : range.minAcu
}

/** Connections to an instance in the minute starting at `time`. */
export function sandboxConnectionsAt(time: Date, role: 'reader' | 'writer'): number {
  const phase = phaseAt(time)
  if (role === 'reader') return phase === 'busy' || phase === 'spike' ? 2 : 0
  if (phase === 'spike') return 42
  if (phase === 'busy') return highSlot(time) ? 30 : 18
  return phase === 'shoulder' ? 3 : 0
}

export interface HistorySeries {
  dimensions: Dimension[]
  /** Seconds per statistic set: 300 or 3600. */
  every: number
  name: string
  unit: 'Bytes' | 'Count' | 'None' | 'Percent'
  valueAt: (minute: Date) => number
}

/**
 * The statistic sets standing for the one-minute values of `series` from `from` (inclusive) to `to` (exclusive),
 * one per `every` seconds on the clock (a set cut short by `to` holds the minutes it covers).
 */
export function historyData(series: HistorySeries[], from: Date, to: Date): MetricDatum[] {
  const data: MetricDatum[] = []
  for (const item of series) {
    const step = item.every * 1000
    for (let start = Math.floor(from.getTime() / step) * step; start < to.getTime(); start += step) {
      const values: number[] = []
      for (let minute = Math.max(start, from.getTime()); minute < Math.min(start + step, to.getTime()); minute += 60_000)
        values.push(item.valueAt(new Date(minute)))
      if (values.length === 0) continue
      data.push({
        Dimensions: item.dimensions,
        MetricName: item.name,
        StatisticValues: {
          Maximum: Math.max(...values),
          Minimum: Math.min(...values),
          SampleCount: values.length,
          Sum: values.reduce((sum, value) => sum + value, 0),
        },
        Timestamp: new Date(start),
        Unit: item.unit,
      })
    }
  }

  return data
}
