import * as Flags from '@oclif/core/flags'

import type {StatementsTop} from '../../lib/pg/statements.js'
import type {LoadDimension, PiTop} from '../../lib/pi.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {parseDuration} from '../../lib/cli/duration.js'
import {integerFlag, tlsFlags, viaFlag} from '../../lib/cli/flags.js'
import {terminalColumns} from '../../lib/cli/terminal.js'
import {requireCluster} from '../../lib/target/target.js'

export type PiTopOutput =
  | (PiTop & {by: LoadDimension; end: string; instanceId: string; source: 'pi'; start: string})
  | (StatementsTop & {by: 'sql' | 'user'; source: 'pg'})

export default class PiTopCommand extends BaseCommand<typeof PiTopCommand> {
  static override description = `What the database spends its time on, ranked: SQL statements, wait events, users or hosts by average active
sessions (Performance Insights, per instance: the writer unless --instance), with the load over time as a sparkline.
--source pg answers from pg_stat_statements instead (works where Performance Insights is off).
Replaces \`aws pi get-resource-metrics --metric-queries file://metrics-query.json ...\` and reading the JSON.`
  static override examples = [
    '<%= config.bin %> pi top',
    '<%= config.bin %> pi top --by wait --since 15m',
    '<%= config.bin %> pi top --source pg --limit 5',
  ]
  static override flags = {
    by: Flags.string({default: 'sql', description: 'What to rank', options: ['sql', 'wait', 'user', 'host']}),
    instance: Flags.string({description: 'Instance to look at (default: the writer)'}),
    limit: integerFlag({default: 10, description: 'Rows to show (1-25)', max: 25, min: 1}),
    since: Flags.string({default: '1h', description: 'Window ending now (e.g. 15m, 1h, 1d)'}),
    source: Flags.string({default: 'pi', description: 'pi: Performance Insights; pg: pg_stat_statements', options: ['pi', 'pg']}),
    ...tlsFlags,
    via: viaFlag,
  }
  static override summary = 'Rank what the database spends its time on'

  async run(): Promise<PiTopOutput> {
    const {flags} = this
    const sinceMs = parseDuration(flags.since, '--since', {maxMs: 730 * 86_400_000, minMs: 60_000})
    const by = flags.by as LoadDimension
    const target = await this.target()
    const clusterId = requireCluster(target)
    const aws = await this.aws()
    const columns = terminalColumns()
    const render = await import('../../lib/cli/render/load.js')
    if (flags.source === 'pg') {
      const output = await this.fromStatements(by)
      if (!this.jsonEnabled()) this.log(render.renderStatementsTop(output, {by: output.by, columns}))
      return output
    }

    const {piGroups, piTop, resolvePiInstance} = await import('../../lib/pi.js')
    const instance = await resolvePiInstance(await aws.rds(), clusterId, flags.instance)
    const end = new Date()
    const start = new Date(end.getTime() - sinceMs)
    const top = await piTop(await aws.performanceInsights(), {by, end, limit: flags.limit, resourceId: instance.resourceId, start})
    if (!this.jsonEnabled()) this.log(render.renderPiTop(top, {by, columns, instanceId: instance.instanceId, label: piGroups[by].label}))
    return {...top, by, end: end.toISOString(), instanceId: instance.instanceId, source: 'pi', start: start.toISOString()}
  }

  private async fromStatements(by: LoadDimension): Promise<Extract<PiTopOutput, {source: 'pg'}>> {
    const [{connectToCluster, resolveClusterConnection}, {topStatements}, {queryOf}] = await Promise.all([
      import('../../lib/target/cluster-connection.js'),
      import('../../lib/pg/statements.js'),
      import('../../lib/pg/query.js'),
    ])
    const connection = await resolveClusterConnection(await this.target(), await this.aws(), {tls: await this.clusterTls()})
    const client = await connectToCluster(connection)
    try {
      const top = await topStatements(queryOf(client), {by, limit: this.flags.limit})
      return {...top, by: by as 'sql' | 'user', source: 'pg'}
    } finally {
      await client.end()
    }
  }
}
