import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

import {setTimeout as sleep} from 'node:timers/promises'

import type {Progress} from '../cli/progress.js'

import {isTransientAwsError} from '../aws/errors.js'
import {formatDuration} from '../cli/duration.js'
import {describeStages, readVersionStages, type VersionStages} from './secret-versions.js'

/**
 * Waiting for a rotation that AWS runs (RDS for its managed master secret, or a rotation function): the only
 * sign of progress Secrets Manager gives is where the labels are, so the wait polls DescribeSecret until
 * AWSCURRENT is on the rotation's version, backing off as it goes (and further after throttling).
 */

/** Delays between polls: the first after a second, then 1.5 times longer each time, at most 10 s (20 s after throttling). */
const rotationPollDelays = {factor: 1.5, firstMs: 1000, maxMs: 10_000}

export interface RotationWaitResult {
  elapsedMs: number
  /** The last transient failure of a poll (throttling, a 5xx, the network), when the last poll failed. */
  lastError?: string
  /** moved: AWSCURRENT is on the version; deadline: it is not, and the time is up; interrupted: Ctrl-C or SIGTERM. */
  outcome: 'deadline' | 'interrupted' | 'moved'
  /** What the last DescribeSecret that answered showed. */
  stages?: VersionStages
}

export interface RotationWaitInput {
  deadline: number
  progress: Progress
  secretId: string
  secretsManager: SecretsManagerClient
  signal: AbortSignal
  /** The version AWSCURRENT should move to. */
  versionId: string
}

/** Polls until AWSCURRENT is on `versionId`, the deadline passes or the signal aborts; only a non-transient AWS error throws. */
export async function waitForCurrentVersion(input: RotationWaitInput): Promise<RotationWaitResult> {
  const started = Date.now()
  let delay = rotationPollDelays.firstMs
  let stages: undefined | VersionStages
  let lastError: string | undefined
  const result = (outcome: RotationWaitResult['outcome']): RotationWaitResult => ({
    elapsedMs: Date.now() - started,
    lastError,
    outcome,
    stages,
  })
  for (;;) {
    if (input.signal.aborted) return result('interrupted')
    try {
      // Polls are sequential by design: each decides whether to wait for the next.
      // eslint-disable-next-line no-await-in-loop
      stages = await readVersionStages(input.secretsManager, input.secretId, input.signal)
      lastError = undefined
      if (stages[input.versionId]?.includes('AWSCURRENT')) return result('moved')
      input.progress.update(`Waiting for AWSCURRENT to move: ${describeStages(stages)} (${formatDuration(Date.now() - started)})`)
    } catch (error) {
      if (input.signal.aborted) return result('interrupted')
      if (!isTransientAwsError(error)) throw error
      lastError = `${(error as Error).name}: ${(error as Error).message.split('\n')[0]}`
      input.progress.update(`DescribeSecret failed (${(error as Error).name}); asking again`)
      delay = Math.min(delay * 2, rotationPollDelays.maxMs * 2)
    }

    const remaining = input.deadline - Date.now()
    if (remaining <= 0) return result('deadline')
    // eslint-disable-next-line no-await-in-loop
    if (!(await pause(Math.min(delay, remaining), input.signal))) return result('interrupted')
    delay = Math.min(delay * rotationPollDelays.factor, Math.max(delay, rotationPollDelays.maxMs))
  }
}

/** Waits `ms`; false when the signal aborted first. */
const pause = (ms: number, signal: AbortSignal): Promise<boolean> =>
  sleep(ms, undefined, {signal}).then(
    () => true,
    () => false,
  )
