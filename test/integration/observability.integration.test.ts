import {PutMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeDBInstancesCommand} from '@aws-sdk/client-rds'
import {stripVTControlCharacters} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getDatabaseCredentials} from '../../src/lib/aws/secrets.js'
import {connectWithCredentials} from '../../src/lib/pg/connect.js'
import {loadEndpointMap} from '../../src/lib/target/endpoint-map.js'
import {startPiServer} from '../helpers/pi-server.js'
import {runCli} from '../helpers/run-cli.js'
import {sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

const scratch = `metrics-${process.pid}`
const minute = 60_000

/** Writes capacity datapoints for the scratch cluster: one per minute, newest `minutesAgo` first. */
async function putCapacity(values: number[], minutesAgoOfFirst: number): Promise<void> {
  const now = Math.floor(Date.now() / minute) * minute
  const data = values.map((value, index) => ({
    Dimensions: [{Name: 'DBClusterIdentifier', Value: scratch}],
    MetricName: 'ServerlessDatabaseCapacity',
    Timestamp: new Date(now - (minutesAgoOfFirst - index) * minute),
    Value: value,
  }))
  for (let start = 0; start < data.length; start += 500) {
    await (
      await sandboxClients().cloudWatch()
    ).send(new PutMetricDataCommand({MetricData: data.slice(start, start + 500), Namespace: 'AWS/RDS'}))
  }
}

const env = () => ({...sandboxEnv(), AURORACTL_CLUSTER: scratch})

describe('metrics capacity against moto CloudWatch', () => {
  beforeAll(async () => {
    const restored = await runCli(['restore', '--snapshot', 'latest', '--target', scratch, '--max', '2'], {env: sandboxEnv()})
    expect(restored.exitCode, restored.stderr).toBe(0)
    // 40 minutes: 30 at 1 ACU, then 10 pinned at the 2 ACU maximum.
    await putCapacity([...Array.from({length: 30}, () => 1), ...Array.from({length: 10}, () => 2)], 40)
  })

  it('summarises a run pinned at max ACU and points at scale --max', async () => {
    const result = await runCli(['metrics', 'capacity', '--since', '1h', '--json'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    const output = JSON.parse(result.stdout)
    expect(output.scaling).toEqual({maxAcu: 2, minAcu: 0.5})
    expect(output.series.map((series: {metric: string}) => series.metric)).toEqual(['ServerlessDatabaseCapacity', 'ACUUtilization'])
    expect(output.series[0].points).toHaveLength(40)
    expect(output.summary).toEqual({acuHours: 0.83, averageAcu: 1.25, datapoints: 40, peakAcu: 2, shareAtCeiling: 0.25})
    const human = await runCli(['metrics', 'capacity', '--since', '1h', '--utc'], {env: {...env(), COLUMNS: '90'}})
    expect(human.stdout).toContain('At the ceiling (>= 95% of max 2 ACU): 25.0% of the time')
    expect(human.stdout).toContain('auroractl scale --max 4')
  })

  it('draws the chart within the terminal width, with min and max drawn in and a time axis', async () => {
    for (const columns of [60, 100, 140]) {
      const result = await runCli(['metrics', 'capacity', '--since', '1h', '--utc', '--metric', 'ServerlessDatabaseCapacity'], {
        env: {...env(), COLUMNS: String(columns)},
      })
      expect(result.exitCode, result.stderr).toBe(0)
      const chart = stripVTControlCharacters(result.stdout).split('\n')
      // The plot, its time axis and legend fit; prose below it may wrap like any text.
      const plot = chart.filter((line) => /[┤┼]/.test(line) || /\d\d:\d\d/.test(line) || line.includes('times UTC'))
      expect(plot.length).toBeGreaterThan(10)
      expect(Math.max(...plot.map((line) => line.trimEnd().length)), `at ${columns} columns`).toBeLessThanOrEqual(columns)
      expect(chart.some((line) => line.includes(' 2.00 ACU'))).toBe(true)
      expect(chart.some((line) => line.includes(' 0.50 ACU'))).toBe(true)
      expect(chart.join('\n')).toContain('max 2, min 0.5 ACU (lines); times UTC')
      expect(chart.join('\n')).toMatch(/\d\d:\d\d\s+\d\d:\d\d/)
    }
  })

  it('says so plainly for an empty window', async () => {
    const result = await runCli(['metrics', 'capacity', '--start', '2026-01-01T00:00:00Z', '--end', '2026-01-01T01:00:00Z'], {env: env()})
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(`No datapoints for ${scratch} between 2026-01-01T00:00:00.000Z and 2026-01-01T01:00:00.000Z`)
  })

  it('raises the period for a long window and says why', async () => {
    const result = await runCli(['metrics', 'capacity', '--since', '3d', '--json'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    const output = JSON.parse(result.stdout)
    expect(output.window.periodSeconds).toBe(180)
    expect(output.notes).toEqual(['Period raised from 60s to 180s to stay within 1440 points per series.'])
    const human = await runCli(['metrics', 'capacity', '--since', '3d'], {env: env()})
    expect(human.stderr).toContain('Period raised from 60s to 180s to stay within 1440 points per series.')
  })

  it('gives CSV and per-instance series', async () => {
    const csv = await runCli(['metrics', 'capacity', '--since', '1h', '--format', 'csv', '--metric', 'ServerlessDatabaseCapacity'], {
      env: env(),
    })
    const lines = csv.stdout.trim().split('\n')
    expect(lines[0]).toBe('timestamp,metric,dimension,value')
    expect(lines).toHaveLength(41)
    expect(lines.at(-1)).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z,ServerlessDatabaseCapacity,${scratch},2$`),
    )
    const byInstance = await runCli(['metrics', 'capacity', '--by-instance', '--json'], {env: {...sandboxEnv()}})
    const series = JSON.parse(byInstance.stdout).series as Array<{dimension: {name: string; value: string}; points: unknown[]}>
    expect(series.map((item) => item.dimension.value).sort()).toEqual([
      'nba-tracker-dev-reader-1',
      'nba-tracker-dev-reader-1',
      'nba-tracker-dev-writer',
      'nba-tracker-dev-writer',
    ])
    expect(series.every((item) => item.dimension.name === 'DBInstanceIdentifier' && item.points.length > 0)).toBe(true)
  })

  it.each([
    [['--since', 'an hour'], '--since "an hour" is not a duration'],
    [['--period', '90'], '--period 90 is not allowed: a multiple of 60 seconds'],
    [['--start', 'yesterday'], '--start "yesterday" is not an ISO 8601 time'],
    [['--start', '2026-11-28T02:00:00'], '--start "2026-11-28T02:00:00" is not an ISO 8601 time with a zone, e.g. 2026-11-28T02:00:00Z.'],
    [['--start', '2026-11-28T01:00:00Z', '--end', '2026-11-28T02:00'], '--end "2026-11-28T02:00" is not an ISO 8601 time with a zone'],
    [['--stat', 'p99'], 'Expected --stat=p99 to be one of: Average, Maximum, Minimum'],
    [['--start', '2026-11-28T02:00:00Z', '--end', '2026-11-28T01:00:00Z'], '--start must be before --end'],
  ])('rejects %j with exit 2', async (args, message) => {
    const result = await runCli(['metrics', 'capacity', ...args], {env: env()})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(message)
  })
})

describe('pi top against a Performance Insights endpoint', () => {
  it('ranks statements by average active sessions with the share of load, for the writer', async () => {
    const {DBInstances = []} = await (
      await sandboxClients().rds()
    ).send(new DescribeDBInstancesCommand({DBInstanceIdentifier: 'nba-tracker-dev-writer'}))
    const resourceId = DBInstances[0]!.DbiResourceId!
    const pi = await startPiServer({
      DescribeDimensionKeys: () => ({
        AlignedEndTime: Date.now() / 1000,
        AlignedStartTime: Date.now() / 1000 - 3600,
        Keys: [
          {Dimensions: {'db.sql_tokenized.id': 'a', 'db.sql_tokenized.statement': 'SELECT * FROM games WHERE season = ?'}, Total: 1.5},
          {
            Dimensions: {'db.sql_tokenized.id': 'b', 'db.sql_tokenized.statement': 'UPDATE players SET rating = ? WHERE id = ?'},
            Total: 0.5,
          },
        ],
      }),
      GetResourceMetrics: () => ({
        AlignedEndTime: Date.now() / 1000,
        AlignedStartTime: Date.now() / 1000 - 3600,
        Identifier: resourceId,
        MetricList: [
          {
            DataPoints: Array.from({length: 60}, (_, index) => ({
              Timestamp: Date.now() / 1000 - (60 - index) * 60,
              Value: index % 10 === 0 ? 4 : 2,
            })),
            Key: {Metric: 'db.load.avg'},
          },
          {
            DataPoints: Array.from({length: 60}, (_, index) => ({Timestamp: Date.now() / 1000 - (60 - index) * 60, Value: 2})),
            Key: {Metric: 'os.general.numVCPUs.avg'},
          },
        ],
      }),
    })
    try {
      const result = await runCli(['pi', 'top', '--json'], {env: {...sandboxEnv(), AWS_ENDPOINT_URL_PI: pi.url}})
      expect(result.exitCode, result.stderr).toBe(0)
      const top = JSON.parse(result.stdout)
      expect(top).toMatchObject({averageLoad: 2.2, by: 'sql', instanceId: 'nba-tracker-dev-writer', peakLoad: 4, source: 'pi', vcpus: 2})
      expect(top.rows).toEqual([
        {aas: 1.5, label: 'SELECT * FROM games WHERE season = ?', rank: 1, share: 0.682},
        {aas: 0.5, label: 'UPDATE players SET rating = ? WHERE id = ?', rank: 2, share: 0.227},
      ])
      // The real client sent real requests for the writer's resource id.
      const keys = pi.requests.find((request) => request.target.endsWith('DescribeDimensionKeys'))!
      expect(keys.body).toMatchObject({
        GroupBy: {Group: 'db.sql_tokenized', Limit: 10},
        Identifier: resourceId,
        Metric: 'db.load.avg',
        ServiceType: 'RDS',
      })

      const human = await runCli(['pi', 'top', '--by', 'wait'], {env: {...sandboxEnv(), AWS_ENDPOINT_URL_PI: pi.url, COLUMNS: '80'}})
      expect(human.stdout).toMatch(/nba-tracker-dev-writer: average 2\.2 active sessions, peak 4; against 2 vCPUs/)
      expect(human.stdout).toContain('The load exceeded the 2 vCPUs')
      expect(human.stdout).toMatch(/load [▁▂▃▄▅▆▇█]+/)
      expect(pi.requests.at(-2)!.body).toMatchObject({GroupBy: {Group: 'db.wait_event'}})
    } finally {
      await pi.close()
    }
  })

  it('says when there is no Performance Insights API, and points at --source pg', async () => {
    const result = await runCli(['pi', 'top'], {env: sandboxEnv()})
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('Hint: Use --source pg')
  })

  it.each([
    [['--since', 'soon'], '--since "soon" is not a duration'],
    [['--limit', '0'], '--limit: Expected an integer greater than or equal to 1'],
    [['--by', 'table'], 'Expected --by=table to be one of: sql, wait, user, host'],
    [['--source', 'pg', '--by', 'host'], '--by host needs Performance Insights'],
  ])('rejects %j with exit 2', async (args, message) => {
    const result = await runCli(['pi', 'top', ...args], {env: sandboxEnv()})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(message)
  })
})

describe('pi top --source pg against pg_stat_statements', () => {
  let client: Awaited<ReturnType<typeof connectWithCredentials>>
  beforeAll(async () => {
    const env = sandboxEnv()
    const credentials = await getDatabaseCredentials(await sandboxClients().secretsManager(), env.AURORACTL_SECRET!)
    client = await connectWithCredentials(credentials, {
      caFile: env.PGSSLROOTCERT,
      endpointMap: await loadEndpointMap(env.AURORACTL_ENDPOINT_MAP!),
    })
    await client.query('CREATE TABLE IF NOT EXISTS pi_workload (id int, payload text)')
    await client.query('INSERT INTO pi_workload SELECT g, md5(g::text) FROM generate_series(1, 20000) g')
    // The heavy statement: a self-join plus a sleep, 2 s in all, run a few times; and a cheap one, many times.
    for (let index = 0; index < 5; index++) {
      await client.query(
        'SELECT count(*), pg_sleep(0.4) FROM pi_workload a JOIN pi_workload b ON a.payload < b.payload WHERE a.id < 300 AND b.id < 300 /* pi-heavy */',
      )
    }

    for (let index = 0; index < 50; index++) await client.query('SELECT 1 /* pi-light */')
  })

  afterAll(async () => {
    await client.query('DROP TABLE IF EXISTS pi_workload')
    await client.end()
  })

  it('ranks the heaviest statement first, with calls and share', async () => {
    const result = await runCli(['pi', 'top', '--source', 'pg', '--limit', '25', '--json'], {env: sandboxEnv()})
    expect(result.exitCode, result.stderr).toBe(0)
    const top = JSON.parse(result.stdout)
    expect(top.source).toBe('pg')
    expect(top.statsSince).toMatch(/^\d{4}-/)
    // The statistics are the server's: test files running at the same time add heavy statements of their own
    // (CREATE and DROP DATABASE), so the ranking is checked as an order, not as "ours is first".
    type Row = {calls: number; label: string; share: number; totalMs: number}
    const rows = top.rows as Row[]
    expect(rows.map((row) => row.totalMs)).toEqual(rows.map((row) => row.totalMs).sort((a, b) => b - a))
    const heavy = rows.find((row) => row.label.includes('pi-heavy'))!
    expect(heavy, JSON.stringify(rows.map((row) => row.label))).toBeDefined()
    expect(heavy.calls).toBeGreaterThanOrEqual(5)
    expect(heavy.totalMs).toBeGreaterThanOrEqual(2000)
    expect(heavy.share).toBeGreaterThan(0)
    const light = rows.find((row) => row.label.includes('pi-light'))
    if (light) expect(rows.indexOf(light)).toBeGreaterThan(rows.indexOf(heavy))
    const byUser = await runCli(['pi', 'top', '--source', 'pg', '--by', 'user', '--json'], {env: sandboxEnv()})
    const users = JSON.parse(byUser.stdout).rows as Row[]
    expect(users.map((row) => row.label)).toContain('nbatracker')
    expect(users.map((row) => row.totalMs)).toEqual(users.map((row) => row.totalMs).sort((a, b) => b - a))
  })
})
