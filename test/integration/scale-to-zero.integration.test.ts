import {PutMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {
  CreateDBClusterParameterGroupCommand,
  CreateDBProxyCommand,
  CreateGlobalClusterCommand,
  CreateIntegrationCommand,
  DeleteDBClusterParameterGroupCommand,
  DeleteDBProxyCommand,
  DeleteGlobalClusterCommand,
  DeleteIntegrationCommand,
  DescribeDBClustersCommand,
  DescribeDBSubnetGroupsCommand,
  ModifyDBClusterParameterGroupCommand,
  RegisterDBProxyTargetsCommand,
  RemoveFromGlobalClusterCommand,
} from '@aws-sdk/client-rds'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {sandboxShape} from '../../src/lib/sandbox/seed.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {runCli} from '../helpers/run-cli.js'
import {createBareCluster, deleteScratchCluster, sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * Scaling to zero changes a cluster's scaling configuration, so it runs on clusters of its own: one restored from the
 * sandbox's (a writer and a PostgreSQL server of its own, for status and doctor), and bare clusters in moto for the
 * refusals. The seeded cluster, which other files read in parallel, is never scaled here.
 */
const scratch = `s0-${process.pid}`
const bare = {
  globalDatabase: `s0-gdb-${process.pid}`,
  logicalReplication: `s0-lr-${process.pid}`,
  oldVersion: `s0-old-${process.pid}`,
  proxy: `s0-px-${process.pid}`,
  zeroEtl: `s0-etl-${process.pid}`,
}
const names = {
  globalCluster: `s0-world-${process.pid}`,
  integration: `s0-etl-${process.pid}`,
  parameterGroup: `s0-logical-${process.pid}`,
  proxy: `s0-proxy-${process.pid}`,
}
const awakeApp = `s0-awake-${process.pid}`

const env = (cluster: string) => ({...sandboxEnv(), AURORACTL_CLUSTER: cluster})
const rds = () => sandboxClients().rds()

async function clusterOf(id: string) {
  const {DBClusters = []} = await (await rds()).send(new DescribeDBClustersCommand({DBClusterIdentifier: id}))
  return DBClusters[0]!
}

const scalingOf = async (id: string) => (await clusterOf(id)).ServerlessV2ScalingConfiguration

/** A bare cluster in moto (no data plane), for a refusal that comes before any connection; its ARN. */
async function clusterWith(id: string, extra: Record<string, unknown> = {}): Promise<string> {
  await createBareCluster(id, extra)
  return (await clusterOf(id)).DBClusterArn!
}

/** Cleanup of what a failed test may not have made. */
const ignore = () => {}

/** Runs scale on `cluster` and expects a refusal (exit 2) with every message, the scaling configuration unchanged. */
async function refused(cluster: string, args: string[], ...messages: string[]) {
  const before = await scalingOf(cluster)
  const result = await runCli(['scale', ...args], {env: env(cluster)})
  expect(result.exitCode, result.stderr).toBe(2)
  for (const message of messages) expect(result.stderr).toContain(message)
  expect(await scalingOf(cluster)).toEqual(before)
}

beforeAll(async () => {
  const restored = await runCli(['restore', '--snapshot', 'latest', '--target', scratch], {env: env(sandboxShape.clusterId)})
  expect(restored.exitCode, restored.stderr).toBe(0)
}, 180_000)

afterAll(async () => {
  const client = await rds()
  await client.send(new DeleteIntegrationCommand({IntegrationIdentifier: names.integration})).catch(ignore)
  await client.send(new DeleteDBProxyCommand({DBProxyName: names.proxy})).catch(ignore)
  const global = await clusterOf(bare.globalDatabase).catch(() => undefined)
  if (global)
    await client
      .send(new RemoveFromGlobalClusterCommand({DbClusterIdentifier: global.DBClusterArn, GlobalClusterIdentifier: names.globalCluster}))
      .catch(ignore)
  await client.send(new DeleteGlobalClusterCommand({GlobalClusterIdentifier: names.globalCluster})).catch(ignore)
  for (const id of [scratch, ...Object.values(bare)]) await deleteScratchCluster(id)
  await client.send(new DeleteDBClusterParameterGroupCommand({DBClusterParameterGroupName: names.parameterGroup})).catch(ignore)
}, 120_000)

describe('scale --min 0 --auto-pause', () => {
  it('prints the scale-to-zero call on a dry run and changes nothing', async () => {
    const before = await scalingOf(scratch)
    const dry = await runCli(['scale', '--min', '0', '--max', '2', '--auto-pause', '1h', '--dry-run', '--json'], {env: env(scratch)})
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({
      autoPause: {seconds: 3600, source: 'flag'},
      call: {
        api: 'ModifyDBCluster',
        input: {ServerlessV2ScalingConfiguration: {MaxCapacity: 2, MinCapacity: 0, SecondsUntilAutoPause: 3600}},
      },
      dryRun: true,
    })
    expect(await scalingOf(scratch)).toEqual(before)
  })

  it('sends MinCapacity 0 with SecondsUntilAutoPause, waits, and finds nothing that keeps the cluster awake', async () => {
    const result = await runCli(['scale', '--min', '0', '--auto-pause', '10m', '--json'], {env: env(scratch)})
    expect(result.exitCode, result.stderr).toBe(0)
    const output = JSON.parse(result.stdout)
    expect(output).toMatchObject({
      after: {maxAcu: 1, minAcu: 0, secondsUntilAutoPause: 600},
      autoPause: {seconds: 600, source: 'flag'},
      before: {maxAcu: 1, minAcu: 0.5},
      dryRun: false,
      status: 'available',
      waited: true,
    })
    expect(output.pauseFeatures.map((feature: {blocks: boolean | null; id: string}) => [feature.id, feature.blocks])).toEqual([
      ['rds-proxy', false],
      ['global-database', false],
      ['logical-replication', false],
      ['zero-etl', false],
    ])
    // Read back from moto with a client of its own.
    expect(await scalingOf(scratch)).toEqual({MaxCapacity: 1, MinCapacity: 0, SecondsUntilAutoPause: 600})
  })

  it("keeps the cluster's own delay when --min 0 comes again without --auto-pause, and says so", async () => {
    const result = await runCli(['scale', '--min', '0', '--max', '2'], {env: env(scratch)})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain(`${scratch}: 0-1 ACU, auto-pause after 10m -> 0-2 ACU, auto-pause after 10m`)
    expect(result.stdout).toContain('and pauses after 10m without a connection')
    expect(await scalingOf(scratch)).toEqual({MaxCapacity: 2, MinCapacity: 0, SecondsUntilAutoPause: 600})
  })

  it.each([
    [['--auto-pause', '10m'], '--auto-pause applies only with --min 0: a cluster pauses only when its minimum is 0 ACUs'],
    [['--min', '1', '--auto-pause', '10m'], '--auto-pause applies only with --min 0'],
    [['--min', '0', '--auto-pause', '2m'], '--auto-pause "2m" must be from 5m to 1d.'],
    [['--min', '0', '--auto-pause', '25h'], '--auto-pause "25h" must be from 5m to 1d.'],
    [
      ['--min', '0', '--auto-pause', '300.5s'],
      "--auto-pause 300.5s is not allowed: it goes from 5m to 24h in whole seconds (AWS's SecondsUntilAutoPause, 300 to 86400).",
    ],
    [['--min', '0', '--seconds-until-auto-pause', '100'], '--seconds-until-auto-pause "100s" must be from 5m to 1d.'],
    [['--min', '0', '--auto-pause', '10m', '--seconds-until-auto-pause', '600'], 'cannot also be provided when using'],
    [['--min', '0', '--auto-pause', '600'], '--auto-pause "600" is not a duration'],
  ])('refuses %j with exit 2 and changes nothing', async (args, message) => {
    const before = await scalingOf(scratch)
    const result = await runCli(['scale', ...args, '--confirm', scratch], {env: env(scratch)})
    expect(result.exitCode, result.stderr).toBe(2)
    expect(result.stderr).toContain(message)
    expect(await scalingOf(scratch)).toEqual(before)
  })
})

describe('status of a cluster that scales to zero', () => {
  const writer = `${scratch}-writer`

  async function capacityPoint(minutesAgo: number, value: number) {
    const minute = Math.floor(Date.now() / 60_000) * 60_000
    await (
      await sandboxClients().cloudWatch()
    ).send(
      new PutMetricDataCommand({
        MetricData: [
          {
            Dimensions: [{Name: 'DBInstanceIdentifier', Value: writer}],
            MetricName: 'ServerlessDatabaseCapacity',
            Timestamp: new Date(minute - minutesAgo * 60_000),
            Value: value,
          },
        ],
        Namespace: 'AWS/RDS',
      }),
    )
  }

  it('says the writer runs while its latest capacity datapoint is above 0', async () => {
    await capacityPoint(3, 0.5)
    const result = await runCli(['status', '--json'], {env: env(scratch)})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({
      capacity: {maxAcu: 2, minAcu: 0, secondsUntilAutoPause: 600},
      pause: {capacityAcu: 0.5, instanceId: writer, paused: false},
    })
  })

  it('says the writer is paused when its latest datapoint is 0 ACU (RDS still says available)', async () => {
    await capacityPoint(1, 0)
    const json = await runCli(['status', '--json'], {env: env(scratch)})
    expect(json.exitCode, json.stderr).toBe(0)
    const status = JSON.parse(json.stdout)
    expect(status).toMatchObject({pause: {capacityAcu: 0, instanceId: writer, paused: true, reason: null}, status: 'available'})
    const text = await runCli(['status'], {env: env(scratch)})
    expect(text.stdout).toMatch(/Capacity\s+Serverless v2, 0-2 ACU, scales to zero: auto-pause after 10m without a connection/)
    expect(text.stdout).toMatch(new RegExp(`Paused\\s+yes: writer ${writer} at 0 ACU at \\d\\d:\\d\\d UTC`))
  })

  it('reads no CloudWatch at all for a cluster whose minimum is above 0', async () => {
    const result = await runCli(['status', '--json'], {env: env(sandboxShape.clusterId)})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({capacity: {minAcu: 0.5, secondsUntilAutoPause: null}, pause: null})
  })
})

describe('doctor capacity.pause-blockers', () => {
  it('names the session that keeps the cluster awake by user, application and client, not its own', async () => {
    const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), sandboxEnv().AURORACTL_SECRET!)
    const session = await connectWithCredentials(credentials, {
      applicationName: awakeApp,
      caFile: sandboxEnv().PGSSLROOTCERT,
      endpointMap: await loadEndpointMap(sandboxEnv().AURORACTL_ENDPOINT_MAP!),
      host: (await clusterOf(scratch)).Endpoint,
    })
    session.on('error', () => {})
    try {
      const result = await runCli(['doctor', '--only', 'capacity.pause-blockers', '--json'], {env: env(scratch)})
      expect(result.exitCode, result.stderr).toBe(0)
      const check = JSON.parse(result.stdout).checks.find((item: {id: string}) => item.id === 'capacity.pause-blockers')
      expect(check).toMatchObject({detail: expect.stringMatching(/^1 session\(s\) keep the writer awake/), status: 'warn', value: 1})
      expect(check.items).toEqual([
        expect.stringMatching(
          new RegExp(`^1 session\\(s\\) of ${credentials.username}, application "${awakeApp}", from [\\d.:a-f]+ \\(all idle`),
        ),
      ])
      expect(check.hint).toContain('after 10m without a connection')
    } finally {
      await session.end()
    }

    const quiet = await runCli(['doctor', '--only', 'capacity.pause-blockers', '--json'], {env: env(scratch)})
    const check = JSON.parse(quiet.stdout).checks.find((item: {id: string}) => item.id === 'capacity.pause-blockers')
    expect(check).toMatchObject({status: 'ok', value: 0})
  })

  it('skips a cluster whose minimum is above 0', async () => {
    const result = await runCli(['doctor', '--only', 'cluster.status,capacity.pause-blockers', '--json'], {
      env: env(sandboxShape.clusterId),
    })
    const check = JSON.parse(result.stdout).checks.find((item: {id: string}) => item.id === 'capacity.pause-blockers')
    expect(check).toMatchObject({detail: 'minimum 0.5 ACU: the cluster never pauses (auto-pause needs a minimum of 0)', status: 'skip'})
  })
})

