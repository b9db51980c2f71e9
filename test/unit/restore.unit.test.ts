import {
  CreateDBInstanceCommand,
  DescribeDBClusterParameterGroupsCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import {executeRestore, planRestore} from '../../src/lib/restore/restore.js'

const rdsMock = mockClient(RDSClient)
const rds = new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'})
const notFound = () => Object.assign(new Error('not found'), {name: 'DBClusterNotFoundFault'})

const source = {
  DBClusterIdentifier: 'prod',
  DBClusterParameterGroup: 'prod-pg15',
  DBSubnetGroup: 'prod-db-subnets',
  DeletionProtection: true,
  Engine: 'aurora-postgresql',
  EngineVersion: '15.14',
  KmsKeyId: 'arn:aws:kms:us-east-1:1:key/k',
  Port: 5432,
  ServerlessV2ScalingConfiguration: {MaxCapacity: 4, MinCapacity: 1},
  Status: 'available',
  TagList: [
    {Key: 'Project', Value: 'nba'},
    {Key: 'aws:cloudformation:stack', Value: 'x'},
  ],
  VpcSecurityGroups: [{VpcSecurityGroupId: 'sg-1'}],
}
const snapshots = [
  {
    DBClusterSnapshotIdentifier: 'newest',
    Engine: 'aurora-postgresql',
    EngineVersion: '15.14',
    SnapshotCreateTime: new Date('2026-11-28T03:00:00Z'),
    SnapshotType: 'automated',
    Status: 'available',
  },
  {DBClusterSnapshotIdentifier: 'older', SnapshotCreateTime: new Date('2026-11-27T03:00:00Z'), SnapshotType: 'manual', Status: 'available'},
]

const mutating = new Set(
  [RestoreDBClusterFromSnapshotCommand, RestoreDBClusterToPointInTimeCommand, CreateDBInstanceCommand, ModifyDBClusterCommand].map(
    (command) => command.name,
  ),
)

function mutatingCalls() {
  return rdsMock.calls().filter((call) => mutating.has(call.args[0].constructor.name))
}

describe('planRestore (read-only)', () => {
  beforeEach(() => {
    rdsMock.reset()
    rdsMock
      .on(DescribeDBClusterParameterGroupsCommand)
      .resolves({DBClusterParameterGroups: [{DBClusterParameterGroupName: 'prod-pg15', DBParameterGroupFamily: 'aurora-postgresql15'}]})
    rdsMock.on(DescribeDBClustersCommand, {DBClusterIdentifier: 'prod'}).resolves({DBClusters: [source]})
    rdsMock.on(DescribeDBClustersCommand, {DBClusterIdentifier: 'copy'}).rejects(notFound())
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: snapshots})
  })

  it('takes network, port, KMS, parameters, tags, scaling and deletion protection from the source cluster', async () => {
    const plan = await planRestore(rds, {
      readers: 1,
      source: {kind: 'snapshot', snapshot: 'latest', sourceClusterId: 'prod'},
      targetId: 'copy',
    })
    expect(plan.snapshotId).toBe('newest')
    expect(plan.instanceIds).toEqual(['copy-writer', 'copy-reader-1'])
    expect(plan.calls.map((call) => call.api)).toEqual(['RestoreDBClusterFromSnapshot', 'CreateDBInstance', 'CreateDBInstance'])
    expect(plan.calls[0]!.input).toMatchObject({
      DBClusterIdentifier: 'copy',
      DBClusterParameterGroupName: 'prod-pg15',
      DBSubnetGroupName: 'prod-db-subnets',
      DeletionProtection: true,
      EngineVersion: '15.14',
      KmsKeyId: 'arn:aws:kms:us-east-1:1:key/k',
      Port: 5432,
      ServerlessV2ScalingConfiguration: {MaxCapacity: 4, MinCapacity: 1},
      SnapshotIdentifier: 'newest',
      Tags: [
        {Key: 'Project', Value: 'nba'},
        {Key: 'created-by', Value: 'auroractl'},
        {Key: 'restored-from', Value: 'newest'},
        {Key: 'auroractl:source-cluster', Value: 'prod'},
        {Key: 'auroractl:source-snapshot', Value: 'newest'},
      ],
      VpcSecurityGroupIds: ['sg-1'],
    })
    expect(plan.calls[1]!.input).toMatchObject({
      DBInstanceClass: 'db.serverless',
      DBInstanceIdentifier: 'copy-writer',
      EnablePerformanceInsights: true,
    })
    expect(mutatingCalls()).toHaveLength(0)
  })

  it('restores a point in time of the source with the same settings', async () => {
    const plan = await planRestore(rds, {
      maxAcu: 2,
      minAcu: 0.5,
      readers: 0,
      source: {kind: 'point-in-time', latest: true, sourceClusterId: 'prod'},
      targetId: 'copy',
    })
    expect(plan.calls[0]).toMatchObject({
      api: 'RestoreDBClusterToPointInTime',
      input: {
        RestoreType: 'full-copy',
        ServerlessV2ScalingConfiguration: {MaxCapacity: 2, MinCapacity: 0.5},
        SourceDBClusterIdentifier: 'prod',
        UseLatestRestorableTime: true,
      },
    })
  })

  it.each([
    [{targetId: 'prod'}, 'Cluster "prod" already exists; nothing was restored.', 2],
    [{targetId: 'bad--name'}, '--target "bad--name" must not contain two consecutive hyphens', 2],
    [{maxAcu: 0.7}, '--max 0.7 is not allowed', 2],
    [{source: {kind: 'snapshot' as const, snapshot: 'gone', sourceClusterId: 'prod'}}, 'Snapshot "gone" was not found.', 3],
  ])('refuses %j before changing anything', async (overrides, message, exitCode) => {
    rdsMock
      .on(DescribeDBClusterSnapshotsCommand, {DBClusterSnapshotIdentifier: 'gone'})
      .rejects(Object.assign(new Error('x'), {name: 'DBClusterSnapshotNotFoundFault'}))
    const request = {
      readers: 0,
      source: {kind: 'snapshot' as const, snapshot: 'latest', sourceClusterId: 'prod'},
      targetId: 'copy',
      ...overrides,
    }
    await expect(planRestore(rds, request)).rejects.toMatchObject({exitCode, message: expect.stringContaining(message)})
    expect(mutatingCalls()).toHaveLength(0)
  })
})

