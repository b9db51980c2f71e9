import type {LockRoot} from '../lib/oncall/locks.js'
import type {ClusterConnection} from '../lib/target/cluster-connection.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {sessionConnectionFlags} from '../lib/cli/session-flags.js'
import {terminalColumns} from '../lib/cli/terminal.js'

export interface LocksOutput {
  at: string
  /** Sessions waiting for a lock (with --database, in the trees shown). */
  blockedSessions: number
  endpoint: ClusterConnection['endpoint']
  /** Root blockers, each with the sessions waiting on it; the one `kill --root-blocker` ends first. */
  roots: LockRoot[]
}

export default class Locks extends BaseCommand<typeof Locks> {
  static override description = `Who blocks whom: each root blocker (a session holding what others wait for, and waiting for nobody) with
the sessions waiting on it, directly or behind others, the relation and lock modes, and how long each has waited.
The first root is the one \`auroractl kill --root-blocker\` ends: the longest chain, then the most sessions waiting.
Replaces joining pg_locks with pg_stat_activity by hand (and Heroku's pg:locks and pg:blocking).`
  static override examples = ['<%= config.bin %> locks', '<%= config.bin %> locks --database nbatracker --json']
  static override flags = {...sessionConnectionFlags}
  static override summary = 'Show who blocks whom: root blockers and their waiters'

  async run(): Promise<LocksOutput> {
    const {flags} = this
    const [{openClusterSession}, {listSessions}, {buildLockForest, pidsInForest, readLocks, waitingUnder}] = await Promise.all([
      import('../lib/target/cluster-session.js'),
      import('../lib/oncall/sessions.js'),
      import('../lib/oncall/locks.js'),
    ])
    const {client, connection} = await openClusterSession(await this.target(), await this.aws(), await this.sessionOptions(flags))
    let output: LocksOutput
    try {
      const list = await listSessions(client, {database: flags.database})
      const locks = await readLocks(client, pidsInForest(list.sessions), list.serverVersion)
      const forest = buildLockForest(list.sessions, locks)
      // With --database, the trees of that database's sessions (a tree is one database's, but its root decides).
      const roots = forest.roots.filter((root) => root.session.matches)
      const blockedSessions = flags.database === undefined ? forest.blockedSessions : waitingUnder(roots)
      output = {at: list.at, blockedSessions, endpoint: connection.endpoint, roots}
    } finally {
      await client.end().catch(() => {})
    }

    if (!this.jsonEnabled()) {
      const {renderLockForest} = await import('../lib/cli/render/sessions.js')
      this.log(renderLockForest(output, {width: terminalColumns()}))
    }

    return output
  }
}
