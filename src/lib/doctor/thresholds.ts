import type {CheckThreshold, ThresholdKind} from './types.js'

import {formatDuration, parseDuration} from '../cli/duration.js'
import {badInput} from '../cli/errors.js'

/**
 * `doctor --threshold ID=VALUE`: parsing each kind as people type it, and printing it back the same way
 * (--help, details, --compare). Kept free of the checks themselves, so --help can use it without loading them.
 */

/** A tunable check as --help and the parser see it: its id and its declared threshold. */
export interface TunableCheck extends CheckThreshold {
  id: string
}

// PostgreSQL's units (pg_size_pretty, memory settings): 1kB = 1024 bytes.
const byteUnits: Record<string, number> = {b: 1, gb: 1024 ** 3, kb: 1024, mb: 1024 ** 2, tb: 1024 ** 4}

/** What each kind looks like, for --help and for the error that refuses a value. */
export const thresholdForms: Record<ThresholdKind, string> = {
  bytes: 'a size with a unit (B, kB, MB, GB, TB; 1GB = 1024MB), e.g. 500MB or 1GB',
  count: 'a whole number, 0 or more, e.g. 5 or 10,000',
  duration: 'a duration of at least 1s, e.g. 30s, 5m, 1h',
  share: 'a share above 0 and at most 1, as a percentage or a fraction, e.g. 80% or 0.8',
}

/** One VALUE in its kind's stored unit (seconds, bytes, 0..1, a count); `label` names the flag and the check in errors. */
export function parseThresholdValue(kind: ThresholdKind, text: string, label: string): number {
  const value = text.trim()
  const refuse = () => badInput(`${label}="${text}" is not ${thresholdForms[kind]}.`)
  switch (kind) {
    case 'bytes': {
      const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(value)
      const unit = byteUnits[match?.[2]?.toLowerCase() ?? '']
      if (!match || unit === undefined) throw refuse()
      return Math.round(Number(match[1]) * unit)
    }

    case 'count': {
      // Written as people write counts: 10000, 10,000 or 10_000 (how --help and the details print them).
      if (!/^\d{1,3}(?:([,_]?)\d{3}(?:\1\d{3})*)?$|^\d+$/.test(value)) throw refuse()
      return Number(value.replaceAll(/[,_]/g, ''))
    }

    case 'duration': {
      try {
        return parseDuration(value, label, {minMs: 1000}) / 1000
      } catch {
        // One wording for every kind: the id, the value as typed, and the form it must take.
        throw refuse()
      }
    }

    case 'share': {
      const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(value)
      if (!match) throw refuse()
      const share = match[2] ? Number(match[1]) / 100 : Number(match[1])
      if (!(share > 0 && share <= 1)) throw refuse()
      return share
    }
  }
}

/**
 * Every --threshold ID=VALUE, checked against the checks that declare a threshold: an unknown or untunable id
 * lists the tunable ones with their kinds; an id given twice is refused rather than one silently winning.
 */
export function parseThresholds(entries: string[], tunable: TunableCheck[]): Record<string, number> {
  const parsed: Record<string, number> = {}
  const given: Record<string, string> = {}
  for (const entry of entries) {
    const separator = entry.indexOf('=')
    const id = entry.slice(0, Math.max(0, separator)).trim()
    if (separator < 1 || !id) throw badInput(`--threshold "${entry}" is not ID=VALUE, e.g. --threshold db.long-transactions=5m.`)
    const check = tunable.find((candidate) => candidate.id === id)
    if (!check) {
      const list = tunable.map((candidate) => `${candidate.id} (${candidate.kind})`).join(', ')
      throw badInput(`--threshold ${id}: no such tunable check; tunable checks: ${list}.`)
    }

    const text = entry.slice(separator + 1)
    if (given[id] !== undefined) throw badInput(`--threshold ${id} is given twice (${given[id]} and ${text}): give it once.`)
    given[id] = text
    parsed[id] = parseThresholdValue(check.kind, text, `--threshold ${id}`)
  }

  return parsed
}

/** A value in a kind's stored unit, written as one would type it: 60 s -> "1m", 1073741824 -> "1GB", 0.75 -> "75%". */
export function formatThreshold(kind: ThresholdKind, value: number): string {
  switch (kind) {
    case 'bytes': {
      return formatSize(value)
    }

    case 'count': {
      return value.toLocaleString('en-US')
    }

    case 'duration': {
      return formatDuration(value * 1000)
    }

    case 'share': {
      return `${Number((value * 100).toFixed(2))}%`
    }
  }
}

function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let size = bytes
  let unit = 0
  while (Math.abs(size) >= 1024 && unit < units.length - 1) {
    size /= 1024
    unit++
  }

  return `${Number(size.toFixed(unit === 0 ? 0 : 1))}${units[unit]}`
}

/** The --help lines: one per tunable check, with its form and default. */
export function describeTunableChecks(tunable: TunableCheck[]): string {
  return tunable
    .map(
      (check) => `  ${check.id}=${check.kind.toUpperCase()} (default ${formatThreshold(check.kind, check.default)}): ${check.description}`,
    )
    .join('\n')
}
