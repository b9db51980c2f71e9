import type {Client} from 'pg'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {KillGuard, KillMode, KillResult} from '../lib/oncall/kill.js'
import type {LockRoot} from '../lib/oncall/locks.js'
import type {Relief} from '../lib/oncall/relief.js'
import type {Session} from '../lib/oncall/sessions.js'
import type {ClusterConnection} from '../lib/target/cluster-connection.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {AuroraError, badInput} from '../lib/cli/errors.js'
import {confirmFlag, refusedYesFlag} from '../lib/cli/flags.js'
import {sessionConnectionFlags} from '../lib/cli/session-flags.js'
import {terminalColumns} from '../lib/cli/terminal.js'
import {requireCluster} from '../lib/target/target.js'

export interface KillOutput {
  endpoint: ClusterConnection['endpoint']
  /** cancel: pg_cancel_backend (the query stops, the session stays); terminate: pg_terminate_backend (the session ends). */
  mode: KillMode
  /**
   * With --root-blocker, once the blocker was ended: a moment later, how many of the sessions that waited behind it
   * no longer wait; null when nothing was ended.
   */
  relief?: null | Relief
  /** What happened to each pid. */
  results: KillResult[]
  /** With --root-blocker: the blocker chosen and who waited behind it; null when nobody waited for a lock. */
  rootBlocker?: LockRoot | null
  /** The sessions as they were when listed, just before the confirmation. */
  sessions: Session[]
}

/** The largest pid PostgreSQL can have (a 32-bit int). */
const maxPid = 2_147_483_647

function parsePids(values: string[]): number[] {
  return values.map((value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > maxPid)
      throw badInput(`PID "${value}" is not a process id: a whole number from 1 to ${maxPid} (see \`auroractl ps\`).`)
    return Number(value)
  })
}

export default class Kill extends BaseCommand<typeof Kill> {
  static override args = {
    pid: Args.string({description: 'Process ids of the sessions (as many as you like; see `auroractl ps`)'}),
  }
  static override description = `Stop sessions by pid: cancel their query (pg_cancel_backend; the session stays), or with --force end them
(pg_terminate_backend; their transaction rolls back and their locks go). --root-blocker finds the root of the longest
blocking chain (the first root of \`auroractl locks\`), shows it and ends it: cancelling would leave the locks of a
session idle in a transaction, so it is always ended.
Confirmed by the cluster id (--confirm CLUSTER); refused without it when not at a terminal. Never ends auroractl's own
session; refuses superuser, rdsadmin, replication and background sessions unless --include-privileged. A session is
ended only if it is still the one listed (same pid and start time) and, with --root-blocker, still blocks someone.
Reports each pid: cancelled, ended, already gone, left alone, not permitted (exit 1), still running (exit 1).`
  static override examples = [
    '<%= config.bin %> kill --root-blocker',
    '<%= config.bin %> kill 4242 4243',
    '<%= config.bin %> kill 4242 --force --confirm nba-tracker-prod --json',
  ]
  static override flags = {
    confirm: confirmFlag('the cluster id'),
    force: Flags.boolean({description: 'End the sessions (pg_terminate_backend), not only their queries'}),
    'include-privileged': Flags.boolean({
      description: 'Also end superuser, rdsadmin, replication and background sessions (refused by default)',
    }),
    'root-blocker': Flags.boolean({description: 'End the root of the longest blocking chain (no pids)'}),
    yes: refusedYesFlag,
    ...sessionConnectionFlags,
  }
  static override strict = false
  static override summary = 'Cancel queries or end sessions, or end the root blocker'

  async run(): Promise<KillOutput> {
    const {flags} = this
    const pids = parsePids(this.extraArgv)
    if (flags['root-blocker'] && pids.length > 0)
      throw badInput('--root-blocker finds the session itself: give it no pids (or drop --root-blocker to name pids).')
    if (!flags['root-blocker'] && pids.length === 0)
      throw badInput(
        'Name the sessions to stop (auroractl kill PID...), or pass --root-blocker.',
        'See them with `auroractl ps` or `auroractl locks`.',
      )
    const clusterId = requireCluster(await this.target())
    const {openClusterSession} = await import('../lib/target/cluster-session.js')
    const {client, connection} = await openClusterSession(await this.target(), await this.aws(), await this.sessionOptions(flags))
    try {
      const output = flags['root-blocker']
        ? await this.killRootBlocker(client, connection, clusterId)
        : await this.killPids(client, connection, clusterId, pids)
      const {failedOutcomes} = await import('../lib/oncall/kill.js')
      if (output.results.some((result) => failedOutcomes.has(result.outcome))) process.exitCode = 1
      return output
    } finally {
      await client.end().catch(() => {})
    }
  }

  private async confirmAndEnd(
    client: Client,
    plan: {action: string; clusterId: string; guard: KillGuard; mode: KillMode; serverVersion: number},
    targets: Session[],
  ): Promise<KillResult[]> {
    const [{confirmByTypedName}, {endSessions}, {renderKillResults}] = await Promise.all([
      import('../lib/cli/confirm.js'),
      import('../lib/oncall/kill.js'),
      import('../lib/cli/render/sessions.js'),
    ])
    await confirmByTypedName({
      action: plan.action,
      confirmFlag: this.flags.confirm,
      expected: plan.clusterId,
      interactive: this.interactive(),
    })
    const results = await endSessions(client, targets, plan)
    this.log(renderKillResults(results, this.colour))
    return results
  }

