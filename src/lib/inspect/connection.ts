import type {AwsClients} from '../aws/clients.js'
import type {ClusterTls} from '../pg/tls.js'
import type {Target} from '../target/target.js'

import {formatDuration} from '../cli/duration.js'
import {AuroraError} from '../cli/errors.js'
import {isLockTimeout, limitLockWaits, type Query, queryOf, reportLockTimeoutMs} from '../pg/query.js'
import {requireSchema} from './scope.js'

/**
 * Opens one connection to a database of the cluster (the secret's, or `database`), the way every command
 * does (endpoint map, --via, verify-full TLS), checks --schema, runs `work`, and always closes it. A locked table
 * ends the report after reportLockTimeoutMs rather than leaving it queued behind the lock.
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
    await limitLockWaits(client)
    const query = queryOf(client)
    await requireSchema(query, options.schema, connection.database)
    return await work(query, connection.database)
  } catch (error) {
    if (!isLockTimeout(error)) throw error
    throw new AuroraError(
      'TIMED_OUT',
      `A table the report reads stayed locked for over ${formatDuration(reportLockTimeoutMs)} (a session holds or waits for an exclusive lock on it); nothing was reported.`,
      {
        cause: error,
        hint: 'Find the holder with `auroractl ps` (an ALTER TABLE, VACUUM FULL or LOCK TABLE in an open transaction), or `auroractl locks` when others wait behind it; run the report again once it is gone.',
      },
    )
  } finally {
    await client.end().catch(() => {})
  }
}
