import Table from 'cli-table3'

import type {RoleDropOutcome, RoleDropPlan} from '../../credentials/role-drop.js'
import type {RoleList} from '../../credentials/role-list.js'
import type {RoleMode} from '../../credentials/role-sql.js'
import type {Palette} from './colour.js'

import {keyValueBlock} from './text.js'

export const modeWords: Record<RoleMode, string> = {readonly: 'read-only', readwrite: 'read-write'}

/** `role list`: one row a role; the secret's name (its ARN is in --json). */
export function renderRoleTable(list: RoleList, colour: Palette): string {
  if (list.roles.length === 0) return `No login roles in database ${list.database}.`
  const table = new Table({
    head: ['Role', 'Privileges', 'Schemas', 'Limit', 'Connections', 'Secret'],
    style: {border: [], head: []},
  })
  for (const role of list.roles) {
    const privileges = role.detail ? `${role.privileges} (${role.detail})` : role.privileges
    table.push([
      role.master ? `${role.name} ${colour.dim('(master)')}` : role.name,
      role.privileges === 'superuser-like' ? colour.yellow(privileges) : privileges,
      role.schemas.join(', ') || '-',
      role.connectionLimit === null ? '-' : String(role.connectionLimit),
      String(role.connections),
      role.secret?.name ?? '-',
    ])
  }

  return `Login roles of database ${list.database}:\n${table.toString()}`
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
  uncoveredOwners: string[]
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
