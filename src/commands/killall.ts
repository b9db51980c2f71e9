import type {Client} from 'pg'

import * as Flags from '@oclif/core/flags'

import type {KillResult, RefusedSession} from '../lib/oncall/kill.js'
import type {Session, SessionFilter} from '../lib/oncall/sessions.js'
import type {ClusterConnection} from '../lib/target/cluster-connection.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {badInput} from '../lib/cli/errors.js'
import {confirmFlag, refusedYesFlag} from '../lib/cli/flags.js'
import {sessionConnectionFlags, sessionFilterFlags, sessionFilterFrom} from '../lib/cli/session-flags.js'
import {terminalColumns} from '../lib/cli/terminal.js'
import {requireCluster} from '../lib/target/target.js'

export interface KillAllOutput {
  dryRun: boolean
  endpoint: ClusterConnection['endpoint']
  /** The filter as the server applied it (durations in milliseconds). */
  filter: SessionFilter
  /** Sessions matching but not ended (auroractl's own; privileged ones without --include-privileged), with why. */
  refused: RefusedSession[]
  /** What happened to each session ended (empty with --dry-run). */
  results: KillResult[]
  /** The sessions that matched and are (with --dry-run: would be) ended, as they were when listed. */
  sessions: Session[]
}

export default class KillAll extends BaseCommand<typeof KillAll> {
  static override description = `End every session matching the filters (pg_terminate_backend: their transactions roll back, their locks
go). At least one filter is required. --dry-run lists exactly the sessions that would be ended and ends none.
Confirmed by the cluster id (--confirm CLUSTER); refused without it when not at a terminal. Never ends auroractl's own
session; skips superuser, rdsadmin, replication and background sessions unless --include-privileged. The filters are
checked again in the statement that ends each session: one that changed since the listing (committed, became
active) is left alone. Exit 1 when a session could not be ended.
Replaces a hand-written \`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ...\` (and Heroku's pg:killall).`
  static override examples = [
    '<%= config.bin %> killall --idle-in-transaction 5m --dry-run',
    '<%= config.bin %> killall --idle-in-transaction 5m --user app',
    '<%= config.bin %> killall --app "reporting*" --older-than 30m --confirm nba-tracker-prod --json',
  ]
  static override flags = {
    ...sessionFilterFlags,
    confirm: confirmFlag('the cluster id'),
    'dry-run': Flags.boolean({description: 'Only list the sessions that would be ended'}),
    'idle-in-transaction': Flags.string({description: 'Sessions idle in a transaction for at least this long (e.g. 5m)'}),
    'include-privileged': Flags.boolean({
      description: 'Also end superuser, rdsadmin, replication and background sessions (skipped by default)',
    }),
    'older-than': Flags.string({
      description: 'Sessions whose transaction (or, outside one, running query) started at least this long ago (e.g. 30m)',
    }),
    yes: refusedYesFlag,
    ...sessionConnectionFlags,
  }
  static override summary = 'End every session matching filters (--dry-run lists them)'

  async run(): Promise<KillAllOutput> {
    const {flags} = this
    const filter = sessionFilterFrom(flags)
    const given = ['user', 'app', 'state', 'idle-in-transaction', 'older-than', 'database'] as const
    if (!given.some((flag) => flags[flag] !== undefined))
      throw badInput('killall needs at least one filter: --user, --app, --state, --idle-in-transaction, --older-than or --database.')
    const clusterId = requireCluster(await this.target())
    const [{openClusterSession}, {listSessions}, {planKillAll}] = await Promise.all([
      import('../lib/target/cluster-session.js'),
      import('../lib/oncall/sessions.js'),
      import('../lib/oncall/kill.js'),
    ])
    const {client, connection} = await openClusterSession(await this.target(), await this.aws(), await this.sessionOptions(flags))
    try {
      const list = await listSessions(client, filter)
      const plan = planKillAll(list, {includePrivileged: flags['include-privileged']})
      const output: KillAllOutput = {
        dryRun: flags['dry-run'],
        endpoint: connection.endpoint,
        filter,
        refused: plan.refused,
        results: [],
        sessions: plan.targets,
      }
      await this.show(output, clusterId)
      if (flags['dry-run'] || plan.targets.length === 0) return output
      output.results = await this.confirmAndEnd(client, output, {clusterId, serverVersion: list.serverVersion})
      return output
    } finally {
      await client.end().catch(() => {})
    }
  }

  private async confirmAndEnd(
    client: Client,
    output: KillAllOutput,
    options: {clusterId: string; serverVersion: number},
  ): Promise<KillResult[]> {
    const [{confirmByTypedName}, {endSessions, failedOutcomes}, {renderKillResults}, {describeEndpoint}] = await Promise.all([
      import('../lib/cli/confirm.js'),
      import('../lib/oncall/kill.js'),
      import('../lib/cli/render/sessions.js'),
      import('../lib/cli/session-flags.js'),
    ])
    const count = output.sessions.length
    await confirmByTypedName({
      action: `end ${count} session${count === 1 ? '' : 's'} (${output.sessions.map((session) => session.pid).join(', ')}) on ${options.clusterId} (${describeEndpoint(output.endpoint)})`,
      confirmFlag: this.flags.confirm,
      expected: options.clusterId,
      interactive: this.interactive(),
    })
    const results = await endSessions(client, output.sessions, {
      guard: {filter: output.filter, kind: 'filter'},
      mode: 'terminate',
      serverVersion: options.serverVersion,
    })
    this.log(renderKillResults(results, this.colour))
    if (results.some((result) => failedOutcomes.has(result.outcome))) process.exitCode = 1
    return results
  }

  private async show(output: KillAllOutput, clusterId: string): Promise<void> {
    if (this.jsonEnabled()) return
    const [{renderRefusals, renderSessionTable}, {describeEndpoint}] = await Promise.all([
      import('../lib/cli/render/sessions.js'),
      import('../lib/cli/session-flags.js'),
    ])
    const where = `${clusterId} (${describeEndpoint(output.endpoint)})`
    const count = output.sessions.length
    if (count === 0) this.log(`No session on ${where} matches: nothing to end.`)
    else {
      this.log(`${output.dryRun ? 'Would end' : 'Will end'} ${count} session${count === 1 ? '' : 's'} on ${where}:`)
      this.log(renderSessionTable(output.sessions, {width: terminalColumns()}))
    }

    if (output.refused.length > 0) {
      const privileged = output.refused.some((item) => item.reason !== 'own')
      const refusedCount = output.refused.length
      this.log(
        `Not ending ${refusedCount} more session${refusedCount === 1 ? ' that matches' : 's that match'}${privileged ? ' (--include-privileged ends the privileged ones)' : ''}:`,
      )
      this.log(renderRefusals(output.refused))
    }
  }
}
