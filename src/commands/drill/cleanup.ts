import * as Flags from '@oclif/core/flags'

import type {LeftoverDrill} from '../../lib/drill/drill.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {parseDuration} from '../../lib/cli/duration.js'
import {confirmFlag, refusedYesFlag, timeoutFlag} from '../../lib/cli/flags.js'
import {requireCluster} from '../../lib/target/target.js'

export interface DrillCleanupOutput {
  deleted: string[]
  failed: Array<{clusterId: string; error: string}>
  found: LeftoverDrill[]
  /** Drills of the scope's clusters left alone: their expiry has not passed, so they may still be running. */
  notExpired: LeftoverDrill[]
  scope: {allClusters: boolean; olderThan: null | string; sourceCluster: null | string}
}

export default class DrillCleanup extends BaseCommand<typeof DrillCleanup> {
  static override description = `Delete drill clusters a killed drill (or --keep) left behind, with their instances, no final snapshot.
Scope: drills of the resolved cluster (tag auroractl:drill-source) whose auroractl:drill-expires tag has passed, so a drill
still running (here or in another CI job) is never taken. --all-clusters takes every cluster's drills; --older-than takes
drills created that long ago, expired or not. Lists them, then asks you to type the cluster's name (--confirm NAME in scripts;
"all-clusters" with --all-clusters). Other clusters are never touched.`
  static override examples = [
    '<%= config.bin %> drill cleanup',
    '<%= config.bin %> drill cleanup --cluster nba-tracker-prod --confirm nba-tracker-prod --json',
    '<%= config.bin %> drill cleanup --all-clusters --older-than 1d --confirm all-clusters',
  ]
  static override flags = {
    'all-clusters': Flags.boolean({description: "Every source cluster's drills in the region, not only the resolved cluster's"}),
    confirm: confirmFlag('the cluster whose drills are deleted (all-clusters with --all-clusters)'),
    'older-than': Flags.string({
      description: 'Drills created at least this long ago (e.g. 6h, 1d), expired or not (default: only expired drills)',
    }),
    timeout: timeoutFlag('30m'),
    yes: refusedYesFlag,
  }
  static override summary = 'Delete drill clusters a killed drill or --keep left'

  async run(): Promise<DrillCleanupOutput> {
    const {flags} = this
    const olderThanMs =
      flags['older-than'] === undefined
        ? undefined
        : parseDuration(flags['older-than'], '--older-than', {maxMs: 365 * 86_400_000, minMs: 1000})
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 24 * 3_600_000, minMs: 60_000})
    const allClusters = flags['all-clusters'] === true
    const sourceCluster = allClusters ? undefined : requireCluster(await this.target())
    const [{deleteDrillCluster, findLeftoverDrills}, {confirmByTypedName}, rds] = await Promise.all([
      import('../../lib/drill/drill.js'),
      import('../../lib/cli/confirm.js'),
      this.aws().then((aws) => aws.rds()),
    ])
    const scope = {allClusters, olderThan: flags['older-than'] ?? null, sourceCluster: sourceCluster ?? null}
    const whose = allClusters ? 'any cluster' : sourceCluster!
    const {found, notExpired} = await findLeftoverDrills(rds, {allClusters, olderThanMs, sourceCluster}, new Date())
    for (const drill of notExpired) {
      process.stderr.write(
        `Left alone: ${drill.clusterId} (from ${drill.source ?? '?'}, ${drill.expiresAt ? `expires ${drill.expiresAt}` : 'no expiry tag'}; --older-than takes it)\n`,
      )
    }

    if (found.length === 0) {
      this.log(
        `No drill clusters of ${whose} to delete${olderThanMs === undefined ? ' (only drills past their expiry are taken)' : ` older than ${flags['older-than']}`}.`,
      )
      return {deleted: [], failed: [], found, notExpired, scope}
    }

    for (const drill of found)
      this.log(`  ${drill.clusterId} (from ${drill.source ?? '?'}, created ${drill.createdAt ?? '?'}, expires ${drill.expiresAt ?? '?'})`)
    await confirmByTypedName({
      action: `delete ${found.length} drill cluster(s) of ${whose} and their instances, without final snapshots`,
      confirmFlag: flags.confirm,
      expected: allClusters ? 'all-clusters' : sourceCluster!,
      interactive: this.interactive(),
    })
    const {deleted, failed} = await this.deleteEach(found, (clusterId) => deleteDrillCluster(rds, clusterId, timeoutMs))
    for (const id of deleted) this.log(`deleted  ${id}`)
    for (const failure of failed) this.log(`failed   ${failure.clusterId}: ${failure.error}`)
    this.log(`Deleted ${deleted.length} of ${found.length} drill cluster(s)${failed.length > 0 ? `; ${failed.length} failed` : ''}.`)
    if (failed.length > 0) process.exitCode = 1
    return {deleted, failed, found, notExpired, scope}
  }

  /** One at a time, each with its own progress line; a failure is recorded and the next one still tried. */
  private async deleteEach(
    found: LeftoverDrill[],
    remove: (clusterId: string) => Promise<unknown>,
  ): Promise<Pick<DrillCleanupOutput, 'deleted' | 'failed'>> {
    const progress = await this.progress()
    const deleted: string[] = []
    const failed: DrillCleanupOutput['failed'] = []
    for (const drill of found) {
      progress.start(`Deleting ${drill.clusterId}`)
      try {
        // eslint-disable-next-line no-await-in-loop
        await remove(drill.clusterId)
        deleted.push(drill.clusterId)
        progress.succeed(`Deleted ${drill.clusterId}`)
      } catch (error) {
        failed.push({clusterId: drill.clusterId, error: (error as Error).message.split('\n')[0]!})
        progress.fail(`${drill.clusterId}: ${(error as Error).message.split('\n')[0]}`)
      }
    }

    return {deleted, failed}
  }
}
