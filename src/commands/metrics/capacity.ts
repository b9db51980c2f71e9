import * as Flags from '@oclif/core/flags'

import type {CapacitySummary, MetricName, MetricSeries, Statistic} from '../../lib/metrics.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {parseDuration, parseIsoTime} from '../../lib/cli/duration.js'
import {integerFlag} from '../../lib/cli/flags.js'
import {terminalColumns} from '../../lib/cli/terminal.js'
import {requireCluster} from '../../lib/target/target.js'

export interface MetricsCapacityOutput {
  cluster: string
  notes: string[]
  scaling: null | {maxAcu: number; minAcu: number}
  series: MetricSeries[]
  summary: CapacitySummary | null
  window: {end: string; periodSeconds: number; start: string; stat: Statistic}
}

export default class MetricsCapacity extends BaseCommand<typeof MetricsCapacity> {
  static override description = `Chart the cluster's Serverless v2 capacity (ACU) over time, with its min and max drawn in, and say how often
it sat at the ceiling. One CloudWatch GetMetricData request for every asked metric.
Replaces \`aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name ServerlessDatabaseCapacity ...\`.`
  static override examples = [
    '<%= config.bin %> metrics capacity',
    '<%= config.bin %> metrics capacity --since 3h --stat Maximum',
    '<%= config.bin %> metrics capacity --by-instance --format table',
    '<%= config.bin %> metrics capacity --metric CPUUtilization --metric DatabaseConnections --format csv',
  ]
  static override flags = {
    'by-instance': Flags.boolean({description: 'One series per instance instead of the cluster'}),
    end: Flags.string({dependsOn: ['start'], description: 'End of the window: an ISO time with a zone (default now)'}),
    format: Flags.string({default: 'chart', description: 'Output format', options: ['chart', 'table', 'csv']}),
    metric: Flags.string({
      description: 'Metric to fetch (repeatable; default ServerlessDatabaseCapacity and ACUUtilization)',
      multiple: true,
      options: ['ServerlessDatabaseCapacity', 'ACUUtilization', 'CPUUtilization', 'DatabaseConnections', 'FreeableMemory'],
    }),
    period: integerFlag({description: 'Seconds per datapoint, a multiple of 60 (default 60, raised when CloudWatch needs it)'}),
    since: Flags.string({default: '1h', description: 'Window ending now (e.g. 1h, 6h, 7d)', exclusive: ['start']}),
    start: Flags.string({
      description: 'Start of the window: an ISO time with a zone, e.g. 2026-11-28T02:00:00Z (a time without one is refused)',
    }),
    stat: Flags.string({default: 'Average', description: 'Statistic per period', options: ['Average', 'Maximum', 'Minimum']}),
    utc: Flags.boolean({description: 'Time axis in UTC instead of the local time zone'}),
  }
  static override summary = "Chart the cluster's Serverless v2 capacity (ACU) over time"

  async run(): Promise<MetricsCapacityOutput> {
    const {flags} = this
    const startMs = flags.start === undefined ? undefined : parseIsoTime(flags.start, '--start').getTime()
    const endMs = flags.end === undefined ? undefined : parseIsoTime(flags.end, '--end').getTime()
    const sinceMs = startMs === undefined ? parseDuration(flags.since, '--since', {maxMs: 455 * 86_400_000, minMs: 60_000}) : undefined
    const {fetchMetrics, planWindow, summarizeCapacity} = await import('../../lib/metrics.js')
    const window = planWindow({endMs, periodSeconds: flags.period, sinceMs, startMs, stat: flags.stat as Statistic}, new Date())
    const metrics = (flags.metric ?? ['ServerlessDatabaseCapacity', 'ACUUtilization']) as MetricName[]
    const clusterId = requireCluster(await this.target())
    const aws = await this.aws()
    const [{describeCluster, listClusterInstances}, rds, cloudWatch] = await Promise.all([
      import('../../lib/aws/rds.js'),
      aws.rds(),
      aws.cloudWatch(),
    ])
    const [cluster, instances] = await Promise.all([
      describeCluster(rds, clusterId),
      flags['by-instance'] ? listClusterInstances(rds, clusterId) : Promise.resolve([]),
    ])
    const dimensions: MetricSeries['dimension'][] = flags['by-instance']
      ? instances.map((instance) => ({name: 'DBInstanceIdentifier' as const, value: instance.DBInstanceIdentifier!}))
      : [{name: 'DBClusterIdentifier', value: clusterId}]
    const series = await fetchMetrics(cloudWatch, {dimensions, metrics, window})
    const scalingConfig = cluster.ServerlessV2ScalingConfiguration
    const scaling =
      scalingConfig?.MaxCapacity === undefined ? null : {maxAcu: scalingConfig.MaxCapacity, minAcu: scalingConfig.MinCapacity ?? 0}
    const capacity = series.filter((item) => item.metric === 'ServerlessDatabaseCapacity')
    const summary = capacity.length === 1 ? summarizeCapacity(capacity[0]!.points, scaling?.maxAcu, window.periodSeconds) : null
    for (const note of window.notes) this.logToStderr(note)
    if (!this.jsonEnabled()) await this.render(series, {cluster: clusterId, scaling, summary, window})
    return {
      cluster: clusterId,
      notes: window.notes,
      scaling,
      series,
      summary,
      window: {end: window.end.toISOString(), periodSeconds: window.periodSeconds, start: window.start.toISOString(), stat: window.stat},
    }
  }

  private async render(
    series: MetricSeries[],
    context: {
      cluster: string
      scaling: MetricsCapacityOutput['scaling']
      summary: CapacitySummary | null
      window: import('../../lib/metrics.js').MetricsWindow
    },
  ): Promise<void> {
    const render = await import('../../lib/cli/render/metrics.js')
    if (series.every((item) => item.points.length === 0)) {
      this.log(
        `No datapoints for ${context.cluster} between ${context.window.start.toISOString()} and ${context.window.end.toISOString()}: a new or paused cluster has none yet. Try a longer --since.`,
      )
      return
    }

    if (this.flags.format === 'csv') return this.log(render.renderMetricsCsv(series))
    if (this.flags.format === 'table') return this.log(render.renderMetricsTable(series, this.flags.utc))
    const columns = terminalColumns()
    for (const item of series.filter((entry) => entry.points.length > 0)) {
      const isCapacity = item.metric === 'ServerlessDatabaseCapacity'
      this.log(this.colour.bold(`${item.metric} — ${item.dimension.value}`.slice(0, columns)))
      this.log(
        isCapacity
          ? render.renderCapacityChart(item, {
              colour: this.colour,
              columns,
              maxAcu: context.scaling?.maxAcu,
              minAcu: context.scaling?.minAcu,
              utc: this.flags.utc,
            })
          : render.renderCapacityChart(item, {colour: this.colour, columns, height: 6, unit: unitOf(item.metric), utc: this.flags.utc}),
      )
      this.log('')
    }

    if (context.summary) {
      this.log(render.renderCapacitySummary(context.summary, context.window, context.scaling?.maxAcu))
      if (context.summary.shareAtCeiling > 0 && context.scaling) {
        this.log(
          this.colour.yellow(
            `It sat at its max ACU: it was throttled. Raise the ceiling with \`${this.config.bin} scale --max ${Math.min(256, context.scaling.maxAcu * 2)}\`.`,
          ),
        )
      }
    }
  }
}

function unitOf(metric: MetricName): string {
  switch (metric) {
    case 'ACUUtilization':
    case 'CPUUtilization': {
      return '%'
    }

    case 'FreeableMemory': {
      return 'B'
    }

    default: {
      return ''
    }
  }
}
