import {
  DescribeDBClusterParameterGroupsCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import {drillExpiry} from '../../src/lib/drill/drill.js'
import {parameterGroupFamily, planRestore} from '../../src/lib/restore/restore.js'
import {inheritableTags, isOwnershipTag} from '../../src/lib/restore/tags.js'

const rdsMock = mockClient(RDSClient)
const rds = new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'})
const notFound = (name: string) => Object.assign(new Error('not found'), {name})

describe('ownership tags are not copied onto a restored cluster', () => {
  it.each([
    ['ManagedBy', true],
    ['managed-by', true],
    ['Managed_By', true],
    ['terraform', true],
    ['terraform:module', true],
    ['TF:workspace', true],
    ['aws:cloudformation:stack-name', true],
    ['auroractl:drill', true],
    ['created-by', true],
    ['CreatedBy', true],
    ['restored-from', true],
    ['pulumi:project', true],
    ['Project', false],
    ['Environment', false],
    ['Owner', false],
    ['CostCenter', false],
    ['Terrain', false],
    ['tfl-route', false],
  ])('%s is an ownership tag: %s', (key, expected) => {
    expect(isOwnershipTag(key)).toBe(expected)
  })

  it('keeps what describes the data', () => {
    expect(
      inheritableTags([
        {Key: 'ManagedBy', Value: 'terraform'},
        {Key: 'Project', Value: 'nba'},
      ]),
    ).toEqual([{Key: 'Project', Value: 'nba'}])
  })
})

describe('parameter group families', () => {
  it.each([
    ['aurora-postgresql', '15.14', 'aurora-postgresql15'],
    ['aurora-postgresql', '16.4', 'aurora-postgresql16'],
    ['aurora-postgresql', '9.6.22', 'aurora-postgresql9.6'],
    ['aurora-mysql', '8.0.mysql_aurora.3.05.2', 'aurora-mysql8.0'],
  ])('%s %s -> %s', (engine, version, family) => {
    expect(parameterGroupFamily(engine, version)).toBe(family)
  })
})

describe("a drill's expiry covers its timeout", () => {
  it("is after the whole --timeout plus teardown's own budget", () => {
    const start = new Date('2026-11-28T03:00:00Z')
    const timeoutMs = 90 * 60_000
    const teardownMs = 30 * 60_000
    expect(drillExpiry(start, timeoutMs, teardownMs).getTime()).toBeGreaterThan(start.getTime() + timeoutMs + teardownMs)
    expect(drillExpiry(start, 24 * 3_600_000).getTime()).toBeGreaterThan(start.getTime() + 24 * 3_600_000)
  })
})

describe('planRestore with a snapshot of another cluster', () => {
  const prod = {
    DBClusterIdentifier: 'prod',
    DBClusterParameterGroup: 'prod-pg',
    DBSubnetGroup: 'prod-subnets',
    Engine: 'aurora-postgresql',
    EngineVersion: '15.14',
    KmsKeyId: 'prod-key',
    Status: 'available',
    TagList: [{Key: 'ManagedBy', Value: 'terraform'}],
    VpcSecurityGroups: [{VpcSecurityGroupId: 'sg-prod'}],
  }
  const staging = {
    ...prod,
    DBClusterIdentifier: 'staging',
    DBClusterParameterGroup: 'default.aurora8.0',
    DBSubnetGroup: 'staging-subnets',
    KmsKeyId: 'staging-key',
    VpcSecurityGroups: [{VpcSecurityGroupId: 'sg-staging'}],
  }
  const snapshot = {
    DBClusterIdentifier: 'prod',
    DBClusterSnapshotIdentifier: 'prod-snap',
    Engine: 'aurora-postgresql',
    EngineVersion: '15.14',
    KmsKeyId: 'snap-key',
    Status: 'available',
  }

  beforeEach(() => {
    rdsMock.reset()
    rdsMock.on(DescribeDBClustersCommand, {DBClusterIdentifier: 'prod'}).resolves({DBClusters: [prod]})
    rdsMock.on(DescribeDBClustersCommand, {DBClusterIdentifier: 'staging'}).resolves({DBClusters: [staging]})
    rdsMock.on(DescribeDBClustersCommand, {DBClusterIdentifier: 'copy'}).rejects(notFound('DBClusterNotFoundFault'))
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: [snapshot]})
    rdsMock
      .on(DescribeDBClusterParameterGroupsCommand, {DBClusterParameterGroupName: 'prod-pg'})
      .resolves({DBClusterParameterGroups: [{DBParameterGroupFamily: 'aurora-postgresql15'}]})
    rdsMock
      .on(DescribeDBClusterParameterGroupsCommand, {DBClusterParameterGroupName: 'default.aurora8.0'})
      .resolves({DBClusterParameterGroups: [{DBParameterGroupFamily: 'aurora-mysql8.0'}]})
  })

  it("takes the snapshot's cluster's settings when the configured cluster differs", async () => {
    const plan = await planRestore(rds, {
      readers: 0,
      source: {kind: 'snapshot', snapshot: 'prod-snap', sourceClusterId: 'staging'},
      targetId: 'copy',
    })
    expect(plan.calls[0]!.input).toMatchObject({
      DBClusterParameterGroupName: 'prod-pg',
      DBSubnetGroupName: 'prod-subnets',
      KmsKeyId: 'prod-key',
      VpcSecurityGroupIds: ['sg-prod'],
    })
    expect(plan.sourceClusterId).toBe('prod')
    expect(plan.notes[0]).toContain('is of cluster prod, not staging')
  })

  it('refuses an explicit --cluster that contradicts the snapshot (exit 2), unless fromOtherCluster; never a MySQL-family group', async () => {
    await expect(
      planRestore(rds, {
        readers: 0,
        source: {clusterExplicit: true, kind: 'snapshot', snapshot: 'prod-snap', sourceClusterId: 'staging'},
        targetId: 'copy',
      }),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('not --cluster staging'),
    })
    const plan = await planRestore(rds, {
      fromOtherCluster: true,
      readers: 0,
      source: {clusterExplicit: true, kind: 'snapshot', snapshot: 'prod-snap', sourceClusterId: 'staging'},
      targetId: 'copy',
    })
    expect(plan.calls[0]!.input).toMatchObject({DBSubnetGroupName: 'staging-subnets', KmsKeyId: 'staging-key'})
    expect(plan.calls[0]!.input.DBClusterParameterGroupName).toBeUndefined()
    expect(plan.notes.join('\n')).toContain('family aurora-mysql8.0, not aurora-postgresql15')
  })

  it("uses the snapshot's own attributes when its cluster is gone", async () => {
    rdsMock.on(DescribeDBClustersCommand, {DBClusterIdentifier: 'prod'}).rejects(notFound('DBClusterNotFoundFault'))
    rdsMock.on(DescribeDBClustersCommand, {}).resolves({DBClusters: []})
    const plan = await planRestore(rds, {readers: 0, source: {kind: 'snapshot', snapshot: 'prod-snap'}, targetId: 'copy'})
    expect(plan.settingsFrom).toEqual({cluster: null, kind: 'snapshot'})
    expect(plan.calls[0]!.input).toMatchObject({KmsKeyId: 'snap-key'})
    expect(plan.calls[0]!.input.DBSubnetGroupName).toBeUndefined()
  })
})
