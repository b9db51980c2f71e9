import Table from 'cli-table3'

import type {Palette} from '../cli/render/colour.js'
import type {DrillOutcome, DrillReport, PhaseStatus} from './types.js'

import {formatDuration} from '../cli/duration.js'
import {type JunitCase, junitDocument, markdownCell, markdownCode, markdownLine, writeReportFiles} from '../cli/report-formats.js'
import {terminalColumns} from '../cli/terminal.js'

const textHeadlines: Record<DrillOutcome, string> = {
  error: 'ERROR',
  failed: 'FAILED',
  interrupted: 'INTERRUPTED',
  passed: 'PASSED',
  timeout: 'TIMED OUT',
}

const markdownHeadlines: Record<DrillOutcome, string> = {
  error: '⚠️ error',
  failed: '❌ failed',
  interrupted: '⚠️ interrupted',
  passed: '✅ passed',
  timeout: '⏱️ timed out',
}

/** "312.7 s (5m13s)": seconds to compare runs, minutes to read at a glance. */
function secondsWithDuration(seconds: number): string {
  return seconds >= 60 ? `${seconds} s (${formatDuration(seconds * 1000)})` : `${seconds} s`
}

/** For the engineer at the terminal: the outcome, the phase table, the failed checks, and what teardown did. */
export function renderDrillText(report: DrillReport, colour: Palette): string {
  const paintStatus = (status: PhaseStatus, text: string) =>
    status === 'passed' ? colour.green(text) : status === 'failed' ? colour.red(text) : colour.yellow(text)
  const headline =
    `${textHeadlines[report.outcome]}: drill of ${report.sourceCluster} from snapshot ${report.snapshot?.id ?? '(none picked)'} into ${report.drillCluster}; ` +
    `restore ${secondsWithDuration(report.restoreSeconds)}, total ${secondsWithDuration(report.totalSeconds)}`
  const lines = [report.outcome === 'passed' ? colour.green(headline) : colour.red(headline)]

  // Phase, Status and Seconds are narrow and fixed; Detail takes the rest of the terminal (5 border characters).
  const columns = terminalColumns()
  const table = new Table({
    colWidths: [10, 9, 9, Math.max(30, columns - 33)],
    head: ['Phase', 'Status', 'Seconds', 'Detail'],
    style: {border: [], head: []},
    wordWrap: true,
  })
  for (const phase of report.phases)
    table.push([phase.name, paintStatus(phase.status, phase.status), phase.seconds.toFixed(1), phase.detail])
  lines.push(table.toString())

  const failed = report.checks.filter((check) => !check.passed)
  if (report.checks.length === 0) {
    lines.push(colour.yellow('No checks ran.'))
  } else {
    const manifest = report.manifest ? ` (against the ${report.manifest.mode} manifest taken ${report.manifest.takenAt})` : ''
    const summary = `${report.checks.length} check${report.checks.length === 1 ? '' : 's'}, ${failed.length} failed${manifest}`
    lines.push(failed.length === 0 ? colour.green(summary) : colour.red(summary))
    // A short list reads as a receipt; a long one (every table of a big schema) would bury the failures.
    const listed = report.checks.length <= 10 ? report.checks : failed
    for (const check of listed)
      lines.push(`  ${check.passed ? colour.green('✓') : colour.red('✗')} ${check.kind} ${check.name}: ${check.detail}`)
  }

  const {teardown} = report
  if (teardown.status === 'failed') lines.push(colour.red(`Teardown FAILED: ${teardown.detail}`))
  else if (teardown.status === 'kept') lines.push(colour.yellow(`Teardown: ${teardown.detail}`))
  else lines.push(`Teardown: ${teardown.detail}`)
  for (const warning of report.warnings ?? []) lines.push(colour.yellow(`Warning: ${warning}`))
  if (report.error) lines.push(colour.red(`Error: ${report.error}`))
  return lines.join('\n')
}

/**
 * JUnit XML, as CI test reporters read it: a test case per phase, per check, and one for the teardown.
 * The teardown phase is that last case rather than a phase case too, so a failed teardown counts once.
 */
