import type {CloudWatchClient, Dimension, MetricDatum} from '@aws-sdk/client-cloudwatch'
import type {EC2Client} from '@aws-sdk/client-ec2'
import type {DBCluster, RDSClient} from '@aws-sdk/client-rds'
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {cloudWatchSdk, ec2Sdk, rdsSdk, secretsManagerSdk} from '../aws/sdk.js'
import {
  historyData,
  type HistorySeries,
  sandboxConnectionsAt,
  sandboxVolumeBytes,
  sandboxWriterAcuAt,
  seededHistoryDays,
} from './usage-history.js'

/**
 * The cluster the bundled Terraform module creates for the seed's basic example
 * (project "nba-tracker", environment "dev"), with the module's defaults.
 */
export const sandboxShape = {
  appSecurityGroupName: 'nba-tracker-dev-app',
  backupRetentionPeriod: 7,
  backupWindow: '03:00-04:00',
  clusterId: 'nba-tracker-dev',
  databaseName: 'nbatracker',
  dbSecurityGroupName: 'nba-tracker-dev-aurora',
  // Aurora PostgreSQL 15.4 (the seed's version) can no longer be created; stay on major 15.
  engineVersion: '15.14',
  instances: [
    {availabilityZone: 'us-east-1a', id: 'nba-tracker-dev-writer'},
    {availabilityZone: 'us-east-1b', id: 'nba-tracker-dev-reader-1'},
  ],
  maintenanceWindow: 'sun:04:00-sun:05:00',
  maxCapacity: 1,
  minCapacity: 0.5,
  // The module's aws_rds_cluster_parameter_group: "<name>-pg<major>-" plus Terraform's random suffix, family aurora-postgresql<major>.
  parameterGroupFamily: 'aurora-postgresql15',
  parameterGroupName: 'nba-tracker-dev-pg15-sandbox',
  performanceInsightsRetentionPeriod: 7,
  port: 5432,
  region: 'us-east-1',
  secretName: 'nba-tracker-dev-db-credentials',
  subnetGroupName: 'nba-tracker-dev-db-subnets',
  subnets: [
    {availabilityZone: 'us-east-1a', cidr: '10.0.21.0/24'},
    {availabilityZone: 'us-east-1b', cidr: '10.0.22.0/24'},
  ],
  tags: {Component: 'Database', Environment: 'dev', ManagedBy: 'terraform', Owner: 'Backend Team', Project: 'nba-tracker'},
  username: 'nbatracker',
  vpcCidr: '10.0.0.0/16',
} as const

export interface SeededCluster {
  appSecurityGroupId: string
  clusterArn: string
  clusterId: string
  databaseName: string
  dbSecurityGroupId: string
  instanceEndpoints: string[]
  /** The cluster parameter group (family aurora-postgresql15), as the module creates it. */
  parameterGroup: string
  port: number
  readerEndpoint: string
  region: string
  secretArn: string
  subnetIds: string[]
  username: string
  vpcId: string
  writerEndpoint: string
}

export interface SeedClients {
  cloudWatch: CloudWatchClient
  ec2: EC2Client
  rds: RDSClient
  secretsManager: SecretsManagerClient
}

const awsTags = Object.entries(sandboxShape.tags).map(([Key, Value]) => ({Key, Value}))

/** Creates, through the AWS APIs, what `terraform apply` of the module would: network, cluster, instances, secret. */
export async function seedCluster(clients: SeedClients, masterPassword: string, now: Date = new Date()): Promise<SeededCluster> {
  const shape = sandboxShape
  // The metrics need nothing else, and are most of the requests: under way while the rest is created.
  const metrics = seedCapacityMetrics(clients.cloudWatch, now)
  const network = await createNetwork(clients.ec2)
  const cluster = await createCluster(clients.rds, network, masterPassword)
  const instanceEndpoints = await createInstances(clients.rds)
  const secretArn = await createMasterSecret(clients.secretsManager, cluster.Endpoint, masterPassword)
  await metrics

  return {
    appSecurityGroupId: network.appSecurityGroupId,
    clusterArn: cluster.DBClusterArn!,
    clusterId: shape.clusterId,
    databaseName: shape.databaseName,
    dbSecurityGroupId: network.dbSecurityGroupId,
    instanceEndpoints,
    parameterGroup: shape.parameterGroupName,
    port: shape.port,
    readerEndpoint: cluster.ReaderEndpoint!,
    region: shape.region,
    secretArn,
    subnetIds: network.subnetIds,
    username: shape.username,
    vpcId: network.vpcId,
    writerEndpoint: cluster.Endpoint!,
  }
}

