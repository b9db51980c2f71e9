import * as Flags from '@oclif/core/flags'

import type {SnapshotSummary} from '../../lib/snapshots.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {integerFlag} from '../../lib/cli/flags.js'
import {requireCluster} from '../../lib/target/target.js'

export default class SnapshotList extends BaseCommand<typeof SnapshotList> {
  static override description = `List the cluster's snapshots, newest first: age, status, size and who made them.
Replaces \`aws rds describe-db-cluster-snapshots\`.`
  static override examples = ['<%= config.bin %> snapshot list', '<%= config.bin %> snapshot list --type manual --limit 5 --json']
  static override flags = {
    limit: integerFlag({description: 'Show at most this many (1-1000)', max: 1000, min: 1}),
    type: Flags.string({default: 'all', description: 'Which snapshots', options: ['manual', 'automated', 'all']}),
  }
  static override summary = "List the cluster's snapshots, newest first"

  async run(): Promise<SnapshotSummary[]> {
    const clusterId = requireCluster(await this.target())
    const [{listSnapshots}, rds] = await Promise.all([import('../../lib/snapshots.js'), this.aws().then((aws) => aws.rds())])
    const snapshots = await listSnapshots(rds, clusterId, {
      limit: this.flags.limit,
      type: this.flags.type as 'all' | 'automated' | 'manual',
    })
    if (!this.jsonEnabled()) {
      if (snapshots.length === 0) {
        this.log(
          `No ${this.flags.type === 'all' ? '' : `${this.flags.type} `}snapshots of ${clusterId}. Create one with \`${this.config.bin} snapshot create\`.`,
        )
      } else {
        const {renderSnapshotTable} = await import('../../lib/cli/render/snapshots.js')
        this.log(renderSnapshotTable(snapshots, this.colour))
      }
    }

    return snapshots
  }
}
