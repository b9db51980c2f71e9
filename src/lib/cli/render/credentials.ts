import type {PasswordChange, RotationPlan, RotationReport, RotationStep} from '../../credentials/rotation-mode.js'
import type {Palette} from './colour.js'

import {formatAge} from './text.js'

const changeWords: Record<PasswordChange, string> = {
  'alter-role': 'ALTER ROLE, by the role itself',
  'modify-db-cluster': 'ModifyDBCluster --master-user-password (master user)',
  rds: 'RDS, through RotateSecret (RDS-managed master secret)',
  'rotation-function': 'the rotation function, through RotateSecret',
}

const modeWords = {
  'rds-managed': 'RDS-managed',
  'rotation-function': 'rotation function',
  staged: 'plain: auroractl runs the staged steps',
} as const

/** The sessions logged in as the user, a line per application and address. */
function sessionLines(plan: RotationPlan): string[] {
  if (!plan.sessions) return [`  Sessions  not listed: ${plan.sessionsError ?? 'unknown'}`]
  if (plan.sessions.total === 0) return [`  Sessions  none logged in as ${plan.username} on the writer`]
  const lines = [
    `  Sessions  ${plan.sessions.total} logged in as ${plan.username} on the writer; they keep working,`,
    '            and need the new password when they next connect:',
  ]
  const width = Math.max(...plan.sessions.groups.map((group) => String(group.sessions).length))
  for (const group of plan.sessions.groups) {
    lines.push(
      `            ${String(group.sessions).padStart(width)}  ${group.applicationName || '(no application_name)'} from ${group.clientAddress ?? 'a local socket'}`,
    )
  }

  return lines
}

/** The plan, before anything changes (and all --dry-run shows). */
export function renderRotationPlan(plan: RotationPlan, colour: Palette): string {
  const created = plan.currentVersion.createdDate
  const age = created ? ` (created ${formatAge((Date.now() - Date.parse(created)) / 3_600_000)})` : ''
  return [
    `Rotate the password of ${colour.bold(plan.username)} on ${plan.clusterId}:`,
    `  Secret    ${plan.secretName} (${modeWords[plan.mode]})`,
    `  Current   version ${plan.currentVersion.versionId}${age}`,
    `  Database  ${changeWords[plan.passwordChange]}`,
    ...sessionLines(plan),
    '  Steps',
    ...plan.steps.map((text, index) => `    ${index + 1}. ${text}`),
    ...(plan.mode === 'staged' ? [colour.dim('    On a failure, Ctrl-C or SIGTERM: all undone, and the old password proven.')] : []),
  ].join('\n')
}

const marks: Record<RotationStep['status'], string> = {done: '✓', failed: '✗', skipped: '-', undone: '↺'}

function stepLines(steps: RotationStep[], colour: Palette): string[] {
  const width = Math.max(...steps.map((item) => item.step.length))
  return steps.map((item) => {
    const status = item.status === 'done' ? '' : `${item.status}${item.detail ? ': ' : ''}`
    const line = `  ${marks[item.status]} ${item.step.padEnd(width)}  ${status}${item.detail ?? ''}`
    return item.status === 'failed' ? colour.red(line) : item.status === 'skipped' ? colour.dim(line) : line
  })
}

/** What happened, step by step, the rollback if there was one, the end state, and what to run by hand if it does not agree. */
export function renderRotationReport(report: RotationReport, colour: Palette): string {
  const headline = {
    'dry-run': 'Dry run: nothing was changed.',
    'rollback-failed': `The rotation of ${report.username}'s password failed, and the rollback could not finish.`,
    'rolled-back': `The rotation of ${report.username}'s password failed and was rolled back.`,
    rotated: `Rotated the password of ${report.username}.`,
  }[report.outcome]
  const lines = [report.outcome === 'rotated' ? colour.green(headline) : report.outcome === 'dry-run' ? headline : colour.red(headline)]
  if (report.outcome !== 'dry-run') lines.push(...stepLines(report.steps, colour))
  if (report.failure) lines.push(colour.red(`Failed at ${report.failure.step}: ${report.failure.message}`))
  if (report.rollback) lines.push('Rollback:', ...stepLines(report.rollback, colour))
  lines.push(report.outcome === 'rollback-failed' ? colour.red(report.state) : report.state)
  if (report.manualFix?.length) lines.push(colour.yellow('To make them agree, run:'), ...report.manualFix.map((command) => `  ${command}`))
  return lines.join('\n')
}
