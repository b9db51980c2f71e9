import {DescribeDBClustersCommand, DescribeDBClusterSnapshotsCommand, DescribeDBInstancesCommand} from '@aws-sdk/client-rds'
import {CreateSecretCommand} from '@aws-sdk/client-secrets-manager'
import {mkdtemp, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {deleteDrillCluster} from '../../src/lib/drill/drill.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {freePort} from '../../src/lib/sandbox/processes.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * Issue 13's edges, run as a user would (bin/run.js against moto and real PostgreSQL), on a cluster restored
 * for this file: its secret is the sandbox cluster's, whose host names nba-tracker-dev, as after any restore.
 */
const cluster = `edge-${process.pid}`
const env = () => ({...sandboxEnv(), AURORACTL_CLUSTER: cluster})
const rds = () => sandboxClients().rds()
let dir: string
let baseSnapshot = ''

async function sourceClient() {
  const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), sandboxEnv().AURORACTL_SECRET!)
  const {DBClusters: [found] = []} = await (await rds()).send(new DescribeDBClustersCommand({DBClusterIdentifier: cluster}))
  return connectWithCredentials(credentials, {
    caFile: sandboxEnv().PGSSLROOTCERT,
    endpointMap: await loadEndpointMap(sandboxEnv().AURORACTL_ENDPOINT_MAP!),
    host: found!.Endpoint,
  })
}

async function manualSnapshots(): Promise<string[]> {
  const {DBClusterSnapshots: snapshots = []} = await (
    await rds()
  ).send(new DescribeDBClusterSnapshotsCommand({DBClusterIdentifier: cluster}))
  return snapshots
    .filter((snapshot) => snapshot.SnapshotType === 'manual')
    .map((snapshot) => snapshot.DBClusterSnapshotIdentifier!)
    .sort()
}

/** This file's drill clusters and instances still in moto. */
async function drillLeftovers(): Promise<string[]> {
  const {DBClusters: clusters = []} = await (await rds()).send(new DescribeDBClustersCommand({}))
  const {DBInstances: instances = []} = await (await rds()).send(new DescribeDBInstancesCommand({}))
  return [...clusters.map((item) => item.DBClusterIdentifier!), ...instances.map((item) => item.DBInstanceIdentifier!)].filter((id) =>
    id.startsWith(`${cluster}-drill-`),
  )
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-edges-'))
  const restored = await runCli(['restore', '--cluster', 'nba-tracker-dev', '--latest-restorable', '--target', cluster, '--json'], {
    env: sandboxEnv(),
  })
  expect(restored.exitCode, restored.stderr).toBe(0)
  const client = await sourceClient()
  try {
    await client.query(`CREATE TABLE edge_games (id int PRIMARY KEY)`)
    await client.query(`INSERT INTO edge_games SELECT generate_series(1, 10)`)
  } finally {
    await client.end()
  }

  baseSnapshot = `edge-base-${process.pid}`
  const created = await runCli(['snapshot', 'create', '--id', baseSnapshot, '--json'], {env: env()})
  expect(created.exitCode, created.stderr).toBe(0)
  // Rows written after the snapshot: a check true on the snapshot is false on the source today.
  const later = await sourceClient()
  try {
    await later.query(`INSERT INTO edge_games SELECT generate_series(11, 15)`)
  } finally {
    await later.end()
  }
}, 180_000)

afterAll(async () => {
  for (const id of await drillLeftovers().catch(() => [])) await deleteDrillCluster(await rds(), id, 60_000).catch(() => {})
  await deleteDrillCluster(await rds(), cluster, 60_000).catch(() => {})
})

