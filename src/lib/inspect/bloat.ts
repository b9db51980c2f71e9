import {qualifiedName, type Query, type Scope, userSchemas} from './scope.js'

/**
 * Bloat, estimated from statistics the way pgexperts, ioguix (pgsql-bloat-estimation) and Heroku's pg:bloat do: from
 * pg_stats (each column's average width and null fraction) and pg_class (row and page counts as of the last VACUUM or
 * ANALYZE), work out how many pages the live rows would need, and call the rest waste. It reads no table data, so it
 * is cheap and safe on a busy primary, and it is an estimate: it needs fresh statistics (ANALYZE), cannot see btree
 * deduplication (PostgreSQL 13+ indexes may be smaller than it expects) and covers tables, materialized views and btree
 * indexes only. The SQL returns the inputs; the arithmetic is in TypeScript below, where it is unit-tested.
 * Written for PostgreSQL 12 and later (no relhasoids, which the widely copied query still reads and PostgreSQL 12 removed).
 */
export const bloatSql = {
  /** Per btree index ($1 schema or NULL): its pages and rows, and its columns' (or expressions') statistics. */
  indexes: `
    SELECT n.nspname AS schema, t.relname AS table, c.relname AS index, c.relpages::bigint AS pages, c.reltuples::float8 AS reltuples,
           t.reltuples::float8 AS table_reltuples,
           coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor'), '90')::int AS fillfactor,
           current_setting('block_size')::int AS block_size,
           count(*)::int AS columns, count(s.attname)::int AS with_statistics,
           coalesce(bool_or(s.null_frac > 0), false) AS has_nulls,
           coalesce(sum((1 - s.null_frac) * s.avg_width), 0)::float8 AS data_width
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    CROSS JOIN LATERAL generate_series(0, i.indnatts - 1) AS k(position)
    -- A column's statistics are the table's; an expression's are the index's own (ANALYZE gathers them under its name).
    LEFT JOIN pg_attribute a
      ON a.attrelid = CASE WHEN i.indkey[k.position] = 0 THEN c.oid ELSE t.oid END
     AND a.attnum = CASE WHEN i.indkey[k.position] = 0 THEN k.position + 1 ELSE i.indkey[k.position] END
    LEFT JOIN pg_stats s
      ON s.schemaname = n.nspname AND s.attname = a.attname AND NOT s.inherited
     AND s.tablename = CASE WHEN i.indkey[k.position] = 0 THEN c.relname ELSE t.relname END
    WHERE c.relkind = 'i' AND c.relpages > 0 AND ${userSchemas('n', 1)}
    GROUP BY n.nspname, t.relname, c.relname, c.relpages, c.reltuples, t.reltuples, c.reloptions`,
  /** Per table and materialized view ($1 schema or NULL): heap and TOAST pages, rows, and its columns' statistics. */
  tables: `
    SELECT n.nspname AS schema, c.relname AS table, c.relpages::bigint AS heap_pages, c.reltuples::float8 AS reltuples,
           coalesce(toast.relpages, 0)::bigint AS toast_pages, greatest(coalesce(toast.reltuples, 0), 0)::float8 AS toast_tuples,
           coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor'), '100')::int AS fillfactor,
           current_setting('block_size')::int AS block_size,
           count(*)::int AS columns, count(s.attname)::int AS with_statistics,
           coalesce(bool_or(s.null_frac > 0), false) AS has_nulls,
           coalesce(sum((1 - s.null_frac) * s.avg_width), 0)::float8 AS data_width
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_class toast ON toast.oid = c.reltoastrelid
    LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname AND NOT s.inherited
    -- relpages is 0 until the first VACUUM or ANALYZE: the file's size tells a table that was never analyzed from an empty one.
    WHERE c.relkind IN ('r', 'm') AND pg_relation_size(c.oid) > 0 AND ${userSchemas('n', 1)}
    GROUP BY n.nspname, c.relname, c.relpages, c.reltuples, toast.relpages, toast.reltuples, c.reloptions`,
} as const

/** 64-bit servers (Aurora's, every current one) align tuples to 8 bytes. */
const maxAlign = 8
const pageHeaderBytes = 24
const btreeOpaqueBytes = 16
const alignUp = (bytes: number) => Math.ceil(bytes / maxAlign) * maxAlign

export interface RelationStatistics {
  blockSize: number
  /** Average bytes of a row's values, nulls weighted out (sum of (1 - null_frac) * avg_width). */
  dataWidth: number
  fillfactor: number
  /** Whether any column holds nulls: such rows carry a null bitmap. */
  hasNulls: boolean
  /** Live rows, as the planner counts them (pg_class.reltuples). */
  rows: number
}

/**
 * Pages a table's live rows need: per row a 4-byte line pointer, a 23-byte header (plus the null bitmap) and the data,
 * each aligned; pages filled to the fillfactor; TOAST chunks at 4 per page.
 */
export function expectedTablePages(stats: RelationStatistics & {columns: number; toastTuples: number}): number {
  const header = 23 + (stats.hasNulls ? Math.ceil(stats.columns / 8) : 0)
  const tupleBytes = 4 + alignUp(header) + alignUp(Math.ceil(stats.dataWidth))
  const rowsPerPage = ((stats.blockSize - pageHeaderBytes) * stats.fillfactor) / 100 / tupleBytes
  return Math.ceil(Math.max(0, stats.rows) / rowsPerPage) + Math.ceil(stats.toastTuples / 4)
}

/**
 * Pages a btree's entries need: per entry a 4-byte line pointer, the 8-byte IndexTupleData (16 with the null bitmap,
 * aligned) and the key; leaf pages filled to the fillfactor (90 by default), plus the metapage.
 */
