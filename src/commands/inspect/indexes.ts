import type {IndexesReport} from '../../lib/inspect/indexes.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {inspectFlags} from '../../lib/cli/flags.js'

export default class InspectIndexes extends BaseCommand<typeof InspectIndexes> {
  static override description = `Index usage: unused indexes (never scanned since statistics were reset, enforcing no constraint), duplicate
indexes (same table, columns, operator classes, expressions and predicate) with the copy to keep, and every index by
size with its scans. Scans are counted per instance: check the readers before dropping an index.
Replaces Heroku's pg:index-usage and pg:unused-indexes.`
  static override examples = ['<%= config.bin %> inspect indexes', '<%= config.bin %> inspect indexes --schema public --json']
  static override flags = inspectFlags
  static override summary = 'Unused and duplicate indexes, and every index by use'

  async run(): Promise<IndexesReport> {
    const {flags} = this
    const [{withClusterSession}, {requireSchema}, {inspectIndexes}] = await Promise.all([
      import('../../lib/target/cluster-session.js'),
      import('../../lib/inspect/scope.js'),
      import('../../lib/inspect/indexes.js'),
    ])
    const options = await this.sessionOptions(flags)
    const report = await withClusterSession(await this.target(), await this.aws(), options, async ({connection, query}) => {
      await requireSchema(query, flags.schema, connection.database)
      return inspectIndexes(query, connection.database, {limit: flags.limit, schema: flags.schema})
    })
    if (!this.jsonEnabled()) this.log((await import('../../lib/cli/render/inspect.js')).renderIndexes(report))
    return report
  }
}
