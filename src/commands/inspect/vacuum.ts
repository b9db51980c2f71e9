import type {VacuumReport} from '../../lib/inspect/vacuum.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {inspectFlags} from '../../lib/cli/flags.js'

export default class InspectVacuum extends BaseCommand<typeof InspectVacuum> {
  static override description = `Vacuum and analyze state of each table: live and dead rows, the point at which autovacuum starts on it (its own
settings, else the server's), when autovacuum and autoanalyze last ran, whether a vacuum, analyze or anti-wraparound
freeze is due, its transaction id age, and the tables autovacuum is behind on (off for them, or twice past the point)
first. Replaces Heroku's pg:vacuum-stats.`
  static override examples = ['<%= config.bin %> inspect vacuum', '<%= config.bin %> inspect vacuum --schema public --json']
  static override flags = inspectFlags
  static override summary = 'Dead rows, vacuum and analyze state, wraparound age'

  async run(): Promise<VacuumReport> {
    const {flags} = this
    const [{withClusterSession}, {requireSchema}, {inspectVacuum}] = await Promise.all([
      import('../../lib/target/cluster-session.js'),
      import('../../lib/inspect/scope.js'),
      import('../../lib/inspect/vacuum.js'),
    ])
    const options = await this.sessionOptions(flags)
    const report = await withClusterSession(await this.target(), await this.aws(), options, async ({connection, query}) => {
      await requireSchema(query, flags.schema, connection.database)
      return inspectVacuum(query, connection.database, {limit: flags.limit, schema: flags.schema})
    })
    if (!this.jsonEnabled()) this.log((await import('../../lib/cli/render/inspect.js')).renderVacuum(report))
    return report
  }
}
