import type {DBCluster, DBClusterSnapshot, RDSClient, Tag} from '@aws-sdk/client-rds'

import {describeCluster, listClusterSnapshots} from '../aws/rds.js'
import {rdsSdk} from '../aws/sdk.js'
import {runWaiter} from '../aws/wait.js'
import {seconds} from '../cli/duration.js'
import {AuroraError, badInput} from '../cli/errors.js'
import {type Progress, silentProgress} from '../cli/progress.js'
import {validateIdentifier, validateSnapshotReference} from '../cli/validation.js'
import {checkEngineSupport, currentScaling, type ScalingConfiguration, validateScaling} from '../scaling.js'
import {findSnapshot} from '../snapshots.js'
import {inheritableTags, provenanceTags} from './tags.js'

export type RestoreSource =
  | {
      /** The cluster came from --cluster itself: a snapshot of another cluster is then refused unless fromOtherCluster. */
      clusterExplicit?: boolean
      kind: 'snapshot'
      snapshot: string
      sourceClusterId?: string
    }
  | {kind: 'point-in-time'; latest: boolean; sourceClusterId: string; time?: Date}

export interface RestoreRequest {
  /** Overrides the source's deletion protection (the drill restores throwaway clusters). */
  deletionProtection?: boolean
  extraTags?: Tag[]
  /** --from-other-cluster: restore a snapshot of another cluster with the named cluster's settings. */
  fromOtherCluster?: boolean
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
  /** What the plan decided on the user's behalf (settings from another cluster, a parameter group left out); printed on stderr. */
  notes: string[]
  scaling: ScalingConfiguration
  /** Where network, KMS key and parameter group come from: a cluster, or the snapshot alone when its cluster is gone. */
  settingsFrom: {cluster: null | string; kind: 'cluster' | 'snapshot'}
  snapshotId: null | string
  sourceClusterId: null | string
  targetId: string
}

const performanceInsightsRetentionDays = 7

/**
 * Reads the source (cluster and/or snapshot) and the target's absence, then lays out the calls. Read-only.
 * A snapshot is restored with the settings of the cluster it was taken of (its DBClusterIdentifier), or with
 * its own attributes when that cluster is gone; never with those of whatever cluster is configured.
 */
export async function planRestore(rds: RDSClient, request: RestoreRequest): Promise<RestorePlan> {
  validateRequest(request)
  const {source} = request
  if (await clusterExists(rds, request.targetId)) {
    throw badInput(`Cluster "${request.targetId}" already exists; nothing was restored.`, 'Pick another --target.')
  }

  const notes: string[] = []
  const {snapshot, sourceCluster, sourceClusterId} = await readSource(rds, request, notes)
  const engineVersion = snapshot?.EngineVersion ?? sourceCluster?.EngineVersion
  const fallbackScaling = (sourceCluster && currentScaling(sourceCluster)) ?? {maxAcu: 1, minAcu: 0.5}
  const scaling = validateScaling({maxAcu: request.maxAcu ?? fallbackScaling.maxAcu, minAcu: request.minAcu ?? fallbackScaling.minAcu})
  const engine = snapshot?.Engine ?? sourceCluster?.Engine ?? 'aurora-postgresql'
  // 0 ACUs and more than 128 ACUs depend on the engine version, as AWS reports it.
  await checkEngineSupport(rds, {Engine: engine, EngineVersion: engineVersion}, scaling)
  const parameterGroup = await compatibleParameterGroup(rds, sourceCluster?.DBClusterParameterGroup, {engine, engineVersion}, notes)
  const common = restoreSettings(request, {parameterGroup, snapshot, sourceCluster}, scaling)
  const restoreCall = restoreClusterCall(source, common, {engine, engineVersion, snapshotId: snapshot?.DBClusterSnapshotIdentifier})
  const instanceIds = [
    `${request.targetId}-writer`,
    ...Array.from({length: request.readers}, (_, index) => `${request.targetId}-reader-${index + 1}`),
  ]
  const instanceCalls = instanceIds.map((id) => createInstanceCall(request.targetId, id, engine, common.Tags))
  return {
    calls: [restoreCall, ...instanceCalls],
    instanceIds,
    notes,
    scaling,
    settingsFrom: {cluster: sourceCluster?.DBClusterIdentifier ?? null, kind: sourceCluster ? 'cluster' : 'snapshot'},
    snapshotId: snapshot?.DBClusterSnapshotIdentifier ?? null,
    sourceClusterId,
    targetId: request.targetId,
  }
}