export function renderDrillJunit(report: DrillReport): string {
  const teardownPhase = report.phases.find((phase) => phase.name === 'teardown')
  const cases: JunitCase[] = [
    ...report.phases
      .filter((phase) => phase.name !== 'teardown')
      .map((phase) => ({
        classname: 'drill.phase',
        failure: phase.status === 'failed' ? phase.detail : undefined,
        name: phase.name,
        skipped: phase.status === 'skipped' ? phase.detail : undefined,
        time: phase.seconds,
      })),
    ...report.checks.map((check) => ({
      classname: `drill.check.${check.kind}`,
      failure: check.passed ? undefined : check.detail,
      name: check.name,
      time: 0,
    })),
    {
      classname: 'drill.teardown',
      failure: report.teardown.status === 'failed' ? report.teardown.detail : undefined,
      name: 'teardown',
      // --keep leaves the cluster on purpose: not a failure, but not a clean teardown either.
      skipped: report.teardown.status === 'kept' ? report.teardown.detail : undefined,
      time: teardownPhase?.seconds ?? 0,
    },
  ]
  const properties: Array<[string, string]> = [
    ['outcome', report.outcome],
    ['drillCluster', report.drillCluster],
    ['snapshot', report.snapshot?.id ?? ''],
    ['restoreSeconds', String(report.restoreSeconds)],
    ['verifyMode', report.verifyMode],
  ]
  return junitDocument({
    cases,
    properties,
    suite: `drill ${report.sourceCluster}`,
    suites: 'auroractl drill',
    systemErr: report.error,
    systemOut: (report.warnings ?? []).map((warning) => `Warning: ${warning}`).join('\n') || undefined,
    timestamp: report.startedAt,
    totalSeconds: report.totalSeconds,
  })
}

/** A Markdown summary for a CI job page ($GITHUB_STEP_SUMMARY). */
export function renderDrillMarkdown(report: DrillReport): string {
  const failed = report.checks.filter((check) => !check.passed)
  const {manifest, snapshot} = report
  const snapshotLine = snapshot
    ? `${markdownCode(snapshot.id)}${snapshot.type ? `, ${snapshot.type}` : ''}${snapshot.createdAt ? `, taken ${snapshot.createdAt}` : ''}`
    : 'none picked'
  const lines = [
    `## Restore drill: ${markdownHeadlines[report.outcome]}`,
    '',
    `- Source cluster: ${markdownCode(report.sourceCluster)}`,
    `- Snapshot: ${snapshotLine}`,
    `- Drill cluster: ${markdownCode(report.drillCluster)}`,
    `- Restore time (pick + restore + ready): **${secondsWithDuration(report.restoreSeconds)}**`,
    `- Total time: ${secondsWithDuration(report.totalSeconds)}`,
    ...(manifest
      ? [`- Manifest: ${manifest.file ? `${markdownCode(manifest.file)}, ` : ''}${manifest.mode}, taken ${manifest.takenAt}`]
      : []),
    `- Teardown: ${report.teardown.status === 'failed' ? '**failed**: ' : ''}${markdownLine(report.teardown.detail)}`,
    ...(report.warnings ?? []).map((warning) => `- Warning: ${markdownLine(warning)}`),
    ...(report.error ? [`- Error: ${markdownLine(report.error)}`] : []),
    '',
    '### Phases',
    '',
    '| Phase | Status | Seconds | Detail |',
    '|---|---|---:|---|',
    ...report.phases.map((phase) => `| ${phase.name} | ${phase.status} | ${phase.seconds.toFixed(1)} | ${markdownCell(phase.detail)} |`),
    '',
    '### Checks',
    '',
    report.checks.length === 0
      ? 'No checks ran.'
      : `${report.checks.length - failed.length} of ${report.checks.length} passed, ${failed.length} failed.`,
  ]
  if (failed.length > 0) {
    lines.push(
      '',
      '| Kind | Name | Detail |',
      '|---|---|---|',
      ...failed.map((check) => `| ${check.kind} | ${markdownCell(check.name)} | ${markdownCell(check.detail)} |`),
    )
  }

  return `${lines.join('\n')}\n`
}

/** Writes the requested report files, creating their folders; returns the paths written, in the order json, junit, markdown. */
export async function writeDrillReports(report: DrillReport, files: {json?: string; junit?: string; markdown?: string}): Promise<string[]> {
  return writeReportFiles(files, {
    json: () => `${JSON.stringify(report, null, 2)}\n`,
    junit: () => renderDrillJunit(report),
    markdown: () => renderDrillMarkdown(report),
  })
}
