import type {Query} from './query.js'

import {AuroraError, badInput} from '../cli/errors.js'

/** What statements are ranked by: total execution time (what the server spends), mean time per call, or calls. */
export type StatementsOrder = 'calls' | 'mean' | 'total'

/**
 * pg_stat_statements queries, by server version: PostgreSQL 13 renamed total_time and mean_time to total_exec_time
 * and mean_exec_time, and PostgreSQL 17 blk_read_time and blk_write_time to shared_blk_read_time and
 * shared_blk_write_time (time spent reading and writing blocks, counted only with track_io_timing on).
 */
export function statementsSql(serverVersionNum: number, by: 'sql' | 'user', order: StatementsOrder = 'total'): string {
  const [total, mean] = serverVersionNum >= 130_000 ? ['total_exec_time', 'mean_exec_time'] : ['total_time', 'mean_time']
  const [read, write] =
    serverVersionNum >= 170_000 ? ['shared_blk_read_time', 'shared_blk_write_time'] : ['blk_read_time', 'blk_write_time']
  const orderBy = {calls: 'calls', mean: 'mean_ms', total: 'total_ms'}[order]
  const scope = 'WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())'
  return by === 'sql'
    ? `SELECT s.query AS label, s.calls::bigint AS calls, s.${total} AS total_ms, s.${mean} AS mean_ms, s.rows::bigint AS rows,
              s.${read} + s.${write} AS io_ms, sum(s.${total}) OVER () AS all_ms
       FROM pg_stat_statements s ${scope}
       ORDER BY ${orderBy} DESC LIMIT $1`
    : `SELECT coalesce(r.rolname, s.userid::text) AS label, sum(s.calls)::bigint AS calls, sum(s.${total}) AS total_ms,
              sum(s.${total}) / nullif(sum(s.calls), 0) AS mean_ms, sum(s.rows)::bigint AS rows,
              sum(s.${read} + s.${write}) AS io_ms, sum(sum(s.${total})) OVER () AS all_ms
       FROM pg_stat_statements s LEFT JOIN pg_roles r ON r.oid = s.userid ${scope}
       GROUP BY 1 ORDER BY ${orderBy} DESC NULLS LAST LIMIT $1`
}

export interface StatementRow {
  calls: number
  /** Time spent reading and writing blocks (0 unless track_io_timing is on). */
  ioMs: number
  label: string
  meanMs: number
  rank: number
  rows: number
  /** Share of the total execution time of every statement in this database, 0..1. */
  share: number
  totalMs: number
}

export interface StatementsTop {
  rows: StatementRow[]
  /** Since when pg_stat_statements has counted (PostgreSQL 14+), else null. */
  statsSince: null | string
}

const milliseconds = (value: null | number | string) => Math.round(Number(value ?? 0) * 1000) / 1000

async function rankedRows(
  query: Query,
  version: number,
  options: {by: 'sql' | 'user'; limit: number; order?: StatementsOrder},
): Promise<Array<{all_ms: number; calls: string; io_ms: null | number; label: string; mean_ms: number; rows: string; total_ms: number}>> {
  try {
    const {rows} = await query<{
      all_ms: number
      calls: string
      io_ms: null | number
      label: string
      mean_ms: number
      rows: string
      total_ms: number
    }>(statementsSql(version, options.by, options.order), [options.limit])
    return rows
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
}

/**
 * The heaviest statements (or users) from pg_stat_statements, by total execution time unless `order` says otherwise:
 * `pi top --source pg` and `inspect outliers`.
 */
export async function topStatements(
  query: Query,
  options: {by: 'host' | 'sql' | 'user' | 'wait'; limit: number; order?: StatementsOrder},
): Promise<StatementsTop> {
  if (options.by === 'wait' || options.by === 'host') {
    throw badInput(
      `--by ${options.by} needs Performance Insights: pg_stat_statements records statements and users, not ${options.by === 'wait' ? 'wait events' : 'client hosts'}.`,
      'Use --source pi, or --by sql|user.',
    )
  }

  const {rows: versionRows} = await query<{version: number}>(`SELECT current_setting('server_version_num')::int AS version`)
  const {version} = versionRows[0]!
  const rows = await rankedRows(query, version, {...options, by: options.by})
  let statsSince: null | string = null
  if (version >= 140_000) {
    const {rows: info} = await query<{since: Date}>('SELECT stats_reset AS since FROM pg_stat_statements_info')
    statsSince = info[0]?.since?.toISOString() ?? null
  }

  return {
    rows: rows.map((row, index) => ({
      calls: Number(row.calls),
      ioMs: milliseconds(row.io_ms),
      label: row.label.replaceAll(/\s+/g, ' ').trim(),
      meanMs: milliseconds(row.mean_ms),
      rank: index + 1,
      rows: Number(row.rows),
      share: Number(row.all_ms) > 0 ? Math.round((Number(row.total_ms) / Number(row.all_ms)) * 1000) / 1000 : 0,
      totalMs: milliseconds(row.total_ms),
    })),
    statsSince,
  }
}
