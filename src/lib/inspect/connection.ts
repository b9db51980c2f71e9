import type {AwsClients} from '../aws/clients.js'
import type {ClusterTls} from '../pg/tls.js'
import type {Target} from '../target/target.js'

import {type Query, queryOf} from '../pg/query.js'
import {requireSchema} from './scope.js'

/**
 * Opens one connection to a database of the cluster (the secret's, or `database`), the way every command
 * does (endpoint map, --via, verify-full TLS), checks --schema, runs `work`, and always closes it.
 */
export async function withClusterDatabase<R>(
  target: Target,
  aws: AwsClients,
  options: {database?: string; schema?: string; tls: ClusterTls},
  work: (query: Query, database: string) => Promise<R>,
): Promise<R> {
  const {connectToCluster, resolveClusterConnection} = await import('../target/cluster-connection.js')
  const connection = await resolveClusterConnection(target, aws, {database: options.database, tls: options.tls})
  const client = await connectToCluster(connection)
  try {
    const query = queryOf(client)
    await requireSchema(query, options.schema, connection.database)
    return await work(query, connection.database)
  } finally {
    await client.end().catch(() => {})
  }
}