interface SeededNetwork {
  appSecurityGroupId: string
  dbSecurityGroupId: string
  subnetIds: string[]
  vpcId: string
}

/** The VPC, a subnet per availability zone, and the two security groups: 5432 open to the application's only. */
async function createNetwork(client: EC2Client): Promise<SeededNetwork> {
  const ec2 = ec2Sdk()
  const shape = sandboxShape
  const {Vpc: vpc} = await client.send(new ec2.CreateVpcCommand({CidrBlock: shape.vpcCidr}))
  const vpcId = vpc!.VpcId!
  const subnetIds = await Promise.all(
    shape.subnets.map(async (subnet) => {
      const {Subnet: created} = await client.send(
        new ec2.CreateSubnetCommand({AvailabilityZone: subnet.availabilityZone, CidrBlock: subnet.cidr, VpcId: vpcId}),
      )
      return created!.SubnetId!
    }),
  )

  const {GroupId: appSecurityGroupId} = await client.send(
    new ec2.CreateSecurityGroupCommand({Description: 'Application servers', GroupName: shape.appSecurityGroupName, VpcId: vpcId}),
  )
  const {GroupId: dbSecurityGroupId} = await client.send(
    new ec2.CreateSecurityGroupCommand({
      Description: 'Aurora PostgreSQL: 5432 from the application',
      GroupName: shape.dbSecurityGroupName,
      VpcId: vpcId,
    }),
  )
  await client.send(
    new ec2.AuthorizeSecurityGroupIngressCommand({
      GroupId: dbSecurityGroupId,
      IpPermissions: [{FromPort: shape.port, IpProtocol: 'tcp', ToPort: shape.port, UserIdGroupPairs: [{GroupId: appSecurityGroupId}]}],
    }),
  )
  return {appSecurityGroupId: appSecurityGroupId!, dbSecurityGroupId: dbSecurityGroupId!, subnetIds, vpcId}
}

/** The subnet group, the cluster parameter group, and the cluster with the module's defaults. */
async function createCluster(rds: RDSClient, network: SeededNetwork, masterPassword: string): Promise<DBCluster> {
  const rdsApi = rdsSdk()
  const shape = sandboxShape
  await rds.send(
    new rdsApi.CreateDBSubnetGroupCommand({
      DBSubnetGroupDescription: 'Aurora subnets in two availability zones',
      DBSubnetGroupName: shape.subnetGroupName,
      SubnetIds: network.subnetIds,
      Tags: awsTags,
    }),
  )
  await rds.send(
    new rdsApi.CreateDBClusterParameterGroupCommand({
      DBClusterParameterGroupName: shape.parameterGroupName,
      DBParameterGroupFamily: shape.parameterGroupFamily,
      Description: `Aurora PostgreSQL ${shape.clusterId}: TLS and query logging`,
      Tags: awsTags,
    }),
  )
  const {DBCluster: cluster} = await rds.send(
    new rdsApi.CreateDBClusterCommand({
      BackupRetentionPeriod: shape.backupRetentionPeriod,
      CopyTagsToSnapshot: true,
      DatabaseName: shape.databaseName,
      DBClusterIdentifier: shape.clusterId,
      DBClusterParameterGroupName: shape.parameterGroupName,
      DBSubnetGroupName: shape.subnetGroupName,
      DeletionProtection: false,
      EnableCloudwatchLogsExports: ['postgresql'],
      Engine: 'aurora-postgresql',
      EngineMode: 'provisioned',
      EngineVersion: shape.engineVersion,
      MasterUsername: shape.username,
      MasterUserPassword: masterPassword,
      Port: shape.port,
      PreferredBackupWindow: shape.backupWindow,
      PreferredMaintenanceWindow: shape.maintenanceWindow,
      ServerlessV2ScalingConfiguration: {MaxCapacity: shape.maxCapacity, MinCapacity: shape.minCapacity},
      StorageEncrypted: true,
      Tags: awsTags,
      VpcSecurityGroupIds: [network.dbSecurityGroupId],
    }),
  )
  return cluster!
}

