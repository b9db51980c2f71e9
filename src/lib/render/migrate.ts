import type {MigrateReport} from '../migrate/migrate.js'
import type {Palette} from './colour.js'

import {formatBytes} from '../migrate/format.js'

export function renderMigrateReport(report: MigrateReport, colour: Palette): string {
  if (report.dryRun) return `Dry run: preflight done, nothing copied (${report.tables} tables, ${formatBytes(report.sourceBytes)}, ${report.jobs} job(s)).`
  const lines = [`Copied ${report.source} -> ${report.target} (${report.path}, ${report.jobs} job(s)) in ${report.phases.copySeconds} s${report.throughputBytesPerSecond ? `, ${formatBytes(report.throughputBytesPerSecond)}/s` : ''}.`]
  const {verification} = report
  const database = report.target.replace(/^.*\//, '').replace(/ \(via .*\)$/, '')
  if (!verification) {
    lines.push(colour.yellow('Not verified (--verify none).'), swapLine(report, database))
    return lines.join('\n')
  }

  const differing = verification.tables.filter((table) => !table.match)
  const sequences = verification.sequences.filter((sequence) => !sequence.match)
  if (verification.match) {
    lines.push(colour.green(`Verified (${verification.mode}): ${verification.tables.length} tables, ${verification.sequences.length} sequences and the object counts match.`))
  } else {
    lines.push(colour.red(`Verification (${verification.mode}) found differences:`))
    for (const table of differing) {
      lines.push(`  ${table.table}: source ${table.source.rows} rows${table.source.hash ? ` (hash ${table.source.hash})` : ''}, target ${table.target.rows < 0 ? 'missing' : `${table.target.rows} rows`}${table.target.hash ? ` (hash ${table.target.hash})` : ''}`)
    }

    for (const sequence of sequences) lines.push(`  sequence ${sequence.sequence}: source ${sequence.source.lastValue}, target ${sequence.target?.lastValue ?? 'missing'}`)
    if (!verification.objects.match) lines.push(`  object counts: source ${JSON.stringify(verification.objects.source)}, target ${JSON.stringify(verification.objects.target)}`)
  }

  lines.push(swapLine(report, database))
  return lines.join('\n')
}

/** What happened to the target database: the verified copy took its name, or it was left as it was. */
function swapLine(report: MigrateReport, database: string): string {
  const {swap} = report
  if (!swap) return `The copy was not swapped in: database ${database} on the target was left as it was, and the copy was dropped.`
  if (!swap.replaced) return `The copy is now database ${database}.`
  if (swap.oldNotDropped) return `The copy replaced database ${database}; the old one is kept as ${swap.oldKeptAs} (it could not be dropped: ${swap.oldNotDropped}).`
  return `The copy replaced database ${database}; the old one was ${swap.oldKeptAs ? `kept as ${swap.oldKeptAs}` : 'dropped'}.`
}
