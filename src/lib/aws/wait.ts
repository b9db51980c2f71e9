import {formatDuration} from '../cli/duration.js'
import {AuroraError} from '../cli/errors.js'

/** The parts of a smithy WaiterResult we read. */
export interface WaiterOutcome {
  reason?: unknown
  state: string
}

export interface WaiterSettings {
  abortSignal?: AbortSignal
  maxDelay: number
  maxWaitTime: number
  minDelay: number
}

export interface WaitOptions {
  /** Delay bounds in seconds between polls; AWS's own waiters default to 30 s for RDS, too coarse for a person watching. */
  delays?: {max: number; min: number}
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal
  /** What keeps going in AWS if we stop waiting: said on timeout and on Ctrl-C. */
  stillRunning: string
  timeoutMs: number
  /** "snapshot nba-tracker-dev-20261128-031500 to become available" */
  what: string
}

/**
 * Runs one of the SDK's waiters (or one built with its createWaiter) under our overall timeout and
 * Ctrl-C, and turns its outcome into auroractl's errors: timeout exit 5, interrupted exit 130.
 */
export async function runWaiter(start: (settings: WaiterSettings) => Promise<WaiterOutcome>, options: WaitOptions): Promise<void> {
  const delays = options.delays ?? {max: 30, min: 5}
  const maxWaitTime = Math.max(1, Math.ceil(options.timeoutMs / 1000))
  // The SDK requires minDelay < maxWaitTime and minDelay <= maxDelay.
  const minDelay = Math.min(delays.min, maxWaitTime / 2)
  const maxDelay = Math.max(minDelay, Math.min(delays.max, maxWaitTime))
  let outcome: WaiterOutcome
  try {
    outcome = await start({abortSignal: options.signal, maxDelay, maxWaitTime, minDelay})
  } catch (error) {
    // The SDK's waitUntil* variants throw instead of returning a state; normalise them.
    const state = (error as {state?: string}).state ?? (error as Error).name
    outcome = {reason: (error as Error).message, state: String(state)}
  }

  switch (outcome.state) {
    case 'SUCCESS': {
      return
    }

    case 'ABORTED': {
      throw new AuroraError('INTERRUPTED', `Interrupted while waiting for ${options.what}. ${options.stillRunning}`)
    }

    case 'TIMEOUT': {
      throw new AuroraError(
        'TIMED_OUT',
        `Gave up after ${formatDuration(options.timeoutMs)} waiting for ${options.what}. ${options.stillRunning}`,
        {
          hint: 'Raise --timeout, or check on it with `auroractl status`.',
        },
      )
    }

    default: {
      throw new AuroraError('UNEXPECTED', `Failed waiting for ${options.what}: ${describeReason(outcome.reason)}`)
    }
  }
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message
  if (typeof reason === 'string') return reason
  const status = (reason as {DBClusterSnapshots?: Array<{Status?: string}>})?.DBClusterSnapshots?.[0]?.Status
  return status ? `status ${status}` : 'the resource reached a failure state'
}