/** The snapshot (if any), the cluster whose settings the restore takes (if it still exists), and the snapshot's own cluster. */
async function readSource(
  rds: RDSClient,
  request: RestoreRequest,
  notes: string[],
): Promise<{snapshot: DBClusterSnapshot | undefined; sourceCluster: DBCluster | undefined; sourceClusterId: null | string}> {
  const {source} = request
  const named =
    source.sourceClusterId && (source.kind === 'point-in-time' || source.snapshot === 'latest')
      ? await describeCluster(rds, source.sourceClusterId)
      : undefined
  const snapshot = await resolveSnapshot(rds, source, named)
  const settingsClusterId = settingsCluster(request, snapshot, notes)
  const sourceCluster =
    named?.DBClusterIdentifier === settingsClusterId
      ? named
      : await sourceClusterOrUndefined(rds, settingsClusterId, request.fromOtherCluster === true)
  if (snapshot && !sourceCluster) {
    notes.push(
      `Cluster ${settingsClusterId} (the snapshot's) no longer exists: the KMS key and port come from the snapshot; subnet group, security groups and parameter group are AWS's defaults.`,
    )
  }

  return {snapshot, sourceCluster, sourceClusterId: snapshot?.DBClusterIdentifier ?? settingsClusterId ?? null}
}

/**
 * Which cluster's settings a restore takes: the snapshot's own cluster. A named cluster that contradicts it
 * is refused when it came from --cluster (exit 2), unless --from-other-cluster asks for exactly that.
 */
function settingsCluster(request: RestoreRequest, snapshot: DBClusterSnapshot | undefined, notes: string[]): string | undefined {
  const {source} = request
  const origin = snapshot?.DBClusterIdentifier
  if (source.kind === 'point-in-time' || !origin || !source.sourceClusterId || origin === source.sourceClusterId)
    return origin ?? source.sourceClusterId
  if (request.fromOtherCluster) {
    notes.push(
      `Snapshot ${snapshot.DBClusterSnapshotIdentifier} is of cluster ${origin}; restoring it with ${source.sourceClusterId}'s network, KMS key and parameter group (--from-other-cluster).`,
    )
    return source.sourceClusterId
  }

  if (source.clusterExplicit) {
    throw badInput(
      `Snapshot ${snapshot.DBClusterSnapshotIdentifier} is of cluster ${origin}, not --cluster ${source.sourceClusterId}; nothing was restored.`,
      `Leave --cluster out to restore it with ${origin}'s settings, or pass --from-other-cluster to use ${source.sourceClusterId}'s network, KMS key and parameter group.`,
    )
  }

  notes.push(
    `Snapshot ${snapshot.DBClusterSnapshotIdentifier} is of cluster ${origin}, not ${source.sourceClusterId}: its settings come from ${origin}.`,
  )
  return origin
}

/** Aurora's parameter group family for an engine and version: aurora-postgresql15, aurora-postgresql9.6, aurora-mysql8.0. */
export function parameterGroupFamily(engine: string, engineVersion: string | undefined): string | undefined {
  if (!engineVersion) return undefined
  const [major, minor] = engineVersion.split('.')
  if (engine === 'aurora-postgresql') return `aurora-postgresql${Number(major) < 10 ? `${major}.${minor}` : major}`
  if (engine === 'aurora-mysql')
    return engineVersion.startsWith('5.7') || engineVersion.startsWith('2.') ? 'aurora-mysql5.7' : 'aurora-mysql8.0'
  return undefined
}