/** The serverless writer and reader; returns their endpoints. */
async function createInstances(rds: RDSClient): Promise<string[]> {
  const rdsApi = rdsSdk()
  const shape = sandboxShape
  const instanceEndpoints: string[] = []
  for (const instance of shape.instances) {
    // One at a time, writer first: the first instance created in an Aurora cluster becomes its writer.
    // eslint-disable-next-line no-await-in-loop
    const {DBInstance: created} = await rds.send(
      new rdsApi.CreateDBInstanceCommand({
        AutoMinorVersionUpgrade: true,
        AvailabilityZone: instance.availabilityZone,
        DBClusterIdentifier: shape.clusterId,
        DBInstanceClass: 'db.serverless',
        DBInstanceIdentifier: instance.id,
        EnablePerformanceInsights: true,
        Engine: 'aurora-postgresql',
        PerformanceInsightsRetentionPeriod: shape.performanceInsightsRetentionPeriod,
        PubliclyAccessible: false,
        Tags: awsTags,
      }),
    )
    if (created?.Endpoint?.Address) instanceEndpoints.push(created.Endpoint.Address)
  }

  return instanceEndpoints
}

/** The master credentials secret, in the shape RDS-managed secrets have; returns its ARN. */
async function createMasterSecret(secretsManager: SecretsManagerClient, host: string | undefined, masterPassword: string): Promise<string> {
  const {CreateSecretCommand} = secretsManagerSdk()
  const shape = sandboxShape
  const {ARN: secretArn} = await secretsManager.send(
    new CreateSecretCommand({
      Description: `Master credentials for ${shape.clusterId}`,
      Name: shape.secretName,
      SecretString: JSON.stringify({
        dbClusterIdentifier: shape.clusterId,
        dbname: shape.databaseName,
        engine: 'postgres',
        host,
        password: masterPassword,
        port: shape.port,
        username: shape.username,
      }),
      Tags: awsTags,
    }),
  )
  return secretArn!
}

/** Hours of history the sandbox's CloudWatch holds at one-minute resolution (before them, 14 days in usage-history.ts). */
export const seededMetricHours = 3

/**
 * The capacity the writer reports at `minutesAgo`: busy mornings two and three hours ago, a 15-minute
 * burst at the 1.0 ACU ceiling (the throttling signal worth seeing in `metrics capacity`), and a quiet
 * last hour at the 0.5 ACU floor (so `doctor`'s last-hour ceiling check is green on a fresh sandbox).
 * With a 0.5-1.0 ACU range and 0.5 ACU steps, the writer is at either end.
 */
export function sandboxCapacityAt(minutesAgo: number): number {
  const {maxCapacity, minCapacity} = sandboxShape
  if (minutesAgo < 60) return minCapacity
  if (minutesAgo >= 70 && minutesAgo < 85) return maxCapacity
  return Math.sin((minutesAgo / 60) * Math.PI) > 0.55 ? maxCapacity : minCapacity
}

/**
 * The last three hours minute by minute (sandboxCapacityAt), and the 14 days before them as usage-history.ts
 * describes (office hours in UTC, idle nights and weekends, two spikes a week).
 */
async function seedCapacityMetrics(cloudWatch: CloudWatchClient, now: Date): Promise<void> {
  const {PutMetricDataCommand} = cloudWatchSdk()
  const lastMinute = Math.floor(now.getTime() / 60_000) * 60_000
  const minutesFrom = new Date(lastMinute - seededMetricHours * 3_600_000)
  const historyFrom = new Date(Math.floor(lastMinute / 3_600_000) * 3_600_000 - seededHistoryDays * 86_400_000)
  const data = [...historyData(historySeries(), historyFrom, minutesFrom), ...lastHoursData(lastMinute)]
  const batches: MetricDatum[][] = []
  // PutMetricData takes up to 1000 datapoints a request.
  for (let start = 0; start < data.length; start += 1000) batches.push(data.slice(start, start + 1000))
  await Promise.all(batches.map((batch) => cloudWatch.send(new PutMetricDataCommand({MetricData: batch, Namespace: 'AWS/RDS'}))))
}

