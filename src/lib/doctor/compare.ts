import type {CheckStatus, ThresholdKind} from './types.js'

/** What --compare needs of a report, saved or current: each check's status, detail and graded value. */
export interface ComparableReport {
  auroractlVersion?: string
  checkedAt?: string
  checks: Array<{detail: string; id: string; status: CheckStatus; value?: number}>
  clusterId?: string
}

export interface StatusChange {
  after: CheckStatus
  before: CheckStatus
  /** The check's detail now, saying what it found. */
  detail: string
  id: string
}

export interface ValueMove {
  after: number
  before: number
  id: string
  /** How to print the values (seconds, bytes, share, count), when the check declares it. */
  kind?: ThresholdKind
}

export interface DoctorComparison {
  /** Checks this run has and the saved report does not. */
  added: string[]
  /** The saved report this run is compared with. */
  against: {auroractlVersion?: string; checkedAt?: string; clusterId?: string; file: string}
  /** Now ok, or failing before and only warning now. */
  better: StatusChange[]
  /** Checks the saved report has and this run does not (--only / --skip, or an older auroractl). */
  gone: string[]
  /** Checks whose graded value changed, old and new. */
  moved: ValueMove[]
  /** Graded before (ok, warn or fail), skipped now: their state is unknown, which can hide a problem. */
  nowSkipped: StatusChange[]
  /** New failures and warnings (from ok or skipped), and warnings that now fail. */
  worse: StatusChange[]
}

const rank: Record<Exclude<CheckStatus, 'skip'>, number> = {fail: 2, ok: 0, warn: 1}

type Direction = 'better' | 'nowSkipped' | 'same' | 'worse'

/** How a check's status moved; skip is "not known", never better or worse than ok. */
export function statusDirection(before: CheckStatus, after: CheckStatus): Direction {
  if (before === after) return 'same'
  if (after === 'skip') return 'nowSkipped'
  if (before === 'skip') return after === 'ok' ? 'same' : 'worse'
  return rank[after] > rank[before] ? 'worse' : 'better'
}

/** Values equal up to floating-point noise (a share computed twice) do not count as moved. */
function moved(before: number, after: number): boolean {
  return Math.abs(after - before) > 1e-9 * Math.max(1, Math.abs(before), Math.abs(after))
}

/**
 * What changed between a saved report and this run: statuses that got worse or better, checks now skipped,
 * graded values that moved (old -> new), and checks present in only one of them. Pure: the command reads
 * the file and renders the result.
 */
export function compareReports(
  saved: ComparableReport,
  current: ComparableReport,
  options: {file: string; valueKinds?: Record<string, ThresholdKind>},
): DoctorComparison {
  const before = new Map(saved.checks.map((check) => [check.id, check]))
  const comparison: DoctorComparison = {
    added: [],
    against: {auroractlVersion: saved.auroractlVersion, checkedAt: saved.checkedAt, clusterId: saved.clusterId, file: options.file},
    better: [],
    gone: saved.checks.map((check) => check.id).filter((id) => !current.checks.some((check) => check.id === id)),
    moved: [],
    nowSkipped: [],
    worse: [],
  }
  for (const check of current.checks) {
    const old = before.get(check.id)
    if (!old) {
      comparison.added.push(check.id)
      continue
    }

    const direction = statusDirection(old.status, check.status)
    if (direction !== 'same') comparison[direction].push({after: check.status, before: old.status, detail: check.detail, id: check.id})
    if (typeof old.value === 'number' && typeof check.value === 'number' && moved(old.value, check.value)) {
      comparison.moved.push({after: check.value, before: old.value, id: check.id, kind: options.valueKinds?.[check.id]})
    }
  }

  return comparison
}

/** True when nothing at all changed. */
export function isUnchanged(comparison: DoctorComparison): boolean {
  const {added, better, gone, moved: moves, nowSkipped, worse} = comparison
  return [added, better, gone, moves, nowSkipped, worse].every((list) => list.length === 0)
}