export function expectedBtreePages(stats: RelationStatistics): number {
  const tupleBytes = 4 + (stats.hasNulls ? 16 : 8) + alignUp(Math.ceil(stats.dataWidth))
  const entriesPerPage = Math.max(
    1,
    Math.floor(((stats.blockSize - pageHeaderBytes - btreeOpaqueBytes) * stats.fillfactor) / (100 * tupleBytes)),
  )
  return 1 + Math.ceil(Math.max(0, stats.rows) / entriesPerPage)
}

export interface BloatRow {
  /** What the relation takes now (its pages as of the last VACUUM or ANALYZE). */
  bytes: number
  /** What its live rows would take, by the estimate. */
  expectedBytes: number
  index: null | string
  kind: 'index' | 'table'
  schema: string
  table: string
  wasteBytes: number
  /** Waste as a share of the relation, 0..1. */
  wasteShare: number
}

export interface BloatReport {
  database: string
  /** Largest waste first. */
  rows: BloatRow[]
  /** Waste summed over every relation estimated (not only the rows shown). */
  totalWasteBytes: number
  /**
   * Tables with data but no (or incomplete) statistics: not estimated until ANALYZE runs. pg_stats shows only the
   * columns this login may read, so another role's tables land here too.
   */
  withoutStatistics: string[]
}

function bloatRow(
  fields: Omit<BloatRow, 'expectedBytes' | 'wasteBytes' | 'wasteShare'>,
  expectedPages: number,
  blockSize: number,
): BloatRow {
  const expectedBytes = expectedPages * blockSize
  const wasteBytes = Math.max(0, fields.bytes - expectedBytes)
  return {...fields, expectedBytes, wasteBytes, wasteShare: fields.bytes > 0 ? Math.round((wasteBytes / fields.bytes) * 1000) / 1000 : 0}
}

type TableRow = {
  block_size: number
  columns: number
  data_width: number
  fillfactor: number
  has_nulls: boolean
  heap_pages: number | string
  reltuples: number
  schema: string
  table: string
  toast_pages: number | string
  toast_tuples: number
  with_statistics: number
}

type IndexRow = Omit<TableRow, 'heap_pages' | 'toast_pages' | 'toast_tuples'> & {
  index: string
  pages: number | string
  table_reltuples: number
}

/**
 * Statistics describe every column, or the table is known to be empty (ANALYZE of no rows writes none). reltuples is
 * -1 until the first VACUUM or ANALYZE.
 */
const analyzed = (row: {columns: number; reltuples: number; with_statistics: number}) =>
  row.reltuples === 0 || (row.reltuples > 0 && row.with_statistics === row.columns)

const statistics = (row: IndexRow | TableRow): RelationStatistics => ({
  blockSize: row.block_size,
  dataWidth: row.data_width,
  fillfactor: row.fillfactor,
  hasNulls: row.has_nulls,
  rows: row.reltuples,
})

/** Estimated bloat of every table and btree index, largest waste first: `inspect bloat`, and doctor's db.bloat. */
export async function inspectBloat(query: Query, database: string, scope: Scope): Promise<BloatReport> {
  const {rows: tables} = await query<TableRow>(bloatSql.tables, [scope.schema ?? null])
  const {rows: indexes} = await query<IndexRow>(bloatSql.indexes, [scope.schema ?? null])
  const rows: BloatRow[] = []
  const withoutStatistics: string[] = []
  for (const row of tables) {
    if (!analyzed(row)) {
      withoutStatistics.push(qualifiedName(row.schema, row.table))
      continue
    }

    const pages = Number(row.heap_pages) + Number(row.toast_pages)
    const fields = {bytes: pages * row.block_size, index: null, kind: 'table' as const, schema: row.schema, table: row.table}
    rows.push(
      bloatRow(fields, expectedTablePages({...statistics(row), columns: row.columns, toastTuples: row.toast_tuples}), row.block_size),
    )
  }

  for (const row of indexes) {
    // An index is estimated only from complete statistics of what it holds; its table's listing already says why not.
    if (!analyzed({...row, reltuples: row.table_reltuples})) continue
    const fields = {
      bytes: Number(row.pages) * row.block_size,
      index: row.index,
      kind: 'index' as const,
      schema: row.schema,
      table: row.table,
    }
    rows.push(bloatRow(fields, expectedBtreePages(statistics(row)), row.block_size))
  }

  rows.sort((a, b) => b.wasteBytes - a.wasteBytes || b.bytes - a.bytes || a.schema.localeCompare(b.schema))
  return {
    database,
    rows: scope.limit === undefined ? rows : rows.slice(0, scope.limit),
    totalWasteBytes: rows.reduce((sum, row) => sum + row.wasteBytes, 0),
    withoutStatistics: withoutStatistics.sort(),
  }
}

/**
 * What doctor calls bloated: waste of at least `minWasteBytes` (a tiny table's waste is noise) that is also at least
 * half the relation (smaller shares are within the estimate's error, and a fillfactor or a burst of updates explain them).
 */
export function isBloated(row: BloatRow, minWasteBytes: number): boolean {
  return row.wasteBytes >= minWasteBytes && row.wasteShare >= 0.5
}

export const bloatName = (row: Pick<BloatRow, 'index' | 'kind' | 'schema' | 'table'>) =>
  row.kind === 'index'
    ? `${qualifiedName(row.schema, row.index!)} (index on ${qualifiedName(row.schema, row.table)})`
    : qualifiedName(row.schema, row.table)
