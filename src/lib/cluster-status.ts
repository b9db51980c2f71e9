import type {DBCluster, DBClusterSnapshot, DBInstance, RDSClient} from '@aws-sdk/client-rds'

import type {WriterPauseState} from './auto-pause.js'

import {describeCluster, listClusterInstances, listClusterSnapshots} from './aws/rds.js'

export type InstanceRole = 'reader' | 'writer'

export interface InstanceStatus {
  availabilityZone: null | string
  class: null | string
  endpoint: null | string
  id: string
  performanceInsights: boolean
  role: InstanceRole
  status: null | string
}

export interface SnapshotSummary {
  ageHours: number
  createdAt: string
  id: string
  status: null | string
  type: null | string
}

/** What `auroractl status` reports; also its `--json` contract. */
export interface ClusterStatus {
  arn: null | string
  backup: {retentionDays: null | number; window: null | string}
  /** secondsUntilAutoPause: with a minimum of 0 ACUs, how long the cluster stays idle before it pauses. */
  capacity: null | {maxAcu: number; minAcu: number; secondsUntilAutoPause: null | number}
  createdAt: null | string
  databaseName: null | string
  deletionProtection: boolean
  encryption: {kmsKeyId: null | string; storageEncrypted: boolean}
  endpoints: {port: null | number; reader: null | string; writer: null | string}
  engine: {name: null | string; version: null | string}
  iamDatabaseAuthentication: boolean
  id: string
  instances: InstanceStatus[]
  latestSnapshot: null | SnapshotSummary
  maintenanceWindow: null | string
  masterUsername: null | string
  /**
   * With a minimum of 0 ACUs, whether the writer is paused now (from CloudWatch: RDS's own status stays `available`
   * while it sleeps); null when the cluster cannot pause (its minimum is above 0).
   */
  pause: null | WriterPauseState
  resourceId: null | string
  status: null | string
}

/**
 * Reads the cluster, its instances and its newest snapshot. The three calls run concurrently:
 * together they are the whole latency of `status`.
 */
export async function getClusterStatus(rds: RDSClient, clusterId: string, now: Date = new Date()): Promise<ClusterStatus> {
  const [cluster, instances, snapshots] = await Promise.allSettled([
    describeCluster(rds, clusterId),
    listClusterInstances(rds, clusterId),
    listClusterSnapshots(rds, clusterId),
  ])
  // The cluster's own error (not found, with its hint) explains more than whatever the other two said.
  if (cluster.status === 'rejected') throw cluster.reason
  if (instances.status === 'rejected') throw instances.reason
  if (snapshots.status === 'rejected') throw snapshots.reason
  return summarizeCluster(cluster.value, instances.value, snapshots.value[0], now)
}

// A flat mapping of optional AWS fields: each `??` is a default, not a decision, so complexity overstates it.
// eslint-disable-next-line complexity
export function summarizeCluster(
  cluster: DBCluster,
  instances: DBInstance[],
  latestSnapshot: DBClusterSnapshot | undefined,
  now: Date,
): ClusterStatus {
  const writers = new Set(
    (cluster.DBClusterMembers ?? []).filter((member) => member.IsClusterWriter).map((member) => member.DBInstanceIdentifier),
  )
  const scaling = cluster.ServerlessV2ScalingConfiguration
  return {
    arn: cluster.DBClusterArn ?? null,
    backup: {retentionDays: cluster.BackupRetentionPeriod ?? null, window: cluster.PreferredBackupWindow ?? null},
    capacity:
      scaling?.MinCapacity === undefined || scaling.MaxCapacity === undefined
        ? null
        : {
            maxAcu: scaling.MaxCapacity,
            minAcu: scaling.MinCapacity,
            // AWS returns it only with a minimum of 0 (a minimum above 0 removes it); say the same of any endpoint.
            secondsUntilAutoPause: scaling.MinCapacity === 0 ? (scaling.SecondsUntilAutoPause ?? null) : null,
          },
    createdAt: cluster.ClusterCreateTime?.toISOString() ?? null,
    databaseName: cluster.DatabaseName ?? null,
    deletionProtection: cluster.DeletionProtection ?? false,
    encryption: {kmsKeyId: cluster.KmsKeyId ?? null, storageEncrypted: cluster.StorageEncrypted ?? false},
    endpoints: {port: cluster.Port ?? null, reader: cluster.ReaderEndpoint ?? null, writer: cluster.Endpoint ?? null},
    engine: {name: cluster.Engine ?? null, version: cluster.EngineVersion ?? null},
    iamDatabaseAuthentication: cluster.IAMDatabaseAuthenticationEnabled ?? false,
    id: cluster.DBClusterIdentifier!,
    instances: instances
      .map((instance) => summarizeInstance(instance, writers))
      .sort((a, b) => (a.role === b.role ? a.id.localeCompare(b.id) : a.role === 'writer' ? -1 : 1)),
    latestSnapshot: summarizeSnapshot(latestSnapshot, now),
    maintenanceWindow: cluster.PreferredMaintenanceWindow ?? null,
    masterUsername: cluster.MasterUsername ?? null,
    pause: null,
    resourceId: cluster.DbClusterResourceId ?? null,
    status: cluster.Status ?? null,
  }
}

/** The writer's id, for what status reads about the writer alone (whether it is paused). */
export const writerOf = (status: ClusterStatus): null | string =>
  status.instances.find((instance) => instance.role === 'writer')?.id ?? null

function summarizeInstance(instance: DBInstance, writers: Set<string | undefined>): InstanceStatus {
  return {
    availabilityZone: instance.AvailabilityZone ?? null,
    class: instance.DBInstanceClass ?? null,
    endpoint: instance.Endpoint?.Address ?? null,
    id: instance.DBInstanceIdentifier!,
    performanceInsights: instance.PerformanceInsightsEnabled ?? false,
    role: writers.has(instance.DBInstanceIdentifier) ? 'writer' : 'reader',
    status: instance.DBInstanceStatus ?? null,
  }
}

function summarizeSnapshot(snapshot: DBClusterSnapshot | undefined, now: Date): null | SnapshotSummary {
  if (!snapshot?.DBClusterSnapshotIdentifier) return null
  const created = snapshot.SnapshotCreateTime
  return {
    ageHours: created ? Math.round(((now.getTime() - created.getTime()) / 3_600_000) * 10) / 10 : 0,
    createdAt: created?.toISOString() ?? '',
    id: snapshot.DBClusterSnapshotIdentifier,
    status: snapshot.Status ?? null,
    type: snapshot.SnapshotType ?? null,
  }
}
