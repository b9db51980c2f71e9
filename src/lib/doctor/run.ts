import type {Check, CheckOutcome, CheckResult} from './types.js'

import {formatDuration} from '../cli/duration.js'
import {isLockTimeout, reportLockTimeoutMs} from '../pg/query.js'
import {type CheckContext, runAsCheck} from './check-context.js'

export interface DoctorSummary {
  fail: number
  ok: number
  skip: number
  slowest: null | {id: string; ms: number}
  totalMs: number
  warn: number
}

export interface DoctorReport {
  checks: CheckResult[]
  summary: DoctorSummary
}

/**
 * Runs every check as soon as the checks it depends on have finished, all others concurrently, each
 * under its own timeout: the whole run takes about as long as its slowest chain, never minutes.
 * A check whose dependency did not pass is skipped with the reason.
 */
export async function runChecks<Facts>(checks: Array<Check<Facts>>, facts: Facts): Promise<DoctorReport> {
  const started = performance.now()
  const byId = new Map(checks.map((check) => [check.id, check]))
  const running = new Map<string, Promise<CheckResult>>()

  const start = (check: Check<Facts>): Promise<CheckResult> => {
    let result = running.get(check.id)
    if (!result) {
      result = (async () => {
        const dependencies = await Promise.all(check.dependsOn.filter((id) => byId.has(id)).map((id) => start(byId.get(id)!)))
        const blocked = dependencies.find((dependency) => dependency.status === 'fail' || dependency.status === 'skip')
        if (blocked)
          return {detail: `skipped: ${blocked.id} did not pass`, id: check.id, layer: check.layer, ms: 0, status: 'skip' as const}
        const checkStarted = performance.now()
        const outcome = await withTimeout(check, facts)
        return {...outcome, id: check.id, layer: check.layer, ms: Math.round(performance.now() - checkStarted)}
      })()
      running.set(check.id, result)
    }

    return result
  }

  const results = await Promise.all(checks.map((check) => start(check)))
  const count = (status: string) => results.filter((result) => result.status === status).length
  let slowest: CheckResult | undefined
  for (const result of results) if (!slowest || result.ms > slowest.ms) slowest = result
  return {
    checks: results,
    summary: {
      fail: count('fail'),
      ok: count('ok'),
      skip: count('skip'),
      slowest: slowest ? {id: slowest.id, ms: slowest.ms} : null,
      totalMs: Math.round(performance.now() - started),
      warn: count('warn'),
    },
  }
}

async function withTimeout<Facts>(check: Check<Facts>, facts: Facts): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined
  const context: CheckContext = {id: check.id}
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve(timedOut(check, context.queuedBehind?.())), check.timeoutMs)
  })
  try {
    const outcome = runAsCheck(context, () => check.run(facts)).catch((error: Error) => outcomeOfError(error))
    return await Promise.race([outcome, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A check with no answer in time. When its query never started because another check's query held the shared
 * connection all along, the slow one is that other check, not the network: it says so.
 */
function timedOut<Facts>(check: Check<Facts>, queuedBehind: string | undefined): CheckOutcome {
  const within = `no answer within ${formatDuration(check.timeoutMs)}`
  if (queuedBehind !== undefined) {
    return {
      detail: `${within}: its query was still queued behind ${queuedBehind}'s on the shared connection`,
      hint: `Look at ${queuedBehind}: its query is the slow one (time it alone with \`auroractl doctor --only ${queuedBehind}\`).`,
      status: 'fail',
    }
  }

  return {detail: within, hint: 'Run it again; if it persists, check the network path.', status: 'fail'}
}

/**
 * A check that threw fails with the error, except one that gave up waiting for a table's lock: it could not look,
 * which is not a fault of what it checks (db.blocking reports the lock when someone waits behind it).
 */
function outcomeOfError(error: Error): CheckOutcome {
  if (isLockTimeout(error)) {
    return {
      detail: `not graded: a table it reads stayed locked for over ${formatDuration(reportLockTimeoutMs)} (a session holds or waits for an exclusive lock)`,
      hint: 'Find the holder with `auroractl ps` (an ALTER TABLE, VACUUM FULL or LOCK TABLE in an open transaction), or `auroractl locks` when others wait behind it; run doctor again once it is gone.',
      status: 'skip',
    }
  }

  return {detail: `error: ${error.message.split('\n')[0]}`, status: 'fail'}
}
