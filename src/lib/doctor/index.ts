import type {TunableCheck} from './thresholds.js'
import type {Check, ThresholdKind} from './types.js'

import {awsCredentials} from './checks/aws.js'
import {capacityCeiling, capacityPauseBlockers, capacityRange} from './checks/capacity.js'
import {
  clusterBackups,
  clusterInstances,
  clusterMaintenance,
  clusterPerformanceInsights,
  clusterScaling,
  clusterStatus,
} from './checks/cluster.js'
import {
  dbAuth,
  dbBlocking,
  dbConnections,
  dbHitRate,
  dbIdleInTransaction,
  dbLongQueries,
  dbLongTransactions,
  dbSequences,
  dbWraparound,
} from './checks/db.js'
import {dbAutovacuum, dbBloat, dbDuplicateIndexes, dbSchemas, dbUnloggedTables, dbUnusedIndexes} from './checks/maintenance.js'
import {networkDns, networkSecurityGroup, networkSubnets, networkTcp, networkTls} from './checks/network.js'
import {dbReplicationSlots} from './checks/replication.js'
import {secretMatchesCluster, secretRotation} from './checks/secret.js'
import {type DoctorFacts} from './facts.js'

/** Every check, in the order of the layers between the engineer and the rows. */
export const allChecks: Array<Check<DoctorFacts>> = [
  awsCredentials,
  clusterStatus,
  clusterInstances,
  clusterScaling,
  clusterBackups,
  clusterPerformanceInsights,
  clusterMaintenance,
  networkSubnets,
  networkSecurityGroup,
  networkDns,
  networkTcp,
  networkTls,
  secretMatchesCluster,
  secretRotation,
  dbAuth,
  dbConnections,
  dbLongQueries,
  dbLongTransactions,
  dbIdleInTransaction,
  dbBlocking,
  dbReplicationSlots,
  dbWraparound,
  dbHitRate,
  dbSequences,
  dbAutovacuum,
  dbBloat,
  dbUnusedIndexes,
  dbDuplicateIndexes,
  dbUnloggedTables,
  dbSchemas,
  capacityCeiling,
  capacityPauseBlockers,
  capacityRange,
]

export const checkIds = allChecks.map((check) => check.id)

/** The checks `--threshold` can tune, with what they declare (--help lists the same, from the command's static copy). */
export const tunableChecks: TunableCheck[] = allChecks.flatMap((check) => (check.threshold ? [{id: check.id, ...check.threshold}] : []))

export {DoctorFacts} from './facts.js'
export {runChecks} from './run.js'

/** How each check's `value` is written (what it declares, else its threshold's kind), for --compare to print moves. */
export const valueKinds: Record<string, ThresholdKind> = Object.fromEntries(
  allChecks.flatMap((check) => {
    const kind = check.valueKind ?? check.threshold?.kind
    return kind ? [[check.id, kind]] : []
  }),
)
