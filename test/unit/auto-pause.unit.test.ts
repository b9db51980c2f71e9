import {CloudWatchClient, GetMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {
  type DBCluster,
  DescribeDBClusterParametersCommand,
  DescribeDBProxiesCommand,
  DescribeDBProxyTargetsCommand,
  DescribeGlobalClustersCommand,
  DescribeIntegrationsCommand,
  RDSClient,
} from '@aws-sdk/client-rds'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import type {ClusterStatus} from '../../src/lib/cluster-status.js'

import {awakeSessionsSql, findPauseFeatures, readWriterPauseState} from '../../src/lib/auto-pause.js'
import {createPalette} from '../../src/lib/cli/render/colour.js'
import {renderClusterStatus} from '../../src/lib/cli/render/status.js'
import {capacityPauseBlockers} from '../../src/lib/doctor/checks/capacity.js'
import {DoctorFacts} from '../../src/lib/doctor/facts.js'

const rdsMock = mockClient(RDSClient)
const cloudWatchMock = mockClient(CloudWatchClient)
const credentials = {accessKeyId: 'a', secretAccessKey: 'b'}
const rds = new RDSClient({credentials, region: 'eu-west-1'})
const cloudWatch = new CloudWatchClient({credentials, region: 'eu-west-1'})
const arn = 'arn:aws:rds:eu-west-1:1:cluster:dev'

const cluster: DBCluster = {
  DBClusterArn: arn,
  DBClusterIdentifier: 'dev',
  DBClusterMembers: [{DBInstanceIdentifier: 'dev-writer', IsClusterWriter: true}],
  DBClusterParameterGroup: 'dev-pg',
  ServerlessV2ScalingConfiguration: {MaxCapacity: 2, MinCapacity: 0, SecondsUntilAutoPause: 600},
}

/** Nothing on: no proxy, no global database, rds.logical_replication not set, no integration. */
function answerNothingOn() {
  rdsMock.on(DescribeDBProxiesCommand).resolves({DBProxies: []})
  rdsMock.on(DescribeGlobalClustersCommand).resolves({GlobalClusters: []})
  rdsMock
    .on(DescribeDBClusterParametersCommand)
    .resolves({Parameters: [{ParameterName: 'log_min_duration_statement', ParameterValue: '500'}]})
  rdsMock.on(DescribeIntegrationsCommand).resolves({Integrations: []})
}

describe('findPauseFeatures', () => {
  beforeEach(() => {
    rdsMock.reset()
    answerNothingOn()
  })

  it('finds nothing on a plain cluster, asking for the user-set parameters of its group only', async () => {
    const features = await findPauseFeatures(rds, cluster)
    expect(features.map((feature) => [feature.id, feature.blocks])).toEqual([
      ['rds-proxy', false],
      ['global-database', false],
      ['logical-replication', false],
      ['zero-etl', false],
    ])
    expect(rdsMock.commandCalls(DescribeDBClusterParametersCommand)[0]!.args[0].input).toEqual({
      DBClusterParameterGroupName: 'dev-pg',
      Source: 'user',
    })
    expect(rdsMock.commandCalls(DescribeIntegrationsCommand)[0]!.args[0].input).toEqual({Filters: [{Name: 'source-arn', Values: [arn]}]})
  })

  it('finds each feature that keeps the cluster awake', async () => {
    rdsMock.on(DescribeDBProxiesCommand).resolves({
      DBProxies: [
        {DBProxyName: 'mysql-proxy', EngineFamily: 'MYSQL'},
        {DBProxyName: 'app-proxy', EngineFamily: 'POSTGRESQL'},
      ],
    })
    rdsMock.on(DescribeDBProxyTargetsCommand, {DBProxyName: 'app-proxy'}).resolves({
      Targets: [{RdsResourceId: 'dev', TrackedClusterId: 'dev', Type: 'TRACKED_CLUSTER'}],
    })
    rdsMock.on(DescribeGlobalClustersCommand).resolves({
      GlobalClusters: [{GlobalClusterIdentifier: 'world', GlobalClusterMembers: [{DBClusterArn: arn, IsWriter: true}]}],
    })
    rdsMock.on(DescribeDBClusterParametersCommand).resolves({Parameters: [{ParameterName: 'rds.logical_replication', ParameterValue: '1'}]})
    rdsMock.on(DescribeIntegrationsCommand).resolves({
      Integrations: [{IntegrationName: 'to-redshift', SourceArn: arn, Status: 'active'}],
    })
    const features = await findPauseFeatures(rds, cluster)
    expect(features).toEqual([
      {blocks: true, detail: 'app-proxy targets the cluster (a proxy holds connections open)', id: 'rds-proxy', name: 'RDS Proxy'},
      {blocks: true, detail: 'the cluster is the primary of global database world', id: 'global-database', name: 'global database'},
      {blocks: true, detail: 'rds.logical_replication = 1 in dev-pg', id: 'logical-replication', name: 'logical replication'},
      {blocks: true, detail: 'to-redshift replicates the cluster', id: 'zero-etl', name: 'zero-ETL integration'},
    ])
    // The MySQL proxy's targets are never asked for.
    expect(rdsMock.commandCalls(DescribeDBProxyTargetsCommand).map((call) => call.args[0].input.DBProxyName)).toEqual(['app-proxy'])
  })

  it('does not block on a secondary cluster of a global database, nor on a default parameter group (no call)', async () => {
    rdsMock.on(DescribeGlobalClustersCommand).resolves({
      GlobalClusters: [{GlobalClusterIdentifier: 'world', GlobalClusterMembers: [{DBClusterArn: arn, IsWriter: false}]}],
    })
    const features = await findPauseFeatures(rds, {...cluster, DBClusterParameterGroup: 'default.aurora-postgresql15'})
    expect(features.find((feature) => feature.id === 'global-database')).toMatchObject({blocks: false})
    expect(features.find((feature) => feature.id === 'logical-replication')).toMatchObject({blocks: false})
    expect(rdsMock.commandCalls(DescribeDBClusterParametersCommand)).toHaveLength(0)
  })

  it('says what it could not check rather than passing it', async () => {
    rdsMock
      .on(DescribeIntegrationsCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform: rds:DescribeIntegrations'), {name: 'AccessDenied'}))
    const zeroEtl = (await findPauseFeatures(rds, cluster)).find((feature) => feature.id === 'zero-etl')
    expect(zeroEtl).toEqual({
      blocks: null,
      detail: 'not checked: DescribeIntegrations failed (User is not authorized to perform: rds:DescribeIntegrations)',
      id: 'zero-etl',
      name: 'zero-ETL integration',
    })
  })
})

describe('readWriterPauseState', () => {
  const now = new Date('2026-11-30T12:00:00Z')

  beforeEach(() => cloudWatchMock.reset())

  it("is paused when the writer's latest datapoint is 0 ACU, running otherwise, from one GetMetricData on the writer", async () => {
    cloudWatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{Id: 'm0', Timestamps: [new Date('2026-11-30T11:58:00Z'), new Date('2026-11-30T11:59:00Z')], Values: [0.5, 0]}],
    })
    expect(await readWriterPauseState(cloudWatch, 'dev-writer', now)).toEqual({
      at: '2026-11-30T11:59:00.000Z',
      capacityAcu: 0,
      instanceId: 'dev-writer',
      paused: true,
      reason: null,
    })
    const {input} = cloudWatchMock.commandCalls(GetMetricDataCommand)[0]!.args[0]
    expect(input.MetricDataQueries![0]!.MetricStat!.Metric).toEqual({
      Dimensions: [{Name: 'DBInstanceIdentifier', Value: 'dev-writer'}],
      MetricName: 'ServerlessDatabaseCapacity',
      Namespace: 'AWS/RDS',
    })
    expect(input.StartTime).toEqual(new Date('2026-11-30T11:45:00Z'))

    cloudWatchMock
      .on(GetMetricDataCommand)
      .resolves({MetricDataResults: [{Id: 'm0', Timestamps: [new Date('2026-11-30T11:59:00Z')], Values: [1.5]}]})
    expect(await readWriterPauseState(cloudWatch, 'dev-writer', now)).toMatchObject({capacityAcu: 1.5, paused: false})
  })

  it('is unknown, with the reason, without a datapoint or when CloudWatch refuses', async () => {
    cloudWatchMock.on(GetMetricDataCommand).resolves({MetricDataResults: [{Id: 'm0', Timestamps: [], Values: []}]})
    expect(await readWriterPauseState(cloudWatch, 'dev-writer', now)).toMatchObject({
      paused: null,
      reason: 'no ServerlessDatabaseCapacity datapoint for dev-writer in the last 15 minutes',
    })
    cloudWatchMock.on(GetMetricDataCommand).rejects(new Error('not authorized to perform: cloudwatch:GetMetricData'))
    expect(await readWriterPauseState(cloudWatch, 'dev-writer', now)).toMatchObject({
      paused: null,
      reason: 'CloudWatch GetMetricData failed (not authorized to perform: cloudwatch:GetMetricData)',
    })
    expect(await readWriterPauseState(cloudWatch, null, now)).toMatchObject({paused: null, reason: 'the cluster has no writer instance'})
  })
})

