import type {Client} from 'pg'

import type {AwsClients} from '../aws/clients.js'
import type {ClusterTls} from '../pg/tls.js'
import type {Target} from './target.js'

import {formatDuration} from '../cli/duration.js'
import {AuroraError} from '../cli/errors.js'
import {isLockTimeout, limitLockWaits, type Query, queryOf, reportLockTimeoutMs} from '../pg/query.js'
import {type ClusterConnection, connectToCluster, resolveClusterConnection} from './cluster-connection.js'

/** An open connection for a read-and-report command, and where it went. */
export interface ClusterSession {
  client: Client
  connection: ClusterConnection
  query: Query
}

export interface ClusterSessionOptions {
  database?: string
  /** One instance's own endpoint (--instance): sessions, locks and index usage counters are per instance. */
  instance?: string
  reader?: boolean
  tls: ClusterTls
}

/**
 * A connection for the on-call and inspect commands: to the writer, the reader endpoint or one instance, as the
 * secret's user, through --via or the endpoint map like every other connection. It gives up on any lock after
 * reportLockTimeoutMs: a report run during a lock incident must not become one more waiter in `auroractl locks`.
 */
export async function openClusterSession(target: Target, aws: AwsClients, options: ClusterSessionOptions): Promise<ClusterSession> {
  const connection = await resolveClusterConnection(target, aws, options)
  const client = await connectToCluster(connection)
  // A session ended under us (a failover, an idle timeout) must fail the query, not crash the process.
  client.on('error', () => {})
  try {
    await limitLockWaits(client)
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }

  return {client, connection, query: queryOf(client)}
}

/**
 * Opens a session, runs `work`, and always closes it. A locked table ends the work with exit 5 (TIMED_OUT)
 * naming the way out, rather than leaving it queued behind the lock.
 */
export async function withClusterSession<R>(
  target: Target,
  aws: AwsClients,
  options: ClusterSessionOptions,
  work: (session: ClusterSession) => Promise<R>,
): Promise<R> {
  const session = await openClusterSession(target, aws, options)
  try {
    return await work(session)
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
    await session.client.end().catch(() => {})
  }
}
