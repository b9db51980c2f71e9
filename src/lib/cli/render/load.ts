import Table from 'cli-table3'

import type {StatementsTop} from '../../pg/statements.js'
import type {LoadDimension, PiTop} from '../../pi.js'

const bars = '▁▂▃▄▅▆▇█'

/** A one-line sparkline of `values` scaled to 0..`ceiling` (or their own peak), at most `width` wide. */
export function sparkline(values: number[], width: number, ceiling?: number): string {
  if (values.length === 0) return ''
  const step = Math.max(1, Math.ceil(values.length / width))
  const sampled: number[] = []
  for (let index = 0; index < values.length; index += step) sampled.push(Math.max(...values.slice(index, index + step)))
  const top = Math.max(ceiling ?? 0, ...sampled) || 1
  return sampled.map((value) => bars[Math.min(bars.length - 1, Math.floor((value / top) * (bars.length - 1)))]).join('')
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text
}

export function renderPiTop(top: PiTop, options: {by: LoadDimension; columns: number; instanceId: string; label: string}): string {
  const labelWidth = Math.max(20, options.columns - 30)
  const table = new Table({
    colWidths: [6, 9, 8, labelWidth],
    head: ['#', 'AAS', 'Load', options.label],
    style: {border: [], head: []},
    wordWrap: false,
  })
  for (const row of top.rows)
    table.push([String(row.rank), row.aas.toFixed(2), `${(row.share * 100).toFixed(1)}%`, truncate(row.label, labelWidth - 2)])
  const capacity = top.vcpus === null ? 'vCPUs unknown (Enhanced Monitoring off): scaled to the peak' : `against ${top.vcpus} vCPUs`
  const lines = [
    `${options.instanceId}: average ${top.averageLoad} active sessions, peak ${top.peakLoad}; ${capacity}`,
    `load ${sparkline(
      top.load.map((point) => point.v),
      Math.max(10, options.columns - 10),
      top.vcpus ?? undefined,
    )}`,
    ...(top.vcpus !== null && top.peakLoad > top.vcpus
      ? [`The load exceeded the ${top.vcpus} vCPUs: sessions waited for CPU. Raise the capacity (auroractl scale --max).`]
      : []),
  ]
  return [...lines, top.rows.length > 0 ? table.toString() : 'No load recorded in this window.'].join('\n')
}

export function renderStatementsTop(top: StatementsTop, options: {by: 'sql' | 'user'; columns: number}): string {
  const labelWidth = Math.max(20, options.columns - 62)
  const table = new Table({
    colWidths: [5, 12, 10, 9, 9, 8, labelWidth],
    head: ['#', 'Total ms', 'Mean ms', 'Calls', 'Rows', 'Share', options.by === 'sql' ? 'statement' : 'user'],
    style: {border: [], head: []},
    wordWrap: false,
  })
  for (const row of top.rows) {
    table.push([
      String(row.rank),
      row.totalMs.toFixed(1),
      row.meanMs.toFixed(2),
      String(row.calls),
      String(row.rows),
      `${(row.share * 100).toFixed(1)}%`,
      truncate(row.label, labelWidth - 2),
    ])
  }

  const since = top.statsSince
    ? `pg_stat_statements since ${top.statsSince} (cumulative; --since does not apply)`
    : 'pg_stat_statements since its last reset (cumulative; --since does not apply)'
  return [since, top.rows.length > 0 ? table.toString() : 'No statements recorded yet.'].join('\n')
}
