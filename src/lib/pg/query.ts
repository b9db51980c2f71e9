import type {Client, QueryResultRow} from 'pg'

/**
 * How read-only reports run their SQL: a pg client's query (the inspect commands, pi top), or doctor's shared,
 * queued connection (facts.query). Functions that take this run the same statements for both.
 */
export type Query = <Row extends object>(sql: string, parameters?: unknown[]) => Promise<{rows: Row[]}>

export const queryOf =
  (client: Pick<Client, 'query'>): Query =>
  async <Row extends object>(sql: string, parameters: unknown[] = []) =>
    client.query<QueryResultRow & Row>(sql, parameters)

/**
 * How long a read-only report waits for a table's lock. Sizes and statistics take a share lock on each table, and
 * behind a queued ALTER TABLE (an exclusive lock waiting for a stuck transaction) that share lock waits too: the
 * report would hang in the very incident it is run for, as one more waiter in `auroractl locks`. It gives up instead.
 */
export const reportLockTimeoutMs = 1000

/** Makes the session give up on any lock it waits for longer than reportLockTimeoutMs (SQLSTATE 55P03). */
export async function limitLockWaits(client: Pick<Client, 'query'>): Promise<void> {
  await client.query(`SET lock_timeout = ${reportLockTimeoutMs}`)
}

/** Whether a query failed because it waited longer than lock_timeout for a lock (lock_not_available). */
export const isLockTimeout = (error: unknown): boolean => (error as null | {code?: unknown})?.code === '55P03'
