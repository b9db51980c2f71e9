import type {SeqScansReport} from '../../lib/inspect/seq-scans.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {inspectFlags} from '../../lib/cli/flags.js'

export default class InspectSeqScans extends BaseCommand<typeof InspectSeqScans> {
  static override description = `Tables read by sequential scans, most rows read that way first: scans, rows read, rows per scan, index scans
and their share, live rows and size. Large tables read more often whole than through an index are marked: the place
to look for a missing index. Replaces Heroku's pg:seq-scans.`
  static override examples = ['<%= config.bin %> inspect seq-scans', '<%= config.bin %> inspect seq-scans --limit 5 --json']
  static override flags = inspectFlags
  static override summary = 'Tables read by sequential scans, most rows read first'

  async run(): Promise<SeqScansReport> {
    const {flags} = this
    const [{withClusterSession}, {requireSchema}, {inspectSeqScans}] = await Promise.all([
      import('../../lib/target/cluster-session.js'),
      import('../../lib/inspect/scope.js'),
      import('../../lib/inspect/seq-scans.js'),
    ])
    const options = await this.sessionOptions(flags)
    const report = await withClusterSession(await this.target(), await this.aws(), options, async ({connection, query}) => {
      await requireSchema(query, flags.schema, connection.database)
      return inspectSeqScans(query, connection.database, {limit: flags.limit, schema: flags.schema})
    })
    if (!this.jsonEnabled()) this.log((await import('../../lib/cli/render/inspect.js')).renderSeqScans(report))
    return report
  }
}
