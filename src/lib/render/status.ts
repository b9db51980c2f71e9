import Table from 'cli-table3'

import type {ClusterStatus} from '../cluster-status.js'
import type {Palette} from './colour.js'

import {formatAge, keyValueBlock} from './text.js'

/** The human view of `auroractl status`, in the spirit of `heroku pg:info`. */
export function renderClusterStatus(status: ClusterStatus, colour: Palette): string {
  const state = status.status === 'available' ? colour.green(status.status) : colour.yellow(status.status ?? 'unknown')
  const port = status.endpoints.port ?? ''
  const capacity = status.capacity
    ? `Serverless v2, ${status.capacity.minAcu}-${status.capacity.maxAcu} ACU` +
      (status.capacity.secondsUntilAutoPause === null ? '' : `, auto-pause after ${status.capacity.secondsUntilAutoPause}s`)
    : colour.yellow('no Serverless v2 scaling configuration (db.serverless instances cannot be added)')
  const snapshot = status.latestSnapshot
    ? `${status.latestSnapshot.id} (${status.latestSnapshot.type ?? 'unknown'}, ${formatAge(status.latestSnapshot.ageHours)}, ${status.latestSnapshot.status ?? 'unknown'})`
    : colour.yellow('none')

  const summary = keyValueBlock([
    ['Status', state],
    ['Engine', `${status.engine.name ?? '?'} ${status.engine.version ?? '?'}`],
    ['Writer endpoint', status.endpoints.writer ? `${status.endpoints.writer}:${port}` : '-'],
    ['Reader endpoint', status.endpoints.reader ? `${status.endpoints.reader}:${port}` : '-'],
    ['Database', `${status.databaseName ?? '-'} (master user ${status.masterUsername ?? '-'})`],
    ['Capacity', capacity],
    ['Backups', `${status.backup.retentionDays ?? '?'} days retention, window ${status.backup.window ?? '-'} UTC`],
    ['Maintenance', `${status.maintenanceWindow ?? '-'} UTC`],
    ['Deletion protection', status.deletionProtection ? 'on' : colour.yellow('off')],
    ['Encryption', status.encryption.storageEncrypted ? `at rest (KMS ${status.encryption.kmsKeyId ?? 'AWS managed'})` : colour.red('not encrypted')],
    ['IAM auth', status.iamDatabaseAuthentication ? 'on' : 'off'],
    ['Latest snapshot', snapshot],
  ])

  const instances = new Table({
    head: ['Instance', 'Role', 'Class', 'AZ', 'Status', 'PI'],
    style: {border: [], head: []},
  })
  for (const instance of status.instances) {
    instances.push([
      instance.id,
      instance.role,
      instance.class ?? '-',
      instance.availabilityZone ?? '-',
      instance.status === 'available' ? colour.green(instance.status) : colour.yellow(instance.status ?? 'unknown'),
      instance.performanceInsights ? 'on' : colour.yellow('off'),
    ])
  }

  const instancesBlock = status.instances.length > 0 ? instances.toString() : colour.yellow('No instances: the cluster cannot serve connections.')
  return [colour.bold(`=== ${status.id}`), summary, '', colour.bold('Instances'), instancesBlock].join('\n')
}
