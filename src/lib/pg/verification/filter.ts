import type {Client} from 'pg'

import {badInput} from '../../cli/errors.js'

/**
 * What `migrate` copies, in pg_dump's own terms: `--schema` (-n), `--table` (-t) and
 * `--exclude-table` (-T) patterns. The same filter drives the dump, the preflight, the row and
 * checksum verification and the object counts, so all of them see the same relations.
 */
export interface TableFilter {
  excludeTables: string[]
  /** The patterns with the unqualified ones resolved on the source (resolveFilter): what the target must be checked against. */
  resolved?: ParsedFilter
  schemas: string[]
  tables: string[]
}

export const noFilter: TableFilter = {excludeTables: [], schemas: [], tables: []}

/** One pattern as anchored POSIX regular expressions, as psql and pg_dump build them. */
export interface PatternRegex {
  /** The literal database part of `db.schema.name` (pg_dump refuses any other than the one it dumps). */
  database?: string
  /** The name part, e.g. `^(users)$`. */
  name: string
  /** The schema part, or null when the pattern has none (then only visible relations match). */
  schema: null | string
}

/** Characters quoted with a backslash inside double quotes, where everything is literal. */
const regexSpecials = new Set('|*+?()[]{}.^$\\')

const anchored = (part: string) => `^(${part})$`

/** One character of a pattern outside the quote and dot handling: its regex text and its literal text. */
function translate(ch: string, next: string | undefined, inQuotes: boolean): {literal: string; regex: string} {
  if (!inQuotes && ch >= 'A' && ch <= 'Z') return {literal: ch.toLowerCase(), regex: ch.toLowerCase()}
  if (!inQuotes && ch === '*') return {literal: ch, regex: '.*'}
  if (!inQuotes && ch === '?') return {literal: ch, regex: '.'}
  // $ is legal in identifiers and the pattern is anchored anyway: always literal.
  if (ch === '$') return {literal: ch, regex: String.raw`\$`}
  // Inside quotes every regex character is literal; "[]" always is (an array type name, not a bracket expression).
  if ((inQuotes && regexSpecials.has(ch)) || (ch === '[' && next === ']')) return {literal: ch, regex: `\\${ch}`}
  return {literal: ch, regex: ch}
}

/**
 * psql's pattern rules (patternToSQLRegex in PostgreSQL's src/fe_utils/string_utils.c), for a pattern
 * of at most `parts` dot-separated parts, plus an optional leading database part:
 *
 * - outside double quotes ASCII letters fold to lower case, `*` means any run of characters, `?` any
 *   one character, `.` separates the parts, and other regular-expression characters pass through;
 * - inside double quotes everything is literal (regular-expression characters are escaped) and `""`
 *   is one double quote;
 * - `$` is always literal; `[]` is always literal (an array type name, not a bracket expression);
 * - each part is anchored as `^(...)$`.
 */
export function patternToRegex(pattern: string, options: {flag: string; parts: 1 | 2}): PatternRegex {
  if (!pattern.trim())
    throw badInput(
      `${options.flag} needs a pattern, e.g. ${options.parts === 2 ? "'public.orders' or 'audit_*'" : "'sales' or 'tenant_*'"}.`,
    )
  const buffers: string[] = ['']
  let literal = ''
  let inQuotes = false
  for (let index = 0; index < pattern.length; index++) {
    const ch = pattern[index]!
    if (ch === '"' && inQuotes && pattern[index + 1] === '"') {
      buffers[buffers.length - 1] += '"'
      if (buffers.length === 1) literal += '"'
      index++
    } else if (ch === '"') {
      inQuotes = !inQuotes
    } else if (ch === '.' && !inQuotes) {
      buffers.push('')
    } else {
      const translated = translate(ch, pattern[index + 1], inQuotes)
      buffers[buffers.length - 1] += translated.regex
      if (buffers.length === 1) literal += translated.literal
    }
  }

  if (inQuotes) throw badInput(`${options.flag} ${pattern}: unterminated double quote.`)
  // pg_dump accepts one more part than it needs, naming the database being dumped.
  if (buffers.length - 1 > options.parts) {
    throw badInput(
      `${options.flag} ${pattern}: too many dotted names (at most ${options.parts === 2 ? 'schema.table, or database.schema.table' : 'schema, or database.schema'}); quote a name that holds a dot, e.g. '"my.table"'.`,
    )
  }

  const name = anchored(buffers.at(-1)!)
  const database = buffers.length > options.parts ? literal : undefined
  const schema = options.parts === 2 && buffers.length >= 2 ? anchored(buffers.at(-2)!) : null
  return {database, name, schema}
}

export interface ParsedFilter {
  exclude: PatternRegex[]
  include: PatternRegex[]
  schemas: PatternRegex[]
}

/** Every pattern of a filter as regular expressions; bad input (exit 2) names the flag and the pattern. */
export function parseFilter(filter: TableFilter): ParsedFilter {
  return {
    exclude: filter.excludeTables.map((pattern) => patternToRegex(pattern, {flag: '--exclude-table', parts: 2})),
    include: filter.tables.map((pattern) => patternToRegex(pattern, {flag: '--table', parts: 2})),
    schemas: filter.schemas.map((pattern) => patternToRegex(pattern, {flag: '--schema', parts: 1})),
  }
}

export const isFiltered = (filter: TableFilter) => filter.schemas.length > 0 || filter.tables.length > 0 || filter.excludeTables.length > 0

