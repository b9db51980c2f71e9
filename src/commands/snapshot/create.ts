import * as Flags from '@oclif/core/flags'

import type {CreatedSnapshot} from '../../lib/snapshots.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {parseDuration} from '../../lib/cli/duration.js'
import {AuroraError, badInput, toRenderedError} from '../../lib/cli/errors.js'
import {timeoutFlag, tlsFlags, waitFlag} from '../../lib/cli/flags.js'
import {checkOutputFile} from '../../lib/cli/output-path.js'
import {parseTags} from '../../lib/restore/tags.js'
import {requireCluster} from '../../lib/target/target.js'

export default class SnapshotCreate extends BaseCommand<typeof SnapshotCreate> {
  static override description = `Take a manual snapshot of the cluster and wait until it is available.
The id defaults to <cluster>-<yyyymmdd-hhmmss>-<4 random> (UTC; unique for runs started in the same second). Tags record created-by=auroractl and --reason.
Replaces \`aws rds create-db-cluster-snapshot\`.`
  static override examples = [
    '<%= config.bin %> snapshot create --reason "deploy 3f2a9c1"',
    '<%= config.bin %> snapshot create --id before-migration --tag ticket=OPS-42 --no-wait --json',
    '<%= config.bin %> snapshot create --manifest snapshot-manifest.json --manifest-mode checksum',
  ]
  static override flags = {
    ...tlsFlags,
    id: Flags.string({description: 'Snapshot identifier (default: <cluster>-<yyyymmdd-hhmmss>-<4 random>)'}),
    manifest: Flags.string({
      description:
        'Also write FILE: exact per-table row counts (and checksums), sequences, object counts and the PostgreSQL version, read just before the snapshot. `drill --manifest FILE` proves a restore against it.',
    }),
    'manifest-mode': Flags.string({
      dependsOn: ['manifest'],
      description: 'count (default): exact count(*) per table; checksum: also a hash of every row (reads all data)',
      options: ['count', 'checksum'],
    }),
    reason: Flags.string({description: 'Why the snapshot was taken, stored as the tag "reason" (e.g. the commit about to be deployed)'}),
    tag: Flags.string({description: 'Extra tag KEY=VALUE (repeatable)', multiple: true}),
    timeout: timeoutFlag('30m'),
    wait: waitFlag,
  }
  static override summary = 'Take a manual snapshot and wait until it is available'

  async run(): Promise<CreatedSnapshot & {manifest?: {exact: boolean; file: string; tables: number}}> {
    const {flags} = this
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 24 * 3_600_000, minMs: 10_000})
    const tags = parseTags(flags.tag)
    const clusterId = requireCluster(await this.target())
    if (flags.manifest && !flags.wait) throw badInput('--manifest needs the snapshot to be waited for; leave out --no-wait.')
    // Before any AWS call: a manifest that cannot be written must not cost a snapshot (and a CI retry another).
    if (flags.manifest) await checkOutputFile(flags.manifest, '--manifest')
    const [{createSnapshot, defaultSnapshotId}, rds, progress] = await Promise.all([
      import('../../lib/snapshots.js'),
      this.aws().then((aws) => aws.rds()),
      this.progress(),
    ])
    const snapshotId = flags.id ?? defaultSnapshotId(clusterId, new Date())
    const take = (signal: AbortSignal) =>
      createSnapshot(rds, {clusterId, reason: flags.reason, snapshotId, tags}, {progress, signal, timeoutMs, wait: flags.wait})
    if (!flags.manifest) {
      const snapshot = await this.interruptibly(take)
      this.log(
        snapshot.waited
          ? `Snapshot ${snapshot.id} is ${snapshot.status} (${snapshot.sizeGiB ?? '?'} GiB, ${snapshot.elapsedSeconds} s).`
          : `Snapshot ${snapshot.id} is ${snapshot.status}; AWS carries on. Follow it with \`${this.config.bin} snapshot list\`.`,
      )
      return snapshot
    }

    const file = flags.manifest
    const [{connectToCluster, resolveClusterConnection}, manifests] = await Promise.all([
      import('../../lib/target/cluster-connection.js'),
      import('../../lib/drill/manifest.js'),
    ])
    const client = await connectToCluster(
      await resolveClusterConnection(await this.target(), await this.aws(), {tls: await this.clusterTls()}),
    )
    try {
      const mode = (flags['manifest-mode'] ?? 'count') as 'checksum' | 'count'
      progress.start(`Manifest: counting${mode === 'checksum' ? ' and hashing' : ''} every table`)
      const draft = await manifests.readManifest(client, {cluster: clusterId, mode})
      progress.succeed(`Manifest: ${draft.tables.length} tables, ${draft.tables.reduce((sum, table) => sum + table.rows, 0)} rows`)
      const snapshot = await this.interruptibly(take)
      let manifest
      try {
        manifest = await manifests.completeManifest(client, draft, snapshot.id)
        await manifests.writeManifest(file, manifest)
      } catch (error) {
        // The snapshot exists and costs money: say so, so a retry does not take another one blindly.
        const {message} = toRenderedError(error)
        throw new AuroraError(
          'UNEXPECTED',
          `Snapshot ${snapshot.id} was created (${snapshot.status}), but its manifest ${file} was not written: ${message}`,
          {
            cause: error,
            hint: `Keep the snapshot and drill it without a manifest (\`auroractl drill --snapshot ${snapshot.id}\`), or delete it (\`auroractl snapshot delete ${snapshot.id}\`) before taking another.`,
          },
        )
      }

      this.log(`Snapshot ${snapshot.id} is ${snapshot.status} (${snapshot.sizeGiB ?? '?'} GiB, ${snapshot.elapsedSeconds} s).`)
      this.log(
        `Manifest ${file}: ${manifest.tables.length} tables, ${manifest.sequences.length} sequences, PostgreSQL ${manifest.postgresVersion}; ${manifest.exactness.detail}.`,
      )
      return {...snapshot, manifest: {exact: manifest.exactness.exact, file, tables: manifest.tables.length}}
    } finally {
      await client.end().catch(() => {})
    }
  }
}
