import type {DBClusterSnapshot, RDSClient, Tag} from '@aws-sdk/client-rds'

import {randomBytes} from 'node:crypto'

import {describeCluster, listClusterSnapshots} from './aws/rds.js'
import {rdsSdk, smithyClient} from './aws/sdk.js'
import {runWaiter} from './aws/wait.js'
import {seconds} from './cli/duration.js'
import {AuroraError, badInput} from './cli/errors.js'
import {type Progress, silentProgress} from './cli/progress.js'
import {validateIdentifier, validateSnapshotReference} from './cli/validation.js'
import {createdByTag, hasTags, tagValue} from './restore/tags.js'

/** Four random lower-case letters or digits: what keeps ids made in the same second apart (36^4 = 1.7 million). */
export function randomSuffix(length = 4): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('')
}

/**
 * `<cluster>-<yyyymmdd-hhmmss>-<4 random>` in UTC: sorts by time, reads as a date, and stays unique when two
 * runs (two CI jobs) start in the same second, where the seed's `manual-snapshot-$(date +%Y%m%d)` collides
 * twice a day. Within RDS's rules: a cluster id (at most 63) plus 21 characters, letters, digits and single hyphens.
 */
export function defaultSnapshotId(clusterId: string, now: Date, suffix: string = randomSuffix()): string {
  const stamp = now.toISOString().replaceAll(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `${clusterId}-${stamp}-${suffix}`
}

export interface SnapshotSummary {
  ageHours: null | number
  arn: null | string
  clusterId: null | string
  createdAt: null | string
  createdBy: null | string
  engineVersion: null | string
  id: string
  percentProgress: null | number
  reason: null | string
  sizeGiB: null | number
  status: null | string
  type: 'automated' | 'manual' | string
}

export function summarizeSnapshot(snapshot: DBClusterSnapshot, now: Date): SnapshotSummary {
  const created = snapshot.SnapshotCreateTime
  return {
    ageHours: created ? Math.round(((now.getTime() - created.getTime()) / 3_600_000) * 10) / 10 : null,
    arn: snapshot.DBClusterSnapshotArn ?? null,
    clusterId: snapshot.DBClusterIdentifier ?? null,
    createdAt: created?.toISOString() ?? null,
    createdBy: tagValue(snapshot.TagList, createdByTag.Key) ?? null,
    engineVersion: snapshot.EngineVersion ?? null,
    id: snapshot.DBClusterSnapshotIdentifier!,
    percentProgress: snapshot.PercentProgress ?? null,
    reason: tagValue(snapshot.TagList, 'reason') ?? null,
    sizeGiB: snapshot.AllocatedStorage ?? null,
    status: snapshot.Status ?? null,
    type: snapshot.SnapshotType ?? 'manual',
  }
}

/** One snapshot by id, or undefined. */
export async function findSnapshot(rds: RDSClient, snapshotId: string): Promise<DBClusterSnapshot | undefined> {
  const {DescribeDBClusterSnapshotsCommand} = rdsSdk()
  try {
    const {DBClusterSnapshots: found = []} = await rds.send(
      new DescribeDBClusterSnapshotsCommand({DBClusterSnapshotIdentifier: snapshotId}),
    )
    return found[0]
  } catch (error) {
    if ((error as Error).name === 'DBClusterSnapshotNotFoundFault') return undefined
    throw error
  }
}

export interface CreateSnapshotInput {
  clusterId: string
  reason?: string
  snapshotId: string
  tags: Tag[]
}

export interface WaitSettings {
  progress?: Progress
  signal?: AbortSignal
  timeoutMs: number
  wait: boolean
}

export interface CreatedSnapshot extends SnapshotSummary {
  elapsedSeconds: number
  waited: boolean
}

/**
 * Takes a manual snapshot and (unless told not to) waits until it is available, reporting its
 * PercentProgress. Nothing is created when the cluster is unknown or the id is taken.
 */
export async function createSnapshot(
  rds: RDSClient,
  input: CreateSnapshotInput,
  settings: WaitSettings,
  now: () => Date = () => new Date(),
): Promise<CreatedSnapshot> {
  validateIdentifier(input.snapshotId, 'snapshot', '--id')
  if (input.reason !== undefined && input.reason.length > 256)
    throw badInput('--reason is longer than 256 characters (it is stored as a tag value).')
  const progress = settings.progress ?? silentProgress
  const started = performance.now()
  await describeCluster(rds, input.clusterId)
  if (await findSnapshot(rds, input.snapshotId)) {
    throw badInput(
      `Snapshot "${input.snapshotId}" already exists; nothing was created.`,
      'Pick another --id, or leave --id out for a timestamped one. See them with `auroractl snapshot list`.',
    )
  }

  const tags = [createdByTag, ...(input.reason ? [{Key: 'reason', Value: input.reason}] : []), ...input.tags]
  const {CreateDBClusterSnapshotCommand} = rdsSdk()
  const {DBClusterSnapshot: created} = await rds.send(
    new CreateDBClusterSnapshotCommand({DBClusterIdentifier: input.clusterId, DBClusterSnapshotIdentifier: input.snapshotId, Tags: tags}),
  )
  let snapshot = created!
  if (settings.wait) {
    progress.start(`Snapshot ${input.snapshotId}: ${snapshot.Status ?? 'creating'}`)
    try {
      snapshot = await waitForSnapshot(rds, input.snapshotId, {
        ...settings,
        onPoll: (latest) => progress.update(`Snapshot ${input.snapshotId}: ${latest.Status ?? '?'} ${latest.PercentProgress ?? 0}%`),
      })
    } catch (error) {
      progress.fail(`Snapshot ${input.snapshotId}`)
      throw error
    }

    progress.succeed(`Snapshot ${input.snapshotId} available`)
  }

  return {...summarizeSnapshot(snapshot, now()), elapsedSeconds: seconds(performance.now() - started), waited: settings.wait}
}

/** Snapshot states from which it never becomes available (the SDK's own waiter treats them so too). */
const failedSnapshotStates = new Set(['deleted', 'deleting', 'failed', 'incompatible-parameters', 'incompatible-restore'])

/**
 * The SDK's waitUntilDBClusterSnapshotAvailable, rebuilt on the SDK's createWaiter with the same
 * acceptors, so that each poll can also report PercentProgress.
 */
export async function waitForSnapshot(
  rds: RDSClient,
  snapshotId: string,
  settings: Pick<WaitSettings, 'signal' | 'timeoutMs'> & {
    delays?: {max: number; min: number}
    onPoll?: (snapshot: DBClusterSnapshot) => void
  },
): Promise<DBClusterSnapshot> {
  const {createWaiter, WaiterState} = smithyClient()
  const {DescribeDBClusterSnapshotsCommand} = rdsSdk()
  let latest: DBClusterSnapshot | undefined
  await runWaiter(
    (config) =>
      createWaiter({...config, client: rds}, {DBClusterSnapshotIdentifier: snapshotId}, async (client: RDSClient, input) => {
        const {DBClusterSnapshots: found = []} = await client.send(new DescribeDBClusterSnapshotsCommand(input))
        latest = found[0]
        if (latest) settings.onPoll?.(latest)
        if (latest?.Status === 'available') return {reason: latest, state: WaiterState.SUCCESS}
        if (!latest || failedSnapshotStates.has(latest.Status ?? ''))
          return {reason: `snapshot status ${latest?.Status ?? 'gone'}`, state: WaiterState.FAILURE}
        return {reason: latest, state: WaiterState.RETRY}
      }),
    {
      delays: settings.delays,
      signal: settings.signal,
      stillRunning: `The snapshot keeps being created in AWS; check it with \`auroractl snapshot list\`.`,
      timeoutMs: settings.timeoutMs,
      what: `snapshot ${snapshotId} to become available`,
    },
  )
  return latest!
}

export type SnapshotType = 'all' | 'automated' | 'manual'

/** The cluster's snapshots, newest first. */
export async function listSnapshots(
  rds: RDSClient,
  clusterId: string,
  options: {limit?: number; now?: Date; type: SnapshotType},
): Promise<SnapshotSummary[]> {
  await describeCluster(rds, clusterId)
  const now = options.now ?? new Date()
  return (await listClusterSnapshots(rds, clusterId))
    .filter((snapshot) => options.type === 'all' || snapshot.SnapshotType === options.type)
    .slice(0, options.limit ?? Number.POSITIVE_INFINITY)
    .map((snapshot) => summarizeSnapshot(snapshot, now))
}

/** Looks a snapshot up for deletion: it must exist and be manual (AWS deletes automated ones itself). */
export async function snapshotToDelete(rds: RDSClient, snapshotId: string): Promise<DBClusterSnapshot> {
  validateSnapshotReference(snapshotId, 'ID')
  const snapshot = await findSnapshot(rds, snapshotId)
  if (!snapshot) {
    throw new AuroraError('NOT_FOUND', `Snapshot "${snapshotId}" was not found.`, {
      hint: 'See the snapshots with `auroractl snapshot list`.',
    })
  }

  if (snapshot.SnapshotType === 'automated') {
    throw badInput(
      `Snapshot "${snapshotId}" is automated: AWS deletes it when the backup retention period ends.`,
      "Shorten the retention with the module's backup_retention_period instead.",
    )
  }

  return snapshot
}

export async function deleteSnapshot(rds: RDSClient, snapshotId: string): Promise<void> {
  const {DeleteDBClusterSnapshotCommand} = rdsSdk()
  await rds.send(new DeleteDBClusterSnapshotCommand({DBClusterSnapshotIdentifier: snapshotId}))
}

export interface DeleteOutcome {
  deleted: string[]
  failed: Array<{error: string; id: string}>
}

/**
 * Deletes the snapshots one at a time and keeps going past a failure, so the record says exactly which
 * were deleted and which were not (and why). `onResult` reports each as it happens.
 */
export async function deleteSnapshots(
  rds: RDSClient,
  ids: string[],
  onResult: (id: string, error?: string) => void = () => {},
): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = {deleted: [], failed: []}
  for (const id of ids) {
    try {
      // eslint-disable-next-line no-await-in-loop
      await deleteSnapshot(rds, id)
      outcome.deleted.push(id)
      onResult(id)
    } catch (error) {
      const {name} = error as Error
      const reason = `${name && name !== 'Error' ? `${name}: ` : ''}${(error as Error).message.split('\n')[0]}`
      outcome.failed.push({error: reason, id})
      onResult(id, reason)
    }
  }

  return outcome
}

export interface PruneRules {
  /** Keep this many of the newest matching manual snapshots. */
  keep?: number
  /** Only snapshots older than this. */
  olderThanMs?: number
  /** Only snapshots carrying all these tags. */
  tags: Tag[]
}

/**
 * Which manual snapshots a prune deletes: those matching the tags, outside the `keep` newest, and older
 * than the cutoff (both rules apply when both are given). Automated snapshots are never candidates.
 */
export function selectForPrune(snapshots: DBClusterSnapshot[], rules: PruneRules, now: Date): DBClusterSnapshot[] {
  if (rules.keep === undefined && rules.olderThanMs === undefined) throw badInput('Give --keep N, --older-than DURATION, or both.')
  const candidates = snapshots
    .filter((snapshot) => snapshot.SnapshotType === 'manual' && snapshot.Status === 'available' && hasTags(snapshot.TagList, rules.tags))
    .sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0))
  return candidates.filter((snapshot, index) => {
    if (rules.keep !== undefined && index < rules.keep) return false
    if (rules.olderThanMs !== undefined) {
      const created = snapshot.SnapshotCreateTime?.getTime()
      if (created === undefined || now.getTime() - created <= rules.olderThanMs) return false
    }

    return true
  })
}
