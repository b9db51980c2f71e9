import * as Flags from '@oclif/core/flags'

import type {FailoverPlan, FailoverReport} from '../lib/failover/types.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {parseDuration} from '../lib/cli/duration.js'
import {AuroraError} from '../lib/cli/errors.js'
import {confirmFlag, refusedYesFlag, timeoutFlag, tlsFlags, viaFlag} from '../lib/cli/flags.js'
import {checkOutputFiles} from '../lib/cli/output-path.js'
import {requireCluster} from '../lib/target/target.js'

/** The new writer must take writes this long before a measurement ends (and never less than a few probes). */
const settleMs = 3000

export default class Failover extends BaseCommand<typeof Failover> {
  static override description = `Rehearse a failover and measure the downtime an application sees.
Preflight: the cluster is available and has a reader to promote (--to INSTANCE, else the one AWS picks: the lowest
promotion tier); warns when no reader is in tier 0-1, and refuses a cluster without readers (AWS would have to
replace the writer, which takes minutes) unless --allow-no-reader. Confirmed like every destructive action
(--confirm CLUSTER). Then, while FailoverDBCluster runs, a probe opens a NEW connection to the writer endpoint every
--probe-interval (resolving it afresh each time: DNS, the endpoint map, or --via) and writes (SELECT
pg_current_xact_id(), which a replica refuses; nothing is left behind). It reports the last write before the outage,
the first failed and the first good one after, the write-unavailability window, when the endpoint's answer changed,
the old and new writer, and the RDS events AWS has delivered by then. --failback hands the writer role back, measured
the same way. Exit 0 within --max-downtime (or without one), 4 over it, 5 on --timeout, 130 interrupted, 2 refused.`
  static override examples = [
    '<%= config.bin %> failover --dry-run',
    '<%= config.bin %> failover --confirm nba-tracker-dev --max-downtime 30s --report-junit failover.xml',
    '<%= config.bin %> failover --to nba-tracker-dev-reader-1 --failback --confirm nba-tracker-dev --json',
  ]
  static override flags = {
    'allow-no-reader': Flags.boolean({
      description: 'Fail over a cluster without readers: AWS replaces the writer itself, which takes minutes (refused without it)',
    }),
    confirm: confirmFlag('the cluster id'),
    'dry-run': Flags.boolean({description: 'Show the plan and the API call, and change nothing'}),
    failback: Flags.boolean({description: 'Afterwards, return the writer role to the original writer, measured the same way'}),
    'max-downtime': Flags.string({
      description: 'Objective: exit 4 when writes were unavailable longer than this (e.g. 30s, 1m, 500ms; default: measure only)',
    }),
    'probe-interval': Flags.string({default: '250ms', description: 'How often the probe opens a new connection and writes (50ms to 10s)'}),
    'report-json': Flags.string({description: 'Also write the report as JSON to this file'}),
    'report-junit': Flags.string({
      description: 'Also write a JUnit XML file: per failover, the downtime against the objective and the writer change',
    }),
    'report-md': Flags.string({description: 'Also write a Markdown summary (e.g. to $GITHUB_STEP_SUMMARY)'}),
    timeout: timeoutFlag('10m'),
    to: Flags.string({description: 'The reader to promote (default: the one AWS picks, in the lowest promotion tier)'}),
    ...tlsFlags,
    via: viaFlag,
    yes: refusedYesFlag,
  }
  static override summary = 'Rehearse a failover, measuring the write downtime'

