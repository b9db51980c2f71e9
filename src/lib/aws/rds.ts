import type {DBCluster, DBClusterSnapshot, DBInstance, RDSClient} from '@aws-sdk/client-rds'

import {AuroraError} from '../cli/errors.js'
import {rdsSdk} from './sdk.js'

/** Describes one cluster, or fails with exit 3 and a hint listing the clusters that do exist. */
export async function describeCluster(rds: RDSClient, clusterId: string): Promise<DBCluster> {
  const {DescribeDBClustersCommand} = rdsSdk()
  try {
    const {DBClusters: clusters = []} = await rds.send(new DescribeDBClustersCommand({DBClusterIdentifier: clusterId}))
    const cluster = clusters[0]
    if (cluster) return cluster
  } catch (error) {
    if ((error as Error).name !== 'DBClusterNotFoundFault') throw error
  }

  throw await clusterNotFound(rds, clusterId)
}

async function clusterNotFound(rds: RDSClient, clusterId: string): Promise<AuroraError> {
  const region = await rds.config.region().catch(() => 'this region')
  let known: string[] = []
  try {
    known = (await listClusters(rds, 20)).map((cluster) => cluster.DBClusterIdentifier!).filter(Boolean)
  } catch {
    // Listing is only a courtesy for the hint; the not-found error is the answer either way.
  }

  const hint =
    known.length > 0
      ? `Clusters in ${region}: ${known.join(', ')}. Pass one with --cluster, or check --region.`
      : `No clusters found in ${region}. Check --region and --profile, or run \`auroractl sandbox up\` to rehearse locally.`
  return new AuroraError('CLUSTER_NOT_FOUND', `Cluster "${clusterId}" was not found in ${region}.`, {hint})
}

/** Aurora PostgreSQL clusters in the region, up to `limit`. */
export async function listClusters(rds: RDSClient, limit = 100): Promise<DBCluster[]> {
  const clusters: DBCluster[] = []
  const pages = rdsSdk().paginateDescribeDBClusters(
    {client: rds, pageSize: 100},
    {Filters: [{Name: 'engine', Values: ['aurora-postgresql']}]},
  )
  for await (const page of pages) {
    clusters.push(...(page.DBClusters ?? []))
    if (clusters.length >= limit) break
  }

  return clusters.slice(0, limit)
}

/** The cluster's instances (writer and readers). */
export async function listClusterInstances(rds: RDSClient, clusterId: string): Promise<DBInstance[]> {
  const instances: DBInstance[] = []
  const pages = rdsSdk().paginateDescribeDBInstances({client: rds}, {Filters: [{Name: 'db-cluster-id', Values: [clusterId]}]})
  for await (const page of pages) instances.push(...(page.DBInstances ?? []))
  return instances
}

/** Manual and automated snapshots of the cluster, newest first. */
export async function listClusterSnapshots(rds: RDSClient, clusterId: string): Promise<DBClusterSnapshot[]> {
  const snapshots: DBClusterSnapshot[] = []
  const pages = rdsSdk().paginateDescribeDBClusterSnapshots({client: rds}, {DBClusterIdentifier: clusterId})
  for await (const page of pages) snapshots.push(...(page.DBClusterSnapshots ?? []))
  return snapshots.sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0))
}
