import {DescribeDBClustersCommand, DescribeDBClusterSnapshotsCommand, DescribeDBInstancesCommand} from '@aws-sdk/client-rds'
import {XMLParser} from 'fast-xml-parser'
import {copyFile, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {deleteDrillCluster} from '../../src/lib/drill/drill.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {runCli, startCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

/**
 * The drills run on a cluster of their own, restored from the sandbox's (the data plane gives it its own
 * PostgreSQL server): other test files write to the sandbox's database and take its snapshots meanwhile.
 */
const sourceCluster = `dsrc-${process.pid}`

async function sourceClient() {
  const env = sandboxEnv()
  const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)
  const {DBClusters: clusters = []} = await (
    await sandboxClients().rds()
  ).send(new DescribeDBClustersCommand({DBClusterIdentifier: sourceCluster}))
  return connectWithCredentials(credentials, {
    caFile: env.PGSSLROOTCERT,
    endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!),
    host: clusters[0]!.Endpoint,
  })
}

/** Clusters and instances in moto that carry the drill tag or a drill name: after any drill, none may be left. */
async function drillLeftovers(): Promise<string[]> {
  const rds = await sandboxClients().rds()
  const {DBClusters: clusters = []} = await rds.send(new DescribeDBClustersCommand({}))
  const {DBInstances: instances = []} = await rds.send(new DescribeDBInstancesCommand({}))
  return [
    ...clusters
      .filter(
        (cluster) => cluster.TagList?.some((tag) => tag.Key === 'auroractl:drill') || cluster.DBClusterIdentifier!.includes('-drill-'),
      )
      .map((cluster) => cluster.DBClusterIdentifier!),
    ...instances.filter((instance) => instance.DBInstanceIdentifier!.includes('-drill-')).map((instance) => instance.DBInstanceIdentifier!),
  ]
}

let dir: string
const manifestFile = () => path.join(dir, 'manifest.json')
let snapshotId = ''

const drillEnv = () => ({...sandboxEnv(), AURORACTL_CLUSTER: sourceCluster})

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'auroractl-drill-test-'))
  const restored = await runCli(['restore', '--cluster', 'nba-tracker-dev', '--latest-restorable', '--target', sourceCluster, '--json'], {
    env: sandboxEnv(),
  })
  expect(restored.exitCode, restored.stderr).toBe(0)
  const client = await sourceClient()
  try {
    await client.query(
      `CREATE TABLE drill_games (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, home text NOT NULL, played_at timestamptz NOT NULL, score numeric(5, 1))`,
    )
    await client.query(
      `INSERT INTO drill_games (home, played_at, score) SELECT 'team ' || g, now() - g * interval '1 day', g / 10.0 FROM generate_series(1, 500) g`,
    )
  } finally {
    await client.end()
  }

  snapshotId = `drill-base-${process.pid}`
  const created = await runCli(
    ['snapshot', 'create', '--id', snapshotId, '--manifest', manifestFile(), '--manifest-mode', 'checksum', '--json'],
    {env: drillEnv()},
  )
  expect(created.exitCode, created.stderr).toBe(0)
  expect(JSON.parse(created.stdout).manifest).toMatchObject({exact: true, file: manifestFile()})

  // The application keeps writing after the snapshot: the drill must prove the snapshot, not today's data.
  const later = await sourceClient()
  try {
    await later.query(`DELETE FROM drill_games WHERE id <= 100`)
    await later.query(`INSERT INTO drill_games (home, played_at) SELECT 'late ' || g, now() FROM generate_series(1, 42) g`)
  } finally {
    await later.end()
  }
}, 120_000)

afterAll(async () => {
  await deleteDrillCluster(await sandboxClients().rds(), sourceCluster, 60_000).catch(() => {})
})

