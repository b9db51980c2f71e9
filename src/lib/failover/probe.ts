import {setTimeout as sleep} from 'node:timers/promises'

import type {ProbeResult} from './types.js'

/**
 * The write probe: on a fixed schedule, a new connection to the writer endpoint tries one write, as an
 * application's next request would. A slow attempt never delays the next one (the schedule does not wait),
 * each has its own deadline, and at most `maxInFlight` run at once. The connection itself is the caller's
 * (`attempt`), and time is a clock's, so unit tests drive the loop with fakes.
 */

export interface ProbeClock {
  /** Milliseconds on a monotonic clock. */
  now(): number
  /** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const realClock: ProbeClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, {signal}).catch(() => {}),
}

/** One write through a new connection; aborted by `signal` at its deadline. Resolves with where the endpoint pointed. */
export type WriteAttempt = (signal: AbortSignal, timeoutMs: number) => Promise<{answer: null | string}>

/** A failed attempt that says where the endpoint pointed (the attempt resolved it before failing to write). */
export class ProbeWriteError extends Error {
  readonly answer: null | string

  constructor(message: string, options: {answer: null | string; cause?: unknown}) {
    super(message, {cause: options.cause})
    this.name = 'ProbeWriteError'
    this.answer = options.answer
  }
}

export interface ProbeOptions {
  attempt: WriteAttempt
  clock: ProbeClock
  /** Why a failed attempt failed, in a few words; and whether it can never get better (a wrong password), which ends the probe. */
  describe: (error: unknown) => {code: string; fatal: boolean; reason: string}
  intervalMs: number
  maxInFlight: number
  /** Called after each attempt, e.g. for progress. */
  onResult?: (result: ProbeResult) => void
  timeoutMs: number
}

export interface WriteProbe {
  /** Aborted when the probe ends by itself (a fatal error). */
  readonly ended: AbortSignal
  /** The error that ended the probe early: one that cannot get better by retrying. */
  fatal(): unknown
  /** Every finished attempt, in the order they finished. */
  readonly results: ProbeResult[]
  /** Stops scheduling and waits for the attempts in flight (each ends by its deadline). */
  stop(): Promise<void>
}

class ProbeTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs < 1000 ? `${timeoutMs}ms` : `${timeoutMs / 1000}s`}`)
    this.name = 'ProbeTimeout'
  }
}

/** Resolves when `signal` aborts (never rejects, so a race that is over leaves nothing unhandled). */
function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), {once: true})
  })
}

/** One attempt under its deadline: a result whatever happens, and a fatal error reported through `onFatal`. */
async function timedAttempt(options: ProbeOptions, onFatal: (error: unknown) => void): Promise<ProbeResult> {
  const {clock, timeoutMs} = options
  const startedMs = clock.now()
  const deadline = new AbortController()
  clock.sleep(timeoutMs, deadline.signal).then(() => {
    if (!deadline.signal.aborted) deadline.abort(new ProbeTimeout(timeoutMs))
  })
  try {
    const outcome = await Promise.race([
      options.attempt(deadline.signal, timeoutMs).then(
        (value) => ({value}),
        (error: unknown) => ({error}),
      ),
      whenAborted(deadline.signal).then(() => ({error: deadline.signal.reason as unknown})),
    ])
    if ('value' in outcome) return {answer: outcome.value.answer, finishedMs: clock.now(), ok: true, startedMs}
    const {code, fatal, reason} = options.describe(outcome.error)
    if (fatal) onFatal(outcome.error)
    const answer = outcome.error instanceof ProbeWriteError ? outcome.error.answer : null
    return {answer, error: reason, errorCode: code, finishedMs: clock.now(), ok: false, startedMs}
  } finally {
    // Ends the deadline's timer (its sleep resolves at once) when the attempt finished first.
    if (!deadline.signal.aborted) deadline.abort(new Error('finished'))
  }
}

export function startWriteProbe(options: ProbeOptions): WriteProbe {
  const {clock, intervalMs, maxInFlight} = options
  const stopped = new AbortController()
  const ended = new AbortController()
  const results: ProbeResult[] = []
  const inFlight = new Set<Promise<void>>()
  let fatal: unknown
  const onFatal = (error: unknown) => {
    fatal ??= error
    ended.abort(error)
    stopped.abort()
  }

  const launch = () => {
    const running: Promise<void> = timedAttempt(options, onFatal)
      .then((result) => {
        results.push(result)
        options.onResult?.(result)
      })
      .finally(() => inFlight.delete(running))
    inFlight.add(running)
  }

  const schedule = (async () => {
    const origin = clock.now()
    for (let tick = 1; !stopped.signal.aborted; tick++) {
      // A full house skips this tick rather than queueing it: the schedule stays the schedule.
      if (inFlight.size < maxInFlight) launch()
      const wait = origin + tick * intervalMs - clock.now()
      // eslint-disable-next-line no-await-in-loop
      if (wait > 0) await clock.sleep(wait, stopped.signal)
    }
  })()

  return {
    ended: ended.signal,
    fatal: () => fatal,
    results,
    async stop() {
      stopped.abort()
      await schedule
      await Promise.all(inFlight)
    },
  }
}