  async run(): Promise<FailoverReport> {
    const {flags} = this
    const objectiveMs =
      flags['max-downtime'] === undefined ? undefined : parseDuration(flags['max-downtime'], '--max-downtime', {maxMs: 3_600_000, minMs: 1})
    const intervalMs = parseDuration(flags['probe-interval'], '--probe-interval', {maxMs: 10_000, minMs: 50})
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 6 * 3_600_000, minMs: 30_000})
    // Before any AWS call: a report that cannot be written must not cost a failover.
    await checkOutputFiles({
      '--report-json': flags['report-json'],
      '--report-junit': flags['report-junit'],
      '--report-md': flags['report-md'],
    })
    const target = await this.target()
    const clusterId = requireCluster(target)
    const [{describeCluster, listClusterInstances}, {planFailover}, render, aws] = await Promise.all([
      import('../lib/aws/rds.js'),
      import('../lib/failover/plan.js'),
      import('../lib/cli/render/failover.js'),
      this.aws(),
    ])
    const rds = await aws.rds()
    const cluster = await describeCluster(rds, clusterId)
    const plan = planFailover(cluster, await listClusterInstances(rds, clusterId), {allowNoReader: flags['allow-no-reader'], to: flags.to})
    for (const warning of plan.warnings) process.stderr.write(`${this.colour.yellow('Warning:')} ${warning}\n`)
    if (flags['dry-run']) {
      this.log(render.renderFailoverPlan(plan, this.colour))
      this.log('Dry run: nothing was changed.')
      return dryRunReport(plan, {endpoint: `${cluster.Endpoint}:${cluster.Port ?? 5432}`, intervalMs, objectiveMs})
    }

    if (!this.jsonEnabled()) process.stderr.write(`${render.renderFailoverPlan(plan, this.colour)}\n`)
    const {confirmByTypedName} = await import('../lib/cli/confirm.js')
    await confirmByTypedName({
      action: `fail over ${clusterId} (writer ${plan.writer} → ${plan.target?.id ?? 'a new instance'}): applications lose writes for a while${flags.failback ? ', twice with --failback' : ''}`,
      confirmFlag: flags.confirm,
      expected: clusterId,
      interactive: this.interactive(),
    })
    const report = await this.rehearse(plan, {intervalMs, objectiveMs, timeoutMs})
    await this.writeReports(report)
    if (!this.jsonEnabled()) {
      this.log(render.renderFailoverText(report, this.colour))
      if (report.error) process.stderr.write(`${this.colour.red('Error:')} ${report.error}\n`)
    }

    const {failoverExitCode} = await import('../lib/failover/run.js')
    process.exitCode = failoverExitCode(report)
    return report
  }

  private async rehearse(
    plan: FailoverPlan,
    settings: {intervalMs: number; objectiveMs?: number; timeoutMs: number},
  ): Promise<FailoverReport> {
    const target = await this.target()
    const aws = await this.aws()
    const [{resolveClusterConnection}, {clusterWriteAttempt, describeProbeError, writerEndpointResolver}, {runFailover}] =
      await Promise.all([
        import('../lib/target/cluster-connection.js'),
        import('../lib/failover/write-attempt.js'),
        import('../lib/failover/run.js'),
      ])
    const connection = await resolveClusterConnection(target, aws, {tls: await this.clusterTls()})
    const endpoint = {host: connection.cluster.Endpoint!, port: connection.cluster.Port ?? 5432}
    const resolve = writerEndpointResolver(endpoint, {endpointMapFile: target.endpointMap, via: target.via})
    // Each probe gets up to four intervals, within 1-2 s: long enough for a TLS login far away, short enough to see the outage.
    const probeTimeoutMs = Math.min(2000, Math.max(1000, settings.intervalMs * 4))
    const progress = await this.progress()
    return this.interruptibly(async (signal) =>
      runFailover({
        failback: this.flags.failback,
        objectiveMs: settings.objectiveMs,
        plan,
        probe: {
          attempt: clusterWriteAttempt(connection, resolve),
          describe: describeProbeError,
          endpoint: `${endpoint.host}:${endpoint.port}`,
          intervalMs: settings.intervalMs,
          maxInFlight: Math.ceil(probeTimeoutMs / settings.intervalMs) + 1,
          route: connection.address.route,
          timeoutMs: probeTimeoutMs,
        },
        progress,
        rds: await aws.rds(),
        settleMs: Math.max(settleMs, settings.intervalMs * 4),
        signal,
        timeoutMs: settings.timeoutMs,
      }),
    )
  }

  private async writeReports(report: FailoverReport): Promise<void> {
    const {flags} = this
    const {writeFailoverReports} = await import('../lib/failover/reports.js')
    try {
      const written = await writeFailoverReports(report, {
        json: flags['report-json'],
        junit: flags['report-junit'],
        markdown: flags['report-md'],
      })
      if (!this.jsonEnabled()) for (const file of written) process.stderr.write(`Wrote ${file}\n`)
    } catch (error) {
      // The failover happened: say how it went with the failure to write about it.
      throw new AuroraError(
        'UNEXPECTED',
        `The failover ran (${report.outcome}), but a report was not written: ${(error as Error).message.split('\n')[0]}`,
        {cause: error},
      )
    }
  }
}

function dryRunReport(plan: FailoverPlan, probe: {endpoint: string; intervalMs: number; objectiveMs?: number}): FailoverReport {
  const now = new Date().toISOString()
  return {
    clusterId: plan.clusterId,
    dryRun: true,
    finalState: null,
    finishedAt: now,
    measurements: [],
    objectiveSeconds: probe.objectiveMs === undefined ? null : probe.objectiveMs / 1000,
    outcome: 'dry-run',
    plan,
    // Not run: where the probe would connect, at what pace.
    probe: {endpoint: probe.endpoint, intervalMs: probe.intervalMs, route: 'direct', timeoutMs: 0},
    startedAt: now,
    warnings: plan.warnings,
  }
}
