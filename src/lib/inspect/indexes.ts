import {qualifiedName, type Query, type Scope, userSchemas} from './scope.js'

/**
 * Every index with its size and how often it was scanned since statistics were last reset. `signature` is what
 * makes two indexes the same: table, access method, columns, operator classes, collations, sort options, expressions
 * and predicate (uniqueness aside: a unique index serves every query a plain one on the same columns does).
 */
export const indexesSql = `
  SELECT n.nspname AS schema, t.relname AS table, c.relname AS index, am.amname AS method,
         pg_relation_size(c.oid) AS bytes, coalesce(s.idx_scan, 0)::bigint AS scans,
         (coalesce(ts.seq_scan, 0) + coalesce(ts.idx_scan, 0))::bigint AS table_scans,
         i.indisunique AS unique, i.indisprimary AS primary, i.indisvalid AS valid,
         EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) AS backs_constraint,
         pg_get_indexdef(c.oid) AS definition,
         concat_ws(' ', i.indrelid, c.relam, i.indkey::text, i.indclass::text, i.indcollation::text, i.indoption::text,
                   coalesce(pg_get_expr(i.indexprs, i.indrelid), ''), coalesce(pg_get_expr(i.indpred, i.indrelid), '')) AS signature
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_am am ON am.oid = c.relam
  LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = c.oid
  LEFT JOIN pg_stat_all_tables ts ON ts.relid = t.oid
  WHERE c.relkind = 'i' AND ${userSchemas('n', 1)}`

export interface IndexUsage {
  /** It enforces a constraint (primary key, unique, exclusion): dropping it means dropping the constraint. */
  backsConstraint: boolean
  bytes: number
  definition: string
  index: string
  method: string
  primary: boolean
  /** Index scans since statistics were last reset, on this instance. */
  scans: number
  schema: string
  table: string
  /** Sequential and index scans of its table, over the same period. */
  tableScans: number
  unique: boolean
  /** False for an index a failed CREATE INDEX CONCURRENTLY left behind: no query uses it, every write pays for it. */
  valid: boolean
}

export interface DuplicateIndexes {
  /** The one to keep: the primary key, else one backing a constraint, else unique, else the most scanned. */
  keep: string
  /** Copies of it, each redundant. */
  redundant: Array<{backsConstraint: boolean; bytes: number; index: string; scans: number}>
  redundantBytes: number
  schema: string
  table: string
}

export interface IndexesReport {
  database: string
  duplicateBytes: number
  duplicates: DuplicateIndexes[]
  /** Every index, largest first. */
  indexes: IndexUsage[]
  /** Never scanned and not enforcing anything, largest first. */
  unused: IndexUsage[]
  unusedBytes: number
}

/** Doctor's db.unused-indexes default: an unused index smaller than this costs too little to be worth a warning. */
export const defaultUnusedIndexMinBytes = 1024 * 1024

/**
 * How often a table must have been read before an index on it that no read used counts as unused: a table created
 * minutes ago, or never read yet, says nothing about its indexes.
 */
export const minTableScansForUnused = 1000

/** Never scanned, and not enforcing a constraint (primary keys, unique and exclusion constraints are used by writes). */
export const isUnused = (index: IndexUsage) => index.scans === 0 && !index.unique && !index.primary && !index.backsConstraint

/** What doctor warns about: an unused index at least `minBytes` large on a table that has been read enough to tell. */
export const worthDropping = (index: IndexUsage, minBytes: number) =>
  isUnused(index) && index.bytes >= minBytes && index.tableScans >= minTableScansForUnused

const keepOrder = (a: IndexUsage, b: IndexUsage) =>
  Number(b.primary) - Number(a.primary) ||
  Number(b.backsConstraint) - Number(a.backsConstraint) ||
  Number(b.unique) - Number(a.unique) ||
  Number(b.valid) - Number(a.valid) ||
  b.scans - a.scans ||
  a.index.localeCompare(b.index)

/** Indexes with the same signature, grouped: all but one of each group are redundant. Largest waste first. */
export function findDuplicateIndexes(indexes: Array<IndexUsage & {signature: string}>): DuplicateIndexes[] {
  const groups = new Map<string, IndexUsage[]>()
  for (const {signature, ...index} of indexes) groups.set(signature, [...(groups.get(signature) ?? []), index])
  const duplicates: DuplicateIndexes[] = []
  for (const group of groups.values()) {
    if (group.length < 2) continue
    const [keep, ...rest] = group.sort(keepOrder)
    const redundant = rest.map(({backsConstraint, bytes, index, scans}) => ({backsConstraint, bytes, index, scans}))
    duplicates.push({
      keep: keep!.index,
      redundant,
      redundantBytes: redundant.reduce((sum, index) => sum + index.bytes, 0),
      schema: keep!.schema,
      table: keep!.table,
    })
  }

  return duplicates.sort((a, b) => b.redundantBytes - a.redundantBytes || a.table.localeCompare(b.table))
}

type Row = Omit<IndexUsage, 'backsConstraint' | 'bytes' | 'scans' | 'tableScans'> & {
  backs_constraint: boolean
  bytes: string
  scans: string
  signature: string
  table_scans: string
}

export async function indexUsage(query: Query, schema?: string): Promise<Array<IndexUsage & {signature: string}>> {
  const {rows} = await query<Row>(indexesSql, [schema ?? null])
  return rows
    .map(({backs_constraint: backsConstraint, bytes, scans, table_scans: tableScans, ...row}) => ({
      ...row,
      backsConstraint,
      bytes: Number(bytes),
      scans: Number(scans),
      tableScans: Number(tableScans),
    }))
    .sort((a, b) => b.bytes - a.bytes || a.schema.localeCompare(b.schema) || a.index.localeCompare(b.index))
}

/** `inspect indexes`: unused and duplicate indexes with their sizes, and every index's use. */
export async function inspectIndexes(query: Query, database: string, scope: Scope): Promise<IndexesReport> {
  const all = await indexUsage(query, scope.schema)
  const limited = <T>(rows: T[]) => (scope.limit === undefined ? rows : rows.slice(0, scope.limit))
  const unused = all.filter((index) => isUnused(index)).map(({signature: _, ...index}) => index)
  const duplicates = findDuplicateIndexes(all)
  return {
    database,
    duplicateBytes: duplicates.reduce((sum, group) => sum + group.redundantBytes, 0),
    duplicates: limited(duplicates),
    indexes: limited(all.map(({signature: _, ...index}) => index)),
    unused: limited(unused),
    unusedBytes: unused.reduce((sum, index) => sum + index.bytes, 0),
  }
}

export const indexName = (index: Pick<IndexUsage, 'index' | 'schema'>) => qualifiedName(index.schema, index.index)
