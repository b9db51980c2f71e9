import Table from 'cli-table3'

import type {BloatReport} from '../../inspect/bloat.js'
import type {IndexesReport} from '../../inspect/indexes.js'
import type {OutliersReport} from '../../inspect/outliers.js'
import type {SizesReport} from '../../inspect/sizes.js'
import type {VacuumReport, VacuumRow} from '../../inspect/vacuum.js'

import {seqScanHeavyMinRows, type SeqScansReport} from '../../inspect/seq-scans.js'
import {formatAge, formatBytes, formatCount, formatMilliseconds, formatPercent} from './text.js'

/** Names as they would be typed in SQL: schema.table. */
const name = (schema: string, relation: string) => `${schema}.${relation}`
const truncate = (text: string, width: number) => (text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text)

/** A borderless table; numeric columns (listed by index) aligned right. */
function table(head: string[], rows: string[][], right: number[] = []): string {
  const rendered = new Table({
    colAligns: head.map((_, index) => (right.includes(index) ? 'right' : 'left')),
    head,
    style: {border: [], compact: true, head: []},
    wordWrap: false,
  })
  rendered.push(...rows)
  return rendered.toString()
}

function ago(time: null | string, now: Date): string {
  return time ? formatAge((now.getTime() - Date.parse(time)) / 3_600_000) : 'never'
}

export function renderSizes(report: SizesReport): string {
  const lines = [`Database ${report.database}: ${formatBytes(report.databaseBytes)}`, '']
  lines.push(
    report.schemas.length > 0
      ? table(
          ['Schema', 'Tables', 'Size'],
          report.schemas.map((schema) => [schema.schema, formatCount(schema.tables), formatBytes(schema.bytes)]),
          [1, 2],
        )
      : 'No schemas but the system ones.',
    '',
    report.tables.length > 0
      ? table(
          ['Table', 'Rows (est.)', 'Total', 'Table', 'Indexes', 'TOAST'],
          report.tables.map((row) => [
            name(row.schema, row.table) + (row.unlogged ? ' (unlogged)' : '') + (row.materialized ? ' (materialized view)' : ''),
            row.rows === null ? '?' : formatCount(row.rows),
            formatBytes(row.totalBytes),
            formatBytes(row.tableBytes),
            formatBytes(row.indexBytes),
            formatBytes(row.toastBytes),
          ]),
          [1, 2, 3, 4, 5],
        )
      : 'No tables.',
  )
  if (report.tables.some((row) => row.rows === null))
    lines.push('Rows ? = never vacuumed nor analyzed: no estimate yet (ANALYZE makes one).')
  if (report.indexes.length > 0) {
    lines.push(
      '',
      table(
        ['Index', 'Table', 'Size'],
        report.indexes.map((row) => [name(row.schema, row.index), row.table, formatBytes(row.bytes)]),
        [2],
      ),
    )
  }

  return lines.join('\n')
}

export function renderBloat(report: BloatReport): string {
  const lines = [
    `Database ${report.database}: estimated from statistics (pg_stats, pg_class), as fresh as the last ANALYZE; tables and btree indexes.`,
    '',
  ]
  lines.push(
    report.rows.length > 0
      ? table(
          ['Kind', 'Name', 'Size', 'Expected', 'Waste', 'Waste %'],
          report.rows.map((row) => [
            row.kind,
            row.kind === 'index' ? `${name(row.schema, row.index!)} (on ${row.table})` : name(row.schema, row.table),
            formatBytes(row.bytes),
            formatBytes(row.expectedBytes),
            formatBytes(row.wasteBytes),
            formatPercent(row.wasteShare),
          ]),
          [2, 3, 4, 5],
        )
      : 'No table or index with statistics to estimate.',
    '',
    `Estimated waste in all: ${formatBytes(report.totalWasteBytes)}.`,
  )
  if (report.withoutStatistics.length > 0)
    lines.push(
      `No statistics, not estimated (run ANALYZE; pg_stats shows only tables this login may read): ${report.withoutStatistics.join(', ')}.`,
    )
  return lines.join('\n')
}

function vacuumState(row: VacuumRow): string {
  if (row.behind) return row.autovacuumEnabled ? 'BEHIND' : 'BEHIND (off)'
  const state = [
    row.autovacuumEnabled ? '' : 'off',
    row.vacuumDue ? 'vacuum due' : '',
    row.analyzeDue ? 'analyze due' : '',
    row.freezeDue ? 'freeze due' : '',
  ]
  return state.filter(Boolean).join(', ') || 'ok'
}

