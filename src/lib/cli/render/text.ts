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

/** A share (0 to 1) as a whole percent: 0.615 -> "62%". */
export const formatPercent = (share: number) => `${Math.round(share * 100)}%`

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

/** `text` cut to `width` characters, the last one an ellipsis when it was longer. */
export function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text
}

/**
 * `text` after `prefix`, folded at spaces onto more lines with the same prefix when wider than `width` (a word wider
 * than the room is cut): for sentences that matter whole, such as what a lock line says (who waits for what, behind
 * whom), where a query beside them is only cut.
 */
export function fold(prefix: string, text: string, width: number): string[] {
  const room = Math.max(20, width - prefix.length)
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }

  lines.push(line)
  return lines.map((part) => cut(`${prefix}${part}`, width))
}

/** The first `limit` items joined, and how many more there are: "a, b, c and 4 more". */
export const firstAndMore = (items: string[], limit: number): string =>
  items.length > limit ? `${items.slice(0, limit).join(', ')} and ${items.length - limit} more` : items.join(', ')
