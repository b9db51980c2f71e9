import type {PIClient} from '@aws-sdk/client-pi'
import type {RDSClient} from '@aws-sdk/client-rds'

import {describeCluster, listClusterInstances} from './aws/rds.js'
import {piSdk} from './aws/sdk.js'
import {AuroraError} from './cli/errors.js'

export type LoadDimension = 'host' | 'sql' | 'user' | 'wait'

/** Performance Insights dimension groups, and the key that names each row. */
export const piGroups: Record<LoadDimension, {group: string; label: string; name: string}> = {
  host: {group: 'db.host', label: 'host', name: 'db.host.name'},
  sql: {group: 'db.sql_tokenized', label: 'statement', name: 'db.sql_tokenized.statement'},
  user: {group: 'db.user', label: 'user', name: 'db.user.name'},
  wait: {group: 'db.wait_event', label: 'wait event', name: 'db.wait_event.name'},
}

export interface PiInstance {
  instanceId: string
  maxAcu: null | number
  resourceId: string
}

/** The instance PI reports on: the writer unless named. PI off: exit 3 with how to turn it on. */
export async function resolvePiInstance(rds: RDSClient, clusterId: string, instanceId?: string): Promise<PiInstance> {
  const [cluster, instances] = await Promise.all([describeCluster(rds, clusterId), listClusterInstances(rds, clusterId)])
  const writerId = cluster.DBClusterMembers?.find((member) => member.IsClusterWriter)?.DBInstanceIdentifier
  const wanted = instanceId ?? writerId
  const instance = instances.find((item) => item.DBInstanceIdentifier === wanted)
  if (!instance) {
    throw new AuroraError(
      'NOT_FOUND',
      instanceId ? `Instance "${instanceId}" is not in cluster ${clusterId}.` : `Cluster ${clusterId} has no writer instance.`,
      {
        hint: `Instances: ${instances.map((item) => item.DBInstanceIdentifier).join(', ') || 'none'}.`,
      },
    )
  }

  if (!instance.PerformanceInsightsEnabled || !instance.DbiResourceId) {
    throw new AuroraError('NOT_FOUND', `Performance Insights is off on ${instance.DBInstanceIdentifier}.`, {
      hint: `Turn it on (the module does: performance_insights_retention_period) or run: aws rds modify-db-instance --db-instance-identifier ${instance.DBInstanceIdentifier} --enable-performance-insights --apply-immediately; meanwhile use --source pg.`,
    })
  }

  return {
    instanceId: instance.DBInstanceIdentifier!,
    maxAcu: cluster.ServerlessV2ScalingConfiguration?.MaxCapacity ?? null,
    resourceId: instance.DbiResourceId,
  }
}

export interface LoadRow {
  /** Average active sessions over the window. */
  aas: number
  label: string
  rank: number
  /** Share of the window's whole load. */
  share: number
}

export interface PiTop {
  averageLoad: number
  load: Array<{t: string; v: number}>
  peakLoad: number
  rows: LoadRow[]
  /** The instance's vCPUs, PI's capacity line: load above it means sessions wait for CPU. Null without Enhanced Monitoring. */
  vcpus: null | number
}

/** DescribeDimensionKeys for the ranking, GetResourceMetrics for the load over time; both on db.load.avg. */
export async function piTop(
  pi: PIClient,
  options: {by: LoadDimension; end: Date; limit: number; resourceId: string; start: Date},
): Promise<PiTop> {
  const {DescribeDimensionKeysCommand, GetResourceMetricsCommand} = piSdk()
  const windowSeconds = (options.end.getTime() - options.start.getTime()) / 1000
  // PI offers 1 s, 60 s, 300 s, 3600 s and 86400 s periods; aim for at most ~200 points.
  const period = [60, 300, 3600, 86_400].find((seconds) => windowSeconds / seconds <= 200) ?? 86_400
  const {group, name} = piGroups[options.by]
  try {
    const [keys, metrics] = await Promise.all([
      pi.send(
        new DescribeDimensionKeysCommand({
          EndTime: options.end,
          GroupBy: {Group: group, Limit: options.limit},
          Identifier: options.resourceId,
          Metric: 'db.load.avg',
          ServiceType: 'RDS',
          StartTime: options.start,
        }),
      ),
      pi.send(
        new GetResourceMetricsCommand({
          EndTime: options.end,
          Identifier: options.resourceId,
          // The vCPU count is PI's capacity line (it needs Enhanced Monitoring; absent without it).
          MetricQueries: [{Metric: 'db.load.avg'}, {Metric: 'os.general.numVCPUs.avg'}],
          PeriodInSeconds: period,
          ServiceType: 'RDS',
          StartTime: options.start,
        }),
      ),
    ])
    const series = (metric: string) => metrics.MetricList?.find((item) => item.Key?.Metric === metric)?.DataPoints ?? []
    const vcpuValues = series('os.general.numVCPUs.avg')
      .map((point) => point.Value)
      .filter((value): value is number => value !== undefined)
    const load = series('db.load.avg')
      .filter((point) => point.Value !== undefined && point.Timestamp)
      .map((point) => ({t: point.Timestamp!.toISOString(), v: point.Value!}))
    const averageLoad = load.length > 0 ? load.reduce((sum, point) => sum + point.v, 0) / load.length : 0
    const totalOfKeys = (keys.Keys ?? []).reduce((sum, key) => sum + (key.Total ?? 0), 0)
    const whole = Math.max(averageLoad, totalOfKeys)
    return {
      averageLoad: round(averageLoad),
      load,
      peakLoad: round(Math.max(0, ...load.map((point) => point.v))),
      rows: (keys.Keys ?? []).map((key, index) => ({
        aas: round(key.Total ?? 0),
        label: key.Dimensions?.[name] ?? key.Dimensions?.[`${group}.name`] ?? '(unknown)',
        rank: index + 1,
        share: whole > 0 ? round((key.Total ?? 0) / whole) : 0,
      })),
      vcpus: vcpuValues.length > 0 ? Math.max(...vcpuValues) : null,
    }
  } catch (error) {
    throw explainPiError(error)
  }
}

const round = (value: number) => Math.round(value * 1000) / 1000

function explainPiError(error: unknown): unknown {
  const {name} = error as Error
  const message = (error as Error).message ?? ''
  if (name === 'NotAuthorizedException') {
    return new AuroraError('AWS', `Performance Insights refused: ${message.split('\n')[0]}`, {
      hint: 'Allow pi:DescribeDimensionKeys and pi:GetResourceMetrics on the instance (IAM), or use --source pg.',
    })
  }

  if (name === 'InvalidArgumentException' && /not enabled|not found|disabled/i.test(message)) {
    return new AuroraError('NOT_FOUND', `Performance Insights has no data for this instance: ${message.split('\n')[0]}`, {
      hint: 'Enable Performance Insights on it, or use --source pg.',
    })
  }

  const status = (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode
  if (status === 404 || /<html|html>|XML parse|Unexpected token/i.test(message)) {
    return new AuroraError(
      'NOT_FOUND',
      'The Performance Insights API is not available at this endpoint (moto and the sandbox have none).',
      {
        hint: 'Use --source pg (pg_stat_statements), or point AWS_ENDPOINT_URL_PI at a Performance Insights endpoint.',
      },
    )
  }

  return error
}
