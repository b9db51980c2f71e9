import type {DBCluster, RDSClient} from '@aws-sdk/client-rds'

import type {PauseFeature} from './auto-pause.js'

import {serverlessV2Support, supportsAutoPause} from './aws/engine-versions.js'
import {describeCluster} from './aws/rds.js'
import {rdsSdk, smithyClient} from './aws/sdk.js'
import {runWaiter} from './aws/wait.js'
import {parseDuration, seconds} from './cli/duration.js'
import {badInput} from './cli/errors.js'
import {type Progress, silentProgress} from './cli/progress.js'

export interface ScalingConfiguration {
  maxAcu: number
  minAcu: number
  secondsUntilAutoPause?: number
}

/** What AWS sets SecondsUntilAutoPause to when the minimum becomes 0 ACUs without one (5 minutes). */
export const awsDefaultSecondsUntilAutoPause = 300

/** AWS's range for SecondsUntilAutoPause: 5 minutes to 24 hours. */
const autoPauseRangeSeconds = {max: 86_400, min: 300} as const

/** An ACU flag's text as a number; the grid and range are checked by validateScaling. */
export function parseAcuFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number)) throw badInput(`${flag} "${value}" is not a number.`)
  return number
}

/** `--auto-pause 10m` as whole seconds, within AWS's SecondsUntilAutoPause range (5m to 24h). */
export function parseAutoPause(value: string | undefined, flag = '--auto-pause'): number | undefined {
  if (value === undefined) return undefined
  const {max, min} = autoPauseRangeSeconds
  const seconds = parseDuration(value, flag, {maxMs: max * 1000, minMs: min * 1000}) / 1000
  if (!Number.isInteger(seconds)) {
    throw badInput(
      `${flag} ${value} is not allowed: it goes from 5m to 24h in whole seconds (AWS's SecondsUntilAutoPause, ${min} to ${max}).`,
    )
  }

  return seconds
}

const onGrid = (value: number) => Number.isFinite(value) && Math.round(value * 2) === value * 2

/**
 * Checks a scaling configuration before any call to AWS; each message states the rule. What the cluster's engine
 * version supports (0 ACUs, 256 ACUs) is asked of AWS afterwards, by checkEngineSupport. The pause delay is checked
 * where it is read (parseAutoPause) and comes only with a minimum of 0 (resolveAutoPause).
 */
export function validateScaling(config: ScalingConfiguration): ScalingConfiguration {
  const flags = {max: '--max', min: '--min'}
  const {maxAcu, minAcu} = config
  if (!onGrid(minAcu) || minAcu < 0 || minAcu > 256)
    throw badInput(`${flags.min} ${minAcu} is not allowed: capacity goes from 0 to 256 ACU in steps of 0.5.`)
  if (!onGrid(maxAcu) || maxAcu < 1 || maxAcu > 256)
    throw badInput(`${flags.max} ${maxAcu} is not allowed: the maximum goes from 1 to 256 ACU in steps of 0.5.`)
  if (minAcu > maxAcu) throw badInput(`${flags.min} ${minAcu} is above ${flags.max} ${maxAcu}: the minimum must not exceed the maximum.`)
  return config
}

/** Where the SecondsUntilAutoPause a scale sends came from. */
export type AutoPauseSource = 'aws-default' | 'flag' | 'kept'

/**
 * The SecondsUntilAutoPause to send with a minimum of 0, always sent so the request (and --dry-run) says exactly what
 * the cluster will do: the flag's; else the cluster's own when it already scales to 0 (kept, not reset); else AWS's
 * default, 300 s, which AWS applies anyway when a minimum of 0 comes without one, and which the output names as such.
 */
export function resolveAutoPause(
  minAcu: number,
  flagSeconds: number | undefined,
  current: ScalingConfiguration | undefined,
): undefined | {seconds: number; source: AutoPauseSource} {
  if (minAcu !== 0) return undefined
  if (flagSeconds !== undefined) return {seconds: flagSeconds, source: 'flag'}
  if (current?.minAcu === 0 && current.secondsUntilAutoPause !== undefined) return {seconds: current.secondsUntilAutoPause, source: 'kept'}
  return {seconds: awsDefaultSecondsUntilAutoPause, source: 'aws-default'}
}

/** The largest maximum every Serverless v2 version supports; above it, the version must support 256 ACUs. */
const maxOnEveryVersion = 128

const versionParts = (version: string) => version.split('.').map(Number)
function compareVersions(a: string, b: string): number {
  const [left, right] = [versionParts(a), versionParts(b)]
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0)
    if (difference !== 0) return difference
  }

  return 0
}