describe('status with a minimum of 0 ACUs', () => {
  const base = {
    arn,
    backup: {retentionDays: 7, window: '03:00-04:00'},
    createdAt: null,
    databaseName: 'app',
    deletionProtection: true,
    encryption: {kmsKeyId: null, storageEncrypted: true},
    endpoints: {port: 5432, reader: null, writer: 'dev.cluster-x'},
    engine: {name: 'aurora-postgresql', version: '15.14'},
    iamDatabaseAuthentication: false,
    id: 'dev',
    instances: [],
    latestSnapshot: null,
    maintenanceWindow: null,
    masterUsername: 'app',
    resourceId: null,
    status: 'available',
  }
  const palette = createPalette({json: false, noColorFlag: true})

  it('shows the auto-pause delay and whether the writer is paused now', () => {
    const paused: ClusterStatus = {
      ...base,
      capacity: {maxAcu: 2, minAcu: 0, secondsUntilAutoPause: 600},
      pause: {at: '2026-11-30T11:59:00.000Z', capacityAcu: 0, instanceId: 'dev-writer', paused: true, reason: null},
    }
    const text = renderClusterStatus(paused, palette)
    expect(text).toMatch(/Capacity\s+Serverless v2, 0-2 ACU, scales to zero: auto-pause after 10m without a connection/)
    expect(text).toMatch(/Paused\s+yes: writer dev-writer at 0 ACU at 11:59 UTC; the next connection resumes it/)
    const running = renderClusterStatus({...paused, pause: {...paused.pause!, capacityAcu: 1, paused: false}}, palette)
    expect(running).toMatch(/Paused\s+no: writer dev-writer at 1 ACU at 11:59 UTC/)
    const unknown = renderClusterStatus({...paused, pause: {...paused.pause!, paused: null, reason: 'no datapoint'}}, palette)
    expect(unknown).toMatch(/Paused\s+unknown: no datapoint/)
  })

  it('shows no pause line when the minimum is above 0', () => {
    const text = renderClusterStatus({...base, capacity: {maxAcu: 2, minAcu: 0.5, secondsUntilAutoPause: null}, pause: null}, palette)
    expect(text).toMatch(/Capacity\s+Serverless v2, 0.5-2 ACU\n/)
    expect(text).not.toContain('Paused')
  })
})

