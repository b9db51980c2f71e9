import * as Flags from '@oclif/core/flags'

import type {ScaleOutput} from '../lib/scaling.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {parseDuration} from '../lib/cli/duration.js'
import {badInput} from '../lib/cli/errors.js'
import {confirmFlag, integerFlag, refusedYesFlag, timeoutFlag, waitFlag} from '../lib/cli/flags.js'
import {parseAcuFlag} from '../lib/scaling.js'
import {requireCluster} from '../lib/target/target.js'

export default class Scale extends BaseCommand<typeof Scale> {
  static override description = `Change the cluster's Serverless v2 capacity range (ACU), applied immediately.
Checks the values before calling AWS, shows current and new, asks before lowering --max (it can throttle production),
then waits until the cluster reports the new range. Lowering --max is confirmed like every destructive action: type
the cluster id, or pass --confirm CLUSTER. Replaces \`aws rds modify-db-cluster --serverless-v2-scaling-configuration\`.`
  static override examples = [
    '<%= config.bin %> scale --min 1 --max 4',
    '<%= config.bin %> scale --max 2 --dry-run',
    '<%= config.bin %> scale --max 2 --confirm nba-tracker-prod --json',
    '<%= config.bin %> scale --min 0 --max 1 --seconds-until-auto-pause 900',
  ]
  static override flags = {
    confirm: confirmFlag('the cluster id (needed when lowering --max)'),
    'dry-run': Flags.boolean({description: 'Print the change and the API call it would make, and change nothing'}),
    max: Flags.string({description: 'Maximum ACU: 1 to 256 in steps of 0.5 (default: unchanged)'}),
    min: Flags.string({description: 'Minimum ACU: 0 to 256 in steps of 0.5, at most --max (default: unchanged)'}),
    'seconds-until-auto-pause': integerFlag({description: 'With --min 0: pause after this many idle seconds (300-86400)'}),
    timeout: timeoutFlag('15m'),
    wait: waitFlag,
    yes: refusedYesFlag,
  }
  static override summary = "Change the cluster's Serverless v2 capacity range (ACU)"

  async run(): Promise<ScaleOutput> {
    const {flags} = this
    const min = parseAcuFlag(flags.min, '--min')
    const max = parseAcuFlag(flags.max, '--max')
    if (min === undefined && max === undefined) throw badInput('Give --min, --max, or both (ACU, in steps of 0.5).')
    const timeoutMs = parseDuration(flags.timeout, '--timeout', {maxMs: 6 * 3_600_000, minMs: 10_000})
    const clusterId = requireCluster(await this.target())
    const [{applyScaling, currentScaling, scalingCall, validateScaling}, {describeCluster}, {confirmByTypedName}, rds] = await Promise.all([
      import('../lib/scaling.js'),
      import('../lib/aws/rds.js'),
      import('../lib/cli/confirm.js'),
      this.aws().then((aws) => aws.rds()),
    ])
    const cluster = await describeCluster(rds, clusterId)
    const current = currentScaling(cluster)
    const desired = validateScaling(
      {
        maxAcu: max ?? current?.maxAcu ?? Number.NaN,
        minAcu: min ?? current?.minAcu ?? Number.NaN,
        secondsUntilAutoPause: flags['seconds-until-auto-pause'],
      },
      cluster.EngineVersion,
    )
    const describe = (scaling: typeof current) => (scaling ? `${scaling.minAcu}-${scaling.maxAcu} ACU` : 'not configured')
    this.log(
      `${clusterId}: ${describe(current)} -> ${describe(desired)}${desired.secondsUntilAutoPause ? `, auto-pause after ${desired.secondsUntilAutoPause}s` : ''}`,
    )
    if (flags['dry-run']) {
      const call = scalingCall(clusterId, desired)
      this.log(`Dry run: this call would make the change (nothing was changed):`)
      this.log(`  ${call.api} ${JSON.stringify(call.input)}`)
      return {
        after: desired,
        before: current ?? null,
        call,
        clusterId,
        dryRun: true,
        elapsedSeconds: 0,
        status: cluster.Status ?? null,
        waited: false,
      }
    }

    if (current && desired.maxAcu < current.maxAcu) {
      await confirmByTypedName({
        action: `lower the maximum of ${clusterId} from ${current.maxAcu} to ${desired.maxAcu} ACU (under load it will be throttled)`,
        confirmFlag: flags.confirm,
        expected: clusterId,
        interactive: this.interactive(),
      })
    }

    const progress = await this.progress()
    const result = await this.interruptibly((signal) =>
      applyScaling(rds, clusterId, desired, {progress, signal, timeoutMs, wait: flags.wait}),
    )
    this.log(
      result.waited
        ? `${clusterId} now scales between ${desired.minAcu} and ${desired.maxAcu} ACU.`
        : `Requested; AWS applies it now. Check with \`${this.config.bin} status\`.`,
    )
    return {
      after: result.requested,
      before: current ?? null,
      clusterId,
      dryRun: false,
      elapsedSeconds: result.elapsedSeconds,
      status: result.status,
      waited: result.waited,
    }
  }
}