/** The database part a pattern names, if any: pg_dump refuses one other than the database it dumps. */
export function crossDatabasePatterns(filter: TableFilter, database: string): string[] {
  const parsed = parseFilter(filter)
  const all = [
    ...filter.schemas.map((pattern, index) => [pattern, parsed.schemas[index]!] as const),
    ...filter.tables.map((pattern, index) => [pattern, parsed.include[index]!] as const),
    ...filter.excludeTables.map((pattern, index) => [pattern, parsed.exclude[index]!] as const),
  ]
  return all.filter(([, regex]) => regex.database !== undefined && regex.database !== database).map(([pattern]) => pattern)
}

/** A name as a regex that matches it alone. */
const exactly = (name: string) => anchored(name.replaceAll(/[\\^$.|?*+()[\]{}]/g, String.raw`\$&`))

/**
 * Resolves, on the source, each pattern without a schema part into the relations it matches there.
 * Such a pattern matches only relations visible on the search path (pg_dump runs its query after RESET
 * search_path, so on the session's default path, as here). Visibility depends on what else exists:
 * on the target, where a shadowing table may be left out, the same pattern would see another table.
 * The resolved filter names the source's relations exactly, so both sides select the same ones.
 */
export async function resolveFilter(client: Client, filter: TableFilter): Promise<TableFilter & {resolved: ParsedFilter}> {
  if (filter.resolved) return {...filter, resolved: filter.resolved}
  const parsed = parseFilter(filter)
  const qualify = async (patterns: PatternRegex[]) =>
    (
      await Promise.all(
        patterns.map(async (pattern) => {
          if (pattern.schema !== null) return [pattern]
          const {rows} = await client.query<{name: string; schema: string}>(visibleMatchesSql, [pattern.name])
          return rows.map((row) => ({name: exactly(row.name), schema: exactly(row.schema)}))
        }),
      )
    ).flat()
  return {...filter, resolved: {exclude: await qualify(parsed.exclude), include: await qualify(parsed.include), schemas: parsed.schemas}}
}

const visibleMatchesSql = `
  SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND c.relname ~ ($1::text COLLATE pg_catalog.default) AND pg_catalog.pg_table_is_visible(c.oid)`

/**
 * The filter's query parameters, always $1..$6 in every catalog query that takes a filter:
 * $1 schema-name regexes (-n), $2/$3 include schema/name regexes (-t), $4/$5 exclude schema/name
 * regexes (-T), $6 whether any --table was given (an include resolved to nothing still excludes
 * everything else). A NULL schema regex (a pattern not resolved) means the relations visible on this
 * session's search path.
 */
export function filterParams(filter: TableFilter): unknown[] {
  const parsed = filter.resolved ?? parseFilter(filter)
  return [
    parsed.schemas.map((pattern) => pattern.name),
    parsed.include.map((pattern) => pattern.schema),
    parsed.include.map((pattern) => pattern.name),
    parsed.exclude.map((pattern) => pattern.schema),
    parsed.exclude.map((pattern) => pattern.name),
    filter.tables.length > 0,
  ]
}

/** Whether relation `c` in schema `n` matches one of the patterns in the $schema/$name parameter pair (pg_dump's -t/-T query). */
const matchesSql = (c: string, n: string, schemas: string, names: string) => `(${c}.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND EXISTS (
  SELECT 1 FROM unnest(${schemas}::text[], ${names}::text[]) AS p(schema_rx, name_rx)
  WHERE ${c}.relname ~ (p.name_rx COLLATE pg_catalog.default)
    AND CASE WHEN p.schema_rx IS NULL THEN pg_catalog.pg_table_is_visible(${c}.oid) ELSE ${n}.nspname ~ (p.schema_rx COLLATE pg_catalog.default) END))`

/** Whether schema `n` is copied in full: no -t given, and either no -n or a matching one. */
export const schemaSelectedSql = (n: string) =>
  `(NOT $6::boolean AND (cardinality($1::text[]) = 0 OR EXISTS (SELECT 1 FROM unnest($1::text[]) AS s(rx) WHERE ${n}.nspname ~ (s.rx COLLATE pg_catalog.default))))`

/**
 * pg_dump's selectDumpableTable: with -t, the relations that match it (-n has no effect then);
 * otherwise those in the selected schemas; never one that matches -T.
 */
export const relationSelectedSql = (c: string, n: string) =>
  `((CASE WHEN $6::boolean THEN ${matchesSql(c, n, '$2', '$3')} ELSE ${schemaSelectedSql(n)} END) AND NOT ${matchesSql(c, n, '$4', '$5')})`

/**
 * pg_dump's getOwnedSeqs: a sequence is dumped when it is selected itself, unless it is the identity
 * sequence of a table that is not; and always when the table that owns it (serial, OWNED BY,
 * identity) is dumped.
 */
export const sequenceSelectedSql = (c: string, n: string) => `(
  (${relationSelectedSql(c, n)} AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class oc ON oc.oid = d.refobjid JOIN pg_catalog.pg_namespace on_ ON on_.oid = oc.relnamespace
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = ${c}.oid AND d.objsubid = 0 AND d.refclassid = 'pg_catalog.pg_class'::regclass
      AND d.deptype = 'i' AND NOT ${relationSelectedSql('oc', 'on_')}))
  OR EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class oc ON oc.oid = d.refobjid JOIN pg_catalog.pg_namespace on_ ON on_.oid = oc.relnamespace
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = ${c}.oid AND d.objsubid = 0 AND d.refclassid = 'pg_catalog.pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND ${relationSelectedSql('oc', 'on_')}))`
