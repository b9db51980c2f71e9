import type {FilterReport, MigrateReport} from '../../migrate/migrate.js'
import type {TableMeasure} from '../../pg/verification/verify.js'
import type {Palette} from './colour.js'

import {formatBytes} from '../../migrate/format.js'

const measure = (side: TableMeasure, missing: string) =>
  side.error === undefined ? `${side.rows} rows${side.hash ? ` (hash ${side.hash})` : ''}` : `${missing} (${side.error.split('\n')[0]})`

/** The filter in one line: the patterns given and the tables they leave out. */
function filterLine(filter: FilterReport): null | string {
  const patterns = [
    ...filter.schemas.map((pattern) => `--schema ${pattern}`),
    ...filter.tables.map((pattern) => `--table ${pattern}`),
    ...filter.excludeTables.map((pattern) => `--exclude-table ${pattern}`),
  ]
  if (patterns.length === 0) return null
  const shown = filter.leftOut.slice(0, 20).join(', ')
  const more = filter.leftOut.length > 20 ? `, and ${filter.leftOut.length - 20} more (see --json)` : ''
  return `Filter ${patterns.join(' ')}: ${filter.leftOut.length} table(s) left out${filter.leftOut.length > 0 ? `: ${shown}${more}` : ''}.`
}

export function renderMigrateReport(report: MigrateReport, colour: Palette): string {
  const filter = filterLine(report.filter)
  // The preflight is part of the result: every item on a dry run, what needs attention on a real one.
  const preflight = report.preflight
    .filter((item) => report.dryRun || item.status !== 'ok')
    .map((item) => `  ${paintStatus(item.status, colour)} ${item.id}: ${item.detail}`)
  if (report.dryRun) {
    return [
      `Dry run: preflight done, nothing copied (${report.tables} tables, ${formatBytes(report.sourceBytes)}, ${report.jobs} job(s)).`,
      ...preflight,
      ...(filter ? [filter] : []),
    ].join('\n')
  }

  const lines = [
    ...(preflight.length > 0 ? ['Preflight:', ...preflight] : []),
    `Copied ${report.source} -> ${report.target} (${report.path}, ${report.jobs} job(s)) in ${report.phases.copySeconds} s${report.throughputBytesPerSecond ? `, ${formatBytes(report.throughputBytesPerSecond)}/s` : ''}.`,
  ]
  if (filter) lines.push(filter)
  const {verification} = report
  const database = report.target.replace(/^.*\//, '').replace(/ \(via .*\)$/, '')
  if (!verification) {
    lines.push(colour.yellow('Not verified (--verify none).'), swapLine(report, database))
    return lines.join('\n')
  }

  const differing = verification.tables.filter((table) => !table.match)
  const sequences = verification.sequences.filter((sequence) => !sequence.match)
  if (verification.match) {
    lines.push(
      colour.green(
        `Verified (${verification.mode}): ${verification.tables.length} tables, ${verification.sequences.length} sequences and the object counts match.`,
      ),
    )
  } else {
    lines.push(colour.red(`Verification (${verification.mode}) found differences:`))
    for (const table of differing)
      lines.push(`  ${table.table}: source ${measure(table.source, 'unreadable')}, target ${measure(table.target, 'missing')}`)
    for (const sequence of sequences) {
      const source = sequence.source?.lastValue ?? `unreadable (${sequence.sourceError})`
      const target = sequence.target?.lastValue ?? `missing (${sequence.targetError})`
      lines.push(`  sequence ${sequence.sequence}: source ${source}, target ${target}`)
    }

    if (!verification.objects.match)
      lines.push(
        `  object counts: source ${JSON.stringify(verification.objects.source)}, target ${JSON.stringify(verification.objects.target)}`,
      )
  }

  lines.push(swapLine(report, database))
  return lines.join('\n')
}

/** What happened to the target database: the verified copy took its name, or it was left as it was. */
function swapLine(report: MigrateReport, database: string): string {
  const {swap} = report
  if (!swap) return `The copy was not swapped in: database ${database} on the target was left as it was, and the copy was dropped.`
  if (!swap.replaced) return `The copy is now database ${database}.`
  if (swap.oldNotDropped)
    return `The copy replaced database ${database}; the old one is kept as ${swap.oldKeptAs} (it could not be dropped: ${swap.oldNotDropped}).`
  return `The copy replaced database ${database}; the old one was ${swap.oldKeptAs ? `kept as ${swap.oldKeptAs}` : 'dropped'}.`
}

function paintStatus(status: 'fail' | 'ok' | 'warn', colour: Palette): string {
  const padded = status.padEnd(4)
  return status === 'ok' ? colour.green(padded) : status === 'warn' ? colour.yellow(padded) : colour.red(padded)
}
