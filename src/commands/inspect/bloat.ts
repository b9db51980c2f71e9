import type {BloatReport} from '../../lib/inspect/bloat.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {inspectFlags} from '../../lib/cli/flags.js'

export default class InspectBloat extends BaseCommand<typeof InspectBloat> {
  static override description = `Estimated bloat of each table and btree index, largest waste first: its size, what its live rows would need,
and the difference. An estimate from statistics (pg_stats and pg_class, as pgexperts, ioguix and Heroku compute it):
it reads no table data, and is as fresh as the last ANALYZE; tables without statistics are listed to ANALYZE.
Replaces Heroku's pg:bloat.`
  static override examples = ['<%= config.bin %> inspect bloat', '<%= config.bin %> inspect bloat --database reporting --limit 50 --json']
  static override flags = inspectFlags
  static override summary = 'Estimated table and index bloat, largest waste first'

  async run(): Promise<BloatReport> {
    const {flags} = this
    const [{withClusterSession}, {requireSchema}, {inspectBloat}] = await Promise.all([
      import('../../lib/target/cluster-session.js'),
      import('../../lib/inspect/scope.js'),
      import('../../lib/inspect/bloat.js'),
    ])
    const options = await this.sessionOptions(flags)
    const report = await withClusterSession(await this.target(), await this.aws(), options, async ({connection, query}) => {
      await requireSchema(query, flags.schema, connection.database)
      return inspectBloat(query, connection.database, {limit: flags.limit, schema: flags.schema})
    })
    if (!this.jsonEnabled()) this.log((await import('../../lib/cli/render/inspect.js')).renderBloat(report))
    return report
  }
}
