import type {DBCluster, DBClusterSnapshot, RDSClient, Tag} from '@aws-sdk/client-rds'

import {describeCluster, listClusterSnapshots} from './aws/rds.js'
import {rdsSdk} from './aws/sdk.js'
import {runWaiter} from './aws/wait.js'
import {AuroraError, badInput} from './errors.js'
import {type Progress, silentProgress} from './progress.js'
import {currentScaling, type ScalingConfiguration, validateScaling} from './scaling.js'
import {findSnapshot} from './snapshots.js'
import {createdByTag} from './tags.js'
import {validateIdentifier, validateSnapshotReference} from './validation.js'

export type RestoreSource =
  | {kind: 'point-in-time'; latest: boolean; sourceClusterId: string; time?: Date}
  | {kind: 'snapshot'; snapshot: string; sourceClusterId?: string}

export interface RestoreRequest {
  /** Overrides the source's deletion protection (the drill restores throwaway clusters). */
  deletionProtection?: boolean
  extraTags?: Tag[]
  maxAcu?: number
  minAcu?: number
  readers: number
  source: RestoreSource
  targetId: string
}

export interface ApiCall {
  api: string
  input: Record<string, unknown>
}

/** Everything a restore will do, worked out before any call that changes AWS; `--dry-run` prints it. */
export interface RestorePlan {
  calls: ApiCall[]
  instanceIds: string[]
  scaling: ScalingConfiguration
  snapshotId: null | string
  sourceClusterId: null | string
  targetId: string
}

const performanceInsightsRetentionDays = 7

/** Reads the source (cluster and/or snapshot) and the target's absence, then lays out the calls. Read-only. */
export async function planRestore(rds: RDSClient, request: RestoreRequest): Promise<RestorePlan> {
  validateRequest(request)
  const {source} = request
  if (await clusterExists(rds, request.targetId)) {
    throw badInput(`Cluster "${request.targetId}" already exists; nothing was restored.`, 'Pick another --target.')
  }

  const sourceCluster = source.sourceClusterId ? await sourceClusterOrUndefined(rds, source) : undefined
  const snapshot = await resolveSnapshot(rds, source, sourceCluster)
  const engineVersion = snapshot?.EngineVersion ?? sourceCluster?.EngineVersion
  const fallbackScaling = (sourceCluster && currentScaling(sourceCluster)) ?? {maxAcu: 1, minAcu: 0.5}
  const scaling = validateScaling({maxAcu: request.maxAcu ?? fallbackScaling.maxAcu, minAcu: request.minAcu ?? fallbackScaling.minAcu}, engineVersion)
  const common = restoreSettings(request, sourceCluster, snapshot, scaling)
  const engine = snapshot?.Engine ?? sourceCluster?.Engine ?? 'aurora-postgresql'
  const restoreCall = restoreClusterCall(source, common, {engine, engineVersion, snapshotId: snapshot?.DBClusterSnapshotIdentifier})
  const instanceIds = [`${request.targetId}-writer`, ...Array.from({length: request.readers}, (_, index) => `${request.targetId}-reader-${index + 1}`)]
  const instanceCalls = instanceIds.map((id) => createInstanceCall(request.targetId, id, engine, common.Tags))
  return {
    calls: [restoreCall, ...instanceCalls],
    instanceIds,
    scaling,
    snapshotId: snapshot?.DBClusterSnapshotIdentifier ?? null,
    sourceClusterId: sourceCluster?.DBClusterIdentifier ?? source.sourceClusterId ?? null,
    targetId: request.targetId,
  }
}

/** What can be checked without AWS. */
function validateRequest(request: RestoreRequest): void {
  validateIdentifier(request.targetId, 'cluster', '--target')
  if (!Number.isInteger(request.readers) || request.readers < 0 || request.readers > 15) throw badInput(`--readers ${request.readers} is not allowed: 0 to 15 readers.`)
  if (request.source.kind === 'snapshot' && request.source.snapshot !== 'latest') validateSnapshotReference(request.source.snapshot, '--snapshot')
}

/** The call that creates the cluster: from a snapshot, or from a point in time of the source. */
function restoreClusterCall(
  source: RestoreSource,
  settings: Record<string, unknown>,
  from: {engine: string; engineVersion: string | undefined; snapshotId: string | undefined},
): ApiCall {
  if (source.kind === 'snapshot') {
    return {api: 'RestoreDBClusterFromSnapshot', input: {...settings, Engine: from.engine, EngineVersion: from.engineVersion, SnapshotIdentifier: from.snapshotId}}
  }

  return {
    api: 'RestoreDBClusterToPointInTime',
    input: {
      ...settings,
      RestoreType: 'full-copy',
      SourceDBClusterIdentifier: source.sourceClusterId,
      ...(source.latest ? {UseLatestRestorableTime: true} : {RestoreToTime: source.time}),
    },
  }
}

