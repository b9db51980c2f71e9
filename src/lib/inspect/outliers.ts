import type {Query} from '../pg/query.js'

import {type StatementsOrder, type StatementsTop, topStatements} from '../pg/statements.js'

export interface OutliersReport extends StatementsTop {
  database: string
  /** Whether track_io_timing is on: without it, every statement's ioMs is 0. */
  ioTiming: boolean
  order: StatementsOrder
}

/**
 * `inspect outliers`: the statements the database spends its time on, from pg_stat_statements (the same query as
 * `pi top --source pg`), with total and mean time, calls, rows, block I/O time and share of the total.
 */
export async function inspectOutliers(
  query: Query,
  database: string,
  options: {limit: number; order: StatementsOrder},
): Promise<OutliersReport> {
  const top = await topStatements(query, {by: 'sql', limit: options.limit, order: options.order})
  const {rows} = await query<{on: boolean}>(`SELECT current_setting('track_io_timing')::bool AS on`)
  return {...top, database, ioTiming: rows[0]!.on, order: options.order}
}