/** Doctor facts with this scaling configuration and these pg_stat_activity rows; the SQL it ran is recorded. */
function pauseFacts(scaling: DBCluster['ServerlessV2ScalingConfiguration'], rows: object[]) {
  const queries: string[] = []
  const doctorFacts = Object.assign(Object.create(DoctorFacts.prototype) as DoctorFacts, {
    clients: {rds: async () => rds},
    cluster: async () => ({...cluster, ServerlessV2ScalingConfiguration: scaling}),
    async query(sql: string) {
      queries.push(sql)
      return {rows}
    },
  })
  return {facts: doctorFacts, queries}
}

describe('doctor capacity.pause-blockers', () => {
  beforeEach(() => {
    rdsMock.reset()
    answerNothingOn()
  })

  it('skips (not warns) when the minimum is above 0, without a query', async () => {
    const {facts: doctorFacts, queries} = pauseFacts({MaxCapacity: 2, MinCapacity: 0.5}, [])
    expect(await capacityPauseBlockers.run(doctorFacts)).toEqual({
      detail: 'minimum 0.5 ACU: the cluster never pauses (auto-pause needs a minimum of 0)',
      status: 'skip',
    })
    expect(queries).toEqual([])
  })

  it('is ok with a value of 0 when nothing keeps it awake', async () => {
    const {facts: doctorFacts, queries} = pauseFacts(cluster.ServerlessV2ScalingConfiguration, [])
    expect(await capacityPauseBlockers.run(doctorFacts)).toMatchObject({status: 'ok', value: 0})
    expect(queries).toEqual([awakeSessionsSql])
    expect(awakeSessionsSql).toContain('pid <> pg_backend_pid()')
    expect(awakeSessionsSql).toContain("<> 'rdsadmin'")
  })

  it('warns with the sessions by user, application and client, and the features that are on; value = sessions', async () => {
    rdsMock.on(DescribeDBClusterParametersCommand).resolves({Parameters: [{ParameterName: 'rds.logical_replication', ParameterValue: '1'}]})
    const rows = [
      {active: 0, application: 'web', client: '10.0.1.5', oldest_seconds: 3700, sessions: 3, user: 'app'},
      {active: 1, application: 'psql', client: 'local', oldest_seconds: 65, sessions: 1, user: 'alice'},
    ]
    const outcome = await capacityPauseBlockers.run(pauseFacts(cluster.ServerlessV2ScalingConfiguration, rows).facts)
    expect(outcome).toMatchObject({
      detail: '4 session(s) keep the writer awake; logical replication keeps it from ever pausing',
      items: [
        '3 session(s) of app, application "web", from 10.0.1.5 (all idle, the oldest connected 1h1m40s)',
        '1 session(s) of alice, application "psql", from local (1 active, the oldest connected 1m5s)',
        'logical replication: rds.logical_replication = 1 in dev-pg',
      ],
      status: 'warn',
      value: 4,
    })
    expect(outcome.hint).toContain('raise the minimum to 0.5 ACU')
  })

  it('names the features it could not check, and points idle sessions at their pool', async () => {
    rdsMock.on(DescribeIntegrationsCommand).rejects(new Error('The describe_integrations action has not been implemented'))
    const rows = [{active: 0, application: 'web', client: '10.0.1.5', oldest_seconds: 10, sessions: 1, user: 'app'}]
    const outcome = await capacityPauseBlockers.run(pauseFacts(cluster.ServerlessV2ScalingConfiguration, rows).facts)
    expect(outcome.detail).toBe('1 session(s) keep the writer awake; not checked: zero-ETL integration')
    expect(outcome.items).toContain(
      'zero-ETL integration: not checked: DescribeIntegrations failed (The describe_integrations action has not been implemented)',
    )
    expect(outcome.hint).toContain('The cluster pauses after 10m without a connection')
  })
})
