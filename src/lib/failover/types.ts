/** The shape of a failover rehearsal's report: `--json`, `--report-json`, and what the JUnit and Markdown files are made from. */

/** One instance of the cluster, as the plan reads it. */
export interface FailoverInstance {
  id: string
  instanceClass: null | string
  /** 0 (promoted first) to 15; AWS's default is 1. */
  promotionTier: null | number
  status: null | string
  writer: boolean
}

export interface FailoverCall {
  api: 'FailoverDBCluster'
  input: {DBClusterIdentifier: string; TargetDBInstanceIdentifier?: string}
}

/** What preflight found, and what the failover will ask AWS for. */
export interface FailoverPlan {
  call: FailoverCall
  clusterId: string
  clusterStatus: string
  instances: FailoverInstance[]
  /** The reader to be promoted, and why: named with --to, or the one AWS picks (lowest promotion tier). Null when there is no reader. */
  target: null | {chosenBy: '--to' | 'promotion tier'; id: string; promotionTier: null | number; tiedWith: string[]}
  warnings: string[]
  /** The writer now: the instance that loses the role. */
  writer: string
}

/** One probe: a new connection to the writer endpoint that tried one write. Times are ms on the run's clock. */
export interface ProbeResult {
  /** Where the writer endpoint pointed for this probe: an IP address, or HOST:PORT from the endpoint map or --via. */
  answer: null | string
  /** Why the write failed, in a few words ("connect ECONNREFUSED 10.0.1.7:5432", "cannot assign TransactionIds during recovery"). */
  error?: string
  /** The failure's kind for counting: an error code (ECONNREFUSED, 57P03, 25006), "timeout", or "other". */
  errorCode?: string
  finishedMs: number
  ok: boolean
  startedMs: number
}

/** What DescribeDBClusters said at one moment of the failover. */
export interface ClusterObservation {
  atMs: number
  status: string
  writer: null | string
}

/** A moment of the failover: seconds since it was requested (negative before), and the wall-clock time. */
export interface Moment {
  at: string
  t: number
}

export interface TimelineEntry extends Moment {
  what: string
}

export interface FailoverEvent {
  categories: string[]
  date: string
  message: string
  source: string
}

export type MeasurementKind = 'failback' | 'failover'

export interface FailoverMeasurement {
  /** When DescribeDBClusters first said available again with the new writer. */
  clusterAvailable: Moment | null
  dnsChange: (Moment & {from: string; to: string}) | null
  /** Write-unavailability: from the last write that succeeded before the outage to the first that succeeded after it. Null if it did not end. */
  downtimeSeconds: null | number
  /** The RDS events of the failover, as AWS had delivered them when the probe ended (they can come late). */
  events: FailoverEvent[]
  failedWrites: number
  /** Failed probes, by kind (an error code, "timeout", "other"). */
  failureReasons: Record<string, number>
  firstFailedWrite: (Moment & {error: string}) | null
  firstWriteAfter: Moment | null
  /** The writer before, the instance asked for (or expected by promotion tier), and the writer AWS reported after. */
  fromWriter: string
  kind: MeasurementKind
  lastWriteBefore: Moment | null
  newWriter: null | string
  probes: number
  requestedAt: string
  /** The probe and the API polls ran this long, from the request until the new writer had taken writes for a while. */
  seconds: number
  timeline: TimelineEntry[]
  toWriter: null | string
  /** When DescribeDBClusters first named another writer. */
  writerChanged: Moment | null
}

export type FailoverOutcome = 'dry-run' | 'error' | 'failed' | 'interrupted' | 'passed' | 'timeout'

export interface FailoverReport {
  clusterId: string
  dryRun: boolean
  error?: string
  /** What the cluster said when the run stopped early (interrupted, timed out, failed): the failover may go on in AWS. */
  finalState: null | {status: null | string; writer: null | string}
  finishedAt: string
  measurements: FailoverMeasurement[]
  /** --max-downtime, in seconds; null without one (measure only). */
  objectiveSeconds: null | number
  outcome: FailoverOutcome
  plan: FailoverPlan
  probe: {endpoint: string; intervalMs: number; route: 'direct' | 'endpoint map' | 'via'; timeoutMs: number}
  startedAt: string
  warnings: string[]
}
