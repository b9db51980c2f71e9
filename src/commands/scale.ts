import type {DBCluster, RDSClient} from '@aws-sdk/client-rds'

import * as Flags from '@oclif/core/flags'

import type {PauseFeature} from '../lib/auto-pause.js'
import type {AutoPauseSource, ScaleOutput, ScalingConfiguration} from '../lib/scaling.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {formatDuration, parseDuration} from '../lib/cli/duration.js'
import {badInput} from '../lib/cli/errors.js'
import {confirmFlag, integerFlag, refusedYesFlag, timeoutFlag, waitFlag} from '../lib/cli/flags.js'
import {
  applyScaling,
  checkEngineSupport,
  currentScaling,
  parseAcuFlag,
  parseAutoPause,
  refuseBlockedPause,
  resolveAutoPause,
  scalingCall,
  validateScaling,
} from '../lib/scaling.js'
import {requireCluster} from '../lib/target/target.js'

export default class Scale extends BaseCommand<typeof Scale> {
  static override description = `Change the cluster's Serverless v2 capacity range (ACU), applied immediately.
Checks the values before calling AWS, shows current and new, asks before lowering --max (it can throttle production),
then waits until the cluster reports the new range. Lowering --max is confirmed like every destructive action: type
the cluster id, or pass --confirm CLUSTER. Replaces \`aws rds modify-db-cluster --serverless-v2-scaling-configuration\`.

Scale to zero: --min 0 lets the cluster pause after --auto-pause of idle time (5m to 24h; without it, AWS's default
5m, said as such) and resume on the next connection (about 15 s). Refused, before any change, where the engine version
cannot scale to 0 ACUs (as AWS reports it), and where a feature keeps the cluster from ever pausing: an RDS Proxy
targeting it, the primary of a global database, logical replication (rds.logical_replication = 1), a zero-ETL
integration. A feature that cannot be checked is named, not passed. --auto-pause needs --min 0.`
  static override examples = [
    '<%= config.bin %> scale --min 1 --max 4',
    '<%= config.bin %> scale --max 2 --dry-run',
    '<%= config.bin %> scale --max 2 --confirm nba-tracker-prod --json',
    '<%= config.bin %> scale --min 0 --auto-pause 10m',
    '<%= config.bin %> scale --min 0 --max 2 --auto-pause 1h --dry-run',
  ]
  static override flags = {
    'auto-pause': Flags.string({
      description: "With --min 0: pause after this long without a user's connection, 5m to 24h (default: AWS's 5m)",
      helpValue: 'DURATION',
    }),
    confirm: confirmFlag('the cluster id (needed when lowering --max)'),
    'dry-run': Flags.boolean({description: 'Print the change and the API call it would make, and change nothing'}),
    max: Flags.string({description: 'Maximum ACU: 1 to 256 in steps of 0.5 (default: unchanged)'}),
    min: Flags.string({description: 'Minimum ACU: 0 to 256 in steps of 0.5, at most --max (default: unchanged); 0 scales to zero'}),
    // The older spelling, in seconds; kept so scripts keep working.
    'seconds-until-auto-pause': integerFlag({
      deprecated: {message: 'use --auto-pause DURATION (e.g. --auto-pause 10m)'},
      description: 'With --min 0: pause after this many idle seconds (300-86400); use --auto-pause',
      exclusive: ['auto-pause'],
      hidden: true,
    }),
    timeout: timeoutFlag('15m'),
    wait: waitFlag,
    yes: refusedYesFlag,
  }
  static override summary = 'Change the Serverless v2 ACU range, or scale to zero'

