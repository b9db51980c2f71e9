import type {DoctorComparison, StatusChange, ValueMove} from '../../doctor/compare.js'
import type {DoctorReport} from '../../doctor/run.js'
import type {CheckResult, CheckStatus, Layer} from '../../doctor/types.js'
import type {Palette} from './colour.js'

import {formatThreshold} from '../../doctor/thresholds.js'

const layerTitles: Record<Layer, string> = {
  aws: 'AWS',
  capacity: 'Capacity',
  cluster: 'Cluster',
  db: 'Database',
  network: 'Network',
  secret: 'Credentials',
}
const layerOrder: Layer[] = ['aws', 'cluster', 'network', 'secret', 'db', 'capacity']
const severity: Record<CheckStatus, number> = {fail: 0, ok: 3, skip: 2, warn: 1}

function icon(status: CheckStatus, colour: Palette): string {
  switch (status) {
    case 'fail': {
      return colour.red('✗ fail')
    }

    case 'ok': {
      return colour.green('✓ ok  ')
    }

    case 'skip': {
      return colour.dim('- skip')
    }

    case 'warn': {
      return colour.yellow('! warn')
    }
  }
}

const worst = (results: CheckResult[]) => Math.min(...results.map((result) => severity[result.status]))

/**
 * Checks grouped by layer; layers and checks with failures first, so the broken thing is on top. With
 * `failOn: 'warn'` (--fail-on warn) the last line says when warnings alone make the run fail.
 */
export function renderDoctorReport(report: DoctorReport, colour: Palette, options: {failOn?: 'fail' | 'warn'} = {}): string {
  const groups = layerOrder
    .map((layer) => report.checks.filter((check) => check.layer === layer))
    .filter((results) => results.length > 0)
    .sort((a, b) => worst(a) - worst(b))
  const lines: string[] = []
  for (const results of groups) {
    lines.push(colour.bold(layerTitles[results[0]!.layer]))
    for (const result of [...results].sort((a, b) => severity[a.status] - severity[b.status])) {
      lines.push(`  ${icon(result.status, colour)}  ${result.id.padEnd(28)} ${result.detail} ${colour.dim(`(${result.ms} ms)`)}`)
      for (const item of result.items ?? [])
        if (result.status !== 'ok' || (result.items?.length ?? 0) <= 5) lines.push(colour.dim(`           ${item}`))
      if (result.hint && result.status !== 'ok') lines.push(`           ${colour.cyan('→')} ${result.hint}`)
    }
  }

  const {summary} = report
  lines.push(
    '',
    `${summary.fail > 0 ? colour.red(`${summary.fail} failed`) : '0 failed'}, ${summary.warn} warning(s), ${summary.ok} ok, ${summary.skip} skipped in ${summary.totalMs} ms` +
      (summary.slowest ? ` (slowest: ${summary.slowest.id}, ${summary.slowest.ms} ms)` : ''),
  )
  if (options.failOn === 'warn' && summary.fail === 0 && summary.warn > 0)
    lines.push(colour.red(`Failing on warnings (--fail-on warn): ${summary.warn} check(s) warned, exit 4.`))
  return lines.join('\n')
}

function changeLabel(change: StatusChange): string {
  if (change.after === 'skip') return 'now skipped'
  if (change.after === 'ok') return 'recovered'
  if (change.after === 'warn') return change.before === 'fail' ? 'improved' : 'new warning'
  return change.before === 'warn' ? 'now failing' : 'new failure'
}

const line = (label: string, id: string, text: string) => `  ${label.padEnd(12)} ${id.padEnd(28)} ${text}`

const formatValue = (move: ValueMove, value: number) => (move.kind ? formatThreshold(move.kind, value) : String(Number(value.toFixed(4))))

/** What --compare found, after the report: each change on one line, problems first. */
export function renderComparison(comparison: DoctorComparison, colour: Palette): string {
  const {against} = comparison
  const saved = [against.checkedAt && `checked ${against.checkedAt}`, against.clusterId && `cluster ${against.clusterId}`]
    .filter(Boolean)
    .join(', ')
  const title = `Since ${against.file}${saved ? ` (${saved})` : ''}`
  const lines = [
    ...comparison.worse.map((change) =>
      colour[change.after === 'fail' ? 'red' : 'yellow'](
        line(changeLabel(change), change.id, `${change.before} → ${change.after}: ${change.detail}`),
      ),
    ),
    ...comparison.nowSkipped.map((change) =>
      colour.yellow(line(changeLabel(change), change.id, `${change.before} → skip: ${change.detail}`)),
    ),
    ...comparison.better.map((change) =>
      colour.green(line(changeLabel(change), change.id, `${change.before} → ${change.after}: ${change.detail}`)),
    ),
    ...comparison.moved.map((move) => line('moved', move.id, `${formatValue(move, move.before)} → ${formatValue(move, move.after)}`)),
    ...comparison.added.map((id) => line('new check', id, 'not in the saved report')),
    ...comparison.gone.map((id) => colour.dim(line('gone', id, 'in the saved report, not run now'))),
  ]
  if (lines.length === 0) return `${title}: no change (same statuses and values).`
  return [colour.bold(`${title}:`), ...lines].join('\n')
}