/**
 * The source's cluster parameter group, only when its family fits the engine and version being restored
 * (AWS's DBParameterGroupFamily); otherwise left out, so AWS applies its default group, and said in a note.
 */
async function compatibleParameterGroup(
  rds: RDSClient,
  name: string | undefined,
  restored: {engine: string; engineVersion: string | undefined},
  notes: string[],
): Promise<string | undefined> {
  if (!name) return undefined
  const expected = parameterGroupFamily(restored.engine, restored.engineVersion)
  const {DescribeDBClusterParameterGroupsCommand} = rdsSdk()
  let family: string | undefined
  try {
    const {DBClusterParameterGroups: groups = []} = await rds.send(
      new DescribeDBClusterParameterGroupsCommand({DBClusterParameterGroupName: name}),
    )
    family = groups[0]?.DBParameterGroupFamily
  } catch (error) {
    if (!/NotFound/.test((error as Error).name)) throw error
  }

  if (!family) {
    notes.push(`Parameter group ${name} was not found: left out, AWS applies the default group${expected ? ` for ${expected}` : ''}.`)
    return undefined
  }

  const fits = expected ? family === expected : family.startsWith(restored.engine)
  if (fits) return name
  notes.push(
    `Parameter group ${name} is of family ${family}, not ${expected ?? restored.engine}: left out, AWS applies the default group${expected ? ` for ${expected}` : ''}.`,
  )
  return undefined
}

/** What can be checked without AWS. */
function validateRequest(request: RestoreRequest): void {
  validateIdentifier(request.targetId, 'cluster', '--target')
  if (!Number.isInteger(request.readers) || request.readers < 0 || request.readers > 15)
    throw badInput(`--readers ${request.readers} is not allowed: 0 to 15 readers.`)
  if (request.source.kind === 'snapshot' && request.source.snapshot !== 'latest')
    validateSnapshotReference(request.source.snapshot, '--snapshot')
}