  async run(): Promise<ScaleOutput> {
    const {flags} = this
    const min = parseAcuFlag(flags.min, '--min')
    const max = parseAcuFlag(flags.max, '--max')
    const autoPauseSeconds = this.autoPauseFlag(min)
    if (min === undefined && max === undefined) throw badInput('Give --min, --max, or both (ACU, in steps of 0.5).')
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 6 * 3_600_000, minMs: 10_000})
    const clusterId = requireCluster(await this.target())
    const [{describeCluster}, rds] = await Promise.all([import('../lib/aws/rds.js'), this.aws().then((aws) => aws.rds())])
    const cluster = await describeCluster(rds, clusterId)
    const current = currentScaling(cluster)
    const minAcu = min ?? current?.minAcu ?? Number.NaN
    const autoPause = resolveAutoPause(minAcu, autoPauseSeconds, current)
    const desired = validateScaling({
      maxAcu: max ?? current?.maxAcu ?? Number.NaN,
      minAcu,
      ...(autoPause ? {secondsUntilAutoPause: autoPause.seconds} : {}),
    })
    await checkEngineSupport(rds, cluster, desired)
    // Features are looked for when this command turns scaling to zero on (or sets its delay), not on every change of
    // a cluster already at 0 ACUs.
    const pauseFeatures = min === 0 ? await this.pauseFeatures(rds, cluster) : null
    this.log(`${clusterId}: ${describe(current)} -> ${describe(desired, autoPause?.source)}`)
    const base = {autoPause: autoPause ?? null, before: current ?? null, clusterId, pauseFeatures}
    if (flags['dry-run']) {
      const call = scalingCall(clusterId, desired)
      this.log(`Dry run: this call would make the change (nothing was changed):`)
      this.log(`  ${call.api} ${JSON.stringify(call.input)}`)
      return {...base, after: desired, call, dryRun: true, elapsedSeconds: 0, status: cluster.Status ?? null, waited: false}
    }

    await this.confirmLowerMax(clusterId, current, desired)
    const progress = await this.progress()
    const result = await this.interruptibly((signal) =>
      applyScaling(rds, clusterId, desired, {progress, signal, timeoutMs, wait: flags.wait}),
    )
    this.log(
      result.waited
        ? `${clusterId} now scales between ${desired.minAcu} and ${desired.maxAcu} ACU${autoPause ? `, and pauses after ${formatDuration(autoPause.seconds * 1000)} without a connection` : ''}.`
        : `Requested; AWS applies it now. Check with \`${this.config.bin} status\`.`,
    )
    return {
      ...base,
      after: result.requested,
      dryRun: false,
      elapsedSeconds: result.elapsedSeconds,
      status: result.status,
      waited: result.waited,
    }
  }

  /** --auto-pause (or the older --seconds-until-auto-pause) in seconds; refused without --min 0. */
  private autoPauseFlag(min: number | undefined): number | undefined {
    const seconds = this.flags['seconds-until-auto-pause']
    const flag = seconds === undefined ? '--auto-pause' : '--seconds-until-auto-pause'
    const autoPauseSeconds = seconds === undefined ? parseAutoPause(this.flags['auto-pause']) : parseAutoPause(`${seconds}s`, flag)
    if (autoPauseSeconds !== undefined && min !== 0) {
      const again = `${flag} ${seconds === undefined ? this.flags['auto-pause'] : seconds}`
      throw badInput(`${flag} applies only with --min 0: a cluster pauses only when its minimum is 0 ACUs (pass --min 0 ${again}).`)
    }

    return autoPauseSeconds
  }

  private async confirmLowerMax(clusterId: string, current: ScalingConfiguration | undefined, desired: ScalingConfiguration) {
    if (!current || desired.maxAcu >= current.maxAcu) return
    const {confirmByTypedName} = await import('../lib/cli/confirm.js')
    await confirmByTypedName({
      action: `lower the maximum of ${clusterId} from ${current.maxAcu} to ${desired.maxAcu} ACU (under load it will be throttled)`,
      confirmFlag: this.flags.confirm,
      expected: clusterId,
      interactive: this.interactive(),
    })
  }

  /** The features that keep a cluster from pausing: refused when one is on; named on stderr when one cannot be checked. */
  private async pauseFeatures(rds: RDSClient, cluster: DBCluster): Promise<PauseFeature[]> {
    const {findPauseFeatures} = await import('../lib/auto-pause.js')
    const features = await findPauseFeatures(rds, cluster)
    refuseBlockedPause(cluster.DBClusterIdentifier!, features)
    // Also under --json (stderr), as target conflicts are: a check not made must not read as a check passed.
    for (const feature of features.filter((item) => item.blocks === null))
      process.stderr.write(`${this.colour.yellow('Note:')} ${feature.name} ${feature.detail}: if it is on, the cluster will not pause.\n`)
    return features
  }
}

function describe(scaling: ScalingConfiguration | undefined, source?: AutoPauseSource): string {
  if (!scaling) return 'not configured'
  const range = `${scaling.minAcu}-${scaling.maxAcu} ACU`
  if (scaling.minAcu !== 0 || scaling.secondsUntilAutoPause === undefined) return range
  const after = formatDuration(scaling.secondsUntilAutoPause * 1000)
  return `${range}, auto-pause after ${after}${source === 'aws-default' ? " (AWS's default; set it with --auto-pause)" : ''}`
}
