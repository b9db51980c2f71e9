import {type MetricDatum, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {CreateDBInstanceCommand} from '@aws-sdk/client-rds'
import {mkdir, readdir, readFile, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {MetricsCostOutput} from '../../src/commands/metrics/cost.js'

import {sandboxShape} from '../../src/lib/sandbox/seed.js'
import {runCli} from '../helpers/run-cli.js'
import {createBareCluster, deleteScratchCluster, sandboxClients, sandboxEnv} from '../helpers/sandbox-clients.js'

const scratch = `cost-${process.pid}`
const writer = `${scratch}-w`
const reader = `${scratch}-r`
const hour = 3_600_000
/** The known week ends at the latest Monday 00:00 UTC, so its rows start on Monday. */
const now = Date.now()
const end = Math.floor(now / 86_400_000) * 86_400_000 - ((new Date(now).getUTCDay() + 6) % 7) * 86_400_000
const start = end - 7 * 24 * hour
const window = ['--since', '7d', '--end', new Date(end).toISOString()]
const env = () => ({...sandboxEnv(), AURORACTL_CLUSTER: scratch})
/** Made at load, so the it.each table can name paths in it. */
const folder = path.join(os.tmpdir(), `auroractl-cost-${process.pid}`)
/** An hour from now: the window's end may not be in the future. */
const future = new Date(now + hour).toISOString()

/** Weekdays 08:00-20:00 and Saturday 10:00-14:00 UTC. */
const busy = (index: number) => {
  const day = Math.floor(index / 24)
  const ofDay = index % 24
  return (day < 5 && ofDay >= 8 && ofDay < 20) || (day === 5 && ofDay >= 10 && ofDay < 14)
}

/** One hour of one-minute samples as a statistic set: `high` for `highMinutes` of them, `low` for the rest. */
const minutes = (low: number, high: number, highMinutes: number) => ({
  Maximum: highMinutes > 0 ? high : low,
  Minimum: highMinutes < 60 ? low : high,
  SampleCount: 60,
  Sum: low * (60 - highMinutes) + high * highMinutes,
})

/**
 * The known week, min 1 and max 4 ACU: the writer busy (average 1.25, maximum 1.5 ACU: 30 minutes at 1.5, 30 at 1;
 * 20 connections) on weekdays 08:00-20:00 and Saturday 10:00-14:00, else at the 1 ACU min (2 connections on weekdays,
 * none at the weekend); the reader (promotion tier 2) at the min all week without connections; 20 GiB of volume.
 */
const instance = (id: string) => [{Name: 'DBInstanceIdentifier', Value: id}]

function knownWeek(): MetricDatum[] {
  const data: MetricDatum[] = []
  for (let index = 0; index < 168; index++) {
    const Timestamp = new Date(start + index * hour)
    data.push(
      {
        Dimensions: instance(writer),
        MetricName: 'ServerlessDatabaseCapacity',
        StatisticValues: minutes(1, 1.5, busy(index) ? 30 : 0),
        Timestamp,
      },
      {Dimensions: instance(reader), MetricName: 'ServerlessDatabaseCapacity', StatisticValues: minutes(1, 1, 0), Timestamp},
      {Dimensions: instance(writer), MetricName: 'DatabaseConnections', Timestamp, Value: busy(index) ? 20 : index < 120 ? 2 : 0},
      {Dimensions: instance(reader), MetricName: 'DatabaseConnections', Timestamp, Value: 0},
      {Dimensions: [{Name: 'DBClusterIdentifier', Value: scratch}], MetricName: 'VolumeBytesUsed', Timestamp, Value: 20 * 1024 ** 3},
    )
  }

  return data
}

beforeAll(async () => {
  await mkdir(folder, {recursive: true})
  await createBareCluster(scratch, {
    ServerlessV2ScalingConfiguration: {MaxCapacity: 4, MinCapacity: 1},
    Tags: [{Key: 'Environment', Value: 'Production'}],
  })
  const rds = await sandboxClients().rds()
  for (const [id, tier] of [
    [writer, 1],
    [reader, 2],
  ] as const) {
    await rds.send(
      new CreateDBInstanceCommand({
        DBClusterIdentifier: scratch,
        DBInstanceClass: 'db.serverless',
        DBInstanceIdentifier: id,
        Engine: 'aurora-postgresql',
        PromotionTier: tier,
      }),
    )
  }

  await (await sandboxClients().cloudWatch()).send(new PutMetricDataCommand({MetricData: knownWeek(), Namespace: 'AWS/RDS'}))
})

afterAll(async () => {
  await rm(folder, {force: true, recursive: true})
  await deleteScratchCluster(scratch)
})

async function costJson(args: string[], environment = env()): Promise<MetricsCostOutput> {
  const result = await runCli(['metrics', 'cost', ...args, '--json'], {env: environment})
  expect(result.exitCode, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as MetricsCostOutput
}

describe('metrics cost on a known week put into moto', () => {
  it('computes the ACU-hours, the cost, the heatmap, the busy hours, the shares and the recommendation exactly', async () => {
    const report = await costJson(window)
    expect(report.window).toEqual({end: new Date(end).toISOString(), hours: 168, start: new Date(start).toISOString()})
    expect(report.compute).toEqual({
      acuHours: 352,
      averageAcu: 2.095,
      instances: [
        {acuHours: 184, hoursWithData: 168, id: writer, peakAcu: 1.5},
        {acuHours: 168, hoursWithData: 168, id: reader, peakAcu: 1},
      ],
      monthly: 183.54,
      window: 42.24,
    })
    expect(report.storage).toEqual({averageGb: 20, monthly: 2})
    expect(report.price).toMatchObject({perAcuHour: 0.12, region: 'us-east-1', source: 'table', storagePerGbMonth: 0.1})
    expect(report.heatmap.cells[0]!.slice(6, 10)).toEqual([2, 2, 2.25, 2.25])
    expect(report.heatmap.cells[5]!.slice(9, 15)).toEqual([2, 2.25, 2.25, 2.25, 2.25, 2])
    expect(report.heatmap.cells[6]!.every((cell) => cell === 2)).toBe(true)
    expect(report.patterns!.summary).toBe(
      'Weekdays 08:00-20:00 UTC average 2.25 ACU, 2 instances together; nights and weekends 2.01 ACU. Busiest hour Mon 08:00 (2.25 ACU, 2 instances together), quietest Mon 00:00 (2 ACU).',
    )
    expect(report.range).toMatchObject({
      current: {maxAcu: 4, minAcu: 1},
      hoursWithData: 168,
      shares: {atMin: 0.619, pinnedAtMax: 0, reachedMax: 0},
    })
    expect(report.range.peak).toEqual({acu: 1.5, hour: new Date(start + 8 * hour).toISOString(), instance: writer})
    expect(report.recommendation).toMatchObject({
      changed: true,
      max: {from: 4, reason: "max 4 → 2: the busiest instance's 7-day peak was 1.5 ACU and no instance reached 75% of max", to: 2},
      min: {from: 1, reason: 'min 1 → 0.5: 62% of hours ran at the min', to: 0.5},
      monthly: {current: 183.54, recommended: 112.63, withAutoPause: 57.42},
    })
    expect(report.environment).toEqual({guidance: {maxAcu: 4, minAcu: 1}, name: 'prod', source: 'tag'})
    expect(report.autoPause).toMatchObject({
      enabled: false,
      estimate: {idleHours: 212, idleShare: 0.2619, monthlySaving: 55.21, pauseAfterSeconds: 300, savedAcuHours: 105.88},
      supported: true,
    })
  })

  it('shows the heatmap, the reasons, the guidance and the command to apply, and answers to `cost` too', async () => {
    const result = await runCli(['cost', ...window], {env: {...env(), COLUMNS: '100'}})
    expect(result.exitCode, result.stderr).toBe(0)
    const lines = result.stdout.split('\n')
    const heatmap = lines.indexOf('Average ACU by hour of the week (UTC), all instances together')
    expect(lines.slice(heatmap + 1, heatmap + 9)).toEqual([
      '     00    03    06    09    12    15    18    21',
      `Mon  ${' '.repeat(16)}${'@'.repeat(24)}${' '.repeat(8)}`,
      `Tue  ${' '.repeat(16)}${'@'.repeat(24)}${' '.repeat(8)}`,
      `Wed  ${' '.repeat(16)}${'@'.repeat(24)}${' '.repeat(8)}`,
      `Thu  ${' '.repeat(16)}${'@'.repeat(24)}${' '.repeat(8)}`,
      `Fri  ${' '.repeat(16)}${'@'.repeat(24)}${' '.repeat(8)}`,
      `Sat  ${' '.repeat(20)}${'@'.repeat(8)}${' '.repeat(20)}`,
      `Sun  ${' '.repeat(48)}`,
    ])
    for (const text of [
      `Compute  352 ACU-hours (${writer} 184, ${reader} 168) ≈ $42.24 at $0.12/ACU-hour (us-east-1, Aurora Standard)`,
      'Storage  20 GB used (VolumeBytesUsed, average) ≈ $2.00 a month at $0.10/GB-month (Aurora Standard)',
      'Recommendation (prod guidance: 1-4 ACU, from the Environment tag)',
      "  max 4 → 2: the busiest instance's 7-day peak was 1.5 ACU and no instance reached 75% of max",
      '  min 1 → 0.5: 62% of hours ran at the min',
      '  Monthly compute: $183.54 now, $112.63 with 0.5-2 ACU',
      '  With auto-pause: $57.42 a month (saves $55.21): `auroractl scale --min 0 --max 2 --auto-pause 5m`',
      '  Apply: `auroractl scale --min 0.5 --max 2` (and min_capacity/max_capacity in the module)',
    ])
      expect(result.stdout).toContain(text)
  })

  it('takes --price, --environment and --time-zone', async () => {
    const report = await costJson([...window, '--price', '0.2', '--environment', 'dev', '--time-zone', 'Asia/Tokyo'])
    expect(report.compute.window).toBe(70.4)
    expect(report.price.source).toBe('flag')
    expect(report.environment).toEqual({guidance: {maxAcu: 1, minAcu: 0.5}, name: 'dev', source: 'flag'})
    // 08:00 UTC is 17:00 in Tokyo.
    expect(report.heatmap.timeZone).toBe('Asia/Tokyo')
    expect(report.heatmap.cells[0]!.slice(16, 18)).toEqual([2, 2.25])
  })

  it('writes the hourly series as CSV, to stdout or --output', async () => {
    const csv = await runCli(['metrics', 'cost', ...window, '--format', 'csv'], {env: env()})
    expect(csv.exitCode, csv.stderr).toBe(0)
    const rows = csv.stdout.trim().split('\n')
    expect(rows).toHaveLength(1 + 168 * 2)
    expect(rows.slice(0, 3)).toEqual([
      'hour,instance,acu_average,acu_maximum,connections_maximum',
      `${new Date(start).toISOString()},${writer},1,1,2`,
      `${new Date(start).toISOString()},${reader},1,1,0`,
    ])
    expect(rows).toContain(`${new Date(start + 8 * hour).toISOString()},${writer},1.25,1.5,20`)
    const file = path.join(folder, 'usage.csv')
    const written = await costJson([...window, '--format', 'csv', '--output', file])
    expect(written.csv).toEqual({file, rows: 336})
    expect((await readFile(file, 'utf8')).trim()).toBe(csv.stdout.trim())
  })

  it('is what doctor capacity.range grades: a warning with the same reasons', async () => {
    const result = await runCli(['doctor', '--only', 'aws.credentials,cluster.status,capacity.range', '--json'], {env: env()})
    expect(result.exitCode, result.stderr).toBe(0)
    const check = (
      JSON.parse(result.stdout) as {checks: Array<{id: string; items?: string[]; status: string; value?: number}>}
    ).checks.find((item) => item.id === 'capacity.range')!
    expect(check).toMatchObject({status: 'warn', value: 0.375})
    expect(check.items).toEqual([
      "max 4 → 2: the busiest instance's 14-day peak was 1.5 ACU and no instance reached 75% of max",
      'min 1 → 0.5: 62% of hours ran at the min',
    ])
  })

  it.each([
    [['--since', '36h30m'], '--since must be whole hours or days'],
    [['--since', '90m'], '--since "90m" must be from 1d to 455d'],
    [['--since', '500d'], '--since "500d" must be from 1d to 455d'],
    [['--since', 'a week'], '--since "a week" is not a duration'],
    [['--price', 'free'], '--price "free" is not a price: USD per ACU-hour above 0 and at most 100'],
    [['--time-zone', 'Mars/Olympus'], '--time-zone "Mars/Olympus" is not an IANA time zone'],
    [['--end', 'yesterday'], '--end "yesterday" is not an ISO 8601 time'],
    [['--output', 'x.csv'], '--output writes the hourly series: use it with --format csv'],
    [['--format', 'csv', '--json'], '--format csv with --json needs --output FILE'],
    [['--environment', 'qa'], 'Expected --environment=qa to be one of: dev, staging, prod'],
    [['--format', 'xml'], 'Expected --format=xml to be one of: report, csv'],
    [['--end', future], `--end ${future} is in the future.`],
    [
      ['--format', 'csv', '--output', path.join(folder, 'missing', 'usage.csv')],
      `--output ${path.join(folder, 'missing', 'usage.csv')}: the folder ${path.join(folder, 'missing')} does not exist; nothing was done.`,
    ],
    [['--format', 'csv', '--output', folder], `--output ${folder} is a folder: give the path of a file to write in it`],
  ])('refuses %j with exit 2 before asking AWS, writing nothing', async (args, message) => {
    const before = await readdir(folder, {recursive: true})
    const result = await runCli(['metrics', 'cost', ...args], {env: {...env(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}})
    expect(result.exitCode).toBe(2)
    // Under --json the error is the JSON document on stdout.
    expect(result.stderr + result.stdout).toContain(message)
    expect(await readdir(folder, {recursive: true})).toEqual(before)
  })
})

/** Whether a heatmap cell (day 0 = Monday, UTC hour) is one of the last six hours'. */
const touchedLately = (day: number, ofDay: number) =>
  Array.from({length: 6}, (_, back) => new Date(Date.now() - back * hour)).some(
    (time) => (time.getUTCDay() + 6) % 7 === day && time.getUTCHours() === ofDay,
  )

describe('metrics cost on the seeded sandbox', () => {
  it('reads its 14 days: office hours busy, nights and weekends idle, the range kept and auto-pause worth it', async () => {
    const report = await costJson([], {...sandboxEnv(), AURORACTL_CLUSTER: sandboxShape.clusterId})
    expect(report.window.hours).toBe(336)
    expect(report.range.hoursWithData).toBeGreaterThanOrEqual(330)
    expect(report.compute.instances.map((instance) => instance.id)).toEqual(sandboxShape.instances.map((instance) => instance.id))
    expect(report.patterns!.busy).toMatchObject({days: 'weekdays', hours: '09:00-18:00', restLabel: 'nights and weekends'})
    // Cells the last few hours (minute by minute, another pattern) cannot have touched are exactly the week's.
    for (const [day, ofDay, expected] of [
      [2, 10, 1.25],
      [1, 14, 1.5],
      [6, 3, 1],
      [3, 14, 1.5],
    ] as const) {
      if (!touchedLately(day, ofDay)) expect(report.heatmap.cells[day]![ofDay], `${day} ${ofDay}`).toBe(expected)
    }

    expect(report.recommendation.changed).toBe(false)
    expect(report.recommendation.max.reason).toMatch(/^max 1: the busiest instance's 14-day peak was 1 ACU \(100% of max\)/)
    expect(report.recommendation.min.reason).toMatch(/^min 0\.5: \d+% of hours ran at the min, already the lowest short of auto-pause$/)
    expect(report.range.shares.atMin).toBeGreaterThan(0.65)
    expect(report.range.shares.pinnedAtMax).toBeLessThan(0.05)
    expect(report.environment).toMatchObject({name: 'dev', source: 'tag'})
    expect(report.autoPause.supported).toBe(true)
    expect(report.autoPause.estimate!.idleShare).toBeGreaterThan(0.55)
    expect(report.recommendation.monthly.withAutoPause!).toBeLessThan(report.recommendation.monthly.current! / 2)
    expect(report.storage).toEqual({averageGb: 2.5, monthly: 0.25})
  })
})
