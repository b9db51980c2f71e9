import type {DBCluster} from '@aws-sdk/client-rds'

import type {AwsClients} from './aws/clients.js'
import type {DatabaseCredentials} from './aws/secrets.js'
import type {Target} from './target.js'

import {describeCluster} from './aws/rds.js'
import {type ConnectAddress, loadEndpointMap, resolveConnectAddress} from './endpoint-map.js'
import {loadCredentials, resolveSecretId} from './secret.js'
import {requireCluster} from './target.js'

/** Everything a command needs to open a database connection to the cluster, worked out one way for all of them. */
export interface ClusterConnection {
  /** Where to connect (the endpoint, or --via / the endpoint map) and the name TLS verifies. */
  address: ConnectAddress
  /** The CA bundle to verify with (--ca-bundle, else PGSSLROOTCERT), if any. */
  caFile?: string
  cluster: DBCluster
  credentials: DatabaseCredentials
  database: string
}

/** The writer (or reader) endpoint, the credentials secret, and the route to it: flags > environment > config > Terraform, as everywhere. */
export async function resolveClusterConnection(
  target: Target,
  aws: AwsClients,
  options: {caFile?: string; database?: string; reader?: boolean} = {},
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
  return {
    address,
    caFile: options.caFile ?? process.env.PGSSLROOTCERT,
    cluster,
    credentials,
    database: options.database ?? credentials.dbname ?? cluster.DatabaseName ?? 'postgres',
  }
}
