import * as Flags from '@oclif/core/flags'

import type {Session} from '../lib/oncall/sessions.js'
import type {ClusterConnection} from '../lib/target/cluster-connection.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {sessionConnectionFlags, sessionFilterFlags, sessionFilterFrom} from '../lib/cli/session-flags.js'
import {terminalColumns} from '../lib/cli/terminal.js'

export interface PsOutput {
  /** The server's time of the listing. */
  at: string
  endpoint: ClusterConnection['endpoint']
  /** Sessions passing the filters but not shown: idle ones and background processes (unless --all). */
  hidden: {background: number; idle: number}
  sessions: Session[]
}

export default class Ps extends BaseCommand<typeof Ps> {
  static override description = `The sessions on the writer (or --reader, or --instance ID): pid, user, application, client, state, wait
event, how long the query and the transaction have run, whom each blocks and who blocks it, and the query (one line,
cut to the terminal; --full for all of it). Idle sessions and the server's background processes are hidden unless
--all (or --state idle); auroractl's own session is never listed.
Replaces \`SELECT ... FROM pg_stat_activity\` by hand (and Heroku's pg:ps).`
  static override examples = [
    '<%= config.bin %> ps',
    '<%= config.bin %> ps --min-duration 5s --state active',
    '<%= config.bin %> ps --state idle-in-transaction --user app',
    '<%= config.bin %> ps --all --json',
  ]
  static override flags = {
    ...sessionFilterFlags,
    all: Flags.boolean({description: 'Also show idle sessions and background processes'}),
    full: Flags.boolean({description: 'Print whole queries, under the table'}),
    'min-duration': Flags.string({
      description: 'Only sessions whose transaction (or, outside one, running query) started at least this long ago (e.g. 5s, 2m)',
    }),
    ...sessionConnectionFlags,
  }
  static override summary = 'List sessions: who runs what, for how long, who blocks whom'

  async run(): Promise<PsOutput> {
    const {flags} = this
    const filter = sessionFilterFrom(flags)
    const [{openClusterSession}, {listSessions, sessionsToShow}] = await Promise.all([
      import('../lib/target/cluster-session.js'),
      import('../lib/oncall/sessions.js'),
    ])
    const {client, connection} = await openClusterSession(await this.target(), await this.aws(), await this.sessionOptions(flags))
    let list
    try {
      list = await listSessions(client, filter)
    } finally {
      await client.end().catch(() => {})
    }

    const {hidden, shown: sessions} = sessionsToShow(list.sessions, {all: flags.all, showIdle: flags.state?.includes('idle') ?? false})
    const output: PsOutput = {at: list.at, endpoint: connection.endpoint, hidden, sessions}
    if (!this.jsonEnabled()) await this.render(output, connection)
    return output
  }

  private async render(output: PsOutput, connection: ClusterConnection): Promise<void> {
    const [{describeEndpoint}, {renderSessionTable}] = await Promise.all([
      import('../lib/cli/session-flags.js'),
      import('../lib/cli/render/sessions.js'),
    ])
    const where = `${connection.cluster.DBClusterIdentifier} (${describeEndpoint(output.endpoint)})`
    const hiddenNote = [
      output.hidden.idle > 0 ? `${output.hidden.idle} idle` : '',
      output.hidden.background > 0 ? `${output.hidden.background} background` : '',
    ]
      .filter(Boolean)
      .join(' and ')
    process.stderr.write(
      `${this.colour.dim(`${output.sessions.length} session${output.sessions.length === 1 ? '' : 's'} on ${where}${hiddenNote ? `; ${hiddenNote} hidden (--all shows them)` : ''}`)}\n`,
    )
    if (output.sessions.length > 0) this.log(renderSessionTable(output.sessions, {full: this.flags.full, width: terminalColumns()}))
  }
}
