import type {Client} from 'pg'

import {AuroraError, badInput} from '../cli/errors.js'

/**
 * pg_stat_statements queries, by server version: PostgreSQL 13 renamed total_time and mean_time
 * to total_exec_time and mean_exec_time.
 */
export function statementsSql(serverVersionNum: number, by: 'sql' | 'user'): string {
  const [total, mean] = serverVersionNum >= 130_000 ? ['total_exec_time', 'mean_exec_time'] : ['total_time', 'mean_time']
  const scope = 'WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())'
  return by === 'sql'
    ? `SELECT s.query AS label, s.calls::bigint AS calls, s.${total} AS total_ms, s.${mean} AS mean_ms, s.rows::bigint AS rows,
              sum(s.${total}) OVER () AS all_ms
       FROM pg_stat_statements s ${scope}
       ORDER BY s.${total} DESC LIMIT $1`
    : `SELECT coalesce(r.rolname, s.userid::text) AS label, sum(s.calls)::bigint AS calls, sum(s.${total}) AS total_ms,
              sum(s.${total}) / nullif(sum(s.calls), 0) AS mean_ms, sum(s.rows)::bigint AS rows, sum(sum(s.${total})) OVER () AS all_ms
       FROM pg_stat_statements s LEFT JOIN pg_roles r ON r.oid = s.userid ${scope}
       GROUP BY 1 ORDER BY 3 DESC LIMIT $1`
}

export interface StatementRow {
  calls: number
  label: string
  meanMs: number
  rank: number
  rows: number
  share: number
  totalMs: number
}

export interface StatementsTop {
  rows: StatementRow[]
  /** Since when pg_stat_statements has counted (PostgreSQL 14+), else null. */
  statsSince: null | string
}

/** The heaviest statements (or users) by total execution time, from pg_stat_statements. */
export async function topStatements(
  client: Client,
  options: {by: 'host' | 'sql' | 'user' | 'wait'; limit: number},
): Promise<StatementsTop> {
  if (options.by === 'wait' || options.by === 'host') {
    throw badInput(
      `--by ${options.by} needs Performance Insights: pg_stat_statements records statements and users, not ${options.by === 'wait' ? 'wait events' : 'client hosts'}.`,
      'Use --source pi, or --by sql|user.',
    )
  }

  const {rows: versionRows} = await client.query<{version: number}>(`SELECT current_setting('server_version_num')::int AS version`)
  const {version} = versionRows[0]!
  let rows: Array<{all_ms: number; calls: string; label: string; mean_ms: number; rows: string; total_ms: number}>
  try {
    ;({rows} = await client.query(statementsSql(version, options.by), [options.limit]))
  } catch (error) {
    const {code} = error as {code?: string}
    if (code === '42P01') {
      throw new AuroraError('NOT_FOUND', 'pg_stat_statements is not installed in this database.', {
        hint: 'Install it: CREATE EXTENSION pg_stat_statements; (it must also be in shared_preload_libraries, as it is by default on Aurora).',
      })
    }

    if (code === '55000') {
      throw new AuroraError('NOT_FOUND', 'pg_stat_statements is installed but not loaded by the server.', {
        hint: 'Add it to shared_preload_libraries in the cluster parameter group and reboot.',
      })
    }

    throw error
  }

  let statsSince: null | string = null
  if (version >= 140_000) {
    const {rows: info} = await client.query<{since: Date}>('SELECT stats_reset AS since FROM pg_stat_statements_info')
    statsSince = info[0]?.since?.toISOString() ?? null
  }

  return {
    rows: rows.map((row, index) => ({
      calls: Number(row.calls),
      label: row.label.replaceAll(/\s+/g, ' ').trim(),
      meanMs: Math.round(Number(row.mean_ms) * 1000) / 1000,
      rank: index + 1,
      rows: Number(row.rows),
      share: Number(row.all_ms) > 0 ? Math.round((Number(row.total_ms) / Number(row.all_ms)) * 1000) / 1000 : 0,
      totalMs: Math.round(Number(row.total_ms) * 1000) / 1000,
    })),
    statsSince,
  }
}
