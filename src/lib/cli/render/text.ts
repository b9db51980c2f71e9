import {stripVTControlCharacters} from 'node:util'

import {formatDuration} from '../duration.js'

/** Aligned "Label  value" lines; labels padded by their visible width so colour codes do not skew columns. */
export function keyValueBlock(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([label]) => stripVTControlCharacters(label).length))
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')
}

/** "42 min ago", "5.5 h ago", "3 days ago". */
export function formatAge(hours: number): string {
  if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} min ago`
  if (hours < 48) return `${Math.round(hours * 10) / 10} h ago`
  return `${Math.round(hours / 24)} days ago`
}

/** Bytes in PostgreSQL's units (pg_size_pretty's, powers of 1024): 1536 -> "1.5 kB", 104857600 -> "100.0 MB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }

  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/** 1234567 -> "1,234,567". */
export const formatCount = (count: number) => Math.round(count).toLocaleString('en-US')

/**
 * Milliseconds as people read them, in formatDuration's style (no space) so a column reads one way throughout, with
 * the decimals a statement's time needs below a minute: 0.123 -> "0.12ms", 45.6 -> "45.6ms", 51800 -> "51.8s",
 * 95000 -> "1m35s".
 */
export function formatMilliseconds(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)}ms`
  if (ms < 1000) return `${ms.toFixed(1)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  return formatDuration(ms)
}