describe('executeRestore', () => {
  beforeEach(() => {
    rdsMock.reset()
    rdsMock
      .on(DescribeDBClusterParameterGroupsCommand)
      .resolves({DBClusterParameterGroups: [{DBClusterParameterGroupName: 'prod-pg15', DBParameterGroupFamily: 'aurora-postgresql15'}]})
    rdsMock.on(DescribeDBClustersCommand, {DBClusterIdentifier: 'prod'}).resolves({DBClusters: [source]})
    rdsMock
      .on(DescribeDBClustersCommand, {DBClusterIdentifier: 'copy'})
      .rejectsOnce(notFound())
      .resolves({
        DBClusters: [
          {
            DBClusterIdentifier: 'copy',
            Endpoint: 'copy.cluster-x',
            ServerlessV2ScalingConfiguration: {MaxCapacity: 4, MinCapacity: 1},
            Status: 'available',
          },
        ],
      })
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: snapshots})
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).resolves({DBCluster: {DBClusterIdentifier: 'copy', Status: 'creating'}})
    rdsMock.on(DescribeDBInstancesCommand).resolves({DBInstances: [{DBInstanceStatus: 'available'}]})
  })

  it('restores, adds the writer, waits, and times each phase', async () => {
    rdsMock.on(CreateDBInstanceCommand).resolves({})
    const plan = await planRestore(rds, {
      readers: 0,
      source: {kind: 'snapshot', snapshot: 'latest', sourceClusterId: 'prod'},
      targetId: 'copy',
    })
    const result = await executeRestore(rds, plan, {timeoutMs: 60_000})
    expect(result).toMatchObject({
      clusterId: 'copy',
      endpoint: 'copy.cluster-x',
      instances: [{id: 'copy-writer', role: 'writer', status: 'available'}],
    })
    expect(Object.keys(result.phases).sort()).toEqual([
      'apiAcceptedSeconds',
      'clusterAvailableSeconds',
      'instancesAvailableSeconds',
      'totalSeconds',
    ])
    expect(rdsMock.commandCalls(ModifyDBClusterCommand)).toHaveLength(0) // the restore already set the scaling
    expect(mutatingCalls().map((call) => call.args[0].constructor.name)).toEqual([
      'RestoreDBClusterFromSnapshotCommand',
      'CreateDBInstanceCommand',
    ])
  })

  it('sets the scaling configuration when the restored cluster lacks it', async () => {
    rdsMock
      .on(DescribeDBClustersCommand, {DBClusterIdentifier: 'copy'})
      .rejectsOnce(notFound())
      .resolves({DBClusters: [{DBClusterIdentifier: 'copy', Status: 'available'}]})
    rdsMock.on(CreateDBInstanceCommand).resolves({})
    const plan = await planRestore(rds, {
      readers: 0,
      source: {kind: 'snapshot', snapshot: 'latest', sourceClusterId: 'prod'},
      targetId: 'copy',
    })
    await executeRestore(rds, plan, {timeoutMs: 60_000})
    expect(rdsMock.commandCalls(ModifyDBClusterCommand)[0]!.args[0].input).toMatchObject({
      ServerlessV2ScalingConfiguration: {MaxCapacity: 4, MinCapacity: 1},
    })
    // ... and before any instance is added.
    const order = rdsMock.calls().map((call) => call.args[0].constructor.name)
    expect(order.indexOf('ModifyDBClusterCommand')).toBeLessThan(order.indexOf('CreateDBInstanceCommand'))
  })

  it('says what was created and how to remove it when a step fails after the cluster exists', async () => {
    rdsMock
      .on(CreateDBInstanceCommand, {DBInstanceIdentifier: 'copy-writer'})
      .resolves({})
      .on(CreateDBInstanceCommand, {DBInstanceIdentifier: 'copy-reader-1'})
      .rejects(Object.assign(new Error('Instance quota exceeded'), {name: 'InstanceQuotaExceededFault'}))
    const plan = await planRestore(rds, {
      readers: 1,
      source: {kind: 'snapshot', snapshot: 'latest', sourceClusterId: 'prod'},
      targetId: 'copy',
    })
    const error = await executeRestore(rds, plan, {timeoutMs: 60_000}).catch((error_: Error) => error_)
    expect(error).toMatchObject({exitCode: 1})
    expect((error as Error).message).toBe(
      'Restore failed part-way: Instance quota exceeded. Still in AWS: cluster copy and instance(s) copy-writer. Remove it with: ' +
        'aws rds delete-db-instance --db-instance-identifier copy-writer --skip-final-snapshot && aws rds delete-db-cluster --db-cluster-identifier copy --skip-final-snapshot',
    )
  })

  it('on Ctrl-C during a wait, exits 130 and names what keeps running in AWS', async () => {
    rdsMock
      .on(DescribeDBClustersCommand, {DBClusterIdentifier: 'copy'})
      .rejectsOnce(notFound())
      .resolves({DBClusters: [{DBClusterIdentifier: 'copy', Status: 'creating'}]})
    const plan = await planRestore(rds, {
      readers: 0,
      source: {kind: 'snapshot', snapshot: 'latest', sourceClusterId: 'prod'},
      targetId: 'copy',
    })
    const interruption = new AbortController()
    setTimeout(() => interruption.abort(), 200)
    await expect(executeRestore(rds, plan, {signal: interruption.signal, timeoutMs: 60_000})).rejects.toMatchObject({
      exitCode: 130,
      message: expect.stringContaining(
        'Still in AWS: cluster copy. Remove it with: aws rds delete-db-cluster --db-cluster-identifier copy --skip-final-snapshot',
      ),
    })
  })
})
