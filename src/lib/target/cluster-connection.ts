import type {DBCluster, RDSClient} from '@aws-sdk/client-rds'
import type {Client} from 'pg'

import type {AwsClients} from '../aws/clients.js'
import type {DatabaseCredentials} from '../aws/secrets.js'
import type {ClusterTls} from '../pg/tls.js'
import type {Target} from './target.js'

import {describeCluster, listClusterInstances} from '../aws/rds.js'
import {AuroraError} from '../cli/errors.js'
import {loadCredentials, resolveSecretId} from '../secret.js'
import {type ConnectAddress, loadEndpointMap, resolveConnectAddress} from './endpoint-map.js'
import {requireCluster} from './target.js'

/** Everything a command needs to open a database connection to the cluster, worked out one way for all of them. */
export interface ClusterConnection {
  /** Where to connect (the endpoint, or --via / the endpoint map) and the name TLS verifies. */
  address: ConnectAddress
  cluster: DBCluster
  credentials: DatabaseCredentials
  database: string
  /** Which endpoint: the cluster's writer or reader endpoint, or one instance's own (--instance). */
  endpoint: {instanceId?: string; kind: 'instance' | 'reader' | 'writer'}
  /** verify-full (default) or require, and the CAs trusted: --ca-bundle, else PGSSLROOTCERT, else the bundled RDS CAs and the system store. */
  tls: ClusterTls
}

/**
 * The writer (or reader, or one instance's) endpoint, the credentials secret, and the route to it:
 * flags > environment > config > Terraform, as everywhere. An instance's endpoint goes through the
 * endpoint map and --via exactly as the cluster's do.
 */
export async function resolveClusterConnection(
  target: Target,
  aws: AwsClients,
  options: {database?: string; instance?: string; reader?: boolean; tls?: ClusterTls} = {},
): Promise<ClusterConnection> {
  const rds = await aws.rds()
  const cluster = await describeCluster(rds, requireCluster(target))
  const {secretId} = await resolveSecretId(target, async () => rds)
  const credentials = await loadCredentials(await aws.secretsManager(), secretId, {describe: async () => cluster})
  const endpoint = options.instance
    ? await instanceEndpoint(rds, cluster, options.instance)
    : {host: (options.reader ? cluster.ReaderEndpoint : cluster.Endpoint) ?? credentials.host!, port: cluster.Port}
  const port = endpoint.port ?? cluster.Port ?? credentials.port ?? 5432
  const address = resolveConnectAddress(endpoint.host, port, {
    endpointMap: target.endpointMap ? await loadEndpointMap(target.endpointMap) : undefined,
    via: target.via,
  })
  const {resolveClusterTls} = await import('../pg/tls.js')
  return {
    address,
    cluster,
    credentials,
    database: options.database ?? credentials.dbname ?? cluster.DatabaseName ?? 'postgres',
    endpoint: options.instance ? {instanceId: options.instance, kind: 'instance'} : {kind: options.reader ? 'reader' : 'writer'},
    tls: options.tls ?? resolveClusterTls({}),
  }
}

/** One instance of the cluster, by id (DescribeDBInstances): its own endpoint, not the cluster's. */
async function instanceEndpoint(rds: RDSClient, cluster: DBCluster, instanceId: string): Promise<{host: string; port?: number}> {
  const instances = await listClusterInstances(rds, cluster.DBClusterIdentifier!)
  const instance = instances.find((item) => item.DBInstanceIdentifier === instanceId)
  if (!instance) {
    throw new AuroraError('NOT_FOUND', `Instance "${instanceId}" is not in cluster ${cluster.DBClusterIdentifier}.`, {
      hint: `Instances: ${instances.map((item) => item.DBInstanceIdentifier).join(', ') || 'none'}. Pass one with --instance.`,
    })
  }

  if (!instance.Endpoint?.Address) {
    throw new AuroraError('NOT_FOUND', `Instance ${instanceId} has no endpoint yet (status ${instance.DBInstanceStatus ?? 'unknown'}).`, {
      hint: 'Wait until it is available (auroractl status), or use the writer or --reader.',
    })
  }

  return {host: instance.Endpoint.Address, port: instance.Endpoint.Port}
}

/** Opens a pg connection as the secret's user, with the connection's TLS (verify-full unless --tls require). */
export async function connectToCluster(
  connection: ClusterConnection,
  options: {applicationName?: string; connectTimeoutMs?: number} = {},
): Promise<Client> {
  const {connectWithCredentials} = await import('../pg/connect.js')
  return connectWithCredentials(connection.credentials, {
    address: connection.address,
    applicationName: options.applicationName,
    connectTimeoutMs: options.connectTimeoutMs,
    database: connection.database,
    host: connection.address.servername,
    port: connection.cluster.Port,
    tls: connection.tls,
  })
}

/**
 * Another cluster reached with the same credentials: a drill logs in to its restored copy with the
 * source's secret, as the restored cluster keeps the snapshot's master password. The endpoint map is
 * read afresh, since a restored cluster's endpoints appear in it only once it exists.
 */
export async function sameCredentialsOn(base: ClusterConnection, cluster: DBCluster, endpointMapFile?: string): Promise<ClusterConnection> {
  const address = resolveConnectAddress(cluster.Endpoint!, cluster.Port ?? 5432, {
    endpointMap: endpointMapFile ? await loadEndpointMap(endpointMapFile) : undefined,
  })
  return {...base, address, cluster}
}
