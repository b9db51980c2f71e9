import {stripVTControlCharacters} from 'node:util'

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
