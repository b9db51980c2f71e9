import * as Flags from '@oclif/core/flags'

import type {OutliersReport} from '../../lib/inspect/outliers.js'
import type {StatementsOrder} from '../../lib/pg/statements.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {endpointFlags, inspectFlags, tlsFlags, viaFlag} from '../../lib/cli/flags.js'
import {terminalColumns} from '../../lib/cli/terminal.js'

export default class InspectOutliers extends BaseCommand<typeof InspectOutliers> {
  static override description = `The statements the database spends its time on, from pg_stat_statements: total time and its share of all
statements' time, calls, mean time, block I/O time (with track_io_timing) and rows; by total time, mean time (--sort mean)
or calls (--sort calls). The same query as \`pi top --source pg\`, cumulative since pg_stat_statements was last reset.
Replaces Heroku's pg:outliers and pg:calls.`
  static override examples = ['<%= config.bin %> inspect outliers', '<%= config.bin %> inspect outliers --sort mean --limit 5']
  // Every inspect flag but --schema: pg_stat_statements knows databases, not schemas.
  static override flags = {
    ...tlsFlags,
    ...endpointFlags,
    database: inspectFlags.database,
    limit: inspectFlags.limit,
    sort: Flags.string({
      default: 'total',
      description: 'Rank by total time, mean time per call, or calls',
      options: ['total', 'mean', 'calls'],
    }),
    via: viaFlag,
  }
  static override summary = 'The statements that take the time (pg_stat_statements)'

  async run(): Promise<OutliersReport> {
    const {flags} = this
    const [{withClusterSession}, {inspectOutliers}] = await Promise.all([
      import('../../lib/target/cluster-session.js'),
      import('../../lib/inspect/outliers.js'),
    ])
    const options = await this.sessionOptions(flags)
    const report = await withClusterSession(await this.target(), await this.aws(), options, async ({connection, query}) =>
      inspectOutliers(query, connection.database, {limit: flags.limit, order: flags.sort as StatementsOrder}),
    )
    const columns = terminalColumns()
    if (!this.jsonEnabled()) this.log((await import('../../lib/cli/render/inspect.js')).renderOutliers(report, columns))
    return report
  }
}
