import type {Client} from 'pg'

/**
 * Catalog queries both sides run. Objects that belong to an extension are left out: the extension
 * brings them, and comparing them would compare the extension, not the data.
 */
const userNamespace = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`
const notFromExtension = (oid: string) => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = ${oid} AND d.deptype = 'e')`
const schemaFilter = `(cardinality($1::text[]) = 0 OR n.nspname = ANY($1::text[]))`

export const inventorySql = {
  counts: `
    SELECT
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${schemaFilter})::int AS tables,
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('i', 'I') AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${schemaFilter})::int AS indexes,
      (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE ${userNamespace} AND ${notFromExtension('k.oid')} AND ${schemaFilter})::int AS constraints,
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${schemaFilter})::int AS views,
      (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${userNamespace} AND ${notFromExtension('p.oid')} AND ${schemaFilter})::int AS functions,
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${schemaFilter})::int AS sequences,
      (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects`,
  extensions: `SELECT extname AS name, extversion AS version FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1`,
  owners: `
    SELECT DISTINCT pg_get_userbyid(c.relowner) AS role FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${userNamespace} AND ${notFromExtension('c.oid')} AND ${schemaFilter} ORDER BY 1`,
  sequences: `
    SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'S' AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${schemaFilter} ORDER BY 1, 2`,
  tables: `
    SELECT n.nspname AS schema, c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes,
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS has_primary_key,
           c.relispartition AS is_partition,
           (SELECT coalesce(json_agg(json_build_object('name', a.attname, 'type', t.typnamespace::regnamespace::text || '.' || t.typname) ORDER BY a.attnum), '[]')
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${schemaFilter}
    ORDER BY pg_total_relation_size(c.oid) DESC, 1, 2`,
  userObjects: `
    SELECT count(*)::int AS objects FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${userNamespace} AND ${notFromExtension('c.oid')}`,
} as const

export interface ColumnRef {
  name: string
  /** Schema-qualified pg_type name, e.g. pg_catalog.int4: a domain keeps its own name, an array type's starts with an underscore. */
  type: string
}

export interface TableRef {
  bytes: number
  columns: ColumnRef[]
  hasPrimaryKey: boolean
  isPartition: boolean
  name: string
  schema: string
}

export interface ObjectCounts {
  constraints: number
  functions: number
  indexes: number
  large_objects: number
  sequences: number
  tables: number
  views: number
}

export const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`
export const qualified = (table: {name: string; schema: string}) => `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)}`

/** Leaf tables (partitions included, partitioned parents not: they hold no rows of their own), largest first. */
export async function listTables(client: Client, schemas: string[], excluded: string[]): Promise<TableRef[]> {
  const {rows} = await client.query<{bytes: string; columns: ColumnRef[]; has_primary_key: boolean; is_partition: boolean; name: string; schema: string}>(inventorySql.tables, [
    schemas,
  ])
  return rows
    .map((row) => ({bytes: Number(row.bytes), columns: row.columns, hasPrimaryKey: row.has_primary_key, isPartition: row.is_partition, name: row.name, schema: row.schema}))
    .filter((table) => !excluded.some((pattern) => pattern === table.name || pattern === `${table.schema}.${table.name}`))
}

export async function objectCounts(client: Client, schemas: string[]): Promise<ObjectCounts> {
  const {rows} = await client.query<ObjectCounts>(inventorySql.counts, [schemas])
  return rows[0]!
}

export async function listSequences(client: Client, schemas: string[]): Promise<Array<{name: string; schema: string}>> {
  return (await client.query<{name: string; schema: string}>(inventorySql.sequences, [schemas])).rows
}

export interface SequenceValue {
  isCalled: boolean
  lastValue: string
}

/** A sequence's state, or null when it cannot be read (missing on this side). */
export async function readSequence(client: Client, sequence: {name: string; schema: string}): Promise<null | SequenceValue> {
  return client.query<{is_called: boolean; last_value: string}>(`SELECT last_value::text AS last_value, is_called FROM ${qualified(sequence)}`).then(
    ({rows}) => ({isCalled: rows[0]!.is_called, lastValue: rows[0]!.last_value}),
    () => null,
  )
}

export async function serverMajor(client: Client): Promise<number> {
  const {rows} = await client.query<{version: number}>(`SELECT current_setting('server_version_num')::int AS version`)
  return Math.floor(rows[0]!.version / 10_000)
}
