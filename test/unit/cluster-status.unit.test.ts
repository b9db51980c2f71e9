import {
  DBClusterNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds'
import {mockClient} from 'aws-sdk-client-mock'
import {stripVTControlCharacters} from 'node:util'
import {beforeEach, describe, expect, it} from 'vitest'

import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderClusterStatus} from '../../src/lib/cli/render/status.js'
import {getClusterStatus} from '../../src/lib/cluster-status.js'

const rdsMock = mockClient(RDSClient)
const rds = new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'eu-west-1'})
const now = new Date('2026-11-28T12:00:00Z')

const cluster = {
  BackupRetentionPeriod: 7,
  DatabaseName: 'app',
  DBClusterArn: 'arn:aws:rds:eu-west-1:1:cluster:prod',
  DBClusterIdentifier: 'prod',
  DBClusterMembers: [
    {DBInstanceIdentifier: 'prod-b', IsClusterWriter: false},
    {DBInstanceIdentifier: 'prod-a', IsClusterWriter: true},
  ],
  DeletionProtection: true,
  Endpoint: 'prod.cluster-x.eu-west-1.rds.amazonaws.com',
  Engine: 'aurora-postgresql',
  EngineVersion: '15.12',
  MasterUsername: 'app',
  Port: 5432,
  PreferredBackupWindow: '03:00-04:00',
  PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
  ReaderEndpoint: 'prod.cluster-ro-x.eu-west-1.rds.amazonaws.com',
  ServerlessV2ScalingConfiguration: {MaxCapacity: 4, MinCapacity: 1},
  Status: 'available',
  StorageEncrypted: true,
}