/** A db.serverless instance for the restored cluster, with Performance Insights on. */
function createInstanceCall(clusterId: string, instanceId: string, engine: string, tags: unknown): ApiCall {
  return {
    api: 'CreateDBInstance',
    input: {
      DBClusterIdentifier: clusterId,
      DBInstanceClass: 'db.serverless',
      DBInstanceIdentifier: instanceId,
      EnablePerformanceInsights: true,
      Engine: engine,
      PerformanceInsightsRetentionPeriod: performanceInsightsRetentionDays,
      PubliclyAccessible: false,
      Tags: tags,
    },
  }
}

/** The snapshot to restore (checked available), or undefined for a point-in-time restore (its time checked). */
async function resolveSnapshot(rds: RDSClient, source: RestoreSource, sourceCluster: DBCluster | undefined): Promise<DBClusterSnapshot | undefined> {
  if (source.kind === 'point-in-time') {
    checkRestorableTime(sourceCluster!, source)
    return undefined
  }

  const snapshot = source.snapshot === 'latest' ? await latestSnapshot(rds, source.sourceClusterId, sourceCluster) : await findSnapshot(rds, source.snapshot)
  if (!snapshot) {
    throw new AuroraError('NOT_FOUND', `Snapshot "${source.snapshot}" was not found.`, {hint: 'See the snapshots with `auroractl snapshot list`.'})
  }

  if (snapshot.Status !== 'available') throw badInput(`Snapshot "${snapshot.DBClusterSnapshotIdentifier}" is ${snapshot.Status}, not available.`)
  return snapshot
}

/** What the new cluster takes from its source: network, port, KMS key, parameters, logs, tags and deletion protection. */
// A flat list of optional fields: each `??` is a fallback, not a decision, so complexity overstates it.
// eslint-disable-next-line complexity
function restoreSettings(
  request: RestoreRequest,
  sourceCluster: DBCluster | undefined,
  snapshot: DBClusterSnapshot | undefined,
  scaling: ScalingConfiguration,
): Record<string, unknown> {
  const restoredFrom = snapshot?.DBClusterSnapshotIdentifier ?? `${sourceCluster?.DBClusterIdentifier} (point in time)`
  const inherited = (sourceCluster?.TagList ?? snapshot?.TagList ?? []).filter(
    // Drill tags stay with the drill's own cluster: `drill cleanup` deletes what carries them.
    (tag) => !tag.Key?.startsWith('aws:') && !tag.Key?.startsWith('auroractl:drill') && tag.Key !== createdByTag.Key && tag.Key !== 'restored-from',
  )
  const settings: Record<string, unknown> = {
    CopyTagsToSnapshot: sourceCluster?.CopyTagsToSnapshot,
    DBClusterIdentifier: request.targetId,
    DBClusterParameterGroupName: sourceCluster?.DBClusterParameterGroup,
    DBSubnetGroupName: sourceCluster?.DBSubnetGroup,
    DeletionProtection: request.deletionProtection ?? sourceCluster?.DeletionProtection ?? false,
    EnableCloudwatchLogsExports: sourceCluster?.EnabledCloudwatchLogsExports?.length ? sourceCluster.EnabledCloudwatchLogsExports : undefined,
    EnableIAMDatabaseAuthentication: sourceCluster?.IAMDatabaseAuthenticationEnabled,
    KmsKeyId: sourceCluster?.KmsKeyId ?? snapshot?.KmsKeyId,
    Port: sourceCluster?.Port ?? snapshot?.Port,
    ServerlessV2ScalingConfiguration: {MaxCapacity: scaling.maxAcu, MinCapacity: scaling.minAcu},
    Tags: [...inherited, createdByTag, {Key: 'restored-from', Value: restoredFrom.slice(0, 256)}, ...(request.extraTags ?? [])],
    VpcSecurityGroupIds: sourceCluster?.VpcSecurityGroups?.length ? sourceCluster.VpcSecurityGroups.map((group) => group.VpcSecurityGroupId!) : undefined,
  }
  // Leave out what neither source knows, so AWS applies its own defaults.
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined))
}

