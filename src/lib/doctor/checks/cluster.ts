import type {ResourcePendingMaintenanceActions} from '@aws-sdk/client-rds'

import type {Check} from '../types.js'

import {listClusterSnapshots} from '../../aws/rds.js'
import {rdsSdk} from '../../aws/sdk.js'
import {formatDuration} from '../../cli/duration.js'
import {type DoctorFacts} from '../facts.js'
import {gradeBackupRetention, thresholds} from '../grading.js'
import {fail, ok, skip, warn} from '../types.js'

export const clusterStatus: Check<DoctorFacts> = {
  dependsOn: ['aws.credentials'],
  id: 'cluster.status',
  layer: 'cluster',
  async run(facts) {
    let cluster
    try {
      cluster = await facts.cluster()
    } catch (error) {
      return fail((error as Error).message, (error as {hint?: string}).hint)
    }

    const status = cluster.Status ?? 'unknown'
    const what = `${cluster.DBClusterIdentifier}: ${status}, ${cluster.Engine} ${cluster.EngineVersion}`
    if (status === 'available') return ok(what)
    if (status === 'stopped') {
      return fail(
        what,
        `Start it: aws rds start-db-cluster --db-cluster-identifier ${cluster.DBClusterIdentifier} (it takes several minutes).`,
      )
    }

    // modifying, backing-up, upgrading, ...: it serves, but something is in flight.
    return ['creating', 'deleting', 'failed', 'inaccessible-encryption-credentials', 'starting', 'stopping'].includes(status)
      ? fail(what, 'The cluster cannot serve connections in this state; see `auroractl status` and the RDS events.')
      : warn(what, 'A change is in progress; connections may blip until it is available.')
  },
  timeoutMs: 10_000,
}

export const clusterInstances: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'cluster.instances',
  layer: 'cluster',
  async run(facts) {
    const [cluster, instances] = await Promise.all([facts.cluster(), facts.instances()])
    const writerId = cluster.DBClusterMembers?.find((member) => member.IsClusterWriter)?.DBInstanceIdentifier
    const writer = instances.find((instance) => instance.DBInstanceIdentifier === writerId)
    const items = instances.map(
      (instance) =>
        `${instance.DBInstanceIdentifier}: ${instance.DBInstanceIdentifier === writerId ? 'writer' : 'reader'}, ${instance.DBInstanceClass}, ${instance.AvailabilityZone}, ${instance.DBInstanceStatus}`,
    )
    if (!writer || writer.DBInstanceStatus !== 'available') {
      return fail(
        writer ? `writer ${writer.DBInstanceIdentifier} is ${writer.DBInstanceStatus}` : 'no writer instance',
        'Add a db.serverless writer: `auroractl restore` creates one; for this cluster, aws rds create-db-instance --db-instance-class db.serverless ...',
        items,
      )
    }

    const zones = new Set(instances.map((instance) => instance.AvailabilityZone))
    const notServerless = instances
      .filter((instance) => instance.DBInstanceClass !== 'db.serverless')
      .map((instance) => instance.DBInstanceIdentifier)
    const detail = `${instances.length} instance(s) in ${zones.size} AZ(s), writer ${writer.DBInstanceIdentifier} available`
    if (zones.size < 2) {
      const hint = "Add a reader in another AZ (the module's reader_count) so a failover has somewhere to go."
      return (await facts.isProduction()) ? fail(`${detail}: one AZ in production`, hint, items) : warn(`${detail}: one AZ`, hint, items)
    }

    if (notServerless.length > 0)
      return warn(
        `${detail}; not db.serverless: ${notServerless.join(', ')}`,
        'Serverless v2 scaling applies only to db.serverless instances.',
        items,
      )
    return ok(detail, items)
  },
  timeoutMs: 10_000,
}

export const clusterScaling: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'cluster.scaling',
  layer: 'cluster',
  async run(facts) {
    const scaling = (await facts.cluster()).ServerlessV2ScalingConfiguration
    if (scaling?.MinCapacity === undefined || scaling.MaxCapacity === undefined) {
      return fail('no Serverless v2 scaling configuration', 'Set one: auroractl scale --min 0.5 --max 1 (db.serverless instances need it).')
    }

    // AWS reports SecondsUntilAutoPause only with a minimum of 0; without one there it applies its default (5m).
    const pause = scaling.MinCapacity === 0 ? `, auto-pause after ${formatDuration((scaling.SecondsUntilAutoPause ?? 300) * 1000)}` : ''
    return ok(`${scaling.MinCapacity}-${scaling.MaxCapacity} ACU${pause}`)
  },
  timeoutMs: 10_000,
}

