import * as Flags from '@oclif/core/flags'

import type {LeftoverDrill} from '../../lib/drill/drill.js'

import {BaseCommand} from '../../lib/base-command.js'
import {parseDuration} from '../../lib/duration.js'
import {timeoutFlag} from '../../lib/flags.js'

export interface DrillCleanupOutput {
  deleted: string[]
  failed: Array<{clusterId: string; error: string}>
  found: LeftoverDrill[]
}

export default class DrillCleanup extends BaseCommand<typeof DrillCleanup> {
  static override description = `Delete drill clusters a killed drill (or --keep) left behind: clusters tagged auroractl:drill=true, with their instances, no final snapshot.
Lists them first and asks before deleting (--yes in scripts; a non-interactive run without it refuses). Other clusters are never touched.`
static override examples = ['<%= config.bin %> drill cleanup', '<%= config.bin %> drill cleanup --older-than 1d --yes --json']
static override flags = {
    'older-than': Flags.string({description: 'Only drill clusters created at least this long ago (e.g. 6h, 1d; default: all)'}),
    timeout: timeoutFlag('30m'),
    yes: Flags.boolean({description: 'Delete without asking'}),
  }

  async run(): Promise<DrillCleanupOutput> {
    const {flags} = this
    const olderThanMs = flags['older-than'] === undefined ? 0 : parseDuration(flags['older-than'], '--older-than', {maxMs: 365 * 86_400_000, minMs: 1000})
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 24 * 3_600_000, minMs: 60_000})
    const [{deleteDrillCluster, findLeftoverDrills}, {confirmYes}, rds] = await Promise.all([
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
    await confirmYes({
      action: `delete ${found.length} drill cluster(s)`,
      interactive: this.interactive(),
      question: `Delete these ${found.length} drill cluster(s) and their instances, without final snapshots?`,
      yes: flags.yes,
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
