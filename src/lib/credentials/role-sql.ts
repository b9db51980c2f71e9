import {quoteIdentifier} from '../pg/sql.js'
import {verifierLiteral} from './password.js'

/**
 * The SQL `role create` and `role drop` run, built from plain values (pure: unit-tested without a server).
 * Names are always quoted; the password only ever appears as a SCRAM verifier (see password.ts).
 */

/** Schemas that are not PostgreSQL's own (pg_catalog, information_schema, pg_toast ...), as a condition on pg_namespace `n`. */
export const userNamespace = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`

/** Objects an extension brings (pg_stat_statements's views) are the extension's: a condition on pg_class `c`. */
export const notFromExtension = `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`

/** What a role may do in the schemas it is given. */
export type RoleMode = 'readonly' | 'readwrite'

/** PostgreSQL truncates identifiers past 63 bytes (NAMEDATALEN - 1); a longer name would not be the name asked for. */
const maxRoleNameLength = 63

/** Names PostgreSQL gives a meaning of its own in GRANT and ALTER ROLE: a role so named cannot be addressed. */
const specialRoleNames = new Set(['current_role', 'current_user', 'none', 'public', 'session_user'])

/** pg_: reserved by PostgreSQL for its predefined roles; rds: Amazon RDS's own (rdsadmin, rds_superuser, rds_iam, ...). */
const reservedRolePrefixes = ['pg_', 'rds'] as const

/** Why `name` cannot name a role auroractl touches (create or drop), or undefined when it can. */
export function reservedRoleProblem(name: string): string | undefined {
  const lower = name.toLowerCase()
  if (specialRoleNames.has(lower)) return `"${name}" is a word PostgreSQL reserves in role names`
  const prefix = reservedRolePrefixes.find((reserved) => lower.startsWith(reserved))
  if (prefix === 'pg_') return `"${name}" starts with pg_, which PostgreSQL reserves for its own roles`
  if (prefix) return `"${name}" starts with rds, which Amazon RDS uses for its own roles (rdsadmin, rds_superuser, rds_iam ...)`
  return undefined
}

/**
 * Why `name` cannot be a new role's name, or undefined. Only lower-case letters, digits and underscores, starting
 * with a letter or underscore: such a name means the same quoted or not, in SQL, in a connection string and in an
 * application's config, so nobody ever has to remember the quotes.
 */
export function newRoleNameProblem(name: string): string | undefined {
  if (name === '') return 'the role name is empty'
  if (Buffer.byteLength(name) > maxRoleNameLength) return `"${name}" is longer than ${maxRoleNameLength} characters`
  if (!/^[a-z_][a-z\d_]*$/.test(name))
    return `"${name}" is not a plain lower-case name: use a-z, 0-9 and _, starting with a letter or _ (e.g. reporting_ro)`
  return reservedRoleProblem(name)
}

/** The privileges a mode grants on tables, and on sequences (none for read-only: reading a table never needs its sequence). */
const modePrivileges: Record<RoleMode, {sequences: string[]; tables: string[]}> = {
  readonly: {sequences: [], tables: ['SELECT']},
  readwrite: {sequences: ['USAGE', 'SELECT'], tables: ['SELECT', 'INSERT', 'UPDATE', 'DELETE']},
}

export interface RoleGrantPlan {
  /** -1: no limit (PostgreSQL's default). */
  connectionLimit: number
  database: string
  /** Roles whose future tables (and sequences) the new role gets: ALTER DEFAULT PRIVILEGES FOR ROLE each. */
  defaultPrivilegesFor: string[]
  mode: RoleMode
  name: string
  /** Schemas where PUBLIC's CREATE is revoked (--revoke-public-create): otherwise any role may create tables there. */
  revokePublicCreate: string[]
  schemas: string[]
}

/** Written where the password verifier goes when statements are shown (--dry-run, --json): it is never shown. */
const passwordPlaceholder = "'<SCRAM-SHA-256 verifier>'"

/**
 * `CREATE ROLE` with every attribute spelled out, so the role is what it says whatever the server's defaults:
 * a login, no superuser, no CREATEDB, no CREATEROLE, no REPLICATION, no BYPASSRLS. INHERIT is PostgreSQL's
 * default and harmless here (the role is a member of no role); a membership granted later on purpose then works.
 */
export function createRoleSql(plan: Pick<RoleGrantPlan, 'connectionLimit' | 'name'>, password: string): string {
  return createRoleWith(plan, verifierLiteral(password))
}

/** The same statement as shown (--dry-run, --json): the verifier replaced by passwordPlaceholder. */
export const createRoleSqlShown = (plan: Pick<RoleGrantPlan, 'connectionLimit' | 'name'>): string =>
  createRoleWith(plan, passwordPlaceholder)

const createRoleWith = (plan: Pick<RoleGrantPlan, 'connectionLimit' | 'name'>, verifier: string) =>
  `CREATE ROLE ${quoteIdentifier(plan.name)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS ` +
  `CONNECTION LIMIT ${plan.connectionLimit} PASSWORD ${verifier}`

/**
 * The grants, in order: CONNECT on the database; USAGE on each schema; the mode's privileges on the tables (and
 * sequences) there now; the same for tables the named owners create later (default privileges); and, when asked,
 * PUBLIC's CREATE revoked on the schemas. Nothing else: no TRUNCATE, REFERENCES, TRIGGER, no CREATE anywhere.
 */
export function grantStatements(plan: RoleGrantPlan): string[] {
  const role = quoteIdentifier(plan.name)
  const {sequences, tables} = modePrivileges[plan.mode]
  const schemaList = plan.schemas.map((schema) => quoteIdentifier(schema)).join(', ')
  const statements = [
    `GRANT CONNECT ON DATABASE ${quoteIdentifier(plan.database)} TO ${role}`,
    `GRANT USAGE ON SCHEMA ${schemaList} TO ${role}`,
  ]
  statements.push(`GRANT ${tables.join(', ')} ON ALL TABLES IN SCHEMA ${schemaList} TO ${role}`)
  if (sequences.length > 0) statements.push(`GRANT ${sequences.join(', ')} ON ALL SEQUENCES IN SCHEMA ${schemaList} TO ${role}`)
  for (const owner of plan.defaultPrivilegesFor) {
    const forOwner = `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdentifier(owner)} IN SCHEMA ${schemaList}`
    statements.push(`${forOwner} GRANT ${tables.join(', ')} ON TABLES TO ${role}`)
    if (sequences.length > 0) statements.push(`${forOwner} GRANT ${sequences.join(', ')} ON SEQUENCES TO ${role}`)
  }

  if (plan.revokePublicCreate.length > 0)
    statements.push(`REVOKE CREATE ON SCHEMA ${plan.revokePublicCreate.map((schema) => quoteIdentifier(schema)).join(', ')} FROM PUBLIC`)
  return statements
}

/**
 * What `role drop` runs in its one transaction: hand its objects over (when asked), then DROP OWNED BY, which in
 * this database drops what it still owns and revokes every privilege and default privilege granted to it (DROP ROLE
 * refuses while any remains), then the role.
 */
export function dropRoleStatements(name: string, reassignTo?: string): string[] {
  const role = quoteIdentifier(name)
  return [
    ...(reassignTo ? [`REASSIGN OWNED BY ${role} TO ${quoteIdentifier(reassignTo)}`] : []),
    `DROP OWNED BY ${role}`,
    `DROP ROLE ${role}`,
  ]
}

/**
 * Makes the session's user (the master user) a member of the role, which REASSIGN OWNED, DROP OWNED and
 * pg_terminate_backend require of a user without superuser (Aurora's rds_superuser included). DROP ROLE ends the
 * membership with the role; `role drop` revokes it itself when it gives up.
 */
export const actAsRoleSql = (name: string) => `GRANT ${quoteIdentifier(name)} TO CURRENT_USER`
