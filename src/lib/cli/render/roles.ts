import type {RoleDropOutcome, RoleDropPlan} from '../../credentials/role-drop.js'
import type {RoleList} from '../../credentials/role-list.js'
import type {RoleMode} from '../../credentials/role-sql.js'
import type {Palette} from './colour.js'

import {terminalColumns} from '../terminal.js'
import {fold, keyValueBlock} from './text.js'

const modeWords: Record<RoleMode, string> = {readonly: 'read-only', readwrite: 'read-write'}

/**
 * `role list` as a borderless table that fits the terminal: one line a role (name, privileges in a word, schemas,
 * connection limit, sessions), then under it, indented, what the word does not say (the detail: "owns the database",
 * a custom role's grants) and the secret auroractl made for it (its name; the ARN is in --json).
 */
export function renderRoleTable(list: RoleList, colour: Palette, width = terminalColumns()): string {
  if (list.roles.length === 0) return `No login roles in database ${list.database}.`
  const head = ['Role', 'Privileges', 'Schemas', 'Limit', 'Sessions']
  const rows = list.roles.map((role) => [
    role.master ? `${role.name} (master)` : role.name,
    role.privileges,
    role.schemas.join(', ') || '-',
    role.connectionLimit === null ? '-' : String(role.connectionLimit),
    String(role.connections),
  ])
  const widths = head.map((label, column) => Math.max(label.length, ...rows.map((row) => row[column]!.length)))
  // Numbers (limit, sessions) aligned right. Padded first, coloured after: colour codes would count as width.
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column >= 3 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ')
  const lines = [`Login roles of database ${list.database}:`, line(head)]
  for (const [index, role] of list.roles.entries()) {
    const text = line(rows[index]!)
    lines.push(role.privileges === 'superuser-like' ? colour.yellow(text) : text)
    if (role.detail) lines.push(...fold('    ', role.detail, width).map((part) => colour.dim(part)))
    if (role.secret) lines.push(`    secret ${role.secret.name}`)
  }

  return lines.join('\n')
}

export interface RoleCreatedView {
  connectionLimit: null | number
  database: string
  dryRun: boolean
  mode: RoleMode
  role: string
  schemas: string[]
  secret: {arn: null | string; name: string}
  statements: string[]
}

/** What `role create` made (or, with --dry-run, would make): the secret's ARN, never the password. */
export function renderRoleCreated(view: RoleCreatedView): string {
  const lines = [
    keyValueBlock([
      ['Role', `${view.role} (${modeWords[view.mode]}, login, connection limit ${view.connectionLimit ?? 'none'})`],
      ['Database', view.database],
      ['Schemas', view.schemas.join(', ')],
      ['Secret', view.secret.arn ?? `${view.secret.name} (to be created)`],
    ]),
  ]
  if (view.dryRun) {
    lines.push(
      '',
      'Would run, in one transaction (the password only as its SCRAM verifier), with the secret created before COMMIT:',
      ...view.statements.map((statement) => `  ${statement};`),
      '',
      'Nothing was changed (--dry-run).',
    )
  } else {
    lines.push(
      '',
      `Hand the secret's ARN to the application; it reads the credentials itself. Try it: auroractl psql --secret ${view.secret.arn}`,
    )
  }

  return lines.join('\n')
}

/** `role drop`'s plan: what it will change, in order. */
export function renderRoleDropPlan(plan: RoleDropPlan): string {
  const lines = [`Dropping role ${plan.name} in database ${plan.database}:`, ...plan.steps.map((step, index) => `  ${index + 1}. ${step}`)]
  if (plan.owned.length > 0)
    lines.push(`Objects handed to ${plan.reassignTo}: ${plan.owned.map((item) => `${item.kind} ${item.name}`).join(', ')}`)
  if (!plan.secret) lines.push('It has no secret made by auroractl: no secret is deleted.')
  return lines.join('\n')
}

/** After `role drop`: what is gone and how to get the secret back within its recovery window. */
export function renderRoleDropped(plan: RoleDropPlan, outcome: RoleDropOutcome): string {
  const lines = [`Role ${plan.name} dropped.`]
  if (outcome.sessionsEnded.length > 0) lines.push(`Ended sessions: ${outcome.sessionsEnded.join(', ')}.`)
  const deletion = outcome.secretDeletion
  if (deletion) {
    lines.push(
      `Secret ${deletion.name} is scheduled for deletion${deletion.deletionDate ? ` on ${deletion.deletionDate}` : ''} (${deletion.recoveryWindowDays}-day recovery window).`,
      `Until then it can be restored: aws secretsmanager restore-secret --secret-id ${deletion.arn}`,
      'Restoring it brings back the credentials, not the role.',
    )
  }

  return lines.join('\n')
}
