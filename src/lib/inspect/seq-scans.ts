import {type Query, type Scope, userSchemas} from './scope.js'

/** Tables read by sequential scans, most rows read that way first ($1 schema or NULL, $2 limit or NULL). */
export const seqScansSql = `
  SELECT n.nspname AS schema, c.relname AS table, s.seq_scan::bigint AS seq_scans, s.seq_tup_read::bigint AS seq_rows_read,
         coalesce(s.idx_scan, 0)::bigint AS index_scans, s.n_live_tup::bigint AS live_rows, pg_total_relation_size(c.oid) AS bytes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_stat_all_tables s ON s.relid = c.oid
  WHERE c.relkind IN ('r', 'm') AND s.seq_scan > 0 AND ${userSchemas('n', 1)}
  ORDER BY s.seq_tup_read DESC, s.seq_scan DESC, 1, 2
  LIMIT $2`

/** Below this many rows a sequential scan is as cheap as an index scan, and often what the planner should pick. */
export const seqScanHeavyMinRows = 10_000

export interface SeqScanRow {
  bytes: number
  /** A table of at least seqScanHeavyMinRows rows read more often by sequential scans than through an index. */
  heavy: boolean
  indexScans: number
  /** Index scans as a share of all scans, 0..1. */
  indexScanShare: number
  liveRows: number
  /** Rows a sequential scan reads on average. */
  rowsPerSeqScan: number
  schema: string
  seqRowsRead: number
  seqScans: number
  table: string
}

export interface SeqScansReport {
  database: string
  rows: SeqScanRow[]
}

export function seqScanRow(row: {
  bytes: string
  index_scans: string
  live_rows: string
  schema: string
  seq_rows_read: string
  seq_scans: string
  table: string
}): SeqScanRow {
  const [seqScans, indexScans, liveRows, seqRowsRead] = [row.seq_scans, row.index_scans, row.live_rows, row.seq_rows_read].map(Number) as [
    number,
    number,
    number,
    number,
  ]
  return {
    bytes: Number(row.bytes),
    heavy: liveRows >= seqScanHeavyMinRows && seqScans > indexScans,
    indexScans,
    indexScanShare: Math.round((indexScans / (seqScans + indexScans)) * 1000) / 1000,
    liveRows,
    rowsPerSeqScan: Math.round(seqRowsRead / seqScans),
    schema: row.schema,
    seqRowsRead,
    seqScans,
    table: row.table,
  }
}

/** `inspect seq-scans`: where the database reads whole tables, and whether an index is missing. */
export async function inspectSeqScans(query: Query, database: string, scope: Scope): Promise<SeqScansReport> {
  const {rows} = await query<Parameters<typeof seqScanRow>[0]>(seqScansSql, [scope.schema ?? null, scope.limit ?? null])
  return {database, rows: rows.map((row) => seqScanRow(row))}
}