/**
 * The oldest version of the same major version that supports what `supports` asks, as AWS reports it
 * (DescribeDBEngineVersions for the major's parameter group family): undefined when none does.
 */
export async function firstVersionSupporting(
  rds: RDSClient,
  engine: string,
  engineVersion: string,
  supports: (feature: {MaxCapacity?: number; MinCapacity?: number}) => boolean,
): Promise<string | undefined> {
  const major = engineVersion.split('.')[0]!
  const {paginateDescribeDBEngineVersions} = rdsSdk()
  const found: string[] = []
  const pages = paginateDescribeDBEngineVersions({client: rds}, {DBParameterGroupFamily: `${engine}${major}`, Engine: engine})
  for await (const page of pages) {
    for (const version of page.DBEngineVersions ?? []) {
      const name = version.EngineVersion
      if (name?.split('.')[0] === major && version.ServerlessV2FeaturesSupport && supports(version.ServerlessV2FeaturesSupport))
        found.push(name)
    }
  }

  return found.sort(compareVersions)[0]
}

/**
 * Refuses (exit 2, before any change) what the cluster's engine version cannot do, as AWS reports it: 0 ACUs (scale to
 * zero and auto-pause), and a maximum above 128 ACUs. Asks AWS only when the request needs either.
 */
export async function checkEngineSupport(
  rds: RDSClient,
  cluster: Pick<DBCluster, 'Engine' | 'EngineVersion'>,
  desired: ScalingConfiguration,
): Promise<void> {
  if (desired.minAcu !== 0 && desired.maxAcu <= maxOnEveryVersion) return
  const engine = cluster.Engine ?? 'aurora-postgresql'
  const version = cluster.EngineVersion ?? ''
  const support = await serverlessV2Support(rds, engine, version)
  const named = `${engine} ${version || '(unknown version)'}`
  if (!support) {
    throw badInput(
      `${desired.minAcu === 0 ? '--min 0' : `--max ${desired.maxAcu}`} cannot be checked: AWS reports no Serverless v2 support for ${named}.`,
      'See the versions AWS offers with `aws rds describe-db-engine-versions --engine aurora-postgresql`.',
    )
  }

  const major = version.split('.')[0]
  if (desired.minAcu === 0 && !supportsAutoPause(support)) {
    const first = await firstVersionSupporting(rds, engine, version, (feature) => feature.MinCapacity === 0)
    const upgrade = first ? `the first ${major}.x that does is ${first}` : `no ${major}.x version does: upgrade to a later major version`
    throw badInput(
      `--min 0 is not supported by ${named}: AWS reports a minimum of ${support.minCapacity} ACU for it; ${upgrade}.`,
      "Upgrade the engine first (the module's engine_version), or keep a minimum of 0.5 ACU.",
    )
  }

  if (desired.maxAcu > support.maxCapacity) {
    const first = await firstVersionSupporting(rds, engine, version, (feature) => (feature.MaxCapacity ?? 0) >= desired.maxAcu)
    const upgrade = first ? `the first ${major}.x that supports ${desired.maxAcu} is ${first}` : `no ${major}.x version supports more`
    throw badInput(`--max ${desired.maxAcu} is above the ${support.maxCapacity} ACU that ${named} supports (AWS); ${upgrade}.`)
  }
}

export function currentScaling(cluster: DBCluster): ScalingConfiguration | undefined {
  const scaling = cluster.ServerlessV2ScalingConfiguration
  if (scaling?.MinCapacity === undefined || scaling.MaxCapacity === undefined) return undefined
  return {maxAcu: scaling.MaxCapacity, minAcu: scaling.MinCapacity, secondsUntilAutoPause: scaling.SecondsUntilAutoPause}
}

function matches(cluster: DBCluster, desired: ScalingConfiguration): boolean {
  const current = currentScaling(cluster)
  return (
    current?.minAcu === desired.minAcu &&
    current.maxAcu === desired.maxAcu &&
    (desired.secondsUntilAutoPause === undefined || current.secondsUntilAutoPause === desired.secondsUntilAutoPause)
  )
}

export interface ScaleResult {
  clusterId: string
  elapsedSeconds: number
  requested: ScalingConfiguration
  status: null | string
  waited: boolean
}

