import {
  CreateDBClusterSnapshotCommand,
  type DBClusterSnapshot,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import {identifierProblem} from '../../src/lib/cli/validation.js'
import {createSnapshot, defaultSnapshotId, deleteSnapshots, selectForPrune, waitForSnapshot} from '../../src/lib/snapshots.js'

const rdsMock = mockClient(RDSClient)
const rds = new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'})
const cluster = {DBClusterIdentifier: 'prod', Status: 'available'}

function snapshot(id: string, hoursAgo: number, extra: Partial<DBClusterSnapshot> = {}): DBClusterSnapshot {
  return {
    DBClusterSnapshotIdentifier: id,
    SnapshotCreateTime: new Date(Date.parse('2026-11-28T12:00:00Z') - hoursAgo * 3_600_000),
    SnapshotType: 'manual',
    Status: 'available',
    ...extra,
  }
}

const ids = (list: DBClusterSnapshot[]) => list.map((item) => item.DBClusterSnapshotIdentifier)

describe('snapshot ids and prune selection', () => {
  it('defaults the id to <cluster>-<yyyymmdd-hhmmss>-<4 random> in UTC', () => {
    expect(defaultSnapshotId('nba-tracker-prod', new Date('2026-11-28T03:15:09.123Z'), 'a1b2')).toBe(
      'nba-tracker-prod-20261128-031509-a1b2',
    )
    expect(defaultSnapshotId('nba-tracker-prod', new Date('2026-11-28T03:15:09.123Z'))).toMatch(
      /^nba-tracker-prod-20261128-031509-[a-z0-9]{4}$/,
    )
  })

  it('gives runs in the same second different ids, valid for RDS even from a 63-character cluster id, sorting by time', () => {
    const now = new Date('2026-11-28T03:15:09Z')
    const ids = new Set(Array.from({length: 100}, () => defaultSnapshotId('nba-tracker-prod', now)))
    expect(ids.size).toBe(100)
    const longest = defaultSnapshotId(`c${'-x'.repeat(31)}`, now)
    expect(identifierProblem(longest, 'snapshot')).toBeUndefined()
    const earlier = defaultSnapshotId('nba', new Date('2026-11-28T03:15:08Z'), 'zzzz')
    expect([defaultSnapshotId('nba', now, '0000'), earlier].sort()).toEqual([earlier, defaultSnapshotId('nba', now, '0000')])
  })

  const now = new Date('2026-11-28T12:00:00Z')
  const snapshots = [
    snapshot('m1', 1, {TagList: [{Key: 'created-by', Value: 'auroractl'}]}),
    snapshot('m2', 48, {TagList: [{Key: 'created-by', Value: 'auroractl'}]}),
    snapshot('m3', 24 * 40),
    snapshot('a1', 24 * 50, {SnapshotType: 'automated'}),
    snapshot('m4', 24 * 60, {Status: 'creating'}),
  ]

  it('keeps the N newest manual snapshots and never selects automated or unfinished ones', () => {
    expect(ids(selectForPrune(snapshots, {keep: 1, tags: []}, now))).toEqual(['m2', 'm3'])
    expect(ids(selectForPrune(snapshots, {keep: 0, tags: []}, now))).toEqual(['m1', 'm2', 'm3'])
  })

  it('applies --older-than, alone or with --keep, and the tag filter', () => {
    expect(ids(selectForPrune(snapshots, {olderThanMs: 30 * 86_400_000, tags: []}, now))).toEqual(['m3'])
    expect(ids(selectForPrune(snapshots, {keep: 2, olderThanMs: 3_600_000, tags: []}, now))).toEqual(['m3'])
    expect(ids(selectForPrune(snapshots, {keep: 0, tags: [{Key: 'created-by', Value: 'auroractl'}]}, now))).toEqual(['m1', 'm2'])
  })

  it('needs at least one rule', () => {
    expect(() => selectForPrune(snapshots, {tags: []}, now)).toThrow(/--keep N, --older-than DURATION, or both/)
  })
})

describe('createSnapshot', () => {
  beforeEach(() => {
    rdsMock.reset()
    rdsMock.on(DescribeDBClustersCommand).resolves({DBClusters: [cluster]})
  })

  it('refuses an id that exists, with exit 2, and creates nothing', async () => {
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: [snapshot('taken', 1)]})
    await expect(
      createSnapshot(rds, {clusterId: 'prod', snapshotId: 'taken', tags: []}, {timeoutMs: 60_000, wait: true}),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: 'Snapshot "taken" already exists; nothing was created.',
    })
    expect(rdsMock.commandCalls(CreateDBClusterSnapshotCommand)).toHaveLength(0)
  })

  it('refuses a bad id before calling AWS at all', async () => {
    await expect(
      createSnapshot(rds, {clusterId: 'prod', snapshotId: 'bad--id', tags: []}, {timeoutMs: 60_000, wait: false}),
    ).rejects.toMatchObject({exitCode: 2})
    expect(rdsMock.calls()).toHaveLength(0)
  })

  it('tags the snapshot with created-by, the reason and the extra tags', async () => {
    rdsMock.on(DescribeDBClusterSnapshotsCommand).rejects(Object.assign(new Error('not found'), {name: 'DBClusterSnapshotNotFoundFault'}))
    rdsMock.on(CreateDBClusterSnapshotCommand).resolves({DBClusterSnapshot: snapshot('s1', 0, {Status: 'creating'})})
    const result = await createSnapshot(
      rds,
      {clusterId: 'prod', reason: 'deploy 3f2a9c1', snapshotId: 's1', tags: [{Key: 'ticket', Value: 'OPS-1'}]},
      {timeoutMs: 60_000, wait: false},
    )
    expect(result).toMatchObject({id: 's1', status: 'creating', waited: false})
    expect(rdsMock.commandCalls(CreateDBClusterSnapshotCommand)[0]!.args[0].input).toEqual({
      DBClusterIdentifier: 'prod',
      DBClusterSnapshotIdentifier: 's1',
      Tags: [
        {Key: 'created-by', Value: 'auroractl'},
        {Key: 'reason', Value: 'deploy 3f2a9c1'},
        {Key: 'ticket', Value: 'OPS-1'},
      ],
    })
  })
})

