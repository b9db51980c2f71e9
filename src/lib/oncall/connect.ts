import type {Client} from 'pg'

import type {AwsClients} from '../aws/clients.js'
import type {ClusterTls} from '../pg/tls.js'
import type {Target} from '../target/target.js'

import {type ClusterConnection, connectToCluster, resolveClusterConnection} from '../target/cluster-connection.js'

export interface SessionConnection {
  client: Client
  connection: ClusterConnection
}

/**
 * A connection for the session commands: to the writer, the reader endpoint or one instance (sessions and locks
 * are per instance), as the secret's user, through --via or the endpoint map like every other connection.
 */
export async function connectForSessions(
  target: Target,
  aws: AwsClients,
  options: {database?: string; instance?: string; reader?: boolean; tls: ClusterTls},
): Promise<SessionConnection> {
  const connection = await resolveClusterConnection(target, aws, options)
  const client = await connectToCluster(connection)
  // A session ended under us (a failover, an idle timeout) must fail the query, not crash the process.
  client.on('error', () => {})
  return {client, connection}
}
