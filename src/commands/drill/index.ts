import * as Flags from '@oclif/core/flags'

import type {DrillReport} from '../../lib/drill/types.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {parseDuration} from '../../lib/cli/duration.js'
import {AuroraError} from '../../lib/cli/errors.js'
import {timeoutFlag, tlsFlags} from '../../lib/cli/flags.js'
import {checkOutputFiles} from '../../lib/cli/output-path.js'
import {requireCluster} from '../../lib/target/target.js'

export default class Drill extends BaseCommand<typeof Drill> {
  static override description = `Rehearse a restore: restore a snapshot into a throwaway cluster, time it, prove the data, and delete it.
Phases: pick the snapshot (newest, --snapshot ID, or --create-snapshot), restore it through the same code as \`restore\`
(tagged auroractl:drill, with an expiry), wait until it takes logins with the source's credentials, verify (--check SQL,
object counts, and with a manifest from \`snapshot create --manifest\` every table's exact rows), then delete the cluster
(no final snapshot) whatever happened, unless --keep. Exit 0 passed, 2 bad input (nothing created), 4 a check failed, 5 timeout, 130 interrupted, 1 otherwise.`
  static override examples = [
    '<%= config.bin %> drill --check "SELECT count(*) > 0 FROM games"',
    '<%= config.bin %> drill --manifest snapshot-manifest.json --verify checksum --report-junit drill.xml --report-md drill.md',
    '<%= config.bin %> drill --create-snapshot --json',
  ]
  static override flags = {
    check: Flags.string({description: 'A SQL query that must return true on the restored copy (repeatable)', multiple: true}),
    'create-snapshot': Flags.boolean({
      description: 'Take a snapshot now (with a manifest read just before it) and drill with it',
      exclusive: ['snapshot'],
    }),
    'from-other-cluster': Flags.boolean({
      description: "Drill a --snapshot of another cluster with this cluster's network, KMS key and parameter group (refused without it)",
    }),
    keep: Flags.boolean({description: 'Leave the restored cluster running (remove it later with `drill cleanup`)'}),
    manifest: Flags.string({
      description:
        'Manifest written by `snapshot create --manifest`: the snapshot defaults to its snapshot, and every table is checked against it',
    }),
    'report-json': Flags.string({description: 'Also write the report as JSON to this file'}),
    'report-junit': Flags.string({description: 'Also write a JUnit XML file: one test case per phase and check'}),
    'report-md': Flags.string({description: 'Also write a Markdown summary (e.g. to $GITHUB_STEP_SUMMARY)'}),
    snapshot: Flags.string({
      description: 'Snapshot id, or "latest" for the newest available one (default: the manifest\'s snapshot, else latest)',
    }),
    timeout: timeoutFlag('90m'),
    ...tlsFlags,
    verify: Flags.string({
      default: 'count',
      description: 'With a manifest: count (exact rows per table), checksum (rows and a hash of each row), none',
      options: ['count', 'checksum', 'none'],
    }),
  }
  static override summary = 'Rehearse a restore: restore, prove the data, delete the copy'

  async run(): Promise<DrillReport> {
    const {flags} = this
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 24 * 3_600_000, minMs: 60_000})
    const target = await this.target()
    const sourceClusterId = requireCluster(target)
    const [
      {drillExitCode, runDrill, trySourceChecks, validateDrill},
      {loadManifest},
      {connectToCluster, resolveClusterConnection, sameCredentialsOn},
      {describeCluster},
      aws,
    ] = await Promise.all([
      import('../../lib/drill/drill.js'),
      import('../../lib/drill/manifest.js'),
      import('../../lib/target/cluster-connection.js'),
      import('../../lib/aws/rds.js'),
      this.aws(),
    ])
    const manifest = flags.manifest ? {file: flags.manifest, manifest: await loadManifest(flags.manifest)} : undefined
    const snapshotFlag = flags.snapshot ?? manifest?.manifest.snapshotId ?? 'latest'
    const snapshot = flags['create-snapshot']
      ? ({kind: 'create'} as const)
      : snapshotFlag === 'latest'
        ? ({kind: 'latest'} as const)
        : ({id: snapshotFlag, kind: 'id'} as const)
    const verify = flags.verify as 'checksum' | 'count' | 'none'
    const checks = flags.check ?? []
    validateDrill({checks, manifest, snapshot, verify})
    // Before any AWS call: a report that cannot be written must not cost a restore.
    await checkOutputFiles({
      '--report-json': flags['report-json'],
      '--report-junit': flags['report-junit'],
      '--report-md': flags['report-md'],
    })

    const rds = await aws.rds()
    const source = await resolveClusterConnection(target, aws, {tls: await this.clusterTls()})
    const connect = async (clusterId: string) =>
      connectToCluster(
        clusterId === sourceClusterId ? source : await sameCredentialsOn(source, await describeCluster(rds, clusterId), target.endpointMap),
        {connectTimeoutMs: 15_000},
      )
    const progress = await this.progress()
    // Every --check is tried on the source, read-only, before anything is restored: a wrong one is exit 2 now, not after the restore.
    const warnings: string[] = []
    if (checks.length > 0) {
      progress.start(`Trying ${checks.length} --check quer${checks.length === 1 ? 'y' : 'ies'} on ${sourceClusterId} (read-only)`)
      const client = await connect(sourceClusterId)
      try {
        warnings.push(...(await trySourceChecks(client, checks)).warnings)
      } catch (error) {
        progress.fail('A --check was refused')
        throw error
      } finally {
        await client.end().catch(() => {})
      }

      progress.succeed(`${checks.length} --check quer${checks.length === 1 ? 'y' : 'ies'} valid on ${sourceClusterId}`)
      for (const warning of warnings) process.stderr.write(`${this.colour.yellow('Warning:')} ${warning}\n`)
    }

    // CI systems cancel jobs with SIGTERM: treat it as Ctrl-C, so the drill still deletes its cluster.
    const terminated = new AbortController()
    const onTerminate = () => terminated.abort()
    process.once('SIGTERM', onTerminate)
    const report = await this.interruptibly((signal) =>
      runDrill(rds, {
        checks,
        clusterExplicit: target.sources.cluster === 'flag',
        connect,
        fromOtherCluster: flags['from-other-cluster'],
        keep: flags.keep,
        manifest,
        progress,
        signal: AbortSignal.any([signal, terminated.signal]),
        snapshot,
        sourceClusterId,
        timeoutMs,
        verify,
        warnings,
      }),
    ).finally(() => process.off('SIGTERM', onTerminate))

    const reports = await import('../../lib/drill/reports.js')
    let written: string[]
    try {
      written = await reports.writeDrillReports(report, {
        json: flags['report-json'],
        junit: flags['report-junit'],
        markdown: flags['report-md'],
      })
    } catch (error) {
      // The drill ran and its cluster was created: say what became of it with the failure.
      throw new AuroraError(
        'UNEXPECTED',
        `The drill ran (${report.outcome}; drill cluster ${report.drillCluster}: ${report.teardown.detail}), but a report was not written: ${(error as Error).message.split('\n')[0]}`,
        {cause: error},
      )
    }

    if (!this.jsonEnabled()) {
      // The report is the result (stdout); what went wrong is an error (stderr), as everywhere.
      this.log(reports.renderDrillText({...report, error: undefined}, this.colour))
      if (report.error) process.stderr.write(`${this.colour.red('Error:')} ${report.error}\n`)
      for (const file of written) this.log(`Wrote ${file}`)
    }

    process.exitCode = drillExitCode(report)
    return report
  }
}
