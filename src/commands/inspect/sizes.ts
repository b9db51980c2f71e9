import type {SizesReport} from '../../lib/inspect/sizes.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {inspectFlags} from '../../lib/cli/flags.js'

export default class InspectSizes extends BaseCommand<typeof InspectSizes> {
  static override description = `The database's size, each schema's, and its largest tables (rows, heap, indexes, TOAST, total; unlogged ones
marked) and indexes. Read from the catalog: cheap on a busy writer.
Replaces Heroku's pg:table-size, pg:index-size and pg:total-table-size, and \`psql -c '\\dt+'\`.`
  static override examples = ['<%= config.bin %> inspect sizes', '<%= config.bin %> inspect sizes --schema public --limit 5 --json']
  static override flags = inspectFlags
  static override summary = 'Largest tables and indexes, and each schema'

  async run(): Promise<SizesReport> {
    const {flags} = this
    const [{withClusterSession}, {requireSchema}, {inspectSizes}] = await Promise.all([
      import('../../lib/target/cluster-session.js'),
      import('../../lib/inspect/scope.js'),
      import('../../lib/inspect/sizes.js'),
    ])
    const options = await this.sessionOptions(flags)
    const report = await withClusterSession(await this.target(), await this.aws(), options, async ({connection, query}) => {
      await requireSchema(query, flags.schema, connection.database)
      return inspectSizes(query, {limit: flags.limit, schema: flags.schema})
    })
    if (!this.jsonEnabled()) this.log((await import('../../lib/cli/render/inspect.js')).renderSizes(report))
    return report
  }
}