/** One value a minute for the last three hours, ending the minute before `lastMinute`. */
function lastHoursData(lastMinute: number): MetricDatum[] {
  const {clusterId, instances, maxCapacity} = sandboxShape
  const data: MetricDatum[] = []
  const cluster: Dimension[] = [{Name: 'DBClusterIdentifier', Value: clusterId}]
  for (let minutesAgo = seededMetricHours * 60; minutesAgo >= 1; minutesAgo--) {
    const timestamp = new Date(lastMinute - minutesAgo * 60_000)
    const writer = sandboxCapacityAt(minutesAgo)
    const reader = sandboxShape.minCapacity
    const connections = writer === maxCapacity ? 42 : 9
    const rows: Array<[string, Dimension[], number, MetricUnit]> = [
      ['ServerlessDatabaseCapacity', cluster, writer, 'None'],
      ['ACUUtilization', cluster, (writer / maxCapacity) * 100, 'Percent'],
      ['CPUUtilization', cluster, writer === maxCapacity ? 88 : writer > 0.5 ? 41 : 12, 'Percent'],
      ['DatabaseConnections', cluster, connections, 'Count'],
      ['FreeableMemory', cluster, (writer * 2 - 0.6) * 1024 ** 3, 'Bytes'],
      ['VolumeBytesUsed', cluster, sandboxVolumeBytes, 'Bytes'],
    ]
    for (const [index, instance] of instances.entries()) {
      const byInstance: Dimension[] = [{Name: 'DBInstanceIdentifier', Value: instance.id}]
      const capacity = index === 0 ? writer : reader
      rows.push(
        ['ServerlessDatabaseCapacity', byInstance, capacity, 'None'],
        ['ACUUtilization', byInstance, (capacity / maxCapacity) * 100, 'Percent'],
        ['DatabaseConnections', byInstance, index === 0 ? connections : 0, 'Count'],
      )
    }

    for (const [name, dimensions, value, unit] of rows) {
      data.push({Dimensions: dimensions, MetricName: name, Timestamp: timestamp, Unit: unit, Value: value})
    }
  }

  return data
}

/** The series of the 14 days before the last three hours, as usage-history.ts describes them. */
function historySeries(): HistorySeries[] {
  const {clusterId, instances, maxCapacity, minCapacity} = sandboxShape
  const range = {maxAcu: maxCapacity, minAcu: minCapacity}
  const writerAt = (minute: Date) => sandboxWriterAcuAt(minute, range)
  const cluster: Dimension[] = [{Name: 'DBClusterIdentifier', Value: clusterId}]
  const hourly = (name: string, dimensions: Dimension[], unit: MetricUnit, valueAt: (minute: Date) => number): HistorySeries => ({
    dimensions,
    every: 3600,
    name,
    unit,
    valueAt,
  })
  const series: HistorySeries[] = [
    {dimensions: cluster, every: 300, name: 'ServerlessDatabaseCapacity', unit: 'None', valueAt: writerAt},
    hourly('ACUUtilization', cluster, 'Percent', (minute) => (writerAt(minute) / maxCapacity) * 100),
    hourly('CPUUtilization', cluster, 'Percent', (minute) => (writerAt(minute) === maxCapacity ? 88 : 12)),
    hourly(
      'DatabaseConnections',
      cluster,
      'Count',
      (minute) => sandboxConnectionsAt(minute, 'writer') + sandboxConnectionsAt(minute, 'reader'),
    ),
    hourly('FreeableMemory', cluster, 'Bytes', (minute) => (writerAt(minute) * 2 - 0.6) * 1024 ** 3),
    hourly('VolumeBytesUsed', cluster, 'Bytes', () => sandboxVolumeBytes),
  ]
  for (const [index, instance] of instances.entries()) {
    const byInstance: Dimension[] = [{Name: 'DBInstanceIdentifier', Value: instance.id}]
    const role = index === 0 ? 'writer' : 'reader'
    const capacityAt = role === 'writer' ? writerAt : () => minCapacity
    series.push(
      hourly('ServerlessDatabaseCapacity', byInstance, 'None', capacityAt),
      hourly('ACUUtilization', byInstance, 'Percent', (minute) => (capacityAt(minute) / maxCapacity) * 100),
      hourly('DatabaseConnections', byInstance, 'Count', (minute) => sandboxConnectionsAt(minute, role)),
    )
  }

  return series
}

type MetricUnit = 'Bytes' | 'Count' | 'None' | 'Percent'
