export type CheckStatus = 'fail' | 'ok' | 'skip' | 'warn'

export type Layer = 'aws' | 'capacity' | 'cluster' | 'db' | 'network' | 'secret'

/** What a check finds: a status, one line with the measured value, and the next step when it is not ok. */
export interface CheckOutcome {
  detail: string
  hint?: string
  /** Offending rows (pids, queries, rules), for --json and the indented lines under the check. */
  items?: string[]
  status: CheckStatus
  /** The one measured number a check grades (seconds, bytes, a count or a share), for --save / --compare to show how it moved. */
  value?: number
}

export interface CheckResult extends CheckOutcome {
  id: string
  layer: Layer
  ms: number
}

export interface Check<Facts> {
  /** Checks whose failure makes this one meaningless: it is then skipped with the reason. */
  dependsOn: string[]
  id: string
  layer: Layer
  run: (facts: Facts) => Promise<CheckOutcome>
  /** The check's one tunable limit (`doctor --threshold ID=VALUE`); the check reads it with facts.threshold(id). */
  threshold?: CheckThreshold
  timeoutMs: number
  /**
   * What its outcome's `value` measures, for --compare to print it: needed when the check declares no threshold,
   * or when the value is not in the threshold's unit (the session checks grade ages but count the sessions past them).
   */
  valueKind?: ThresholdKind
}

/**
 * How a threshold is written and stored: durations in seconds ("5m"), sizes in bytes ("1GB"),
 * shares as 0..1 ("80%" or 0.8), counts as whole numbers.
 */
export type ThresholdKind = 'bytes' | 'count' | 'duration' | 'share'

export interface CheckThreshold {
  /** In the stored unit: seconds, bytes, a 0..1 share or a count. */
  default: number
  /** What crossing it means, for --help and errors ("warn when a transaction is open longer than this"). */
  description: string
  kind: ThresholdKind
}

export const ok = (detail: string, items?: string[]): CheckOutcome => ({detail, items, status: 'ok'})
export const warn = (detail: string, hint?: string, items?: string[]): CheckOutcome => ({detail, hint, items, status: 'warn'})
export const fail = (detail: string, hint?: string, items?: string[]): CheckOutcome => ({detail, hint, items, status: 'fail'})
export const skip = (detail: string): CheckOutcome => ({detail, status: 'skip'})
