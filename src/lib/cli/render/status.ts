import Table from 'cli-table3'

import type {ClusterStatus} from '../../cluster-status.js'
import type {Palette} from './colour.js'

import {formatAge, keyValueBlock} from './text.js'

/** The human view of `auroractl status`, in the spirit of `heroku pg:info`. */
export function renderClusterStatus(status: ClusterStatus, colour: Palette): string {
  const state = status.status === 'available' ? colour.green(status.status) : colour.yellow(status.status ?? 'unknown')
  const port = status.endpoints.port ?? ''
  const summary = keyValueBlock([
    ['Status', state],
    ['Engine', `${status.engine.name ?? '?'} ${status.engine.version ?? '?'}`],
    ['Writer endpoint', status.endpoints.writer ? `${status.endpoints.writer}:${port}` : '-'],
    ['Reader endpoint', status.endpoints.reader ? `${status.endpoints.reader}:${port}` : '-'],
    ['Database', `${status.databaseName ?? '-'} (master user ${status.masterUsername ?? '-'})`],
    ['Capacity', describeCapacity(status, colour)],
    ['Backups', `${status.backup.retentionDays ?? '?'} days retention, window ${status.backup.window ?? '-'} UTC`],
    ['Maintenance', `${status.maintenanceWindow ?? '-'} UTC`],
    ['Deletion protection', status.deletionProtection ? 'on' : colour.yellow('off')],
    [
      'Encryption',
      status.encryption.storageEncrypted ? `at rest (KMS ${status.encryption.kmsKeyId ?? 'AWS managed'})` : colour.red('not encrypted'),
    ],
    ['IAM auth', status.iamDatabaseAuthentication ? 'on' : 'off'],
    ['Latest snapshot', describeSnapshot(status, colour)],
  ])

  return [colour.bold(`=== ${status.id}`), summary, '', colour.bold('Instances'), renderInstances(status, colour)].join('\n')
}

function describeCapacity(status: ClusterStatus, colour: Palette): string {
  if (!status.capacity) return colour.yellow('no Serverless v2 scaling configuration (db.serverless instances cannot be added)')
  const {maxAcu, minAcu, secondsUntilAutoPause} = status.capacity
  return `Serverless v2, ${minAcu}-${maxAcu} ACU` + (secondsUntilAutoPause === null ? '' : `, auto-pause after ${secondsUntilAutoPause}s`)
}

function describeSnapshot(status: ClusterStatus, colour: Palette): string {
  const snapshot = status.latestSnapshot
  if (!snapshot) return colour.yellow('none')
  return `${snapshot.id} (${snapshot.type ?? 'unknown'}, ${formatAge(snapshot.ageHours)}, ${snapshot.status ?? 'unknown'})`
}

function renderInstances(status: ClusterStatus, colour: Palette): string {
  if (status.instances.length === 0) return colour.yellow('No instances: the cluster cannot serve connections.')
  const table = new Table({head: ['Instance', 'Role', 'Class', 'AZ', 'Status', 'PI'], style: {border: [], head: []}})
  for (const instance of status.instances) {
    table.push([
      instance.id,
      instance.role,
      instance.class ?? '-',
      instance.availabilityZone ?? '-',
      instance.status === 'available' ? colour.green(instance.status) : colour.yellow(instance.status ?? 'unknown'),
      instance.performanceInsights ? 'on' : colour.yellow('off'),
    ])
  }

  return table.toString()
}
