import type {DoctorReport} from '../../doctor/run.js'
import type {CheckResult, CheckStatus, Layer} from '../../doctor/types.js'
import type {Palette} from './colour.js'

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

/** Checks grouped by layer; layers and checks with failures first, so the broken thing is on top. */
export function renderDoctorReport(report: DoctorReport, colour: Palette): string {
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
      if (result.hint && (result.status === 'fail' || result.status === 'warn')) lines.push(`           ${colour.cyan('→')} ${result.hint}`)
    }
  }

  const {summary} = report
  lines.push(
    '',
    `${summary.fail > 0 ? colour.red(`${summary.fail} failed`) : '0 failed'}, ${summary.warn} warning(s), ${summary.ok} ok, ${summary.skip} skipped in ${summary.totalMs} ms` +
      (summary.slowest ? ` (slowest: ${summary.slowest.id}, ${summary.slowest.ms} ms)` : ''),
  )
  return lines.join('\n')
}
