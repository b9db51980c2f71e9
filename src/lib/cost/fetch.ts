import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {DBCluster, DBInstance, RDSClient} from '@aws-sdk/client-rds'

import type {CostInputs} from './report.js'

import {serverlessV2Support, supportsAutoPause} from '../aws/engine-versions.js'
import {describeCluster, listClusterInstances} from '../aws/rds.js'
import {badInput} from '../cli/errors.js'
import {firstVersionSupporting} from '../scaling.js'
import {type CostInstance, type CostWindow, fetchHourlyUsage} from './usage.js'

/** The cluster's Serverless v2 instances (db.serverless), with what pausing depends on. */
export function serverlessInstances(cluster: DBCluster, instances: DBInstance[]): {provisioned: string[]; serverless: CostInstance[]} {
  const writers = new Set(
    (cluster.DBClusterMembers ?? []).filter((member) => member.IsClusterWriter).map((member) => member.DBInstanceIdentifier),
  )
  const serverless: CostInstance[] = []
  const provisioned: string[] = []
  for (const instance of instances) {
    const id = instance.DBInstanceIdentifier!
    if (instance.DBInstanceClass === 'db.serverless')
      serverless.push({id, promotionTier: instance.PromotionTier ?? 1, writer: writers.has(id)})
    else provisioned.push(`${id} (${instance.DBInstanceClass})`)
  }

  return {provisioned, serverless}
}

/** The oldest version of the same major that can scale to 0 ACU, as AWS reports it: null when none can, undefined when AWS does not answer. */
async function firstAutoPauseVersion(rds: RDSClient, engine: string, version: string): Promise<null | string | undefined> {
  try {
    return (await firstVersionSupporting(rds, engine, version, (feature) => feature.MinCapacity === 0)) ?? null
  } catch {
    // The report then says to ask AWS; the cost does not depend on it.
  }
}

/**
 * Everything `metrics cost` reads from AWS: the cluster and its instances (RDS), what its engine version supports
 * (DescribeDBEngineVersions), and the hourly usage (one GetMetricData request set, paginated).
 */
export async function fetchCostInputs(
  clients: {cloudWatch: CloudWatchClient; rds: RDSClient},
  options: {clusterId: string; window: CostWindow},
): Promise<CostInputs> {
  const [cluster, instances] = await Promise.all([
    describeCluster(clients.rds, options.clusterId),
    listClusterInstances(clients.rds, options.clusterId),
  ])
  const scaling = cluster.ServerlessV2ScalingConfiguration
  if (scaling?.MaxCapacity === undefined || scaling.MinCapacity === undefined) {
    throw badInput(
      `${options.clusterId} has no Serverless v2 scaling configuration: its cost is not in ACUs.`,
      'A provisioned cluster is billed per instance-hour of its class; see the Aurora pricing page.',
    )
  }

  const {provisioned, serverless} = serverlessInstances(cluster, instances)
  const [engine, version] = [cluster.Engine ?? 'aurora-postgresql', cluster.EngineVersion ?? '']
  const [support, usage] = await Promise.all([
    serverlessV2Support(clients.rds, engine, version).catch(() => null),
    fetchHourlyUsage(clients.cloudWatch, {clusterId: options.clusterId, instances: serverless, window: options.window}),
  ])
  // Only where the version cannot pause: the version the report names to upgrade to.
  const upgradeForAutoPause = support && !supportsAutoPause(support) ? await firstAutoPauseVersion(clients.rds, engine, version) : undefined
  // No member marked as the writer (seen mid-failover): the cluster can pause when every instance is serverless.
  const anyWriter = (cluster.DBClusterMembers ?? []).some((member) => member.IsClusterWriter)
  const writerIsServerless = anyWriter ? serverless.some((instance) => instance.writer) : provisioned.length === 0
  return {
    cluster: {
      engineVersion: cluster.EngineVersion ?? 'unknown',
      provisioned,
      region: await clients.rds.config.region(),
      scaling: {
        maxAcu: scaling.MaxCapacity,
        minAcu: scaling.MinCapacity,
        // The pause delay means something only at a minimum of 0 (as status reads it).
        secondsUntilAutoPause: scaling.MinCapacity === 0 ? scaling.SecondsUntilAutoPause : undefined,
      },
      storageType: cluster.StorageType,
      tags: Object.fromEntries((cluster.TagList ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
      writerIsServerless,
    },
    support: support ?? undefined,
    upgradeForAutoPause,
    usage,
  }
}
