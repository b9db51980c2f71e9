import type {Check} from './types.js'

import {awsCredentials} from './checks/aws.js'
import {capacityCeiling} from './checks/capacity.js'
import {
  clusterBackups,
  clusterInstances,
  clusterMaintenance,
  clusterPerformanceInsights,
  clusterScaling,
  clusterStatus,
} from './checks/cluster.js'
import {dbAuth, dbBlocking, dbConnections, dbHitRate, dbIdleInTransaction, dbLongQueries, dbSequences, dbWraparound} from './checks/db.js'
import {dbAutovacuum, dbBloat, dbDuplicateIndexes, dbSchemas, dbUnloggedTables, dbUnusedIndexes} from './checks/maintenance.js'
import {networkDns, networkSecurityGroup, networkSubnets, networkTcp, networkTls} from './checks/network.js'
import {secretMatchesCluster} from './checks/secret.js'
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
  dbAuth,
  dbConnections,
  dbLongQueries,
  dbIdleInTransaction,
  dbBlocking,
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
]

export const checkIds = allChecks.map((check) => check.id)

export {DoctorFacts} from './facts.js'
export {runChecks} from './run.js'