/** The call that creates the cluster: from a snapshot, or from a point in time of the source. */
function restoreClusterCall(
  source: RestoreSource,
  settings: Record<string, unknown>,
  from: {engine: string; engineVersion: string | undefined; snapshotId: string | undefined},
): ApiCall {
  if (source.kind === 'snapshot') {
    return {
      api: 'RestoreDBClusterFromSnapshot',
      input: {...settings, Engine: from.engine, EngineVersion: from.engineVersion, SnapshotIdentifier: from.snapshotId},
    }
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
async function resolveSnapshot(
  rds: RDSClient,
  source: RestoreSource,
  sourceCluster: DBCluster | undefined,
): Promise<DBClusterSnapshot | undefined> {
  if (source.kind === 'point-in-time') {
    checkRestorableTime(sourceCluster!, source)
    return undefined
  }

  const snapshot =
    source.snapshot === 'latest'
      ? await latestSnapshot(rds, source.sourceClusterId, sourceCluster)
      : await findSnapshot(rds, source.snapshot)
  if (!snapshot) {
    throw new AuroraError('NOT_FOUND', `Snapshot "${source.snapshot}" was not found.`, {
      hint: 'See the snapshots with `auroractl snapshot list`.',
    })
  }

  if (snapshot.Status !== 'available')
    throw badInput(`Snapshot "${snapshot.DBClusterSnapshotIdentifier}" is ${snapshot.Status}, not available.`)
  return snapshot
}

/**
 * What the new cluster takes from its source cluster (else from the snapshot): network, port, KMS key, a
 * parameter group of the right family, logs, deletion protection and tags, less ownership tags (isOwnershipTag),
 * plus tags saying where it came from.
 */
// A flat list of optional fields: each `??` is a fallback, not a decision, so complexity overstates it.
// eslint-disable-next-line complexity
function restoreSettings(
  request: RestoreRequest,
  from: {parameterGroup: string | undefined; snapshot: DBClusterSnapshot | undefined; sourceCluster: DBCluster | undefined},
  scaling: ScalingConfiguration,
): Record<string, unknown> {
  const {snapshot, sourceCluster} = from
  const tagSource = snapshot?.TagList?.length ? snapshot.TagList : sourceCluster?.TagList
  const time =
    request.source.kind === 'point-in-time' ? (request.source.latest ? 'latest-restorable' : request.source.time?.toISOString()) : undefined
  const provenance = provenanceTags({
    cluster: snapshot?.DBClusterIdentifier ?? request.source.sourceClusterId,
    snapshot: snapshot?.DBClusterSnapshotIdentifier,
    time,
  })
  const settings: Record<string, unknown> = {
    CopyTagsToSnapshot: sourceCluster?.CopyTagsToSnapshot,
    DBClusterIdentifier: request.targetId,
    DBClusterParameterGroupName: from.parameterGroup,
    DBSubnetGroupName: sourceCluster?.DBSubnetGroup,
    DeletionProtection: request.deletionProtection ?? sourceCluster?.DeletionProtection ?? false,
    EnableCloudwatchLogsExports: sourceCluster?.EnabledCloudwatchLogsExports?.length
      ? sourceCluster.EnabledCloudwatchLogsExports
      : undefined,
    EnableIAMDatabaseAuthentication: sourceCluster?.IAMDatabaseAuthenticationEnabled,
    KmsKeyId: sourceCluster?.KmsKeyId ?? snapshot?.KmsKeyId,
    Port: sourceCluster?.Port ?? snapshot?.Port,
    ServerlessV2ScalingConfiguration: {MaxCapacity: scaling.maxAcu, MinCapacity: scaling.minAcu},
    Tags: [...inheritableTags(tagSource), ...provenance, ...(request.extraTags ?? [])],
    VpcSecurityGroupIds: sourceCluster?.VpcSecurityGroups?.length
      ? sourceCluster.VpcSecurityGroups.map((group) => group.VpcSecurityGroupId!)
      : undefined,
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

/** The cluster whose settings a restore takes; a snapshot outlives its cluster, so a missing one is undefined (unless it was asked for by name). */
async function sourceClusterOrUndefined(rds: RDSClient, clusterId: string | undefined, required: boolean): Promise<DBCluster | undefined> {
  if (!clusterId) return undefined
  try {
    return await describeCluster(rds, clusterId)
  } catch (error) {
    if (!required && (error as AuroraError).code === 'CLUSTER_NOT_FOUND') return undefined
    throw error
  }
}

async function latestSnapshot(
  rds: RDSClient,
  clusterId: string | undefined,
  cluster: DBCluster | undefined,
): Promise<DBClusterSnapshot | undefined> {
  if (!clusterId || !cluster)
    throw badInput('--snapshot latest needs the source cluster: name it with --cluster (or AURORACTL_CLUSTER, --env, --tf-dir).')
  const newest = (await listClusterSnapshots(rds, clusterId)).find((snapshot) => snapshot.Status === 'available')
  if (!newest) {
    throw new AuroraError('NOT_FOUND', `Cluster "${clusterId}" has no available snapshot.`, {
      hint: 'Create one with `auroractl snapshot create`.',
    })
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

/**
 * Carries out a plan: restore the cluster (it comes without instances), make sure its Serverless v2
 * scaling configuration is set, add the writer and readers, and wait for all of it. Each phase is
 * timed; that is the restore time a drill measures. A failure part-way says what exists and how to remove it.
 */
export async function executeRestore(
  rds: RDSClient,
  plan: RestorePlan,
  settings: {progress?: Progress; signal?: AbortSignal; timeoutMs: number},
): Promise<RestoreResult> {
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