export const clusterBackups: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'cluster.backups',
  layer: 'cluster',
  async run(facts) {
    const cluster = await facts.cluster()
    const retention = cluster.BackupRetentionPeriod ?? 0
    const snapshots = await listClusterSnapshots(await facts.clients.rds(), facts.options.clusterId)
    const automated = snapshots.find((snapshot) => snapshot.SnapshotType === 'automated' && snapshot.Status === 'available')
    const ageHours = automated?.SnapshotCreateTime ? (facts.now.getTime() - automated.SnapshotCreateTime.getTime()) / 3_600_000 : undefined
    const detail = `retention ${retention} days, deletion protection ${cluster.DeletionProtection ? 'on' : 'off'}, latest automated snapshot ${ageHours === undefined ? 'none' : `${ageHours.toFixed(1)} h old`}`
    const problems: string[] = []
    if (gradeBackupRetention(retention) === 'warn') problems.push(`retention under ${thresholds.backupRetentionDays} days`)
    if (!cluster.DeletionProtection && (await facts.isProduction())) problems.push('deletion protection is off in production')
    if (ageHours === undefined || ageHours > thresholds.automatedSnapshotMaxAgeHours) problems.push('no automated snapshot in the last day')
    if (problems.length > 0)
      return warn(
        `${detail}: ${problems.join('; ')}`,
        'Set backup_retention_period and deletion_protection in the module; take one now with `auroractl snapshot create`.',
      )
    return ok(detail)
  },
  timeoutMs: 10_000,
}

export const clusterPerformanceInsights: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'cluster.performance-insights',
  layer: 'cluster',
  async run(facts) {
    const instances = await facts.instances()
    const off = instances.filter((instance) => !instance.PerformanceInsightsEnabled).map((instance) => instance.DBInstanceIdentifier!)
    if (instances.length === 0) return skip('no instances')
    if (off.length > 0) {
      return warn(
        `off on ${off.join(', ')}`,
        `Enable it: aws rds modify-db-instance --db-instance-identifier ${off[0]} --enable-performance-insights --apply-immediately`,
      )
    }

    return ok(`on for all ${instances.length} instance(s)`)
  },
  timeoutMs: 10_000,
}

export const clusterMaintenance: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'cluster.maintenance',
  layer: 'cluster',
  async run(facts) {
    const cluster = await facts.cluster()
    const {DescribePendingMaintenanceActionsCommand} = rdsSdk()
    let actions: ResourcePendingMaintenanceActions[]
    try {
      ;({PendingMaintenanceActions: actions = []} = await (
        await facts.clients.rds()
      ).send(
        new DescribePendingMaintenanceActionsCommand({
          Filters: [{Name: 'db-cluster-id', Values: [cluster.DBClusterArn ?? cluster.DBClusterIdentifier!]}],
        }),
      ))
    } catch (error) {
      // moto, for one, answers this call with an HTML 404 page: the API is not there to ask.
      const status = (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode
      if (
        status === 404 ||
        status === 501 ||
        /not ?implemented|InvalidAction|UnknownOperation|<html|html>/i.test(`${(error as Error).name} ${(error as Error).message}`)
      ) {
        return skip('this endpoint does not answer DescribePendingMaintenanceActions')
      }

      throw error
    }

    const items = actions.flatMap((resource) =>
      (resource.PendingMaintenanceActionDetails ?? []).map(
        (detail) =>
          `${resource.ResourceIdentifier?.split(':').at(-1)}: ${detail.Action}${detail.AutoAppliedAfterDate ? `, auto-applied after ${detail.AutoAppliedAfterDate.toISOString()}` : ''}${detail.Description ? ` (${detail.Description})` : ''}`,
      ),
    )
    if (items.length === 0) return ok('no pending maintenance')
    return warn(
      `${items.length} pending action(s); window ${cluster.PreferredMaintenanceWindow}`,
      'Apply in a quiet hour: aws rds apply-pending-maintenance-action ...',
      items,
    )
  },
  timeoutMs: 10_000,
}