describe('scale --min 0 refusals, before any change', () => {
  it('on an engine version without 0 ACUs, naming it and the first version that has them; and a --max above its 128', async () => {
    await createBareCluster(bare.oldVersion, {EngineVersion: '15.4'})
    await refused(
      bare.oldVersion,
      ['--min', '0', '--auto-pause', '10m'],
      '--min 0 is not supported by aurora-postgresql 15.4: AWS reports a minimum of 0.5 ACU for it; the first 15.x that does is 15.7.',
    )
    await refused(bare.oldVersion, ['--max', '200'], '--max 200 is above the 128 ACU that aurora-postgresql 15.4 supports (AWS)', '15.5')
  })

  it('with logical replication on (rds.logical_replication = 1 in its parameter group)', async () => {
    const client = await rds()
    await client.send(
      new CreateDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: names.parameterGroup,
        DBParameterGroupFamily: 'aurora-postgresql15',
        Description: 'logical replication on',
      }),
    )
    await client.send(
      new ModifyDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: names.parameterGroup,
        Parameters: [{ApplyMethod: 'pending-reboot', ParameterName: 'rds.logical_replication', ParameterValue: '1'}],
      }),
    )
    await clusterWith(bare.logicalReplication, {DBClusterParameterGroupName: names.parameterGroup})
    await refused(
      bare.logicalReplication,
      ['--min', '0', '--auto-pause', '10m'],
      `--min 0 would never pause ${bare.logicalReplication}: logical replication: rds.logical_replication = 1 in ${names.parameterGroup}.`,
    )
  })

  it('with a zero-ETL integration from the cluster', async () => {
    const arn = await clusterWith(bare.zeroEtl)
    await (
      await rds()
    ).send(
      new CreateIntegrationCommand({
        IntegrationName: names.integration,
        SourceArn: arn,
        TargetArn: 'arn:aws:redshift-serverless:us-east-1:123456789012:namespace/analytics',
      }),
    )
    await refused(bare.zeroEtl, ['--min', '0'], `zero-ETL integration: ${names.integration} replicates the cluster.`)
  })

  it('as the primary of a global database', async () => {
    const arn = await clusterWith(bare.globalDatabase)
    await (await rds()).send(new CreateGlobalClusterCommand({GlobalClusterIdentifier: names.globalCluster, SourceDBClusterIdentifier: arn}))
    await refused(bare.globalDatabase, ['--min', '0', '--dry-run'], `global database: the cluster is the primary of global database`)
  })

  it('behind an RDS Proxy', async () => {
    await clusterWith(bare.proxy)
    const client = await rds()
    const {DBSubnetGroups = []} = await client.send(new DescribeDBSubnetGroupsCommand({DBSubnetGroupName: sandboxShape.subnetGroupName}))
    await client.send(
      new CreateDBProxyCommand({
        Auth: [{SecretArn: sandboxEnv().AURORACTL_SECRET}],
        DBProxyName: names.proxy,
        EngineFamily: 'POSTGRESQL',
        RoleArn: 'arn:aws:iam::123456789012:role/s0-proxy',
        VpcSubnetIds: (DBSubnetGroups[0]?.Subnets ?? []).map((subnet) => subnet.SubnetIdentifier!),
      }),
    )
    await client.send(new RegisterDBProxyTargetsCommand({DBClusterIdentifiers: [bare.proxy], DBProxyName: names.proxy}))
    await refused(bare.proxy, ['--min', '0', '--auto-pause', '30m'], `RDS Proxy: ${names.proxy} targets the cluster`)
  })
})
