import {qualifiedName, type Query, type Scope, userSchemas} from './scope.js'

/** The SQL of the sizes report, named and kept beside the code that reads its columns. */
export const sizesSql = {
  database: `SELECT current_database() AS name, pg_database_size(current_database()) AS bytes`,
  /** Index sizes, largest first ($1 schema or NULL, $2 limit or NULL). */
  indexes: `
    SELECT n.nspname AS schema, t.relname AS table, c.relname AS index, pg_relation_size(c.oid) AS bytes
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE c.relkind = 'i' AND ${userSchemas('n', 1)}
    ORDER BY 4 DESC, 1, 2, 3
    LIMIT $2`,
  /** Every user schema with its tables and their total size, largest first ($1 schema or NULL). */
  schemas: `
    SELECT n.nspname AS schema, count(c.oid)::int AS tables, coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
    FROM pg_namespace n
    LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm')
    WHERE ${userSchemas('n', 1)}
    GROUP BY 1
    ORDER BY 3 DESC, 1`,
  /**
   * Table sizes, largest first ($1 schema or NULL, $2 limit or NULL): the heap (main fork), its indexes, its TOAST
   * (out-of-line values) and the total, which also counts the free space and visibility maps.
   */
  tables: `
    SELECT n.nspname AS schema, c.relname AS table, c.relpersistence = 'u' AS unlogged, c.relkind = 'm' AS materialized,
           CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples END::float8 AS rows,
           pg_total_relation_size(c.oid) AS total_bytes, pg_relation_size(c.oid) AS table_bytes,
           pg_indexes_size(c.oid) AS index_bytes,
           coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast_bytes
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm') AND ${userSchemas('n', 1)}
    ORDER BY 6 DESC, 1, 2
    LIMIT $2`,
  /** Unlogged tables, largest first ($1 schema or NULL). */
  unlogged: `
    SELECT n.nspname AS schema, c.relname AS table, pg_total_relation_size(c.oid) AS bytes
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND c.relpersistence = 'u' AND ${userSchemas('n', 1)}
    ORDER BY 3 DESC, 1, 2`,
} as const

export interface TableSize {
  indexBytes: number
  materialized: boolean
  /**
   * The planner's row estimate (pg_class.reltuples), as of the last VACUUM or ANALYZE; null for a table never
   * vacuumed nor analyzed (reltuples -1), whose count nobody knows yet: not 0.
   */
  rows: null | number
  schema: string
  table: string
  tableBytes: number
  toastBytes: number
  totalBytes: number
  unlogged: boolean
}

export interface IndexSize {
  bytes: number
  index: string
  schema: string
  table: string
}

export interface SchemaSize {
  bytes: number
  schema: string
  tables: number
}

export interface SizesReport {
  database: string
  databaseBytes: number
  indexes: IndexSize[]
  schemas: SchemaSize[]
  tables: TableSize[]
}

type Bigint = number | string

/** Tables and indexes by size, and every schema with its total: `inspect sizes`. */
export async function inspectSizes(query: Query, scope: Scope): Promise<SizesReport> {
  const parameters = [scope.schema ?? null, scope.limit ?? null]
  const {rows: database} = await query<{bytes: Bigint; name: string}>(sizesSql.database)
  const {rows: tables} = await query<{
    index_bytes: Bigint
    materialized: boolean
    rows: null | number
    schema: string
    table: string
    table_bytes: Bigint
    toast_bytes: Bigint
    total_bytes: Bigint
    unlogged: boolean
  }>(sizesSql.tables, parameters)
  const {rows: indexes} = await query<{bytes: Bigint; index: string; schema: string; table: string}>(sizesSql.indexes, parameters)
  return {
    database: database[0]!.name,
    databaseBytes: Number(database[0]!.bytes),
    indexes: indexes.map((row) => ({...row, bytes: Number(row.bytes)})),
    schemas: await schemaSizes(query, scope.schema),
    tables: tables.map((row) => ({
      indexBytes: Number(row.index_bytes),
      materialized: row.materialized,
      rows: row.rows === null ? null : Math.round(Number(row.rows)),
      schema: row.schema,
      table: row.table,
      tableBytes: Number(row.table_bytes),
      toastBytes: Number(row.toast_bytes),
      totalBytes: Number(row.total_bytes),
      unlogged: row.unlogged,
    })),
  }
}

export async function schemaSizes(query: Query, schema?: string): Promise<SchemaSize[]> {
  const {rows} = await query<{bytes: Bigint; schema: string; tables: number}>(sizesSql.schemas, [schema ?? null])
  return rows.map((row) => ({bytes: Number(row.bytes), schema: row.schema, tables: row.tables}))
}

export interface UnloggedTable {
  bytes: number
  name: string
}

export async function unloggedTables(query: Query, schema?: string): Promise<UnloggedTable[]> {
  const {rows} = await query<{bytes: Bigint; schema: string; table: string}>(sizesSql.unlogged, [schema ?? null])
  return rows.map((row) => ({bytes: Number(row.bytes), name: qualifiedName(row.schema, row.table)}))
}
