import type {Query} from '../pg/query.js'

import {badInput} from '../cli/errors.js'

export type {Query} from '../pg/query.js'

/** Which objects a report looks at: one schema, or every schema but PostgreSQL's own. */
export interface Scope {
  /** Rows to return, largest first; none for every row (doctor grades them all). */
  limit?: number
  schema?: string
}

/**
 * The SQL condition for "a user's schema", on a pg_namespace alias, optionally narrowed to the schema
 * passed as parameter `$n` (NULL for all): PostgreSQL's catalogs, TOAST and temporary schemas are left out.
 */
export function userSchemas(namespace: string, parameter: number): string {
  return `${namespace}.nspname NOT IN ('pg_catalog', 'information_schema')
    AND ${namespace}.nspname NOT LIKE 'pg\\_toast%' AND ${namespace}.nspname NOT LIKE 'pg\\_temp\\_%'
    AND ($${parameter}::text IS NULL OR ${namespace}.nspname = $${parameter}::text)`
}

export const schemaNamesSql = `
  SELECT n.nspname AS schema FROM pg_namespace n WHERE ${userSchemas('n', 1)} ORDER BY 1`

/**
 * `--schema` names a schema that exists, else exit 2 listing those there are: a typo must not read as "nothing
 * wrong here" at 3 a.m.
 */
export async function requireSchema(query: Query, schema: string | undefined, database: string): Promise<void> {
  if (schema === undefined) return
  const {rows} = await query<{schema: string}>(schemaNamesSql, [null])
  if (rows.some((row) => row.schema === schema)) return
  const names = rows.map((row) => row.schema)
  throw badInput(
    `--schema "${schema}": database ${database} has no such schema; it has ${names.length > 0 ? names.slice(0, 20).join(', ') : 'none but the system ones'}.`,
  )
}

/** "schema.table", quoted only where SQL would need it, so names can be pasted into a statement. */
export function qualifiedName(...parts: string[]): string {
  return parts.map((part) => (/^[a-z_][\d$_a-z]*$/.test(part) ? part : `"${part.replaceAll('"', '""')}"`)).join('.')
}