/** `scale --json`: the range before and after the change (the requested one; on a dry run, the one it would set). */
export interface ScaleOutput {
  after: ScalingConfiguration
  /** With a minimum of 0: how long idle before the writer pauses, and where that came from (the flag, kept, AWS's default). */
  autoPause: null | {seconds: number; source: AutoPauseSource}
  before: null | ScalingConfiguration
  /** On a dry run, the API call it would make. */
  call?: {api: string; input: Record<string, unknown>}
  clusterId: string
  dryRun: boolean
  elapsedSeconds: number
  /**
   * With --min 0: each feature that keeps a cluster from pausing, as found (`blocks` null: could not be checked);
   * null when the request did not turn on scaling to zero.
   */
  pauseFeatures: null | PauseFeature[]
  status: null | string
  waited: boolean
}

/** The ModifyDBCluster call that sets `desired`, applied immediately: what scale sends, and what --dry-run prints. */
export function scalingCall(clusterId: string, desired: ScalingConfiguration): {api: 'ModifyDBCluster'; input: Record<string, unknown>} {
  return {
    api: 'ModifyDBCluster',
    input: {
      ApplyImmediately: true,
      DBClusterIdentifier: clusterId,
      ServerlessV2ScalingConfiguration: {
        MaxCapacity: desired.maxAcu,
        MinCapacity: desired.minAcu,
        ...(desired.secondsUntilAutoPause === undefined ? {} : {SecondsUntilAutoPause: desired.secondsUntilAutoPause}),
      },
    },
  }
}

/** Applies a new scaling configuration immediately and (unless told not to) waits until the cluster reports it and is available. */
export async function applyScaling(
  rds: RDSClient,
  clusterId: string,
  desired: ScalingConfiguration,
  settings: {progress?: Progress; signal?: AbortSignal; timeoutMs: number; wait: boolean},
): Promise<ScaleResult> {
  const progress = settings.progress ?? silentProgress
  const started = performance.now()
  const {ModifyDBClusterCommand} = rdsSdk()
  await rds.send(new ModifyDBClusterCommand(scalingCall(clusterId, desired).input as {DBClusterIdentifier: string}))
  let status: null | string = null
  if (settings.wait) {
    progress.start(`Scaling ${clusterId} to ${desired.minAcu}-${desired.maxAcu} ACU`)
    try {
      status = await waitForScaling(rds, clusterId, desired, {
        ...settings,
        onPoll: (cluster) => progress.update(`Cluster ${clusterId}: ${cluster.Status}`),
      })
    } catch (error) {
      progress.fail(`Scaling ${clusterId}`)
      throw error
    }

    progress.succeed(`${clusterId} scales between ${desired.minAcu} and ${desired.maxAcu} ACU`)
  }

  return {clusterId, elapsedSeconds: seconds(performance.now() - started), requested: desired, status, waited: settings.wait}
}

/** Polls (with the SDK's waiter machinery) until the cluster reports `desired` and is available. */
export async function waitForScaling(
  rds: RDSClient,
  clusterId: string,
  desired: ScalingConfiguration,
  settings: {onPoll?: (cluster: DBCluster) => void; signal?: AbortSignal; timeoutMs: number},
): Promise<string> {
  const {createWaiter, WaiterState} = smithyClient()
  let status = ''
  await runWaiter(
    (config) =>
      createWaiter({...config, client: rds}, clusterId, async () => {
        const cluster = await describeCluster(rds, clusterId)
        status = cluster.Status ?? ''
        settings.onPoll?.(cluster)
        return {
          reason: cluster,
          state: cluster.Status === 'available' && matches(cluster, desired) ? WaiterState.SUCCESS : WaiterState.RETRY,
        }
      }),
    {
      delays: {max: 15, min: 2},
      signal: settings.signal,
      stillRunning: 'The modification keeps going in AWS; check it with `auroractl status`.',
      timeoutMs: settings.timeoutMs,
      what: `${clusterId} to report ${desired.minAcu}-${desired.maxAcu} ACU`,
    },
  )
  return status
}

/**
 * Refuses --min 0 (exit 2, before any change) when a feature keeps the cluster from ever pausing: it would still bill
 * its idle capacity, and the engineer would believe it sleeps. Features that could not be checked do not refuse.
 */
export function refuseBlockedPause(clusterId: string, features: PauseFeature[]): void {
  const blocking = features.filter((feature) => feature.blocks)
  if (blocking.length === 0) return
  throw badInput(
    `--min 0 would never pause ${clusterId}: ${blocking.map((feature) => `${feature.name}: ${feature.detail}`).join('; ')}.`,
    `AWS does not pause an instance while ${blocking.length === 1 ? 'that is' : 'those are'} on: turn ${blocking.length === 1 ? 'it' : 'them'} off first, or keep a minimum of 0.5 ACU (--min 0 would save nothing).`,
  )
}