describe('drill against the sandbox (moto + a data plane of real PostgreSQL servers)', () => {
  it('restores the snapshot into a throwaway cluster, proves it against the manifest, writes the reports and deletes the cluster', async () => {
    const files = {json: path.join(dir, 'report.json'), junit: path.join(dir, 'junit.xml'), markdown: path.join(dir, 'summary.md')}
    const result = await runCli(
      [
        'drill',
        '--manifest',
        manifestFile(),
        '--verify',
        'checksum',
        '--check',
        'SELECT count(*) = 500 FROM drill_games',
        '--check',
        'SELECT max(score) = 50.0 FROM drill_games',
        '--report-json',
        files.json,
        '--report-junit',
        files.junit,
        '--report-md',
        files.markdown,
        '--json',
      ],
      {env: drillEnv()},
    )
    expect(result.exitCode, result.stderr + result.stdout).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({
      outcome: 'passed',
      snapshot: {id: snapshotId},
      sourceCluster,
      teardown: {status: 'deleted'},
      verifyMode: 'checksum',
    })
    expect(report.drillCluster).toMatch(new RegExp(`^${sourceCluster}-drill-\\d{14}-[a-z0-9]{4}$`))
    expect(report.phases.map((phase: {name: string}) => phase.name)).toEqual(['pick', 'restore', 'ready', 'verify', 'teardown'])
    for (const phase of report.phases) expect(phase).toMatchObject({seconds: expect.any(Number), status: 'passed'})
    expect(report.restoreSeconds).toBeGreaterThan(0)
    expect(report.totalSeconds).toBeGreaterThanOrEqual(report.restoreSeconds)
    const table = report.checks.find((check: {name: string}) => check.name === '"public"."drill_games"')
    expect(table).toMatchObject({kind: 'table', passed: true})
    expect(table.detail).toMatch(/^manifest 500 rows \(hash -?\d+\), restored 500 rows \(hash -?\d+\)$/)
    expect(report.checks.filter((check: {kind: string}) => check.kind === 'smoke')).toHaveLength(2)
    expect(
      report.checks.some((check: {kind: string; name: string}) => check.kind === 'sequence' && check.name.includes('drill_games_id_seq')),
    ).toBe(true)

    expect(JSON.parse(await readFile(files.json, 'utf8'))).toEqual(report)
    const junit = new XMLParser({ignoreAttributes: false}).parse(await readFile(files.junit, 'utf8'))
    const suite = junit.testsuites.testsuite
    const cases = Array.isArray(suite.testcase) ? suite.testcase : [suite.testcase]
    expect(cases.length).toBe(Number(suite['@_tests']))
    expect(Number(suite['@_failures'])).toBe(0)
    expect(cases.map((testcase: Record<string, string>) => testcase['@_name'])).toEqual(
      expect.arrayContaining(['pick', 'restore', 'ready', 'verify', '"public"."drill_games"']),
    )
    const markdown = await readFile(files.markdown, 'utf8')
    expect(markdown).toMatch(/^## Restore drill: ✅ passed/m)
    expect(markdown).toContain(`| restore |`)

    expect(await drillLeftovers()).toEqual([])
  })

  it('with --create-snapshot takes a manifest and a snapshot now, then proves that snapshot with checksums', async () => {
    const result = await runCli(['drill', '--create-snapshot', '--verify', 'checksum', '--json'], {env: drillEnv()})
    expect(result.exitCode, result.stderr + result.stdout).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({
      manifest: {file: null, mode: 'checksum'},
      outcome: 'passed',
      snapshot: {type: 'manual'},
      teardown: {status: 'deleted'},
    })
    expect(report.snapshot.id).toMatch(new RegExp(`^${sourceCluster}-drill-snap-\\d{14}-[a-z0-9]{4}$`))
    // Today's rows, as the snapshot was taken now: 500 - 100 deleted + 42 inserted.
    expect(report.checks.find((check: {name: string}) => check.name === '"public"."drill_games"').detail).toMatch(
      /^manifest 442 rows \(hash -?\d+\), restored 442 rows/,
    )
    expect(await drillLeftovers()).toEqual([])
  })

  it('fails with exit 4 and names the table when rows are missing from the restored copy, and still deletes the cluster', async () => {
    // The first --check deletes rows from the restored copy before the tables are compared (checks run first).
    const result = await runCli(
      [
        'drill',
        '--manifest',
        manifestFile(),
        '--check',
        'WITH gone AS (DELETE FROM drill_games WHERE id <= 10 RETURNING 1) SELECT count(*) = 10 FROM gone',
      ],
      {env: drillEnv()},
    )
    expect(result.exitCode, result.stderr).toBe(4)
    expect(result.stdout).toMatch(/"public"\."drill_games".*manifest 500 rows, restored 490 rows/)
    expect(result.stdout).toMatch(/Teardown: deleted/)
    expect(await drillLeftovers()).toEqual([])
  })

  it('on Ctrl-C during the ready phase, deletes the drill cluster and exits 130', async () => {
    // A frozen copy of the endpoint map lacks the drill cluster's endpoint, so its logins keep failing and the drill
    // stays in the ready phase, retrying, until it is interrupted.
    const frozenMap = path.join(dir, 'frozen-endpoint-map.json')
    await copyFile(sandboxEnv().AURORACTL_ENDPOINT_MAP!, frozenMap)
    const {child, exited, output} = startCli(['drill', '--snapshot', snapshotId], {...drillEnv(), AURORACTL_ENDPOINT_MAP: frozenMap})
    for (let index = 0; index < 300 && !output.stderr.includes('Logging in to'); index++) await sleep(100)
    expect(output.stderr).toContain('Logging in to')
    await sleep(500)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(output.stdout).toMatch(/INTERRUPTED/)
    expect(output.stdout).toMatch(/ready +│ failed/)
    expect(output.stdout).toMatch(/Teardown: deleted/)
    expect(await drillLeftovers()).toEqual([])
  })

  it('on --timeout, deletes the drill cluster, reports the phase that ran out and exits 5', async () => {
    // As above, the drill cluster's logins fail, so the ready phase runs until the one-minute --timeout ends it.
    const frozenMap = path.join(dir, 'frozen-for-timeout.json')
    await copyFile(sandboxEnv().AURORACTL_ENDPOINT_MAP!, frozenMap)
    const {exited, output} = startCli(['drill', '--snapshot', snapshotId, '--timeout', '1m', '--json'], {
      ...drillEnv(),
      AURORACTL_ENDPOINT_MAP: frozenMap,
    })
    expect(await exited).toBe(5)
    const report = JSON.parse(output.stdout)
    expect(report).toMatchObject({outcome: 'timeout', teardown: {status: 'deleted'}})
    expect(report.phases.find((phase: {name: string}) => phase.name === 'ready')).toMatchObject({status: 'failed'})
    expect(report.error).toMatch(/--timeout/)
    expect(await drillLeftovers()).toEqual([])
  }, 150_000)

  it('keeps the cluster with --keep; drill cleanup leaves it while unexpired, refuses without --confirm when not interactive, then removes it with --older-than', async () => {
    const kept = await runCli(['drill', '--snapshot', snapshotId, '--keep', '--json'], {env: drillEnv()})
    expect(kept.exitCode, kept.stderr).toBe(0)
    const report = JSON.parse(kept.stdout)
    expect(report.teardown.status).toBe('kept')
    expect(report.teardown.detail).toContain('drill cleanup --older-than 1s')
    expect(await drillLeftovers()).toContain(report.drillCluster)

    // Its expiry (the drill's --timeout, teardown's budget and a margin) has not passed: the default scope leaves it.
    const unexpired = await runCli(['drill', 'cleanup', '--json'], {env: drillEnv()})
    expect(unexpired.exitCode, unexpired.stderr).toBe(0)
    expect(JSON.parse(unexpired.stdout)).toMatchObject({deleted: [], found: [], notExpired: [{clusterId: report.drillCluster}]})

    const refused = await runCli(['drill', 'cleanup', '--older-than', '1s'], {env: drillEnv()})
    expect(refused.exitCode).toBe(2)
    expect(refused.stdout).toContain(report.drillCluster)
    expect(refused.stderr).toContain(`Pass --confirm ${sourceCluster} to go ahead.`)
    expect(await drillLeftovers()).toContain(report.drillCluster)

    const young = await runCli(['drill', 'cleanup', '--older-than', '1d', '--confirm', sourceCluster, '--json'], {env: drillEnv()})
    expect(JSON.parse(young.stdout)).toMatchObject({deleted: [], found: []})

    const cleaned = await runCli(['drill', 'cleanup', '--older-than', '1s', '--confirm', sourceCluster, '--json'], {env: drillEnv()})
    expect(cleaned.exitCode, cleaned.stderr).toBe(0)
    expect(JSON.parse(cleaned.stdout).deleted).toEqual([report.drillCluster])
    expect(await drillLeftovers()).toEqual([])
  })

  it('refuses bad input with exit 2 before creating anything', async () => {
    const checksumOnCounts = await runCli(['drill', '--manifest', manifestFile(), '--snapshot', 'some-other-snapshot'], {env: drillEnv()})
    expect(checksumOnCounts.exitCode).toBe(2)
    expect(checksumOnCounts.stderr).toContain(`--manifest describes snapshot ${snapshotId}, not some-other-snapshot`)
    const notAManifest = path.join(dir, 'not-a-manifest.json')
    await writeFile(notAManifest, '{"tables": 3}')
    const badInputs = [
      ['drill', '--timeout', '5'],
      ['drill', '--verify', 'rows'],
      ['drill', '--check', ' '],
      ['drill', '--snapshot', 'x', '--create-snapshot'],
      ['drill', '--manifest', notAManifest],
      ['drill', '--manifest', path.join(dir, 'missing.json')],
      ['drill', 'cleanup', '--older-than', 'soon'],
      ['snapshot', 'create', '--manifest', path.join(dir, 'm2.json'), '--manifest-mode', 'rows'],
      ['snapshot', 'create', '--manifest-mode', 'checksum'],
      ['snapshot', 'create', '--manifest', path.join(dir, 'm3.json'), '--no-wait'],
    ]
    for (const args of badInputs) {
      const result = await runCli(args, {env: drillEnv()})
      expect(result.exitCode, args.join(' ')).toBe(2)
      // The error is the first line after the one naming the cluster (printed once the target is resolved).
      expect(result.stderr.split('\n').find((line) => !line.startsWith('Cluster '))).toMatch(/^Error: /)
    }

    const {DBClusterSnapshots: snapshots = []} = await (
      await sandboxClients().rds()
    ).send(new DescribeDBClusterSnapshotsCommand({DBClusterIdentifier: sourceCluster}))
    // No bad input took a snapshot: only the one from beforeAll and the --create-snapshot drill's are there.
    const manual = snapshots
      .filter((snapshot) => snapshot.SnapshotType === 'manual')
      .map((snapshot) => snapshot.DBClusterSnapshotIdentifier!)
    expect(manual.filter((id) => id !== snapshotId && !id.includes('-drill-snap-'))).toEqual([])

    expect(await drillLeftovers()).toEqual([])
  })
})
