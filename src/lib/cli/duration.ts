import {badInput} from './errors.js'

const unitMs: Record<string, number> = {d: 86_400_000, h: 3_600_000, m: 60_000, ms: 1, s: 1000, w: 604_800_000}

/**
 * Parses durations as people type them: "250ms", "90s", "30m", "1h30m", "30d", "2w". A unit is required:
 * a bare "30" could mean seconds or minutes, and guessing wrong at 3 a.m. is worse than asking.
 */
export function parseDuration(value: string, flag: string, limits: {maxMs?: number; minMs?: number} = {}): number {
  const text = value.trim().toLowerCase()
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|[smhdw])/g)]
  const total = parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * unitMs[unit!]!, 0)
  if (parts.length === 0 || parts.map(([part]) => part).join('') !== text || total <= 0) {
    throw badInput(`${flag} "${value}" is not a duration: use a number and a unit, e.g. 90s, 30m, 1h30m, 7d.`)
  }

  const {maxMs, minMs} = limits
  if ((minMs !== undefined && total < minMs) || (maxMs !== undefined && total > maxMs)) {
    throw badInput(`${flag} "${value}" must be from ${formatDuration(minMs ?? 0)} to ${formatDuration(maxMs ?? Number.POSITIVE_INFINITY)}.`)
  }

  return total
}

/**
 * An instant as an ISO 8601 time with a zone: "2026-11-28T02:00:00Z", "2026-11-28T03:00+01:00". A time
 * without a zone is refused rather than read in this machine's zone: the same command would otherwise
 * mean another hour on a laptop, a CI runner or a bastion host.
 */
export function parseIsoTime(value: string, flag: string): Date {
  const time = new Date(value)
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(value) || Number.isNaN(time.getTime())) {
    throw badInput(`${flag} "${value}" is not an ISO 8601 time with a zone, e.g. 2026-11-28T02:00:00Z.`)
  }

  return time
}

/** Elapsed milliseconds as seconds with one decimal, as reports and --json results give them: 1234.5 -> 1.2. */
export function seconds(ms: number): number {
  return Math.round(ms / 100) / 10
}

/** 95000 -> "1m35s"; 7200000 -> "2h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'unlimited'
  if (ms < 1000) return `${Math.round(ms)}ms`
  let rest = Math.round(ms / 1000)
  const out: string[] = []
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const amount = Math.floor(rest / seconds)
    if (amount > 0) out.push(`${amount}${unit}`)
    rest -= amount * seconds
  }

  return out.join('')
}