export function renderVacuum(report: VacuumReport, now: Date = new Date()): string {
  const lines = [`Database ${report.database}: autovacuum ${report.autovacuum ? 'on' : 'OFF on the server'}`, '']
  if (report.rows.length === 0) return [...lines, 'No tables.'].join('\n')
  lines.push(
    table(
      ['Table', 'Live', 'Dead', 'Dead %', 'Vacuum at', 'Last autovacuum', 'Last autoanalyze', 'XID age', 'State'],
      report.rows.map((row) => [
        name(row.schema, row.table),
        formatCount(row.liveRows),
        formatCount(row.deadRows),
        formatPercent(row.deadShare),
        formatCount(row.vacuumTrigger),
        ago(row.lastAutovacuum ?? null, now),
        ago(row.lastAutoanalyze ?? null, now),
        formatCount(row.xidAge),
        vacuumState(row),
      ]),
      [1, 2, 3, 4, 7],
    ),
    '',
    '"Vacuum at": the dead rows at which autovacuum starts on the table. BEHIND: off, or twice past that point.',
  )
  return lines.join('\n')
}

export function renderIndexes(report: IndexesReport): string {
  const lines = [`Database ${report.database}: scans since statistics were last reset, on this instance (readers count their own).`, '']
  lines.push(
    `Unused (never scanned, enforcing no constraint): ${report.unused.length > 0 ? formatBytes(report.unusedBytes) : 'none'}`,
    ...(report.unused.length > 0
      ? [
          table(
            ['Index', 'Table', 'Size', 'Table scans'],
            report.unused.map((row) => [
              name(row.schema, row.index) + (row.valid ? '' : ' (invalid)'),
              row.table,
              formatBytes(row.bytes),
              formatCount(row.tableScans),
            ]),
            [2, 3],
          ),
        ]
      : []),
    '',
    `Duplicates (same table, columns, expressions and predicate): ${report.duplicates.length > 0 ? `${formatBytes(report.duplicateBytes)} redundant` : 'none'}`,
    ...(report.duplicates.length > 0
      ? [
          table(
            ['Table', 'Keep', 'Redundant', 'Size'],
            report.duplicates.map((group) => [
              name(group.schema, group.table),
              group.keep,
              group.redundant.map((index) => index.index).join(', '),
              formatBytes(group.redundantBytes),
            ]),
            [3],
          ),
        ]
      : []),
    '',
    report.indexes.length > 0
      ? table(
          ['Index', 'Table', 'Size', 'Scans', 'Kind'],
          report.indexes.map((row) => [
            name(row.schema, row.index),
            row.table,
            formatBytes(row.bytes),
            formatCount(row.scans),
            [row.primary ? 'primary key' : row.unique ? 'unique' : '', row.method === 'btree' ? '' : row.method].filter(Boolean).join(', '),
          ]),
          [2, 3],
        )
      : 'No indexes.',
  )
  return lines.join('\n')
}

export function renderSeqScans(report: SeqScansReport): string {
  if (report.rows.length === 0) return `Database ${report.database}: no table has been read by a sequential scan.`
  return [
    `Database ${report.database}: tables by rows read in sequential scans; HEAVY: ${formatCount(seqScanHeavyMinRows)}+ rows, read more often whole than through an index.`,
    '',
    table(
      ['Table', 'Seq scans', 'Rows read', 'Rows/scan', 'Index scans', 'Index %', 'Live rows', 'Size', ''],
      report.rows.map((row) => [
        name(row.schema, row.table),
        formatCount(row.seqScans),
        formatCount(row.seqRowsRead),
        formatCount(row.rowsPerSeqScan),
        formatCount(row.indexScans),
        formatPercent(row.indexScanShare),
        formatCount(row.liveRows),
        formatBytes(row.bytes),
        row.heavy ? 'HEAVY' : '',
      ]),
      [1, 2, 3, 4, 5, 6, 7],
    ),
  ].join('\n')
}

export function renderOutliers(report: OutliersReport, columns: number): string {
  const since = report.statsSince ? `since ${report.statsSince}` : 'since its last reset'
  const io = report.ioTiming ? '' : ' I/O time needs track_io_timing, which is off.'
  const lines = [
    `Database ${report.database}: pg_stat_statements ${since}, by ${report.order === 'total' ? 'total time' : report.order === 'mean' ? 'mean time' : 'calls'}.${io}`,
    '',
  ]
  if (report.rows.length === 0) return [...lines, 'No statements recorded yet.'].join('\n')
  const width = Math.max(20, columns - 72)
  lines.push(
    table(
      ['#', 'Total', 'Share', 'Calls', 'Mean', 'I/O', 'Rows', 'Statement'],
      report.rows.map((row) => [
        String(row.rank),
        formatMilliseconds(row.totalMs),
        formatPercent(row.share),
        formatCount(row.calls),
        formatMilliseconds(row.meanMs),
        report.ioTiming ? formatMilliseconds(row.ioMs) : '–',
        formatCount(row.rows),
        truncate(row.label, width),
      ]),
      [1, 2, 3, 4, 5, 6],
    ),
  )
  return lines.join('\n')
}