async function clusterExists(rds: RDSClient, clusterId: string): Promise<boolean> {
  const {DescribeDBClustersCommand} = rdsSdk()
  try {
    const {DBClusters: found = []} = await rds.send(new DescribeDBClustersCommand({DBClusterIdentifier: clusterId}))
    return found.length > 0
  } catch (error) {
    if ((error as Error).name === 'DBClusterNotFoundFault') return false
    throw error
  }
}

async function sourceClusterOrUndefined(rds: RDSClient, source: RestoreSource): Promise<DBCluster | undefined> {
  try {
    return await describeCluster(rds, source.sourceClusterId!)
  } catch (error) {
    // A snapshot outlives its cluster: restoring from a named snapshot needs no source cluster.
    if (source.kind === 'snapshot' && source.snapshot !== 'latest' && (error as AuroraError).code === 'CLUSTER_NOT_FOUND') return undefined
    throw error
  }
}

async function latestSnapshot(rds: RDSClient, clusterId: string | undefined, cluster: DBCluster | undefined): Promise<DBClusterSnapshot | undefined> {
  if (!clusterId || !cluster) throw badInput('--snapshot latest needs the source cluster: name it with --cluster (or AURORACTL_CLUSTER, --env, --tf-dir).')
  const newest = (await listClusterSnapshots(rds, clusterId)).find((snapshot) => snapshot.Status === 'available')
  if (!newest) {
    throw new AuroraError('NOT_FOUND', `Cluster "${clusterId}" has no available snapshot.`, {hint: 'Create one with `auroractl snapshot create`.'})
  }

  return newest
}

function checkRestorableTime(cluster: DBCluster, source: Extract<RestoreSource, {kind: 'point-in-time'}>): void {
  if (source.latest || !source.time) return
  const earliest = cluster.EarliestRestorableTime
  const latest = cluster.LatestRestorableTime
  if ((earliest && source.time < earliest) || (latest && source.time > latest)) {
    throw badInput(
      `--to-time ${source.time.toISOString()} is outside what ${cluster.DBClusterIdentifier} can restore: ${earliest?.toISOString() ?? '?'} to ${latest?.toISOString() ?? '?'}.`,
    )
  }
}

export interface RestorePhases {
  apiAcceptedSeconds: number
  clusterAvailableSeconds: number
  instancesAvailableSeconds: number
  totalSeconds: number
}

export interface RestoreResult {
  clusterId: string
  endpoint: null | string
  instances: Array<{id: string; role: 'reader' | 'writer'; status: null | string}>
  phases: RestorePhases
  readerEndpoint: null | string
  scaling: ScalingConfiguration
  snapshotId: null | string
  sourceClusterId: null | string
}

const seconds = (ms: number) => Math.round(ms / 100) / 10

/**
 * Carries out a plan: restore the cluster (it comes without instances), make sure its Serverless v2
 * scaling configuration is set, add the writer and readers, and wait for all of it. Each phase is
 * timed; that is the restore time a drill measures. A failure part-way says what exists and how to remove it.
 */
