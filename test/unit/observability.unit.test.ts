import {DescribeDimensionKeysCommand, GetResourceMetricsCommand, NotAuthorizedException, PIClient} from '@aws-sdk/client-pi'
import {DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {HttpResponse} from '@smithy/core/protocols'
import {mockClient} from 'aws-sdk-client-mock'
import {Readable} from 'node:stream'
import {beforeEach, describe, expect, it} from 'vitest'

import {AwsClients} from '../../src/lib/aws/clients.js'
import {sparkline} from '../../src/lib/cli/render/load.js'
import {resample} from '../../src/lib/cli/render/metrics.js'
import {planWindow, summarizeCapacity} from '../../src/lib/metrics.js'
import {statementsSql} from '../../src/lib/pg/statements.js'
import {piTop, resolvePiInstance} from '../../src/lib/pi.js'

const now = new Date('2026-11-28T12:00:00Z')
const hour = 3_600_000
const day = 24 * hour

const json = (status: number, body: unknown) => ({
  response: new HttpResponse({
    body: Readable.from([JSON.stringify(body)]),
    headers: {'content-type': 'application/x-amz-json-1.1'},
    statusCode: status,
  }),
})

describe('metric windows', () => {
  it('uses one-minute points for a recent hour', () => {
    expect(planWindow({sinceMs: hour, stat: 'Average'}, now)).toMatchObject({
      notes: [],
      periodSeconds: 60,
      start: new Date(now.getTime() - hour),
    })
  })

  it('raises the period to what CloudWatch keeps for older data, and says so', () => {
    const window = planWindow({endMs: now.getTime() - 20 * day, startMs: now.getTime() - 20 * day - hour, stat: 'Average'}, now)
    expect(window.periodSeconds).toBe(300)
    expect(window.notes[0]).toContain('CloudWatch keeps data this old only at 300s resolution')
    expect(
      planWindow({endMs: now.getTime() - 100 * day, startMs: now.getTime() - 100 * day - hour, stat: 'Average'}, now).periodSeconds,
    ).toBe(3600)
  })

  it('raises the period to stay within 1440 points per series', () => {
    expect(planWindow({sinceMs: 3 * day, stat: 'Maximum'}, now)).toMatchObject({
      notes: ['Period raised from 60s to 180s to stay within 1440 points per series.'],
      periodSeconds: 180,
    })
    expect(planWindow({sinceMs: day, stat: 'Maximum'}, now).periodSeconds).toBe(60)
  })

  it('rejects periods off the minute, inverted windows and data CloudWatch no longer has', () => {
    expect(() => planWindow({periodSeconds: 90, sinceMs: hour, stat: 'Average'}, now)).toThrow('--period 90 is not allowed')
    expect(() => planWindow({periodSeconds: 30, sinceMs: hour, stat: 'Average'}, now)).toThrow('--period 30 is not allowed')
    expect(() => planWindow({endMs: now.getTime() - 2 * hour, startMs: now.getTime() - hour, stat: 'Average'}, now)).toThrow(
      '--start must be before --end',
    )
    expect(() => planWindow({sinceMs: 500 * day, stat: 'Average'}, now)).toThrow('CloudWatch keeps metrics for 455 days')
  })
})

describe('capacity summary', () => {
  it('computes peak, average, share at the ceiling and ACU-hours', () => {
    const points = [0.5, 0.5, 1, 2, 2].map((v) => ({v}))
    expect(summarizeCapacity(points, 2, 60)).toEqual({acuHours: 0.1, averageAcu: 1.2, datapoints: 5, peakAcu: 2, shareAtCeiling: 0.4})
    expect(summarizeCapacity([], 2, 60)).toBeNull()
    // 95% of the maximum counts as at the ceiling.
    expect(summarizeCapacity([{v: 3.8}, {v: 3.7}], 4, 300)?.shareAtCeiling).toBe(0.5)
  })

  it('resamples to the chart width keeping peaks', () => {
    expect(resample([1, 5, 1, 1, 1, 9], 3)).toEqual([5, 1, 9])
    expect(resample([1, 2], 10)).toEqual([1, 2])
  })

  it('draws sparklines scaled to a ceiling', () => {
    expect(sparkline([0, 1, 2, 4], 10)).toBe('▁▂▄█')
    expect(sparkline([1, 1], 10, 4)).toBe('▂▂')
    expect(sparkline([], 10)).toBe('')
  })
})

describe('pg_stat_statements SQL by server version', () => {
  it('uses total_exec_time from PostgreSQL 13 and total_time before', () => {
    expect(statementsSql(150_004, 'sql')).toContain('s.total_exec_time')
    expect(statementsSql(130_000, 'user')).toContain('sum(s.total_exec_time)')
    expect(statementsSql(120_017, 'sql')).toContain('s.total_time')
    expect(statementsSql(120_017, 'sql')).not.toContain('exec_time')
  })
})

describe('Performance Insights', () => {
  const rdsMock = mockClient(RDSClient)
  const piMock = mockClient(PIClient)
  const rds = new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'})
  const pi = new PIClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'})

  beforeEach(() => {
    rdsMock.reset()
    piMock.reset()
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'prod',
          DBClusterMembers: [{DBInstanceIdentifier: 'prod-writer', IsClusterWriter: true}],
          ServerlessV2ScalingConfiguration: {MaxCapacity: 4, MinCapacity: 1},
        },
      ],
    })
  })

  it('picks the writer and refuses an instance without Performance Insights (exit 3, how to enable it)', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {DBInstanceIdentifier: 'prod-writer', DbiResourceId: 'db-WRITER', PerformanceInsightsEnabled: true},
        {DBInstanceIdentifier: 'prod-reader', DbiResourceId: 'db-READER', PerformanceInsightsEnabled: false},
      ],
    })
    expect(await resolvePiInstance(rds, 'prod')).toEqual({instanceId: 'prod-writer', maxAcu: 4, resourceId: 'db-WRITER'})
    await expect(resolvePiInstance(rds, 'prod', 'prod-reader')).rejects.toMatchObject({
      exitCode: 3,
      hint: expect.stringContaining('--enable-performance-insights'),
      message: 'Performance Insights is off on prod-reader.',
    })
  })

  it('explains a refusal by IAM, and PI not enabled on the resource', async () => {
    piMock
      .on(DescribeDimensionKeysCommand)
      .rejects(new NotAuthorizedException({$metadata: {}, message: 'not authorized to pi:DescribeDimensionKeys'}))
    piMock.on(GetResourceMetricsCommand).resolves({})
    await expect(
      piTop(pi, {by: 'sql', end: now, limit: 10, resourceId: 'db-X', start: new Date(now.getTime() - hour)}),
    ).rejects.toMatchObject({
      hint: expect.stringContaining('pi:DescribeDimensionKeys'),
    })
    piMock.reset()
    piMock
      .on(DescribeDimensionKeysCommand)
      .rejects(Object.assign(new Error('Performance Insights is not enabled for db-X'), {name: 'InvalidArgumentException'}))
    piMock.on(GetResourceMetricsCommand).resolves({})
    await expect(
      piTop(pi, {by: 'sql', end: now, limit: 10, resourceId: 'db-X', start: new Date(now.getTime() - hour)}),
    ).rejects.toMatchObject({exitCode: 3})
  })

  it('retries Performance Insights throttling with the shared client configuration', async () => {
    // This one goes through the real client stack down to the HTTP handler.
    piMock.restore()
    const config = await new AwsClients({
      credentials: {accessKeyId: 'a', secretAccessKey: 'b'},
      region: 'us-east-1',
      version: 'test',
    }).clientConfig('PI')
    let calls = 0
    const handler = {
      async handle(request: {headers: Record<string, string>}) {
        calls++
        if (calls <= 2) return json(400, {__type: 'ThrottlingException', message: 'Rate exceeded'})
        return request.headers['x-amz-target']!.endsWith('DescribeDimensionKeys')
          ? json(200, {Keys: [{Dimensions: {'db.sql_tokenized.statement': 'SELECT 1'}, Total: 1}]})
          : json(200, {MetricList: [{DataPoints: [{Timestamp: now.getTime() / 1000, Value: 1}], Key: {Metric: 'db.load.avg'}}]})
      },
    }
    const throttled = new PIClient({...config, requestHandler: handler})
    const top = await piTop(throttled, {by: 'sql', end: now, limit: 5, resourceId: 'db-X', start: new Date(now.getTime() - hour)})
    expect(top.rows).toEqual([{aas: 1, label: 'SELECT 1', rank: 1, share: 1}])
    expect(calls).toBe(4) // two throttled, then one answer each for the two calls
  })
})
