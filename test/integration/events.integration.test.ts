import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  FailoverDBClusterCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
} from '@aws-sdk/client-rds'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {EventsOutput} from '../../src/commands/events.js'
import type {ClusterEvent} from '../../src/lib/events.js'

import {runCli, startCli} from '../helpers/run-cli.js'
import {createBareCluster, sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

// Clusters of this file's own: the seeded cluster's events and settings stay as other files expect them.
const suffix = process.pid
const cluster = `ev-${suffix}`
const writer = `${cluster}-writer`
const reader = `${cluster}-reader`
const snapshot = `${cluster}-snap`
const busy = `ev-busy-${suffix}`
const restored = `ev-restored-${suffix}`
const rds = () => sandboxClients().rds()
let beforeSetup: Date

async function createCluster(id: string): Promise<void> {
  await createBareCluster(id)
}

async function addInstance(clusterId: string, instanceId: string, zone: string): Promise<void> {
  await (
    await rds()
  ).send(
    new CreateDBInstanceCommand({
      AvailabilityZone: zone,
      DBClusterIdentifier: clusterId,
      DBInstanceClass: 'db.serverless',
      DBInstanceIdentifier: instanceId,
      Engine: 'aurora-postgresql',
    }),
  )
}

async function events(args: string[]): Promise<EventsOutput> {
  const result = await runCli(['events', ...args, '--json'], {env: sandboxEnv()})
  expect(result.exitCode, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as EventsOutput
}

const lines = (list: ClusterEvent[]) =>
  list.map((event) => `${event.sourceType} ${event.sourceId}: ${event.message} [${event.categories.join(',')}]`)

beforeAll(async () => {
  beforeSetup = new Date()
  await sleep(20) // the window test needs events strictly after its end
  await createCluster(cluster)
  await addInstance(cluster, writer, 'us-east-1a')
  await addInstance(cluster, reader, 'us-east-1b')
  // The product's own commands make the changes, as an engineer would.
  const snapshotRun = await runCli(['snapshot', 'create', '--cluster', cluster, '--id', snapshot, '--json'], {env: sandboxEnv()})
  expect(snapshotRun.exitCode, snapshotRun.stderr).toBe(0)
  const scaleRun = await runCli(['scale', '--cluster', cluster, '--min', '1', '--max', '4', '--json'], {env: sandboxEnv()})
  expect(scaleRun.exitCode, scaleRun.stderr).toBe(0)
})

/** A cleanup call whose failure (already gone) must not stop the others. */
const quietly = (sent: Promise<unknown>) => sent.catch(() => {})

afterAll(async () => {
  const client = await rds()
  for (const instance of [writer, reader, `${restored}-writer`]) {
    await quietly(client.send(new DeleteDBInstanceCommand({DBInstanceIdentifier: instance})))
  }

  for (const id of [cluster, busy, restored]) {
    await quietly(client.send(new DeleteDBClusterCommand({DBClusterIdentifier: id, SkipFinalSnapshot: true})))
  }

  await quietly(client.send(new DeleteDBClusterSnapshotCommand({DBClusterSnapshotIdentifier: snapshot})))
})

describe('auroractl events against the sandbox', () => {
  it('shows the creation, the snapshot and the scale with the categories AWS gives them, oldest first', async () => {
    const all = await events(['--cluster', cluster, '--source', 'all'])
    expect(all.sources).toEqual({cluster: true, instances: [reader, writer], snapshots: expect.arrayContaining([snapshot])})
    expect(lines(all.events)).toEqual(
      expect.arrayContaining([
        `db-cluster ${cluster}: DB cluster created [creation]`,
        `db-instance ${writer}: DB instance created [creation]`,
        `db-instance ${reader}: DB instance created [creation]`,
        `db-cluster-snapshot ${snapshot}: Creating manual cluster snapshot [backup]`,
        `db-cluster-snapshot ${snapshot}: Manual cluster snapshot created [backup]`,
        `db-cluster ${cluster}: Changed the Serverless v2 capacity range from 0.5-2 ACUs to 1-4 ACUs [configuration change]`,
      ]),
    )
    const times = all.events.map((event) => Date.parse(event.time))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    const order = all.events.map((event) => event.message)
    expect(order.indexOf('DB cluster created')).toBeLessThan(order.indexOf('Creating manual cluster snapshot'))
    expect(order.indexOf('Creating manual cluster snapshot')).toBeLessThan(order.indexOf('Manual cluster snapshot created'))
    expect(all.events.find((event) => event.sourceId === cluster)?.sourceArn).toMatch(
      new RegExp(`^arn:aws:rds:us-east-1:\\d+:cluster:${cluster}$`),
    )

    // By default the cluster and its instances: snapshot events only when asked for.
    const byDefault = await events(['--cluster', cluster])
    expect(byDefault.sources.snapshots).toBeNull()
    expect(byDefault.events.some((event) => event.sourceType === 'db-cluster-snapshot')).toBe(false)
    expect(byDefault.events.some((event) => event.sourceId === writer)).toBe(true)
  })

  it('filters by category, in either spelling', async () => {
    const backups = await events(['--cluster', cluster, '--source', 'all', '--category', 'backup'])
    expect(backups.categories).toEqual(['backup'])
    expect(backups.events.length).toBeGreaterThanOrEqual(2)
    expect(backups.events.every((event) => event.categories.includes('backup'))).toBe(true)

    const changes = await events(['--cluster', cluster, '--source', 'all', '--category', 'configuration-change,deletion'])
    expect(changes.categories).toEqual(['configuration change', 'deletion'])
    expect(lines(changes.events)).toEqual([
      `db-cluster ${cluster}: Changed the Serverless v2 capacity range from 0.5-2 ACUs to 1-4 ACUs [configuration change]`,
    ])
  })

  it('reads only the window asked for: --start/--end before the cluster existed finds nothing, --since 10m finds it all', async () => {
    const before = await events([
      '--cluster',
      cluster,
      '--start',
      new Date(beforeSetup.getTime() - 120_000).toISOString(),
      '--end',
      beforeSetup.toISOString(),
    ])
    expect(before.events).toEqual([])
    expect(before.window).toEqual({end: beforeSetup.toISOString(), start: new Date(beforeSetup.getTime() - 120_000).toISOString()})
    const recent = await events(['--cluster', cluster, '--since', '10m'])
    expect(recent.events.map((event) => event.message)).toContain('DB cluster created')
  })

  it('prints one line an event, in UTC, with the sources named on stderr', async () => {
    const result = await runCli(['events', '--cluster', cluster], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toContain(`Events of ${cluster} and its 2 instances, times in UTC:`)
    expect(result.stdout).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  cluster   ${cluster} +creation +DB cluster created$`, 'm'),
    )
    expect(result.stdout).toMatch(new RegExp(`Z  instance  ${reader} +creation +DB instance created$`, 'm'))
  })

  it('reads every page: more than 100 events of one cluster come back whole (DescribeEvents pages by Marker)', async () => {
    await createCluster(busy)
    const client = await rds()
    for (let change = 0; change < 110; change++) {
      await client.send(
        new ModifyDBClusterCommand({
          ApplyImmediately: true,
          DBClusterIdentifier: busy,
          ServerlessV2ScalingConfiguration: {MaxCapacity: change % 2 === 0 ? 3 : 2, MinCapacity: 0.5},
        }),
      )
    }

    const result = await events(['--cluster', busy])
    expect(result.events).toHaveLength(111)
    expect(result.events[0]!.message).toBe('DB cluster created')
    expect(result.events.filter((event) => event.categories.includes('configuration change'))).toHaveLength(110)
  })

  it('shows a failover as the two failover events RDS records', async () => {
    const client = await rds()
    await client.send(new FailoverDBClusterCommand({DBClusterIdentifier: cluster, TargetDBInstanceIdentifier: reader}))
    // As on AWS, the call returns with the cluster failing over; it completes (and says so) a few seconds later.
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(250)) {
      const {DBClusters = []} = await client.send(new DescribeDBClustersCommand({DBClusterIdentifier: cluster}))
      if (DBClusters[0]?.Status === 'available') break
    }

    const failovers = await events(['--cluster', cluster, '--category', 'failover'])
    expect(failovers.events.map((event) => event.message)).toEqual([
      `Started cross AZ failover to DB instance: ${reader}`,
      `Completed failover to DB instance: ${reader}`,
    ])
  })

  it('shows a restore as a created cluster and instance; once deleted, the cluster’s own events are still there', async () => {
    const client = await rds()
    await client.send(
      new RestoreDBClusterFromSnapshotCommand({DBClusterIdentifier: restored, Engine: 'aurora-postgresql', SnapshotIdentifier: snapshot}),
    )
    await addInstance(restored, `${restored}-writer`, 'us-east-1a')
    const live = await events(['--cluster', restored])
    expect(lines(live.events)).toEqual([
      `db-cluster ${restored}: DB cluster created [creation]`,
      `db-instance ${restored}-writer: DB instance created [creation]`,
    ])

    await client.send(new DeleteDBInstanceCommand({DBInstanceIdentifier: `${restored}-writer`}))
    await client.send(new DeleteDBClusterCommand({DBClusterIdentifier: restored, SkipFinalSnapshot: true}))
    const result = await runCli(['events', '--cluster', restored, '--json'], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toContain(`cluster ${restored} no longer exists`)
    expect(lines((JSON.parse(result.stdout) as EventsOutput).events)).toEqual([
      `db-cluster ${restored}: DB cluster created [creation]`,
      `db-cluster ${restored}: DB cluster deleted [deletion]`,
    ])

    const unknown = await runCli(['events', '--cluster', `ev-never-${suffix}`, '--json'], {env: sandboxEnv()})
    expect(unknown.exitCode).toBe(3)
    expect(JSON.parse(unknown.stdout).error.code).toBe('CLUSTER_NOT_FOUND')
  })

  it('--follow prints an event made after it started, once, one JSON object a line, and SIGTERM ends it with exit 0', async () => {
    const follower = startCli(
      ['events', '--cluster', cluster, '--follow', '--interval', '1s', '--since', '10m', '--category', 'configuration-change', '--json'],
      sandboxEnv(),
    )
    // The starting window's scale (made in beforeAll) comes first.
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !follower.output.stdout.includes('\n');) await sleep(100)
    await sleep(1500) // a poll or two with nothing new
    const printedBefore = follower.output.stdout.split('\n').filter(Boolean).length
    await (
      await rds()
    ).send(
      new ModifyDBClusterCommand({
        ApplyImmediately: true,
        DBClusterIdentifier: cluster,
        ServerlessV2ScalingConfiguration: {MaxCapacity: 8, MinCapacity: 1},
      }),
    )
    const wanted = 'Changed the Serverless v2 capacity range from 1-4 ACUs to 1-8 ACUs'
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !follower.output.stdout.includes(wanted);) await sleep(100)
    await sleep(2500) // more polls see the same event again: it must not be printed twice
    follower.child.kill('SIGTERM')
    expect(await follower.exited, follower.output.stderr).toBe(0)
    const printed = follower.output.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ClusterEvent)
    expect(printed.filter((event) => event.message === wanted)).toHaveLength(1)
    expect(printed).toHaveLength(printedBefore + 1)
    expect(printed.at(-1)).toMatchObject({categories: ['configuration change'], sourceId: cluster, sourceType: 'db-cluster'})
    expect(new Set(printed.map((event) => `${event.time} ${event.message}`)).size).toBe(printed.length)
  })

  it('refuses bad flags with exit 2, naming the flag, before any AWS call', async () => {
    const refusals: Array<[string[], RegExp]> = [
      [['--since', '15d'], /--since "15d" must be from 1m to 14d/],
      [['--category', 'failovr'], /--category "failovr" is not an RDS event category/],
      [['--start', '2026-11-28T02:00:00'], /--start .* is not an ISO 8601 time with a zone/],
      [['--start', new Date(Date.now() - 15 * 86_400_000).toISOString()], /more than 14 days ago: RDS keeps events for 14 days/],
      [['--end', new Date().toISOString()], /--start/],
      [['--start', new Date(Date.now() - 60_000).toISOString(), '--end', new Date().toISOString(), '--follow'], /--end|--follow/],
      [['--follow', '--interval', '0s'], /--interval "0s" is not a duration|--interval/],
      [['--source', 'everything'], /--source/],
    ]
    for (const [args, message] of refusals) {
      // A dead endpoint: a refusal that reached AWS would fail differently (exit 1), not exit 2.
      const result = await runCli(['events', '--cluster', cluster, ...args], {
        env: {...sandboxEnv(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9'},
      })
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2)
      expect(result.stderr, args.join(' ')).toMatch(message)
    }
  })
})
