import * as Flags from '@oclif/core/flags'

import type {LeftoverDrill} from '../../lib/drill/drill.js'

import {BaseCommand} from '../../lib/base-command.js'
import {parseDuration} from '../../lib/duration.js'
import {confirmFlag, refusedYesFlag, timeoutFlag} from '../../lib/flags.js'

export interface DrillCleanupOutput {
  deleted: string[]
  failed: Array<{clusterId: string; error: string}>
  found: LeftoverDrill[]
}

export default class DrillCleanup extends BaseCommand<typeof DrillCleanup> {
  static override description = `Delete drill clusters a killed drill (or --keep) left behind: clusters tagged auroractl:drill=true, with their instances, no final snapshot.
Lists them first, then asks you to type the cluster they were drilled from (or --confirm CLUSTER; drills of several
clusters: the region); a non-interactive run without it refuses. Other clusters are never touched.`
  static override examples = ['<%= config.bin %> drill cleanup', '<%= config.bin %> drill cleanup --older-than 1d --confirm nba-tracker-dev --json']
static override flags = {
    confirm: confirmFlag('the cluster the drills were taken from (the region, when they come from several)'),
    'older-than': Flags.string({description: 'Only drill clusters created at least this long ago (e.g. 6h, 1d; default: all)'}),
    timeout: timeoutFlag('30m'),
    yes: refusedYesFlag,
  }
static override summary = 'Delete drill clusters a killed drill or --keep left'

  async run(): Promise<DrillCleanupOutput> {
    const {flags} = this
    const olderThanMs = flags['older-than'] === undefined ? 0 : parseDuration(flags['older-than'], '--older-than', {maxMs: 365 * 86_400_000, minMs: 1000})
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 24 * 3_600_000, minMs: 60_000})
    const [{deleteDrillCluster, findLeftoverDrills}, {confirmByTypedName}, rds] = await Promise.all([
      import('../../lib/drill/drill.js'),
      import('../../lib/confirm.js'),
      this.aws().then((aws) => aws.rds()),
    ])
    const found = await findLeftoverDrills(rds, olderThanMs, new Date())
    if (found.length === 0) {
      this.log(`No drill clusters${olderThanMs > 0 ? ` older than ${flags['older-than']}` : ''}.`)
      return {deleted: [], failed: [], found}
    }

    for (const drill of found) this.log(`  ${drill.clusterId} (from ${drill.source ?? '?'}, created ${drill.createdAt ?? '?'})`)
    const sources = [...new Set(found.map((drill) => drill.source))]
    const expected = sources.length === 1 && sources[0] ? sources[0] : ((await this.target()).region ?? 'all')
    await confirmByTypedName({
      action: `delete ${found.length} drill cluster(s) and their instances, without final snapshots`,
      confirmFlag: flags.confirm,
      expected,
      interactive: this.interactive(),
    })
    const progress = await this.progress()
    const deleted: string[] = []
    const failed: DrillCleanupOutput['failed'] = []
    for (const drill of found) {
      progress.start(`Deleting ${drill.clusterId}`)
      try {
        // eslint-disable-next-line no-await-in-loop
        await deleteDrillCluster(rds, drill.clusterId, timeoutMs)
        deleted.push(drill.clusterId)
        progress.succeed(`Deleted ${drill.clusterId}`)
      } catch (error) {
        failed.push({clusterId: drill.clusterId, error: (error as Error).message.split('\n')[0]!})
        progress.fail(`${drill.clusterId}: ${(error as Error).message.split('\n')[0]}`)
      }
    }

    this.log(`Deleted ${deleted.length} drill cluster(s)${failed.length > 0 ? `; ${failed.length} failed` : ''}.`)
    if (failed.length > 0) process.exitCode = 1
    return {deleted, failed, found}
  }
}
