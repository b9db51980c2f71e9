import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {DBCluster, RDSClient} from '@aws-sdk/client-rds'

import type {Query} from './pg/query.js'

import {rdsSdk} from './aws/sdk.js'
import {fetchMetricQueries, type MetricSeries} from './metrics.js'

/**
 * Scaling to 0 ACUs (auto-pause): what keeps an Aurora PostgreSQL Serverless v2 cluster awake, and whether its writer
 * is paused now. AWS pauses an instance only after SecondsUntilAutoPause without a connection initiated by a user, and
 * documents features with which instances never pause ("Scaling to Zero ACUs with automatic pause and resume for Aurora
 * Serverless v2"): for Aurora PostgreSQL an RDS Proxy in front of the cluster (it holds connections open), the primary
 * cluster of a global database, logical replication (rds.logical_replication = 1) and zero-ETL integrations.
 */

type PauseFeatureId = 'global-database' | 'logical-replication' | 'rds-proxy' | 'zero-etl'

/** One of those features, as found on this cluster. */
export interface PauseFeature {
  /** true: it is on and the cluster will not pause; false: it is off; null: it could not be checked (why, in detail). */
  blocks: boolean | null
  detail: string
  id: PauseFeatureId
  name: string
}

const featureNames: Record<PauseFeatureId, string> = {
  'global-database': 'global database',
  'logical-replication': 'logical replication',
  'rds-proxy': 'RDS Proxy',
  'zero-etl': 'zero-ETL integration',
}

/**
 * Looks for every feature that keeps the cluster from pausing, each with its own API call(s), concurrently. A call that
 * fails (an IAM policy without rds:DescribeIntegrations, an API the endpoint does not have) leaves that feature unknown
 * and says why, rather than passing it as off.
 */
export async function findPauseFeatures(rds: RDSClient, cluster: DBCluster): Promise<PauseFeature[]> {
  const check = async (id: PauseFeatureId, api: string, find: () => Promise<{blocks: boolean; detail: string}>): Promise<PauseFeature> => {
    try {
      return {id, name: featureNames[id], ...(await find())}
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0]
      return {blocks: null, detail: `not checked: ${api} failed (${reason})`, id, name: featureNames[id]}
    }
  }

  return Promise.all([
    check('rds-proxy', 'DescribeDBProxies', () => findProxies(rds, cluster)),
    check('global-database', 'DescribeGlobalClusters', () => findGlobalDatabase(rds, cluster)),
    check('logical-replication', 'DescribeDBClusterParameters', () => findLogicalReplication(rds, cluster)),
    check('zero-etl', 'DescribeIntegrations', () => findIntegrations(rds, cluster)),
  ])
}

async function findProxies(rds: RDSClient, cluster: DBCluster): Promise<{blocks: boolean; detail: string}> {
  const {paginateDescribeDBProxies, paginateDescribeDBProxyTargets} = rdsSdk()
  const clusterId = cluster.DBClusterIdentifier!
  const members = new Set((cluster.DBClusterMembers ?? []).map((member) => member.DBInstanceIdentifier))
  const proxies: string[] = []
  for await (const page of paginateDescribeDBProxies({client: rds}, {})) {
    for (const proxy of page.DBProxies ?? []) if (proxy.EngineFamily === 'POSTGRESQL' && proxy.DBProxyName) proxies.push(proxy.DBProxyName)
  }

  const targetsCluster = async (proxyName: string): Promise<boolean> => {
    for await (const page of paginateDescribeDBProxyTargets({client: rds}, {DBProxyName: proxyName})) {
      const found = (page.Targets ?? []).some(
        (target) => target.TrackedClusterId === clusterId || target.RdsResourceId === clusterId || members.has(target.RdsResourceId),
      )
      if (found) return true
    }

    return false
  }

  const targeting = (await Promise.all(proxies.map(async (name) => ((await targetsCluster(name)) ? name : undefined)))).filter(Boolean)
  return targeting.length === 0
    ? {blocks: false, detail: 'no RDS Proxy targets the cluster'}
    : {
        blocks: true,
        detail: `${targeting.join(', ')} ${targeting.length === 1 ? 'targets' : 'target'} the cluster (a proxy holds connections open)`,
      }
}

async function findGlobalDatabase(rds: RDSClient, cluster: DBCluster): Promise<{blocks: boolean; detail: string}> {
  const {paginateDescribeGlobalClusters} = rdsSdk()
  const arn = cluster.DBClusterArn
  for await (const page of paginateDescribeGlobalClusters({client: rds}, {Filters: [{Name: 'db-cluster-id', Values: [arn!]}]})) {
    for (const global of page.GlobalClusters ?? []) {
      const member = (global.GlobalClusterMembers ?? []).find((item) => item.DBClusterArn === arn)
      if (!member) continue
      const name = global.GlobalClusterIdentifier ?? 'a global database'
      return member.IsWriter
        ? {blocks: true, detail: `the cluster is the primary of global database ${name}`}
        : {blocks: false, detail: `a secondary cluster of global database ${name} (AWS names the primary as the cluster that cannot pause)`}
    }
  }

  return {blocks: false, detail: 'not in a global database'}
}

