import * as Flags from '@oclif/core/flags'

import type {CreatedSnapshot} from '../../lib/snapshots.js'

import {BaseCommand} from '../../lib/base-command.js'
import {parseDuration} from '../../lib/duration.js'
import {timeoutFlag, waitFlag} from '../../lib/flags.js'
import {parseTags} from '../../lib/tags.js'
import {requireCluster} from '../../lib/target.js'

export default class SnapshotCreate extends BaseCommand<typeof SnapshotCreate> {
  static override description = `Take a manual snapshot of the cluster and wait until it is available.
The id defaults to <cluster>-<yyyymmdd-hhmmss> (UTC). Tags record created-by=auroractl and --reason.
Replaces \`aws rds create-db-cluster-snapshot\`.`
static override examples = [
    '<%= config.bin %> snapshot create --reason "deploy 3f2a9c1"',
    '<%= config.bin %> snapshot create --id before-migration --tag ticket=OPS-42 --no-wait --json',
  ]
static override flags = {
    id: Flags.string({description: 'Snapshot identifier (default: <cluster>-<yyyymmdd-hhmmss>)'}),
    reason: Flags.string({description: 'Why the snapshot was taken, stored as the tag "reason" (e.g. the commit about to be deployed)'}),
    tag: Flags.string({description: 'Extra tag KEY=VALUE (repeatable)', multiple: true}),
    timeout: timeoutFlag('30m'),
    wait: waitFlag,
  }

  async run(): Promise<CreatedSnapshot> {
    const {flags} = this
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 24 * 3_600_000, minMs: 10_000})
    const tags = parseTags(flags.tag)
    const clusterId = requireCluster(await this.target())
    const [{createSnapshot, defaultSnapshotId}, rds, progress] = await Promise.all([
      import('../../lib/snapshots.js'),
      this.aws().then((aws) => aws.rds()),
      this.progress(),
    ])
    const snapshot = await this.interruptibly((signal) =>
      createSnapshot(
        rds,
        {clusterId, reason: flags.reason, snapshotId: flags.id ?? defaultSnapshotId(clusterId, new Date()), tags},
        {progress, signal, timeoutMs, wait: flags.wait},
      ),
    )
    this.log(
      snapshot.waited
        ? `Snapshot ${snapshot.id} is ${snapshot.status} (${snapshot.sizeGiB ?? '?'} GiB, ${snapshot.elapsedSeconds} s).`
        : `Snapshot ${snapshot.id} is ${snapshot.status}; AWS carries on. Follow it with \`${this.config.bin} snapshot list\`.`,
    )
    return snapshot
  }
}
