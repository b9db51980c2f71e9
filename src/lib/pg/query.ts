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
