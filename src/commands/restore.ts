import * as Flags from '@oclif/core/flags'

import type {RestorePlan, RestoreResult, RestoreSource} from '../lib/restore/restore.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {parseDuration, parseIsoTime} from '../lib/cli/duration.js'
import {badInput} from '../lib/cli/errors.js'
import {integerFlag, timeoutFlag} from '../lib/cli/flags.js'
import {parseAcuFlag} from '../lib/scaling.js'

export type RestoreOutput = (RestorePlan & {dryRun: true}) | (RestoreResult & {dryRun: false})

export default class Restore extends BaseCommand<typeof Restore> {
  static override description = `Restore a snapshot (or a point in time of the cluster) into a new cluster that can serve connections.
AWS restores a cluster without instances; this also sets the Serverless v2 scaling configuration, adds a db.serverless
writer (and --readers) with Performance Insights, and waits until all of it is available, timing each phase.
Network, port, KMS key, parameter group (only of the engine's family), tags and deletion protection come from the
snapshot's own cluster (else from the snapshot); ownership tags (ManagedBy, terraform*, aws:* ...) are not copied.
Replaces \`aws rds restore-db-cluster-from-snapshot\` + \`aws rds create-db-instance\`.`
  static override examples = [
    '<%= config.bin %> restore --snapshot latest --target nba-tracker-restored',
    '<%= config.bin %> restore --snapshot nba-tracker-prod-20261128-031500 --target prod-copy --min 0.5 --max 2 --readers 1',
    '<%= config.bin %> restore --to-time 2026-11-28T02:00:00Z --target prod-before-incident --dry-run',
  ]
  static override flags = {
    'dry-run': Flags.boolean({description: 'Print the API calls it would make, and change nothing'}),
    'from-other-cluster': Flags.boolean({
      description: "Restore a snapshot of another cluster with --cluster's network, KMS key and parameter group (refused without it)",
    }),
    'latest-restorable': Flags.boolean({description: "Restore the cluster's latest restorable time", exclusive: ['snapshot', 'to-time']}),
    max: Flags.string({description: "Maximum ACU of the new cluster (default: the source cluster's)"}),
    min: Flags.string({description: "Minimum ACU of the new cluster (default: the source cluster's)"}),
    readers: integerFlag({default: 0, description: 'Reader instances besides the writer (0-15)', max: 15, min: 0}),
    snapshot: Flags.string({
      description: 'Snapshot id, or "latest" for the newest available snapshot of the cluster',
      exclusive: ['to-time', 'latest-restorable'],
    }),
    target: Flags.string({description: 'Identifier of the new cluster', required: true}),
    timeout: timeoutFlag('90m'),
    'to-time': Flags.string({
      description: 'Restore the cluster as it was at this ISO time with a zone, e.g. 2026-11-28T02:00:00Z (a time without one is refused)',
      exclusive: ['snapshot', 'latest-restorable'],
    }),
  }
  static override summary = 'Restore a snapshot or point in time into a new cluster'

  async run(): Promise<RestoreOutput> {
    const {flags} = this
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 24 * 3_600_000, minMs: 60_000})
    const minAcu = parseAcuFlag(flags.min, '--min')
    const maxAcu = parseAcuFlag(flags.max, '--max')
    const target = await this.target()
    const source = this.source(target.cluster, target.sources.cluster === 'flag')
    const [{executeRestore, planRestore}, rds] = await Promise.all([
      import('../lib/restore/restore.js'),
      this.aws().then((aws) => aws.rds()),
    ])
    const plan = await planRestore(rds, {
      fromOtherCluster: flags['from-other-cluster'],
      maxAcu,
      minAcu,
      readers: flags.readers,
      source,
      targetId: flags.target,
    })
    for (const note of plan.notes) process.stderr.write(`${this.colour.yellow('Note:')} ${note}\n`)
    if (flags['dry-run']) {
      this.log(`Dry run: restoring ${plan.targetId} would make these calls (nothing was changed):`)
      for (const call of plan.calls) this.log(`  ${call.api} ${JSON.stringify(call.input)}`)
      return {dryRun: true, ...plan}
    }

    const progress = await this.progress()
    const result = await this.interruptibly((signal) => executeRestore(rds, plan, {progress, signal, timeoutMs}))
    const {phases} = result
    this.log(
      `Restored ${result.clusterId} in ${phases.totalSeconds} s (accepted ${phases.apiAcceptedSeconds} s, cluster ${phases.clusterAvailableSeconds} s, instances ${phases.instancesAvailableSeconds} s).`,
    )
    this.log(`Writer endpoint: ${result.endpoint}`)
    return {dryRun: false, ...result}
  }

  private source(clusterId: string | undefined, clusterExplicit: boolean): RestoreSource {
    const {flags} = this
    if (flags.snapshot) return {clusterExplicit, kind: 'snapshot', snapshot: flags.snapshot, sourceClusterId: clusterId}
    if (!flags['to-time'] && !flags['latest-restorable']) {
      throw badInput('Say what to restore: --snapshot ID|latest, --to-time ISO, or --latest-restorable.')
    }

    if (!clusterId) throw badInput('--to-time and --latest-restorable restore a point in time of a cluster: name it with --cluster.')
    if (flags['latest-restorable']) return {kind: 'point-in-time', latest: true, sourceClusterId: clusterId}
    return {kind: 'point-in-time', latest: false, sourceClusterId: clusterId, time: parseIsoTime(flags['to-time']!, '--to-time')}
  }
}