describe('getClusterStatus', () => {
  beforeEach(() => rdsMock.reset())

  it('summarises the cluster, orders the writer first and picks the newest snapshot', async () => {
    rdsMock.on(DescribeDBClustersCommand, {DBClusterIdentifier: 'prod'}).resolves({DBClusters: [cluster]})
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          AvailabilityZone: 'eu-west-1b',
          DBInstanceClass: 'db.serverless',
          DBInstanceIdentifier: 'prod-b',
          DBInstanceStatus: 'available',
          PerformanceInsightsEnabled: false,
        },
        {
          AvailabilityZone: 'eu-west-1a',
          DBInstanceClass: 'db.serverless',
          DBInstanceIdentifier: 'prod-a',
          DBInstanceStatus: 'available',
          PerformanceInsightsEnabled: true,
        },
      ],
    })
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [
        {
          DBClusterSnapshotIdentifier: 'old',
          SnapshotCreateTime: new Date('2026-11-20T00:00:00Z'),
          SnapshotType: 'manual',
          Status: 'available',
        },
        {
          DBClusterSnapshotIdentifier: 'rds:prod-2026-11-28-03-10',
          SnapshotCreateTime: new Date('2026-11-28T03:00:00Z'),
          SnapshotType: 'automated',
          Status: 'available',
        },
      ],
    })

    const status = await getClusterStatus(rds, 'prod', now)
    expect(status.capacity).toEqual({maxAcu: 4, minAcu: 1, secondsUntilAutoPause: null})
    expect(status.instances.map((instance) => [instance.id, instance.role, instance.performanceInsights])).toEqual([
      ['prod-a', 'writer', true],
      ['prod-b', 'reader', false],
    ])
    expect(status.latestSnapshot).toEqual({
      ageHours: 9,
      createdAt: '2026-11-28T03:00:00.000Z',
      id: 'rds:prod-2026-11-28-03-10',
      status: 'available',
      type: 'automated',
    })
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)[0]!.args[0].input.Filters).toEqual([{Name: 'db-cluster-id', Values: ['prod']}])

    const text = renderClusterStatus(status, createPalette({json: false, noColorFlag: true}))
    expect(text).toContain('=== prod')
    expect(text).toContain('Serverless v2, 1-4 ACU')
    expect(text).toContain('prod.cluster-x.eu-west-1.rds.amazonaws.com:5432')
    expect(text).toMatch(/prod-a\s+│ writer/)
    expect(text).toContain('rds:prod-2026-11-28-03-10 (automated, 9 h ago, available)')
    expect(stripVTControlCharacters(text)).toBe(text) // no colour codes with --no-color
  })

  it('fails with exit 3 and lists the clusters that do exist', async () => {
    rdsMock
      .on(DescribeDBClustersCommand, {DBClusterIdentifier: 'nope'})
      .rejects(new DBClusterNotFoundFault({$metadata: {}, message: 'DBCluster nope not found.'}))
    rdsMock
      .on(DescribeDBClustersCommand, {Filters: [{Name: 'engine', Values: ['aurora-postgresql']}]})
      .resolves({DBClusters: [cluster, {...cluster, DBClusterIdentifier: 'staging'}]})
    rdsMock.on(DescribeDBInstancesCommand).resolves({DBInstances: []})
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: []})

    await expect(getClusterStatus(rds, 'nope', now)).rejects.toMatchObject({
      code: 'CLUSTER_NOT_FOUND',
      exitCode: 3,
      hint: 'Clusters in eu-west-1: prod, staging. Pass one with --cluster, or check --region.',
      message: 'Cluster "nope" was not found in eu-west-1.',
    })
  })

  it('says when a cluster has no instances and no scaling configuration', async () => {
    rdsMock
      .on(DescribeDBClustersCommand)
      .resolves({DBClusters: [{...cluster, DBClusterMembers: [], ServerlessV2ScalingConfiguration: undefined}]})
    rdsMock.on(DescribeDBInstancesCommand).resolves({DBInstances: []})
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: []})
    const status = await getClusterStatus(rds, 'prod', now)
    expect(status.capacity).toBeNull()
    expect(status.latestSnapshot).toBeNull()
    const text = renderClusterStatus(status, createPalette({json: false, noColorFlag: true}))
    expect(text).toContain('No instances: the cluster cannot serve connections.')
    expect(text).toContain('no Serverless v2 scaling configuration')
    expect(text).toMatch(/Latest snapshot\s+none/)
  })

  it('issues the cluster, instance and snapshot calls together, before any of them answers', async () => {
    const issued: string[] = []
    let allIssued!: () => void
    const barrier = new Promise<void>((resolve) => {
      allIssued = resolve
    })
    let deadline: NodeJS.Timeout | undefined
    // Each answer waits until all three calls were made: one after another, the first would never answer (the
    // deadline turns that into a failure naming what was issued).
    const answerOnceAllIssued =
      <T>(call: string, output: T) =>
      async (): Promise<T> => {
        issued.push(call)
        if (issued.length === 3) allIssued()
        deadline ??= setTimeout(() => allIssued(), 2000)
        await barrier
        if (issued.length < 3) throw new Error(`only ${issued.join(', ')} issued before an answer`)
        return output
      }

    rdsMock.on(DescribeDBClustersCommand).callsFake(answerOnceAllIssued('DescribeDBClusters', {DBClusters: [cluster]}))
    rdsMock.on(DescribeDBInstancesCommand).callsFake(answerOnceAllIssued('DescribeDBInstances', {DBInstances: []}))
    rdsMock.on(DescribeDBClusterSnapshotsCommand).callsFake(answerOnceAllIssued('DescribeDBClusterSnapshots', {DBClusterSnapshots: []}))
    try {
      await expect(getClusterStatus(rds, 'prod', now)).resolves.toMatchObject({id: 'prod', instances: [], latestSnapshot: null})
    } finally {
      clearTimeout(deadline)
    }

    expect(issued.sort()).toEqual(['DescribeDBClusterSnapshots', 'DescribeDBClusters', 'DescribeDBInstances'])
  })

  it('passes on an AWS error from the instance listing rather than hiding it', async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({DBClusters: [cluster]})
    rdsMock
      .on(DescribeDBInstancesCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform rds:DescribeDBInstances'), {name: 'AccessDenied'}))
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: []})
    await expect(getClusterStatus(rds, 'prod', now)).rejects.toThrow(/not authorized/)
  })
})
