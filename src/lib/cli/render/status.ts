import Table from 'cli-table3'

import type {WriterPauseState} from '../../auto-pause.js'
import type {ClusterStatus} from '../../cluster-status.js'
import type {Palette} from './colour.js'

import {formatDuration} from '../duration.js'
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
    ...(status.pause ? [['Paused', describePause(status.pause, colour)] as [string, string]] : []),
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
  const range = `Serverless v2, ${minAcu}-${maxAcu} ACU`
  if (minAcu !== 0) return range
  // AWS applies its default (5 minutes) when it reports none.
  const after = secondsUntilAutoPause === null ? "AWS's default" : formatDuration(secondsUntilAutoPause * 1000)
  return `${range}, scales to zero: auto-pause after ${after} without a connection`
}

function describePause(pause: WriterPauseState, colour: Palette): string {
  const at = pause.at ? ` at ${pause.at.slice(11, 16)} UTC` : ''
  if (pause.paused === null) return colour.yellow(`unknown: ${pause.reason ?? 'no capacity datapoint'}`)
  return pause.paused
    ? `yes: writer ${pause.instanceId} at 0 ACU${at}; the next connection resumes it (about 15 s)`
    : `no: writer ${pause.instanceId} at ${pause.capacityAcu} ACU${at}`
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
