import type {FailoverMeasurement, FailoverOutcome, FailoverPlan, FailoverReport, TimelineEntry} from '../../failover/types.js'
import type {Palette} from './colour.js'

const textHeadlines: Record<FailoverOutcome, string> = {
  'dry-run': 'DRY RUN',
  error: 'ERROR',
  failed: 'FAILED',
  interrupted: 'INTERRUPTED',
  passed: 'PASSED',
  timeout: 'TIMED OUT',
}

/** "+1.25s", "-0.10s": seconds from the failover request. */
export function offset(t: number): string {
  return `${t < 0 ? '-' : '+'}${Math.abs(t).toFixed(2)}s`
}

/** "4.31 s", or "not over" for an outage still going when the run stopped. */
export function downtimeText(measurement: FailoverMeasurement): string {
  return measurement.downtimeSeconds === null ? 'not over' : `${measurement.downtimeSeconds.toFixed(2)} s`
}

export const writerChange = (measurement: FailoverMeasurement) =>
  `${measurement.fromWriter} → ${measurement.newWriter ?? '(no new writer reported)'}`

/** Exceeded the objective: a measured outage longer than --max-downtime. */
export function missedObjective(report: FailoverReport, measurement: FailoverMeasurement): boolean {
  return report.objectiveSeconds !== null && measurement.downtimeSeconds !== null && measurement.downtimeSeconds > report.objectiveSeconds
}

export function objectiveText(report: FailoverReport): string {
  return report.objectiveSeconds === null ? 'no objective' : `objective ${report.objectiveSeconds} s`
}

export function reasonsText(measurement: FailoverMeasurement): string {
  const reasons = Object.entries(measurement.failureReasons).sort((a, b) => b[1] - a[1])
  return reasons.length === 0 ? '' : `: ${reasons.map(([reason, count]) => `${reason} ${count}`).join(', ')}`
}

function timelineLines(timeline: TimelineEntry[]): string[] {
  return timeline.map((entry) => `  t${offset(entry.t).padStart(8)}  ${entry.what}`)
}

/** For the engineer at the terminal: per failover, the outage against the objective, the writer change, and a small timeline. */
export function renderFailoverText(report: FailoverReport, colour: Palette): string {
  const lines: string[] = []
  for (const measurement of report.measurements) {
    const missed = missedObjective(report, measurement)
    const headline = `${measurement.kind} of ${report.clusterId}: writes unavailable ${measurement.downtimeSeconds === null ? 'and not back when the run stopped' : `for ${downtimeText(measurement)}`} (${objectiveText(report)}); writer ${writerChange(measurement)}`
    lines.push(
      missed || measurement.downtimeSeconds === null ? colour.red(headline) : headline,
      ...timelineLines(measurement.timeline),
      colour.dim(
        `  ${measurement.probes} probes (a new connection and a write every ${report.probe.intervalMs}ms through ${report.probe.route === 'direct' ? 'DNS' : report.probe.route}), ${measurement.failedWrites} failed${reasonsText(measurement)}`,
      ),
    )
    if (measurement.events.length === 0) lines.push(colour.dim('  No RDS events yet (AWS delivers them late: `aws rds describe-events`).'))
  }

  const verdict = `${textHeadlines[report.outcome]}: ${report.measurements.length === 0 ? 'nothing measured' : report.measurements.map((measurement) => `${measurement.kind} ${downtimeText(measurement)}`).join(', ')} (${objectiveText(report)})`
  lines.push(report.outcome === 'passed' ? colour.green(verdict) : colour.red(verdict))
  if (report.finalState)
    lines.push(colour.yellow(`The cluster is ${report.finalState.status ?? 'unknown'}, writer ${report.finalState.writer ?? 'unknown'}.`))
  for (const warning of report.warnings) lines.push(colour.yellow(`Warning: ${warning}`))
  return lines.join('\n')
}

/** The plan, before anything happens (and all a --dry-run does): the instances, which one is promoted and why, and the call. */
export function renderFailoverPlan(plan: FailoverPlan, colour: Palette): string {
  const {target} = plan
  const why = target
    ? target.chosenBy === '--to'
      ? 'named with --to'
      : `lowest promotion tier${target.tiedWith.length > 0 ? `, tied with ${target.tiedWith.join(', ')}: AWS picks one of them` : ''}`
    : ''
  const width = Math.max(...plan.instances.map((instance) => instance.id.length))
  const lines = [`Failover of ${plan.clusterId} (${plan.clusterStatus}):`]
  for (const instance of plan.instances) {
    const role = instance.writer ? 'writer' : 'reader'
    const tier = `tier ${instance.promotionTier ?? '1 (default)'}`
    const mark = instance.id === target?.id ? colour.green(`  ← promoted (${why})`) : instance.writer ? '  ← loses the writer role' : ''
    lines.push(
      `  ${role}  ${instance.id.padEnd(width)}  ${tier.padEnd(7)}  ${instance.instanceClass ?? '?'}  ${instance.status ?? '?'}${mark}`,
    )
  }

  lines.push(`Call: ${plan.call.api} ${JSON.stringify(plan.call.input)}`)
  return lines.join('\n')
}
