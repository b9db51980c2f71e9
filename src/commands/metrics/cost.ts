import * as Flags from '@oclif/core/flags'

import type {Environment} from '../../lib/cost/recommend.js'
import type {CostReport} from '../../lib/cost/report.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {parseDuration, parseIsoTime} from '../../lib/cli/duration.js'
import {badInput} from '../../lib/cli/errors.js'
import {terminalColumns} from '../../lib/cli/terminal.js'
import {requireCluster} from '../../lib/target/target.js'

export type MetricsCostOutput = CostReport & {cluster: string; csv: null | {file: string; rows: number}}

export default class MetricsCost extends BaseCommand<typeof MetricsCost> {
  static override aliases = ['cost']
  static override description = `What the cluster's Serverless v2 capacity cost over the window and what it would cost with a better range.
From CloudWatch (one GetMetricData request set, hourly, paginated): ACU-hours of each instance (Serverless v2 bills
each instance's ACUs; the cluster-level figure is their average), the compute cost at the region's price per ACU-hour
(a small table with its date, or --price), storage from VolumeBytesUsed, and what is not included. Then an
hour-of-week heatmap of the average ACU with the busiest and quietest hours in words, the share of hours at the max
(throttling risk) and at the min (min may be too high), and a recommended min and max, each with its reason, beside
the seed's guidance for the environment (dev 0.5-1, staging 0.5-2, prod 1-4 ACU), with the monthly cost before and
after and what auto-pause would save in the hours without connections (where the engine version can scale to 0).
Replaces reading ServerlessDatabaseCapacity in the console and a spreadsheet.`
  static override examples = [
    '<%= config.bin %> cost',
    '<%= config.bin %> metrics cost --since 30d --price 0.14 --environment prod',
    '<%= config.bin %> metrics cost --time-zone Europe/Berlin',
    '<%= config.bin %> metrics cost --format csv --output usage.csv',
  ]
  static override flags = {
    end: Flags.string({description: 'End of the window: an ISO time with a zone (default now; the window ends at the last whole hour)'}),
    environment: Flags.string({
      description: "Environment whose guidance to show (default: the cluster's Environment tag)",
      options: ['dev', 'staging', 'prod'],
    }),
    format: Flags.string({default: 'report', description: 'report, or csv: the hourly series per instance', options: ['report', 'csv']}),
    output: Flags.string({char: 'o', description: 'Write the CSV here instead of stdout (with --format csv)'}),
    price: Flags.string({description: "USD per ACU-hour (default: the region's list price from the built-in table)"}),
    since: Flags.string({default: '14d', description: 'Length of the window in whole hours or days, 1d to 455d (e.g. 14d, 36h)'}),
    'time-zone': Flags.string({default: 'UTC', description: 'IANA time zone of the heatmap and the busy hours (e.g. Europe/Berlin)'}),
  }
  static override summary = 'Capacity cost, busy and idle hours, and the ACU range to set'

  async run(): Promise<MetricsCostOutput> {
    const {flags} = this
    const [{costWindow, costWindowLimits}, {parsePrice}, {validateTimeZone}] = await Promise.all([
      import('../../lib/cost/usage.js'),
      import('../../lib/cost/prices.js'),
      import('../../lib/cost/heatmap.js'),
    ])
    const sinceMs = parseDuration(flags.since, '--since', costWindowLimits)
    const endMs = flags.end === undefined ? undefined : parseIsoTime(flags.end, '--end').getTime()
    const window = costWindow({endMs, sinceMs}, new Date())
    const price = flags.price === undefined ? undefined : parsePrice(flags.price, '--price')
    const timeZone = validateTimeZone(flags['time-zone'], '--time-zone')
    await this.checkCsvFlags()
    const clusterId = requireCluster(await this.target())
    const aws = await this.aws()
    const [{fetchCostInputs}, {buildCostReport}, rds, cloudWatch] = await Promise.all([
      import('../../lib/cost/fetch.js'),
      import('../../lib/cost/report.js'),
      aws.rds(),
      aws.cloudWatch(),
    ])
    const inputs = await fetchCostInputs({cloudWatch, rds}, {clusterId, window})
    const report = buildCostReport(inputs, {environment: flags.environment as Environment | undefined, price, timeZone})
    const csv = await this.writeCsv(inputs.usage)
    if (!this.jsonEnabled() && flags.format === 'report') {
      const {renderCostReport} = await import('../../lib/cli/render/cost.js')
      this.log(renderCostReport(report, {bin: this.config.bin, cluster: clusterId, colour: this.colour, columns: terminalColumns()}))
    }

    return {...report, cluster: clusterId, csv}
  }

  /** --output goes with --format csv; under --json the CSV needs a file (stdout carries the JSON). */
  private async checkCsvFlags(): Promise<void> {
    const {format, output} = this.flags
    if (output !== undefined && format !== 'csv') throw badInput('--output writes the hourly series: use it with --format csv.')
    if (format === 'csv' && this.jsonEnabled() && output === undefined)
      throw badInput('--format csv with --json needs --output FILE: stdout carries the JSON document.')
    if (output !== undefined) {
      const {checkOutputFile} = await import('../../lib/cli/output-path.js')
      await checkOutputFile(output, '--output')
    }
  }

  private async writeCsv(usage: import('../../lib/cost/usage.js').HourlyUsage): Promise<MetricsCostOutput['csv']> {
    const {format, output} = this.flags
    if (format !== 'csv') return null
    const {renderCostCsv} = await import('../../lib/cli/render/cost.js')
    const csv = renderCostCsv(usage)
    const rows = csv.split('\n').length - 1
    if (output === undefined) {
      if (!this.jsonEnabled()) this.log(csv)
      return null
    }

    const {writeFileAtomically} = await import('../../lib/cli/output-path.js')
    await writeFileAtomically(output, `${csv}\n`)
    if (!this.jsonEnabled()) this.logToStderr(`Wrote ${rows} hourly rows to ${output}.`)
    return {file: output, rows}
  }
}