  private async killPids(client: Client, connection: ClusterConnection, clusterId: string, pids: number[]): Promise<KillOutput> {
    const [{listSessions}, {planKill}, {renderSessionTable}, {describeEndpoint}] = await Promise.all([
      import('../lib/oncall/sessions.js'),
      import('../lib/oncall/kill.js'),
      import('../lib/cli/render/sessions.js'),
      import('../lib/cli/session-flags.js'),
    ])
    const list = await listSessions(client, {database: this.flags.database})
    const plan = planKill(list.sessions, pids, {includePrivileged: this.flags['include-privileged'], ownPid: list.ownPid})
    const where = `${clusterId} (${describeEndpoint(connection.endpoint)}${this.flags.database ? `, database ${this.flags.database}` : ''})`
    if (plan.refused.length > 0) {
      const own = plan.refused.some((item) => item.reason === 'own')
      throw badInput(
        `${plan.refused.map((item) => item.text).join('; ')}: refused, nothing was stopped.`,
        own ? "Leave out auroractl's own pid." : 'Pass --include-privileged to stop such sessions too, or leave those pids out.',
      )
    }

    if (plan.missing.length > 0) {
      throw new AuroraError('NOT_FOUND', `No session with pid ${plan.missing.join(', ')} on ${where}; nothing was stopped.`, {
        hint: 'List the sessions with `auroractl ps --all` (with the same --reader, --instance or --database).',
      })
    }

    const mode: KillMode = this.flags.force ? 'terminate' : 'cancel'
    this.log(renderSessionTable(plan.targets, {width: terminalColumns()}))
    const verb = mode === 'cancel' ? 'cancel the query of' : 'end'
    const results = await this.confirmAndEnd(
      client,
      {
        action: `${verb} ${plan.targets.length === 1 ? 'session' : 'sessions'} ${plan.targets.map((session) => session.pid).join(', ')} on ${where}`,
        clusterId,
        guard: {kind: 'identity'},
        mode,
        serverVersion: list.serverVersion,
      },
      plan.targets,
    )
    return {endpoint: connection.endpoint, mode, results, sessions: plan.targets}
  }

  private async killRootBlocker(client: Client, connection: ClusterConnection, clusterId: string): Promise<KillOutput> {
    const [{listSessions}, {buildLockForest, pidsInForest, readLocks}, {chooseRootBlocker, refusalFor, refusalText}, render] =
      await Promise.all([
        import('../lib/oncall/sessions.js'),
        import('../lib/oncall/locks.js'),
        import('../lib/oncall/kill.js'),
        import('../lib/cli/render/sessions.js'),
      ])
    const list = await listSessions(client, {database: this.flags.database})
    const forest = buildLockForest(list.sessions, await readLocks(client, pidsInForest(list.sessions), list.serverVersion))
    const root = chooseRootBlocker(forest)
    const empty: KillOutput = {endpoint: connection.endpoint, mode: 'terminate', relief: null, results: [], rootBlocker: null, sessions: []}
    if (!root) {
      this.log('No session is waiting for a lock: nothing to end.')
      return empty
    }

    this.log(render.renderLockForest({blockedSessions: root.blockedCount, roots: [root]}, {width: terminalColumns()}))
    const refusal = refusalFor(root.session, {includePrivileged: this.flags['include-privileged'], ownPid: list.ownPid})
    if (refusal) {
      throw badInput(
        `The root blocker, pid ${root.pid}, is ${refusalText[refusal]}; nothing was ended.`,
        refusal === 'own' ? undefined : 'Pass --include-privileged to end it anyway.',
      )
    }

    const results = await this.confirmAndEnd(
      client,
      {
        action: `end session ${root.pid} (${root.session.user ?? '?'}, ${root.session.application || 'no application name'}), which blocks ${root.blockedCount} session${root.blockedCount === 1 ? '' : 's'}, on ${clusterId}`,
        clusterId,
        guard: {kind: 'blocking'},
        mode: 'terminate',
        serverVersion: list.serverVersion,
      },
      [root.session],
    )
    const relief = results.some((result) => result.outcome === 'terminated') ? await this.relief(client, root) : null
    return {...empty, relief, results, rootBlocker: root, sessions: [root.session]}
  }

  /** A moment after the blocker ended: how many of those that waited behind it got through. */
  private async relief(client: Client, root: LockRoot): Promise<Relief> {
    const [{measureRelief}, {renderRelief}] = await Promise.all([
      import('../lib/oncall/relief.js'),
      import('../lib/cli/render/sessions.js'),
    ])
    const relief = await this.interruptibly((signal) => measureRelief(client, root, {filter: {database: this.flags.database}, signal}))
    this.log(renderRelief(relief))
    return relief
  }
}
