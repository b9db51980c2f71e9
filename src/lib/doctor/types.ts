export type CheckStatus = 'fail' | 'ok' | 'skip' | 'warn'

export type Layer = 'aws' | 'capacity' | 'cluster' | 'db' | 'network' | 'secret'

/** What a check finds: a status, one line with the measured value, and the next step when it is not ok. */
export interface CheckOutcome {
  detail: string
  hint?: string
  /** Offending rows (pids, queries, rules), for --json and the indented lines under the check. */
  items?: string[]
  status: CheckStatus
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
  timeoutMs: number
}

export const ok = (detail: string, items?: string[]): CheckOutcome => ({detail, items, status: 'ok'})
export const warn = (detail: string, hint?: string, items?: string[]): CheckOutcome => ({detail, hint, items, status: 'warn'})
export const fail = (detail: string, hint?: string, items?: string[]): CheckOutcome => ({detail, hint, items, status: 'fail'})
export const skip = (detail: string): CheckOutcome => ({detail, status: 'skip'})
