/**
 * Quoting for the few statements built as text (DDL takes no bind parameters): an identifier in double quotes,
 * a literal in single quotes, each doubling its own quote character. standard_conforming_strings is on (the
 * default since PostgreSQL 9.1), so a backslash in a literal is an ordinary character.
 */

/** `"name"`, with any `"` doubled: a role, database, schema, table or column name. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** `'value'`, with any `'` doubled: a string constant. */
export const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`
