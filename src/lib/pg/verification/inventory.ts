import type {Client} from 'pg'

import {quoteIdentifier} from '../sql.js'
import {
  filterParams,
  noFilter,
  parseFilter,
  relationSelectedSql,
  schemaSelectedSql,
  sequenceSelectedSql,
  type TableFilter,
} from './filter.js'

/**
 * Catalog queries both sides run. Objects that belong to an extension are left out: the extension
 * brings them, and comparing them would compare the extension, not the data. Queries that take a
 * filter take its six parameters ($1..$6, see filterParams) and count exactly what pg_dump copies
 * under it.
 */
const userNamespace = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`
const notFromExtension = (oid: string) => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = ${oid} AND d.deptype = 'e')`
const selected = relationSelectedSql('c', 'n')
/** A relation owning an index or a constraint (its table, or a materialized view) that the filter copies. */
const parentSelected = (oid: string) =>
  `EXISTS (SELECT 1 FROM pg_class pc JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE pc.oid = ${oid} AND ${relationSelectedSql('pc', 'pn')})`

export const inventorySql = {
  counts: `
    SELECT
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${selected})::int AS tables,
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid
       WHERE c.relkind IN ('i', 'I') AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${parentSelected('i.indrelid')})::int AS indexes,
      (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE ${userNamespace} AND ${notFromExtension('k.oid')}
       AND CASE WHEN k.conrelid <> 0 THEN ${parentSelected('k.conrelid')} ELSE ${schemaSelectedSql('n')} END)::int AS constraints,
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${selected})::int AS views,
      (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${userNamespace} AND ${notFromExtension('p.oid')} AND ${schemaSelectedSql('n')})::int AS functions,
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${sequenceSelectedSql('c', 'n')})::int AS sequences,
      (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects`,
  extensions: `SELECT extname AS name, extversion AS version FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1`,
  /** Foreign keys of copied tables that reference a table the filter leaves out (pg_dump copies them; the restore fails). */
  foreignKeysLeavingFilter: `
    SELECT k.conname AS constraint, format('%I.%I', n.nspname, c.relname) AS table, format('%I.%I', rn.nspname, rc.relname) AS referenced
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_class rc ON rc.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
    WHERE k.contype = 'f' AND ${userNamespace} AND ${selected} AND NOT ${relationSelectedSql('rc', 'rn')} ORDER BY 2, 1`,
  owners: `
    SELECT DISTINCT pg_get_userbyid(c.relowner) AS role FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${userNamespace} AND ${notFromExtension('c.oid')}
      AND CASE WHEN c.relkind = 'S' THEN ${sequenceSelectedSql('c', 'n')} ELSE ${selected} END ORDER BY 1`,
  /** Each include pattern (-n, then -t) with how many schemas or relations it matches, for --strict-names in the preflight. */
  patternMatches: `
    SELECT 'schema' AS kind, s.ord::int AS index, (SELECT count(*) FROM pg_namespace n WHERE n.nspname ~ (s.rx COLLATE pg_catalog.default))::int AS matches
    FROM unnest($1::text[]) WITH ORDINALITY AS s(rx, ord)
    UNION ALL
    SELECT 'table', t.ord::int, (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND c.relname ~ (t.name_rx COLLATE pg_catalog.default)
        AND CASE WHEN t.schema_rx IS NULL THEN pg_table_is_visible(c.oid) ELSE n.nspname ~ (t.schema_rx COLLATE pg_catalog.default) END)::int
    FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(schema_rx, name_rx, ord)
    ORDER BY 1, 2`,
  /** The schemas of the relations the filter copies. */
  selectedSchemas: `
    SELECT DISTINCT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${userNamespace} AND ${notFromExtension('c.oid')}
      AND CASE WHEN c.relkind = 'S' THEN ${sequenceSelectedSql('c', 'n')} ELSE ${selected} END ORDER BY 1`,
  sequences: `
    SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'S' AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${sequenceSelectedSql('c', 'n')} ORDER BY 1, 2`,
  tables: `
    SELECT n.nspname AS schema, c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes,
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS has_primary_key,
           c.relispartition AS is_partition,
           (SELECT coalesce(json_agg(json_build_object('name', a.attname, 'type', t.typnamespace::regnamespace::text || '.' || t.typname) ORDER BY a.attnum), '[]')
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND ${userNamespace} AND ${notFromExtension('c.oid')} AND ${selected}
    ORDER BY pg_total_relation_size(c.oid) DESC, 1, 2`,
  /** Every user table (plain or partitioned), and whether the filter copies it. */
  tableSelection: `
    SELECT n.nspname AS schema, c.relname AS name, ${selected} AS selected
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND ${userNamespace} AND ${notFromExtension('c.oid')} ORDER BY 1, 2`,
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

/**
 * Counts of what pg_dump copies. null: not compared under this filter, because pg_dump copies none
 * of them then (functions with --table; large objects with --schema or --table).
 */
export interface ObjectCounts {
  constraints: number
  functions: null | number
  indexes: number
  large_objects: null | number
  sequences: number
  tables: number
  views: number
}

export const qualified = (table: {name: string; schema: string}) => `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)}`

/** Leaf tables the filter copies (partitions included, partitioned parents not: they hold no rows of their own), largest first. */
export async function listTables(client: Client, filter: TableFilter = noFilter): Promise<TableRef[]> {
  const {rows} = await client.query<{
    bytes: string
    columns: ColumnRef[]
    has_primary_key: boolean
    is_partition: boolean
    name: string
    schema: string
  }>(inventorySql.tables, filterParams(filter))
  return rows.map((row) => ({
    bytes: Number(row.bytes),
    columns: row.columns,
    hasPrimaryKey: row.has_primary_key,
    isPartition: row.is_partition,
    name: row.name,
    schema: row.schema,
  }))
}

/** Every user table (plain or partitioned) split by the filter: what pg_dump would CREATE, and what it leaves out. */
export async function tableSelection(
  client: Client,
  filter: TableFilter,
): Promise<{leftOut: Array<{name: string; schema: string}>; selected: Array<{name: string; schema: string}>}> {
  const {rows} = await client.query<{name: string; schema: string; selected: boolean}>(inventorySql.tableSelection, filterParams(filter))
  return {
    leftOut: rows.filter((row) => !row.selected).map(({name, schema}) => ({name, schema})),
    selected: rows.filter((row) => row.selected).map(({name, schema}) => ({name, schema})),
  }
}

/** The include patterns (--schema, --table) that match nothing: pg_dump --strict-names refuses them. */
export async function unmatchedPatterns(client: Client, filter: TableFilter): Promise<{schemas: string[]; tables: string[]}> {
  // The patterns as given: an unqualified one matches what is visible on this session's search path.
  const parsed = parseFilter(filter)
  const {rows} = await client.query<{index: number; kind: 'schema' | 'table'; matches: number}>(inventorySql.patternMatches, [
    parsed.schemas.map((pattern) => pattern.name),
    parsed.include.map((pattern) => pattern.schema),
    parsed.include.map((pattern) => pattern.name),
  ])
  const unmatched = (kind: 'schema' | 'table', patterns: string[]) =>
    rows.filter((row) => row.kind === kind && row.matches === 0).map((row) => patterns[row.index - 1]!)
  return {schemas: unmatched('schema', filter.schemas), tables: unmatched('table', filter.tables)}
}

export async function objectCounts(client: Client, filter: TableFilter = noFilter): Promise<ObjectCounts> {
  const {rows} = await client.query<ObjectCounts>(inventorySql.counts, filterParams(filter))
  const counts = rows[0]!
  return {
    ...counts,
    functions: filter.tables.length > 0 ? null : counts.functions,

    large_objects: filter.tables.length > 0 || filter.schemas.length > 0 ? null : counts.large_objects,
  }
}

/** Sequences the filter copies, owned ones included (pg_dump's getOwnedSeqs). */
export async function listSequences(client: Client, filter: TableFilter = noFilter): Promise<Array<{name: string; schema: string}>> {
  return (await client.query<{name: string; schema: string}>(inventorySql.sequences, filterParams(filter))).rows
}

export interface SequenceValue {
  isCalled: boolean
  lastValue: string
}

/** One read that may fail: the value, or the server's error text. */
export type Guarded<T> = {error: string; value: null} | {error?: undefined; value: T}

/**
 * Runs one read, and turns its failure into the error's text. Inside a transaction the read runs in a
 * savepoint, rolled back on failure, so one unreadable object does not abort the transaction and
 * every later read with it.
 */
export async function guarded<T>(client: Client, inTransaction: boolean, read: () => Promise<T>): Promise<Guarded<T>> {
  if (inTransaction) await client.query('SAVEPOINT auroractl_read')
  try {
    const value = await read()
    if (inTransaction) await client.query('RELEASE SAVEPOINT auroractl_read')
    return {value}
  } catch (error) {
    if (inTransaction) await client.query('ROLLBACK TO SAVEPOINT auroractl_read; RELEASE SAVEPOINT auroractl_read')
    return {error: (error as Error).message, value: null}
  }
}

/** A sequence's state, or the error that kept it from being read (missing on this side, no privilege). */
export async function readSequence(
  client: Client,
  sequence: {name: string; schema: string},
  options: {inTransaction?: boolean} = {},
): Promise<Guarded<SequenceValue>> {
  return guarded(client, options.inTransaction ?? false, async () => {
    const {rows} = await client.query<{is_called: boolean; last_value: string}>(
      `SELECT last_value::text AS last_value, is_called FROM ${qualified(sequence)}`,
    )
    return {isCalled: rows[0]!.is_called, lastValue: rows[0]!.last_value}
  })
}

export async function serverMajor(client: Client): Promise<number> {
  const {rows} = await client.query<{version: number}>(`SELECT current_setting('server_version_num')::int AS version`)
  return Math.floor(rows[0]!.version / 10_000)
}