describe("waits that end: the drill's ready phase", () => {
  it('ends within seconds on a wrong password, with the real error, and still deletes the drill cluster', async () => {
    const good = await getDatabaseCredentials(await sandboxClients().secretsManager(), sandboxEnv().AURORACTL_SECRET!)
    const wrong = 'Wrong-Password-for-edges-42'
    const {ARN} = await (
      await sandboxClients().secretsManager()
    ).send(new CreateSecretCommand({Name: `edge-wrong-${process.pid}`, SecretString: JSON.stringify({...good, password: wrong})}))
    const result = await runCli(['drill', '--snapshot', baseSnapshot, '--secret', ARN!, '--json'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(1)
    const report = JSON.parse(result.stdout)
    const ready = report.phases.find((phase: {name: string}) => phase.name === 'ready')
    expect(ready).toMatchObject({status: 'failed'})
    expect(ready.detail).toMatch(/password authentication failed .*28P01/)
    expect(ready.seconds).toBeLessThan(10)
    expect(report).toMatchObject({outcome: 'error', teardown: {status: 'deleted'}})
    expect(report.error).toMatch(/password authentication failed/)
    expect(result.stdout + result.stderr).not.toContain(wrong)
    expect(await drillLeftovers()).toEqual([])
  }, 90_000)
})

describe('check before you spend: drill --check', () => {
  it.each([
    [
      ['--check', 'SELEC 1'],
      /--check "SELEC 1" fails on the source cluster: syntax error at or near "SELEC" \(SQLSTATE 42601\); nothing was created/,
    ],
    [['--check', 'SELECT 1'], /--check "SELECT 1" returns 1 row with 1 column of a non-boolean type on the source/],
    [['--check', 'SELECT true, false'], /returns 1 row with 2 columns/],
    [['--check', 'SELECT true FROM edge_games'], /returns 15 rows with 1 column/],
    [['--check', 'SELECT count(*) > 0 FROM no_such_table'], /relation "no_such_table" does not exist \(SQLSTATE 42P01\)/],
    [['--check', 'ROLLBACK; DELETE FROM edge_games; SELECT true'], /cannot insert multiple commands into a prepared statement/],
  ])('refuses %j with exit 2 before any snapshot or restore (even with --create-snapshot)', async (args, message) => {
    const before = await manualSnapshots()
    const result = await runCli(['drill', '--create-snapshot', ...args], {env: env()})
    expect(result.exitCode, result.stderr + result.stdout).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(await manualSnapshots()).toEqual(before)
    expect(await drillLeftovers()).toEqual([])
    const client = await sourceClient()
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM edge_games')).rows[0].n).toBe(15)
    } finally {
      await client.end()
    }
  })

  it('reports a check that is false on the source today (a warning in the output and the report), and runs it on the copy', async () => {
    const report = path.join(dir, 'false-on-source.md')
    const result = await runCli(
      ['drill', '--snapshot', baseSnapshot, '--check', 'SELECT count(*) = 10 FROM edge_games', '--report-md', report],
      {env: env()},
    )
    expect(result.exitCode, result.stderr + result.stdout).toBe(0)
    expect(result.stderr).toMatch(/Warning: --check "SELECT count\(\*\) = 10 FROM edge_games" is false on the source cluster today/)
    expect(result.stdout).toMatch(/✓ smoke SELECT count\(\*\) = 10 FROM edge_games: returned true/)
    expect(result.stdout).toMatch(/Warning: --check .* is false on the source cluster today/)
    expect(await readFile(report, 'utf8')).toMatch(/- Warning: --check .* is false on the source cluster today/)
    expect(await drillLeftovers()).toEqual([])
  }, 90_000)

  it('refuses report paths it could not write, before anything is created (exit 2)', async () => {
    // A folder that does not exist under this file's temporary folder (the old code created it with mkdir -p).
    const missing = path.join(dir, 'no', 'such', 'dir')
    for (const [flag, file] of [
      ['--report-json', path.join(missing, 'r.json')],
      ['--report-md', dir],
      ['--report-junit', path.join(missing, 'j.xml')],
    ] as const) {
      const result = await runCli(['drill', '--create-snapshot', flag, file], {env: env()})
      expect(result.exitCode, flag).toBe(2)
      expect(result.stderr).toContain(`Error: ${flag} ${file}`)
    }

    expect(await manualSnapshots()).toEqual(expect.not.arrayContaining([expect.stringContaining('-drill-snap-')]))
    expect(await drillLeftovers()).toEqual([])
  })
})

describe('snapshot create and prune at the edges', () => {
  it('refuses --manifest in a folder that does not exist (or a folder) with exit 2, before taking a snapshot', async () => {
    const before = await manualSnapshots()
    const missing = path.join(dir, 'not', 'there')
    for (const file of [path.join(missing, 'm.json'), dir]) {
      const result = await runCli(['snapshot', 'create', '--manifest', file], {env: env()})
      expect(result.exitCode, file).toBe(2)
      // The first line names the cluster; the error follows it.
      expect(result.stderr.split('\n').find((line) => line.startsWith('Error:'))).toBe(
        file === dir
          ? `Error: --manifest ${dir} is a folder: give the path of a file to write in it (e.g. ${path.join(dir, 'out.json')}).`
          : `Error: --manifest ${file}: the folder ${missing} does not exist; nothing was done.`,
      )
    }

    expect(await manualSnapshots()).toEqual(before)
  })

  it('gives two runs started together different default ids, and both succeed', async () => {
    const before = await manualSnapshots()
    const [first, second] = await Promise.all([
      runCli(['snapshot', 'create', '--json'], {env: env()}),
      runCli(['snapshot', 'create', '--json'], {env: env()}),
    ])
    expect(first.exitCode, first.stderr).toBe(0)
    expect(second.exitCode, second.stderr).toBe(0)
    const ids = [JSON.parse(first.stdout).id, JSON.parse(second.stdout).id]
    expect(ids[0]).not.toBe(ids[1])
    for (const id of ids) expect(id).toMatch(new RegExp(`^${cluster}-\\d{8}-\\d{6}-[a-z0-9]{4}$`))
    expect(await manualSnapshots()).toEqual([...before, ...ids].sort())
  })

  it('prune reports each deleted snapshot (text and --json), with an empty failed list', async () => {
    const ids = [`${cluster}-prune-a`, `${cluster}-prune-b`]
    for (const id of ids)
      expect((await runCli(['snapshot', 'create', '--id', id, '--tag', 'purpose=prune-edge'], {env: env()})).exitCode).toBe(0)
    const pruned = await runCli(['snapshot', 'prune', '--keep', '0', '--tag', 'purpose=prune-edge', '--confirm', cluster, '--json'], {
      env: env(),
    })
    expect(pruned.exitCode, pruned.stderr).toBe(0)
    const output = JSON.parse(pruned.stdout)
    expect(output).toMatchObject({dryRun: false, failed: []})
    expect([...output.deleted].sort()).toEqual(ids)
    expect((await manualSnapshots()).filter((id) => ids.includes(id))).toEqual([])

    const more = `${cluster}-prune-c`
    expect((await runCli(['snapshot', 'create', '--id', more, '--tag', 'purpose=prune-edge'], {env: env()})).exitCode).toBe(0)
    const text = await runCli(['snapshot', 'prune', '--keep', '0', '--tag', 'purpose=prune-edge', '--confirm', cluster], {env: env()})
    expect(text.exitCode, text.stderr).toBe(0)
    expect(text.stdout).toContain(`✓ deleted ${more}`)
    expect(text.stdout).toMatch(/Deleted 1 of 1 snapshots; \d+ manual snapshots are kept\./)
  })
})

describe('doctor blames the right thing', () => {
  it('says an unreachable AWS endpoint is the network, not the credentials', async () => {
    const port = await freePort()
    const result = await runCli(
      ['doctor', '--json', '--endpoint-url', `http://127.0.0.1:${port}`, '--only', 'aws.credentials,cluster.status'],
      {env: env()},
    )
    expect(result.exitCode, result.stderr).toBe(4)
    const check = JSON.parse(result.stdout).checks.find((item: {id: string}) => item.id === 'aws.credentials')
    expect(check.status).toBe('fail')
    expect(check.detail).toMatch(new RegExp(`cannot reach the AWS endpoint http://127.0.0.1:${port} \\(ECONNREFUSED\\)`))
    expect(check.detail).not.toMatch(/credentials do not resolve/)
    expect(check.hint).not.toMatch(/sso login/)
  })

  it("passes the login on a restored cluster whose secret names the source, and only warns about the secret's host", async () => {
    const result = await runCli(['doctor', '--json'], {env: env()})
    const report = JSON.parse(result.stdout)
    const byId = (id: string) => report.checks.find((item: {id: string}) => item.id === id)
    expect(byId('db.auth')).toMatchObject({status: 'ok'})
    expect(byId('db.auth').detail).toMatch(/logged in as nbatracker/)
    expect(byId('secret.matches-cluster')).toMatchObject({status: 'warn'})
    expect(byId('secret.matches-cluster').detail).toMatch(
      new RegExp(`host nba-tracker-dev\\.cluster-\\S+ is not this cluster's writer endpoint ${cluster}\\.cluster-`),
    )
    expect(report.checks.filter((item: {status: string}) => item.status === 'fail')).toEqual([])
    expect(result.exitCode).toBe(0)
  })

  it.each(['10.0.0.0/33', '10.0.0.256', '300.0.0.0/8'])('refuses --from-cidr %s with exit 2 before any check', async (cidr) => {
    const result = await runCli(['doctor', '--from-cidr', cidr], {env: env()})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(
      `--from-cidr "${cidr}" is not an IPv4 address or CIDR: four numbers from 0 to 255 and an optional prefix from /0 to /32`,
    )
    expect(result.stdout).toBe('')
  })
})