describe('waiting for a snapshot', () => {
  beforeEach(() => rdsMock.reset())

  it('reports progress and returns the available snapshot', async () => {
    rdsMock
      .on(DescribeDBClusterSnapshotsCommand)
      .resolvesOnce({DBClusterSnapshots: [snapshot('s', 0, {PercentProgress: 40, Status: 'creating'})]})
      .resolves({DBClusterSnapshots: [snapshot('s', 0, {PercentProgress: 100})]})
    const seen: number[] = []
    const result = await waitForSnapshot(rds, 's', {
      delays: {max: 1, min: 1},
      onPoll: (latest) => seen.push(latest.PercentProgress ?? -1),
      timeoutMs: 60_000,
    })
    expect(result.Status).toBe('available')
    expect(seen).toEqual([40, 100])
  })

  it('fails (exit 1) when the snapshot ends failed', async () => {
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: [snapshot('s', 0, {Status: 'failed'})]})
    await expect(waitForSnapshot(rds, 's', {timeoutMs: 60_000})).rejects.toMatchObject({
      exitCode: 1,
      message: 'Failed waiting for snapshot s to become available: snapshot status failed',
    })
  })

  it('gives up with exit 5 when the overall timeout passes, saying the snapshot carries on', async () => {
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: [snapshot('s', 0, {Status: 'creating'})]})
    await expect(waitForSnapshot(rds, 's', {timeoutMs: 1000})).rejects.toMatchObject({
      code: 'TIMED_OUT',
      exitCode: 5,
      message: expect.stringContaining('The snapshot keeps being created in AWS'),
    })
  })

  it('stops on Ctrl-C with exit 130 and says what is still running in AWS', async () => {
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: [snapshot('s', 0, {Status: 'creating'})]})
    const interruption = new AbortController()
    setTimeout(() => interruption.abort(), 200)
    await expect(waitForSnapshot(rds, 's', {signal: interruption.signal, timeoutMs: 60_000})).rejects.toMatchObject({
      code: 'INTERRUPTED',
      exitCode: 130,
      message: expect.stringMatching(/Interrupted while waiting for snapshot s .*keeps being created in AWS/),
    })
  })
})

describe('deleteSnapshots (snapshot prune)', () => {
  beforeEach(() => {
    rdsMock.reset()
  })

  it("keeps going past a failed delete and records what was deleted and what failed, with AWS's error", async () => {
    rdsMock.on(DeleteDBClusterSnapshotCommand).resolves({})
    rdsMock
      .on(DeleteDBClusterSnapshotCommand, {DBClusterSnapshotIdentifier: 'm2'})
      .rejects(Object.assign(new Error('Cannot delete the snapshot because it is shared'), {name: 'InvalidDBClusterSnapshotStateFault'}))
    const seen: Array<[string, string | undefined]> = []
    const outcome = await deleteSnapshots(rds, ['m1', 'm2', 'm3'], (id, error) => seen.push([id, error]))
    expect(outcome).toEqual({
      deleted: ['m1', 'm3'],
      failed: [{error: 'InvalidDBClusterSnapshotStateFault: Cannot delete the snapshot because it is shared', id: 'm2'}],
    })
    expect(seen.map(([id, error]) => `${id}:${error ? 'failed' : 'deleted'}`)).toEqual(['m1:deleted', 'm2:failed', 'm3:deleted'])
    expect(rdsMock.commandCalls(DeleteDBClusterSnapshotCommand).map((call) => call.args[0].input.DBClusterSnapshotIdentifier)).toEqual([
      'm1',
      'm2',
      'm3',
    ])
  })
})
