import * as Flags from '@oclif/core/flags'

import type {SnapshotSummary} from '../../lib/snapshots.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {parseDuration} from '../../lib/cli/duration.js'
import {confirmFlag, integerFlag} from '../../lib/cli/flags.js'
import {parseTags} from '../../lib/restore/tags.js'
import {requireCluster} from '../../lib/target/target.js'

export interface SnapshotPruneOutput {
  deleted: string[]
  dryRun: boolean
  /** Snapshots whose delete failed, with AWS's error: the run exits 1 when there is any. */
  failed: Array<{error: string; id: string}>
  kept: number
  selected: SnapshotSummary[]
}

export default class SnapshotPrune extends BaseCommand<typeof SnapshotPrune> {
  static override description = `Delete old manual snapshots of the cluster (pre-deploy snapshots pile up and cost money). Never touches automated ones.
Lists what it will delete, then asks you to type the cluster id (or --confirm CLUSTER).`
  static override examples = [
    '<%= config.bin %> snapshot prune --keep 10 --dry-run',
    '<%= config.bin %> snapshot prune --older-than 30d --tag created-by=auroractl --confirm nba-tracker-prod',
  ]
  static override flags = {
    confirm: confirmFlag('the cluster id'),
    'dry-run': Flags.boolean({description: 'Only list what would be deleted'}),
    keep: integerFlag({description: 'Keep this many of the newest matching manual snapshots (0-1000)', max: 1000, min: 0}),
    'older-than': Flags.string({description: 'Only snapshots older than this (e.g. 30d, 12h)'}),
    tag: Flags.string({description: 'Only snapshots with this tag KEY=VALUE (repeatable)', multiple: true}),
  }
  static override summary = 'Delete old manual snapshots, never automated ones'

  async run(): Promise<SnapshotPruneOutput> {
    const {flags} = this
    const olderThanMs = flags['older-than'] === undefined ? undefined : parseDuration(flags['older-than'], '--older-than')
    const tags = parseTags(flags.tag)
    const clusterId = requireCluster(await this.target())
    const [{deleteSnapshots, selectForPrune, summarizeSnapshot}, {describeCluster, listClusterSnapshots}, {confirmByTypedName}, rds] =
      await Promise.all([
        import('../../lib/snapshots.js'),
        import('../../lib/aws/rds.js'),
        import('../../lib/cli/confirm.js'),
        this.aws().then((aws) => aws.rds()),
      ])
    const now = new Date()
    await describeCluster(rds, clusterId)
    const all = await listClusterSnapshots(rds, clusterId)
    const selected = selectForPrune(all, {keep: flags.keep, olderThanMs, tags}, now)
    const summaries = selected.map((snapshot) => summarizeSnapshot(snapshot, now))
    const manual = all.filter((snapshot) => snapshot.SnapshotType === 'manual').length
    const output: SnapshotPruneOutput = {
      deleted: [],
      dryRun: Boolean(flags['dry-run']),
      failed: [],
      kept: manual - selected.length,
      selected: summaries,
    }
    if (selected.length === 0) {
      this.log(`Nothing to prune: no manual snapshot of ${clusterId} matches.`)
      return output
    }

    const {renderSnapshotTable} = await import('../../lib/cli/render/snapshots.js')
    this.log(`${flags['dry-run'] ? 'Would delete' : 'Will delete'} ${selected.length} of ${manual} manual snapshots of ${clusterId}:`)
    this.log(renderSnapshotTable(summaries, this.colour))
    if (flags['dry-run']) return output

    await confirmByTypedName({
      action: `delete ${selected.length} snapshots of ${clusterId}`,
      confirmFlag: flags.confirm,
      expected: clusterId,
      interactive: this.interactive(),
    })
    // One at a time, past any failure: the output records what was deleted and what was not.
    const {deleted, failed} = await deleteSnapshots(
      rds,
      summaries.map((snapshot) => snapshot.id),
      (id, error) => this.log(error ? `  ✗ ${id}: ${error}` : `  ✓ deleted ${id}`),
    )
    output.deleted = deleted
    output.failed = failed
    this.log(
      `Deleted ${deleted.length} of ${selected.length} snapshots${failed.length > 0 ? `; ${failed.length} failed (still there)` : ''}; ${output.kept} manual snapshots are kept.`,
    )
    if (failed.length > 0) process.exitCode = 1
    return output
  }
}
