import type {FailoverMeasurement, FailoverOutcome, FailoverReport} from './types.js'

import {downtimeText, missedObjective, objectiveText, offset, reasonsText, writerChange} from '../cli/render/failover.js'
import {type JunitCase, junitDocument, markdownCell, markdownCode, markdownLine, writeReportFiles} from '../cli/report-formats.js'

const markdownHeadlines: Record<FailoverOutcome, string> = {
  'dry-run': 'dry run',
  error: '⚠️ error',
  failed: '❌ objective missed',
  interrupted: '⚠️ interrupted',
  passed: '✅ passed',
  timeout: '⏱️ timed out',
}

function measurementCases(report: FailoverReport, measurement: FailoverMeasurement): JunitCase[] {
  const classname = `failover.${measurement.kind}`
  const downtime =
    measurement.downtimeSeconds === null
      ? `writes were still failing when the run stopped (${report.error ?? report.outcome})`
      : missedObjective(report, measurement)
        ? `writes unavailable for ${downtimeText(measurement)}, over the objective of ${report.objectiveSeconds} s`
        : undefined
  const changed = measurement.newWriter !== null && measurement.newWriter !== measurement.fromWriter
  return [
    {
      classname,
      failure: downtime,
      name: `write downtime (${objectiveText(report)})`,
      time: measurement.downtimeSeconds ?? measurement.seconds,
    },
    {
      classname,
      failure: changed ? undefined : `the API did not report another writer than ${measurement.fromWriter}`,
      name: `writer changed ${writerChange(measurement)}`,
      time: measurement.seconds,
    },
  ]
}

/** JUnit XML: per failover (and failback), a case for the downtime against the objective and one for the writer change. */
export function renderFailoverJunit(report: FailoverReport): string {
  const cases = report.measurements.flatMap((measurement) => measurementCases(report, measurement))
  const properties: Array<[string, string]> = [
    ['outcome', report.outcome],
    ['objectiveSeconds', report.objectiveSeconds === null ? '' : String(report.objectiveSeconds)],
    ...report.measurements.map((measurement): [string, string] => [
      `${measurement.kind}.downtimeSeconds`,
      String(measurement.downtimeSeconds ?? ''),
    ]),
  ]
  const totalSeconds = Math.round(report.measurements.reduce((sum, measurement) => sum + measurement.seconds, 0) * 1000) / 1000
  return junitDocument({
    cases,
    properties,
    suite: `failover ${report.clusterId}`,
    suites: 'auroractl failover',
    systemErr: report.error,
    systemOut: report.warnings.map((warning) => `Warning: ${warning}`).join('\n') || undefined,
    timestamp: report.startedAt,
    totalSeconds,
  })
}

function markdownMeasurement(report: FailoverReport, measurement: FailoverMeasurement): string[] {
  return [
    `### ${measurement.kind === 'failover' ? 'Failover' : 'Failback'}: ${markdownCode(measurement.fromWriter)} → ${markdownCode(measurement.newWriter ?? 'no new writer reported')}`,
    '',
    `- Writes unavailable: **${downtimeText(measurement)}**${missedObjective(report, measurement) ? ` (over the objective of ${report.objectiveSeconds} s)` : ''}`,
    `- Probes: ${measurement.probes}, failed ${measurement.failedWrites}${markdownLine(reasonsText(measurement))}`,
    '',
    '| t | Time (UTC) | What |',
    '|---:|---|---|',
    ...measurement.timeline.map((entry) => `| ${offset(entry.t)} | ${entry.at} | ${markdownCell(entry.what)} |`),
    '',
  ]
}

/** A Markdown summary for a CI job page ($GITHUB_STEP_SUMMARY). */
export function renderFailoverMarkdown(report: FailoverReport): string {
  const lines = [
    `## Failover rehearsal: ${markdownHeadlines[report.outcome]}`,
    '',
    `- Cluster: ${markdownCode(report.clusterId)}`,
    `- Objective: ${report.objectiveSeconds === null ? 'none (measured only)' : `at most ${report.objectiveSeconds} s without writes`}`,
    `- Probe: a new connection and a write every ${report.probe.intervalMs} ms to ${markdownCode(report.probe.endpoint)}`,
    ...report.warnings.map((warning) => `- Warning: ${markdownLine(warning)}`),
    ...(report.finalState
      ? [
          `- Cluster when the run stopped: ${report.finalState.status ?? 'unknown'}, writer ${markdownCode(report.finalState.writer ?? 'unknown')}`,
        ]
      : []),
    ...(report.error ? [`- Error: ${markdownLine(report.error)}`] : []),
    '',
    ...report.measurements.flatMap((measurement) => markdownMeasurement(report, measurement)),
  ]
  return `${lines.join('\n').trimEnd()}\n`
}

export async function writeFailoverReports(
  report: FailoverReport,
  files: {json?: string; junit?: string; markdown?: string},
): Promise<string[]> {
  return writeReportFiles(files, {
    json: () => `${JSON.stringify(report, null, 2)}\n`,
    junit: () => renderFailoverJunit(report),
    markdown: () => renderFailoverMarkdown(report),
  })
}