async function findLogicalReplication(rds: RDSClient, cluster: DBCluster): Promise<{blocks: boolean; detail: string}> {
  const group = cluster.DBClusterParameterGroup
  // A default group cannot be modified, and rds.logical_replication is 0 in it: no call needed.
  if (!group || group.startsWith('default.')) return {blocks: false, detail: `rds.logical_replication is 0 (${group ?? 'default'} group)`}
  const {paginateDescribeDBClusterParameters} = rdsSdk()
  // Source "user": only the parameters set in the group, a page rather than every parameter of the engine.
  for await (const page of paginateDescribeDBClusterParameters({client: rds}, {DBClusterParameterGroupName: group, Source: 'user'})) {
    const parameter = (page.Parameters ?? []).find((item) => item.ParameterName === 'rds.logical_replication')
    if (parameter) {
      const on = parameter.ParameterValue === '1'
      return {blocks: on, detail: `rds.logical_replication = ${parameter.ParameterValue ?? '?'} in ${group}`}
    }
  }

  return {blocks: false, detail: `rds.logical_replication is 0 (not set in ${group})`}
}

async function findIntegrations(rds: RDSClient, cluster: DBCluster): Promise<{blocks: boolean; detail: string}> {
  const {paginateDescribeIntegrations} = rdsSdk()
  const names: string[] = []
  const filter = {Filters: [{Name: 'source-arn', Values: [cluster.DBClusterArn!]}]}
  for await (const page of paginateDescribeIntegrations({client: rds}, filter)) {
    for (const integration of page.Integrations ?? []) {
      if (integration.SourceArn !== cluster.DBClusterArn || integration.Status === 'deleting') continue
      names.push(integration.IntegrationName ?? integration.IntegrationArn ?? 'unnamed')
    }
  }

  return names.length === 0
    ? {blocks: false, detail: 'no zero-ETL integration from the cluster'}
    : {blocks: true, detail: `${names.join(', ')} replicate${names.length === 1 ? 's' : ''} the cluster`}
}

/** Whether the writer is paused now: its latest ServerlessDatabaseCapacity datapoint (a paused instance reports 0). */
export interface WriterPauseState {
  /** The datapoint's time (UTC, ISO 8601), null without one. */
  at: null | string
  /** The writer's capacity in that minute (its maximum), null without a datapoint. */
  capacityAcu: null | number
  instanceId: null | string
  /** true: 0 ACU for the whole latest minute; false: running; null: not known (why, in `reason`). */
  paused: boolean | null
  reason: null | string
}

/** How far back status looks for the writer's latest capacity datapoint. */
const pauseLookbackMinutes = 15

/**
 * Reads the writer's latest capacity datapoint. On AWS a paused instance keeps the status `available` (nothing in RDS's
 * own API says it sleeps) and reports 0 ACU to CloudWatch. A CloudWatch error leaves the state unknown rather than
 * failing the caller.
 */
export async function readWriterPauseState(
  cloudWatch: CloudWatchClient,
  writerId: null | string,
  now: Date = new Date(),
): Promise<WriterPauseState> {
  const unknown = (reason: string): WriterPauseState => ({at: null, capacityAcu: null, instanceId: writerId, paused: null, reason})
  if (!writerId) return unknown('the cluster has no writer instance')
  let points: MetricSeries['points']
  try {
    const [series] = await fetchMetricQueries(cloudWatch, {
      queries: [{dimension: {name: 'DBInstanceIdentifier', value: writerId}, metric: 'ServerlessDatabaseCapacity', stat: 'Maximum'}],
      window: {end: now, periodSeconds: 60, start: new Date(now.getTime() - pauseLookbackMinutes * 60_000)},
    })
    points = series!.points
  } catch (error) {
    return unknown(`CloudWatch GetMetricData failed (${(error as Error).message.split('\n')[0]})`)
  }

  // The points come sorted by time: the last is the latest.
  const latest = points.at(-1)
  if (!latest) return unknown(`no ServerlessDatabaseCapacity datapoint for ${writerId} in the last ${pauseLookbackMinutes} minutes`)
  return {at: latest.t, capacityAcu: latest.v, instanceId: writerId, paused: latest.v === 0, reason: null}
}

/**
 * The sessions that keep the instance awake: connections initiated by users (client backends, and walsenders, which
 * a logical replication subscriber opens), grouped by who opened them. Not the session running this query (doctor's
 * own), not rdsadmin's (Amazon RDS's own management connection) and no background process.
 */
export const awakeSessionsSql = `
  SELECT coalesce(usename, '') AS user, coalesce(application_name, '') AS application,
         coalesce(host(client_addr), CASE WHEN client_port = -1 THEN 'local' END, '') AS client,
         count(*)::int AS sessions,
         count(*) FILTER (WHERE state = 'active')::int AS active,
         max(round(extract(epoch FROM now() - backend_start)))::int AS oldest_seconds
  FROM pg_stat_activity
  WHERE backend_type IN ('client backend', 'walsender') AND pid <> pg_backend_pid() AND coalesce(usename, '') <> 'rdsadmin'
  GROUP BY 1, 2, 3
  ORDER BY sessions DESC, 1, 2, 3`

export interface AwakeSessions {
  active: number
  application: string
  client: string
  /** How long the oldest of them has been connected, in seconds. */
  oldestSeconds: number
  sessions: number
  user: string
}

export async function listAwakeSessions(query: Query): Promise<AwakeSessions[]> {
  const {rows} = await query<{
    active: number
    application: string
    client: string
    oldest_seconds: number
    sessions: number
    user: string
  }>(awakeSessionsSql)
  return rows.map((row) => ({
    active: row.active,
    application: row.application,
    client: row.client,
    oldestSeconds: row.oldest_seconds,
    sessions: row.sessions,
    user: row.user,
  }))
}
