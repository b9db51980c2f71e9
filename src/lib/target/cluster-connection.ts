import type {DBCluster} from '@aws-sdk/client-rds'
import type {Client} from 'pg'

import type {AwsClients} from '../aws/clients.js'
import type {DatabaseCredentials} from '../aws/secrets.js'
import type {ClusterTls} from '../pg/tls.js'
import type {Target} from './target.js'

import {describeCluster} from '../aws/rds.js'
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
  /** verify-full (default) or require, and the CAs trusted: --ca-bundle, else PGSSLROOTCERT, else the bundled RDS CAs and the system store. */
  tls: ClusterTls
}

/** The writer (or reader) endpoint, the credentials secret, and the route to it: flags > environment > config > Terraform, as everywhere. */
export async function resolveClusterConnection(
  target: Target,
  aws: AwsClients,
  options: {database?: string; reader?: boolean; tls?: ClusterTls} = {},
): Promise<ClusterConnection> {
  const rds = await aws.rds()
  const cluster = await describeCluster(rds, requireCluster(target))
  const {secretId} = await resolveSecretId(target, async () => rds)
  const credentials = await loadCredentials(await aws.secretsManager(), secretId, {describe: async () => cluster})
  const host = (options.reader ? cluster.ReaderEndpoint : cluster.Endpoint) ?? credentials.host!
  const address = resolveConnectAddress(host, cluster.Port ?? credentials.port ?? 5432, {
    endpointMap: target.endpointMap ? await loadEndpointMap(target.endpointMap) : undefined,
    via: target.via,
  })
  const {resolveClusterTls} = await import('../pg/tls.js')
  return {
    address,
    cluster,
    credentials,
    database: options.database ?? credentials.dbname ?? cluster.DatabaseName ?? 'postgres',
    tls: options.tls ?? resolveClusterTls({}),
  }
}

/** Opens a pg connection as the secret's user, with the connection's TLS (verify-full unless --tls require). */
export async function connectToCluster(connection: ClusterConnection, options: {connectTimeoutMs?: number} = {}): Promise<Client> {
  const {connectWithCredentials} = await import('../pg/connect.js')
  return connectWithCredentials(connection.credentials, {
    address: connection.address,
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
