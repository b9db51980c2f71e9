/** The shape of a drill's report: `--json`, `--report-json`, and what the JUnit and Markdown files are made from. */

export type PhaseName = 'pick' | 'ready' | 'restore' | 'teardown' | 'verify'

export type PhaseStatus = 'failed' | 'passed' | 'skipped'

export interface DrillPhase {
  /** One line: what happened, or why it failed. */
  detail: string
  name: PhaseName
  seconds: number
  status: PhaseStatus
}

export type CheckKind = 'objects' | 'sequence' | 'smoke' | 'table'

export interface DrillCheck {
  /** Expected against found, in words, e.g. "manifest 3000 rows, restored 2990 rows". */
  detail: string
  kind: CheckKind
  /** A table, sequence, object kind, or the smoke check's SQL. */
  name: string
  passed: boolean
}

export type DrillOutcome = 'error' | 'failed' | 'interrupted' | 'passed' | 'timeout'

export interface DrillTeardown {
  /** deleted: the drill cluster and its instances are gone; kept: --keep; failed: what is left and how to remove it is in detail. */
  detail: string
  status: 'deleted' | 'failed' | 'kept' | 'nothing-to-delete'
}

export interface DrillReport {
  checks: DrillCheck[]
  /** The throwaway cluster, `<cluster>-drill-<yyyymmddhhmmss>`. */
  drillCluster: string
  /** Error message when the outcome is error, timeout or interrupted. */
  error?: string
  finishedAt: string
  manifest: null | {file: null | string; mode: 'checksum' | 'count'; takenAt: string}
  outcome: DrillOutcome
  phases: DrillPhase[]
  /** Sum of the pick, restore and ready phases: how long until the restored copy takes logins. */
  restoreSeconds: number
  snapshot: null | {createdAt: null | string; id: string; type: null | string}
  sourceCluster: string
  startedAt: string
  teardown: DrillTeardown
  /** Sum of every phase's seconds. */
  totalSeconds: number
  verifyMode: 'checksum' | 'count' | 'none'
  /** What the drill found worth saying before it started, e.g. a --check that is false on the source cluster. */
  warnings: string[]
}