export async function executeRestore(rds: RDSClient, plan: RestorePlan, settings: {progress?: Progress; signal?: AbortSignal; timeoutMs: number}): Promise<RestoreResult> {
  const progress = settings.progress ?? silentProgress
  const sdk = rdsSdk()
  const started = performance.now()
  const deadline = started + settings.timeoutMs
  const remaining = () => Math.max(1000, deadline - performance.now())
  const created: {cluster?: string; instances: string[]} = {instances: []}
  const phaseStart: Record<string, number> = {}
  const phases: Partial<RestorePhases> = {}
  const [restoreCall, ...instanceCalls] = plan.calls
  try {
    progress.start(`Restoring ${plan.targetId} (${restoreCall!.api})`)
    phaseStart.api = performance.now()
    await (restoreCall!.api === 'RestoreDBClusterFromSnapshot'
      ? rds.send(new sdk.RestoreDBClusterFromSnapshotCommand(restoreCall!.input as never))
      : rds.send(new sdk.RestoreDBClusterToPointInTimeCommand(restoreCall!.input as never)))
    created.cluster = plan.targetId
    phases.apiAcceptedSeconds = seconds(performance.now() - phaseStart.api)
    progress.succeed(`AWS accepted the restore of ${plan.targetId}`)

    progress.start(`Waiting for cluster ${plan.targetId} to become available`)
    phaseStart.cluster = performance.now()
    await runWaiter((config) => sdk.waitForDBClusterAvailable({...config, client: rds}, {DBClusterIdentifier: plan.targetId}), {
      signal: settings.signal,
      stillRunning: stillRunning(created),
      timeoutMs: remaining(),
      what: `cluster ${plan.targetId} to become available`,
    })
    await ensureScaling(rds, plan)
    phases.clusterAvailableSeconds = seconds(performance.now() - phaseStart.cluster)
    progress.succeed(`Cluster ${plan.targetId} available, ${plan.scaling.minAcu}-${plan.scaling.maxAcu} ACU`)

    progress.start(`Adding ${plan.instanceIds.length} db.serverless instance(s)`)
    phaseStart.instances = performance.now()
    // Writer first: Aurora makes the first instance of a cluster its writer.
    for (const call of instanceCalls) {
      // eslint-disable-next-line no-await-in-loop
      await rds.send(new sdk.CreateDBInstanceCommand(call.input as never))
      created.instances.push(call.input.DBInstanceIdentifier as string)
    }

    for (const id of plan.instanceIds) {
      // eslint-disable-next-line no-await-in-loop
      await runWaiter((config) => sdk.waitForDBInstanceAvailable({...config, client: rds}, {DBInstanceIdentifier: id}), {
        signal: settings.signal,
        stillRunning: stillRunning(created),
        timeoutMs: remaining(),
        what: `instance ${id} to become available`,
      })
    }

    phases.instancesAvailableSeconds = seconds(performance.now() - phaseStart.instances)
    progress.succeed(`Instances available: ${plan.instanceIds.join(', ')}`)
  } catch (error) {
    progress.fail(`Restore of ${plan.targetId}`)
    throw partialRestoreError(error, created)
  }

  phases.totalSeconds = seconds(performance.now() - started)
  const cluster = await describeCluster(rds, plan.targetId)
  const instances = await Promise.all(
    plan.instanceIds.map(async (id, index) => {
      const {DBInstances: found = []} = await rds.send(new sdk.DescribeDBInstancesCommand({DBInstanceIdentifier: id}))
      return {id, role: index === 0 ? ('writer' as const) : ('reader' as const), status: found[0]?.DBInstanceStatus ?? null}
    }),
  )
  return {
    clusterId: plan.targetId,
    endpoint: cluster.Endpoint ?? null,
    instances,
    phases: phases as RestorePhases,
    readerEndpoint: cluster.ReaderEndpoint ?? null,
    scaling: currentScaling(cluster) ?? plan.scaling,
    snapshotId: plan.snapshotId,
    sourceClusterId: plan.sourceClusterId,
  }
}

/** db.serverless instances cannot join a cluster without a scaling configuration; set it if the restore did not. */
async function ensureScaling(rds: RDSClient, plan: RestorePlan): Promise<void> {
  const scaling = currentScaling(await describeCluster(rds, plan.targetId))
  if (scaling?.minAcu === plan.scaling.minAcu && scaling.maxAcu === plan.scaling.maxAcu) return
  const {ModifyDBClusterCommand} = rdsSdk()
  await rds.send(
    new ModifyDBClusterCommand({
      ApplyImmediately: true,
      DBClusterIdentifier: plan.targetId,
      ServerlessV2ScalingConfiguration: {MaxCapacity: plan.scaling.maxAcu, MinCapacity: plan.scaling.minAcu},
    }),
  )
}

function stillRunning(created: {cluster?: string; instances: string[]}): string {
  if (!created.cluster) return 'Nothing was created.'
  return `Still in AWS: cluster ${created.cluster}${created.instances.length > 0 ? ` and instance(s) ${created.instances.join(', ')}` : ''}. ${removalCommands(created)}`
}

/** The exact commands that remove what a failed or interrupted restore left behind. */
export function removalCommands(created: {cluster?: string; instances: string[]}): string {
  if (!created.cluster) return ''
  const instances = created.instances.map((id) => `aws rds delete-db-instance --db-instance-identifier ${id} --skip-final-snapshot`)
  return `Remove it with: ${[...instances, `aws rds delete-db-cluster --db-cluster-identifier ${created.cluster} --skip-final-snapshot`].join(' && ')}`
}

function partialRestoreError(error: unknown, created: {cluster?: string; instances: string[]}): unknown {
  if (!created.cluster) return error
  if (error instanceof AuroraError && (error.code === 'INTERRUPTED' || error.code === 'TIMED_OUT')) return error
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
  return new AuroraError('UNEXPECTED', `Restore failed part-way: ${reason}. ${stillRunning(created)}`, {
    cause: error,
    exitCode: error instanceof AuroraError ? error.exitCode : undefined,
  })
}
