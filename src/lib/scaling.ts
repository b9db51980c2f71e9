import type {DBCluster, RDSClient} from '@aws-sdk/client-rds'

import {describeCluster} from './aws/rds.js'
import {rdsSdk, smithyClient} from './aws/sdk.js'
import {runWaiter} from './aws/wait.js'
import {seconds} from './cli/duration.js'
import {badInput} from './cli/errors.js'
import {type Progress, silentProgress} from './cli/progress.js'

export interface ScalingConfiguration {
  maxAcu: number
  minAcu: number
  secondsUntilAutoPause?: number
}

/**
 * Aurora PostgreSQL versions that can scale to 0 ACU and auto-pause: 16.3, 15.7, 14.12, 13.15 and later
 * minors of each major, and every later major (AWS, "Scaling to Zero ACUs with automatic pause and resume").
 */
const autoPauseMinimum: Record<number, number> = {13: 15, 14: 12, 15: 7, 16: 3}

export function supportsAutoPause(engineVersion: string | undefined): boolean {
  const [major, minor] = (engineVersion ?? '').split('.').map(Number)
  if (major === undefined || Number.isNaN(major)) return false
  if (major > 16) return true
  const needed = autoPauseMinimum[major]
  return needed !== undefined && (minor ?? 0) >= needed
}

/** An ACU flag's text as a number; the grid and range are checked by validateScaling. */
export function parseAcuFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number)) throw badInput(`${flag} "${value}" is not a number.`)
  return number
}

const onGrid = (value: number) => Number.isFinite(value) && Math.round(value * 2) === value * 2

/** Checks a scaling configuration before any call to AWS; each message states the rule. */
export function validateScaling(config: ScalingConfiguration, engineVersion: string | undefined): ScalingConfiguration {
  const flags = {max: '--max', min: '--min', pause: '--seconds-until-auto-pause'}
  const {maxAcu, minAcu, secondsUntilAutoPause} = config
  if (!onGrid(minAcu) || minAcu < 0 || minAcu > 256)
    throw badInput(`${flags.min} ${minAcu} is not allowed: capacity goes from 0 to 256 ACU in steps of 0.5.`)
  if (!onGrid(maxAcu) || maxAcu < 1 || maxAcu > 256)
    throw badInput(`${flags.max} ${maxAcu} is not allowed: the maximum goes from 1 to 256 ACU in steps of 0.5.`)
  if (minAcu > maxAcu) throw badInput(`${flags.min} ${minAcu} is above ${flags.max} ${maxAcu}: the minimum must not exceed the maximum.`)
  if (minAcu === 0 && !supportsAutoPause(engineVersion)) {
    throw badInput(
      `${flags.min} 0 needs Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 or later; this cluster runs ${engineVersion ?? 'an unknown version'}.`,
    )
  }

  if (secondsUntilAutoPause !== undefined) {
    if (minAcu !== 0) throw badInput(`${flags.pause} applies only with ${flags.min} 0 (a cluster pauses only when it may scale to zero).`)
    if (!Number.isInteger(secondsUntilAutoPause) || secondsUntilAutoPause < 300 || secondsUntilAutoPause > 86_400) {
      throw badInput(`${flags.pause} ${secondsUntilAutoPause} is not allowed: it goes from 300 to 86400 seconds.`)
    }
  }

  return config
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
  before: null | ScalingConfiguration
  /** On a dry run, the API call it would make. */
  call?: {api: string; input: Record<string, unknown>}
  clusterId: string
  dryRun: boolean
  elapsedSeconds: number
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
