import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import type {Palette} from '../render/colour.js'
import type {DrillOutcome, DrillReport, PhaseStatus} from './types.js'

const headlines: Record<DrillOutcome, string> = {
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

/** For the engineer at the terminal: the outcome, the phase table, the failed checks, and what teardown did. */
export async function renderDrillText(report: DrillReport, colour: Palette): Promise<string> {
  const {default: Table} = await import('cli-table3')
  const paint = (status: PhaseStatus, text: string) => (status === 'passed' ? colour.green(text) : status === 'failed' ? colour.red(text) : colour.yellow(text))
  const headline = `${headlines[report.outcome]}: drill of ${report.sourceCluster} from snapshot ${report.snapshot?.id ?? '(none picked)'} into ${report.drillCluster}; restore ${report.restoreSeconds} s, total ${report.totalSeconds} s`
  const lines = [report.outcome === 'passed' ? colour.green(headline) : colour.red(headline)]
  const width = Number(process.env.COLUMNS) || process.stdout.columns || 120
  const table = new Table({colWidths: [10, 9, 9, Math.max(30, width - 32)], head: ['Phase', 'Status', 'Seconds', 'Detail'], style: {border: [], head: []}, wordWrap: true})
  for (const phase of report.phases) table.push([phase.name, paint(phase.status, phase.status), phase.seconds.toFixed(1), phase.detail])
  lines.push(table.toString())
  const failed = report.checks.filter((check) => !check.passed)
  if (report.checks.length > 0) {
    lines.push(`${report.checks.length} checks, ${failed.length} failed${report.manifest ? ` (manifest taken ${report.manifest.takenAt}, ${report.manifest.mode})` : ''}`)
    const shown = report.checks.length <= 10 ? report.checks : failed
    for (const check of shown) lines.push(`  ${check.passed ? colour.green('✓') : colour.red('✗')} ${check.kind} ${check.name}: ${check.detail}`)
  }

  const {teardown} = report
  if (teardown.status === 'failed') lines.push(colour.red(`Teardown FAILED: ${teardown.detail}`))
  else if (teardown.status === 'kept') lines.push(colour.yellow(`Teardown: ${teardown.detail}`))
  else lines.push(`Teardown: ${teardown.detail}`)
  if (report.error) lines.push(colour.red(`Error: ${report.error}`))
  return lines.join('\n')
}

/** XML 1.0 text: the five entities escaped, characters XML cannot carry removed. */
function xml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replaceAll(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD]/gu, '')
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll('"', '&quot;')
      .replaceAll("'", '&apos;')
  )
}

/** JUnit XML, as CI test reporters read it: a test case per phase, per check, and for the teardown. */
export function renderDrillJunit(report: DrillReport): string {
  const cases: Array<{classname: string; failure?: string; name: string; skipped?: boolean; time: number}> = [
    ...report.phases
      .filter((phase) => phase.name !== 'teardown')
      .map((phase) => ({
        classname: 'drill.phase',
        failure: phase.status === 'failed' ? phase.detail : undefined,
        name: phase.name,
        skipped: phase.status === 'skipped',
        time: phase.seconds,
      })),
    ...report.checks.map((check) => ({classname: `drill.check.${check.kind}`, failure: check.passed ? undefined : check.detail, name: check.name, time: 0})),
    {
      classname: 'drill.teardown',
      failure: report.teardown.status === 'failed' ? report.teardown.detail : undefined,
      name: 'teardown',
      time: report.phases.find((phase) => phase.name === 'teardown')?.seconds ?? 0,
    },
  ]
  const failures = cases.filter((testcase) => testcase.failure !== undefined).length
  const skipped = cases.filter((testcase) => testcase.skipped).length
  const counts = `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${report.totalSeconds}"`
  const body = cases.map((testcase) => {
    const open = `    <testcase classname="${xml(testcase.classname)}" name="${xml(testcase.name)}" time="${testcase.time}"`
    if (testcase.failure !== undefined) return `${open}>\n      <failure message="${xml(testcase.failure)}">${xml(testcase.failure)}</failure>\n    </testcase>`
    if (testcase.skipped) return `${open}>\n      <skipped/>\n    </testcase>`
    return `${open}/>`
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="auroractl drill" ${counts}>`,
    `  <testsuite name="${xml(`drill ${report.sourceCluster}`)}" timestamp="${xml(report.startedAt)}" ${counts}>`,
    ...body,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}

const cell = (text: string) => text.replaceAll('|', String.raw`\|`).replaceAll(/\r?\n/g, ' ')

/** A Markdown summary for a CI job page ($GITHUB_STEP_SUMMARY). */
export function renderDrillMarkdown(report: DrillReport): string {
  const failed = report.checks.filter((check) => !check.passed)
  const lines = [
    `## Restore drill: ${markdownHeadlines[report.outcome]}`,
    '',
    `- Source cluster: \`${report.sourceCluster}\``,
    `- Snapshot: \`${report.snapshot?.id ?? 'none picked'}\`${report.snapshot?.createdAt ? ` (taken ${report.snapshot.createdAt})` : ''}`,
    `- Drill cluster: \`${report.drillCluster}\``,
    `- Restore time (pick + restore + ready): **${report.restoreSeconds} s**; total ${report.totalSeconds} s`,
    ...(report.manifest ? [`- Manifest: ${report.manifest.file ? `\`${report.manifest.file}\`, ` : ''}${report.manifest.mode}, taken ${report.manifest.takenAt}`] : []),
    `- Teardown: ${report.teardown.status} (${cell(report.teardown.detail)})`,
    ...(report.error ? [`- Error: ${cell(report.error)}`] : []),
    '',
    '| Phase | Status | Seconds | Detail |',
    '|---|---|---:|---|',
    ...report.phases.map((phase) => `| ${phase.name} | ${phase.status} | ${phase.seconds.toFixed(1)} | ${cell(phase.detail)} |`),
    '',
    `**Checks:** ${report.checks.length - failed.length} passed, ${failed.length} failed.`,
  ]
  if (failed.length > 0) {
    lines.push('', '| Kind | Name | Detail |', '|---|---|---|', ...failed.map((check) => `| ${check.kind} | ${cell(check.name)} | ${cell(check.detail)} |`))
  }

  return `${lines.join('\n')}\n`
}

/** Writes the requested report files (parent folders created); returns the paths written. */
export async function writeDrillReports(report: DrillReport, files: {json?: string; junit?: string; markdown?: string}): Promise<string[]> {
  const contents: Array<[string | undefined, () => string]> = [
    [files.json, () => `${JSON.stringify(report, null, 2)}\n`],
    [files.junit, () => renderDrillJunit(report)],
    [files.markdown, () => renderDrillMarkdown(report)],
  ]
  const written: string[] = []
  for (const [file, render] of contents) {
    if (!file) continue
    // eslint-disable-next-line no-await-in-loop
    await mkdir(path.dirname(path.resolve(file)), {recursive: true})
    // eslint-disable-next-line no-await-in-loop
    await writeFile(file, render())
    written.push(file)
  }

  return written
}
