import type {Query} from '../pg/query.js'
import type {RoleSecret} from './role-secrets.js'

import {notFromExtension, userNamespace} from './role-sql.js'

/**
 * `role list`: the database's login roles and what each may do, in words. Everything is read from catalogs and
 * privilege functions any user may call (pg_roles, pg_namespace, pg_class, pg_default_acl, has_*_privilege,
 * pg_stat_activity's user column), so it works for a user without superuser rights.
 */

/** What a role may do in this database, in words. */
export type RolePrivileges = 'custom' | 'login only' | 'owner' | 'read-only' | 'read-write' | 'superuser-like'

/** What one schema's tables (those the role can reach: USAGE on the schema) allow the role: counts of tables. */
export interface SchemaTableAccess {
  delete: number
  insert: number
  /** TRUNCATE, REFERENCES or TRIGGER: more than reading and writing rows. */
  other: number
  schema: string
  select: number
  tables: number
  update: number
}

/** Default privileges that grant the role something on future tables ('' for every schema). */
export interface DefaultTableGrant {
  privileges: string[]
  schema: string
}

export interface RoleFacts {
  bypassRls: boolean
  createDb: boolean
  /** Schemas it does not own where it may CREATE. */
  createIn: string[]
  createRole: boolean
  defaults: DefaultTableGrant[]
  /** Tables, views, sequences and schemas it owns in this database. */
  ownedObjects: number
  ownsDatabase: boolean
  /** Member (directly or not) of Aurora's rds_superuser. */
  rdsSuperuser: boolean
  replication: boolean
  superuser: boolean
  tables: SchemaTableAccess[]
}

export interface RoleClassification {
  /** Why, in a few words: "member of rds_superuser", "SELECT on 2 of 5 tables in app", "CREATE on schema public". */
  detail: string
  privileges: RolePrivileges
  /** The schemas the verdict is about: where it can use a table, or has default privileges. */
  schemas: string[]
}

const readOnly = ['SELECT']
const readWrite = ['DELETE', 'INSERT', 'SELECT', 'UPDATE']
const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((item, index) => item === [...b].sort()[index])

type SchemaVerdict = {detail?: string; mode: 'custom' | 'read-only' | 'read-write'}

/** One schema: every reachable table readable and none writable (read-only), all four row privileges on each (read-write), or else custom. */
function schemaVerdict(access: SchemaTableAccess | undefined, defaults: string[] | undefined): SchemaVerdict {
  const name = access?.schema
  if (access && access.other > 0) return {detail: `TRUNCATE, REFERENCES or TRIGGER on ${access.other} tables in ${name}`, mode: 'custom'}
  let tablesMode: SchemaVerdict['mode'] | undefined
  if (access && access.tables > 0) {
    const {delete: deletes, insert, select, tables, update} = access
    if (select === tables && insert + update + deletes === 0) tablesMode = 'read-only'
    else if ([select, insert, update, deletes].every((count) => count === tables)) tablesMode = 'read-write'
    else
      return {
        detail: `on ${tables} tables in ${name}: SELECT ${select}, INSERT ${insert}, UPDATE ${update}, DELETE ${deletes}`,
        mode: 'custom',
      }
  }

  let defaultsMode: SchemaVerdict['mode'] | undefined
  if (defaults && defaults.length > 0) {
    if (sameSet(defaults, readOnly)) defaultsMode = 'read-only'
    else if (sameSet(defaults, readWrite)) defaultsMode = 'read-write'
    else return {detail: `default privileges ${defaults.join(', ')}`, mode: 'custom'}
  }

  if (tablesMode && defaultsMode && tablesMode !== defaultsMode)
    return {detail: `${tablesMode} on its tables, ${defaultsMode} on future ones`, mode: 'custom'}
  return {mode: (tablesMode ?? defaultsMode)!}
}

/** What a role may do beyond reading and writing rows: role attributes, and CREATE in schemas it does not own. */
function extraPowers(facts: RoleFacts): string[] {
  const attributes = {BYPASSRLS: facts.bypassRls, CREATEDB: facts.createDb, CREATEROLE: facts.createRole, REPLICATION: facts.replication}
  return [
    ...Object.entries(attributes)
      .filter(([, has]) => has)
      .map(([attribute]) => attribute),
    ...facts.createIn.map((schema) => `CREATE on schema ${schema}`),
  ]
}

/** Privileges in words. Pure: the order of the rules is the point (a superuser is superuser-like whatever else it has). */
export function classifyRole(facts: RoleFacts): RoleClassification {
  if (facts.superuser) return {detail: 'superuser', privileges: 'superuser-like', schemas: []}
  if (facts.rdsSuperuser) return {detail: 'member of rds_superuser', privileges: 'superuser-like', schemas: []}
  if (facts.ownsDatabase) return {detail: 'owns the database', privileges: 'owner', schemas: []}
  if (facts.ownedObjects > 0)
    return {detail: `owns ${facts.ownedObjects} object${facts.ownedObjects === 1 ? '' : 's'}`, privileges: 'owner', schemas: []}
  const extras = extraPowers(facts)
  const used = facts.tables.filter((access) => access.select + access.insert + access.update + access.delete + access.other > 0)
  const defaultsBySchema = new Map<string, string[]>()
  for (const grant of facts.defaults)
    defaultsBySchema.set(grant.schema, [...(defaultsBySchema.get(grant.schema) ?? []), ...grant.privileges])
  const schemas = [...new Set([...defaultsBySchema.keys(), ...used.map((access) => access.schema)])].sort()
  if (schemas.length === 0) return {detail: extras.join(', '), privileges: extras.length > 0 ? 'custom' : 'login only', schemas}
  const verdicts = schemas.map((schema) =>
    schemaVerdict(
      used.find((access) => access.schema === schema),
      defaultsBySchema.get(schema),
    ),
  )
  const custom = verdicts.find((verdict) => verdict.mode === 'custom')
  const modes = new Set(verdicts.map((verdict) => verdict.mode))
  if (custom || modes.size > 1 || extras.length > 0) {
    const why = custom?.detail ?? (modes.size > 1 ? 'read-only in some schemas, read-write in others' : undefined)
    return {detail: [...extras, ...(why ? [why] : [])].join(', '), privileges: 'custom', schemas}
  }

  return {detail: '', privileges: [...modes][0] as 'read-only' | 'read-write', schemas}
}

/** Login roles, without PostgreSQL's and Amazon RDS's own (rdsadmin, rdstopmgr ...): none of them is anyone's application. */
const listedRole = `r.rolcanlogin AND r.rolname !~ '^(pg_|rds)'`

const loginRolesSql = `
  SELECT r.oid::int8 AS oid, r.rolname AS name, r.rolsuper AS superuser, r.rolcreaterole AS create_role,
         r.rolcreatedb AS create_db, r.rolreplication AS replication, r.rolbypassrls AS bypass_rls,
         r.rolconnlimit AS connection_limit,
         coalesce((SELECT pg_has_role(r.oid, s.oid, 'MEMBER') FROM pg_roles s WHERE s.rolname = 'rds_superuser'), false) AS rds_superuser,
         coalesce((SELECT d.datdba = r.oid FROM pg_database d WHERE d.datname = current_database()), false) AS owns_database,
         (SELECT count(*) FROM pg_stat_activity a WHERE a.usesysid = r.oid)::int AS connections,
         array(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) AS member_of,
         array(SELECT n.nspname::text FROM pg_namespace n
               WHERE ${userNamespace} AND n.nspowner <> r.oid AND has_schema_privilege(r.oid, n.oid, 'CREATE') ORDER BY 1) AS create_in,
         (SELECT count(*) FROM pg_namespace n WHERE ${userNamespace} AND n.nspowner = r.oid)::int
           + (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE ${userNamespace} AND c.relowner = r.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S'))::int AS owned_objects
  FROM pg_roles r
  WHERE ${listedRole}
  ORDER BY r.rolname`

/** Per role and schema it has USAGE on: how many of the tables (views, foreign tables) there allow what. */
const tableAccessSql = `
  SELECT r.oid::int8 AS role, n.nspname AS schema, count(*)::int AS tables,
         count(*) FILTER (WHERE has_table_privilege(r.oid, c.oid, 'SELECT'))::int AS "select",
         count(*) FILTER (WHERE has_table_privilege(r.oid, c.oid, 'INSERT'))::int AS "insert",
         count(*) FILTER (WHERE has_table_privilege(r.oid, c.oid, 'UPDATE'))::int AS "update",
         count(*) FILTER (WHERE has_table_privilege(r.oid, c.oid, 'DELETE'))::int AS "delete",
         count(*) FILTER (WHERE has_table_privilege(r.oid, c.oid, 'TRUNCATE') OR has_table_privilege(r.oid, c.oid, 'REFERENCES')
                                OR has_table_privilege(r.oid, c.oid, 'TRIGGER'))::int AS other
  FROM pg_roles r
  CROSS JOIN pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE ${listedRole} AND ${userNamespace} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${notFromExtension}
    AND has_schema_privilege(r.oid, n.oid, 'USAGE')
  GROUP BY r.oid, n.nspname`

/** Default privileges on tables granted to each role, by schema ('' when they apply in every schema). */
const defaultTableGrantsSql = `
  SELECT a.grantee::int8 AS role, coalesce(n.nspname, '') AS schema, array_agg(DISTINCT a.privilege_type::text ORDER BY a.privilege_type::text) AS privileges
  FROM pg_default_acl d
  CROSS JOIN LATERAL aclexplode(d.defaclacl) a
  LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
  WHERE d.defaclobjtype = 'r' AND a.grantee <> 0
  GROUP BY 1, 2`

export interface RoleListEntry {
  /** null: no limit. */
  connectionLimit: null | number
  /** Its sessions now, on this instance, in every database (pg_stat_activity). */
  connections: number
  detail: string
  /** The cluster's master user. */
  master: boolean
  memberOf: string[]
  name: string
  privileges: RolePrivileges
  schemas: string[]
  /** The secret auroractl made for it (role create), if any. */
  secret: null | {arn: string; name: string}
}

export interface RoleList {
  database: string
  roles: RoleListEntry[]
}

interface LoginRoleRow {
  bypass_rls: boolean
  connection_limit: number
  connections: number
  create_db: boolean
  create_in: string[]
  create_role: boolean
  member_of: string[]
  name: string
  oid: string
  owned_objects: number
  owns_database: boolean
  rds_superuser: boolean
  replication: boolean
  superuser: boolean
}

/** The login roles of the connected database, classified, with their secrets (from listRoleSecrets). */
export async function listRoles(query: Query, options: {masterUsername?: string; secrets: RoleSecret[]}): Promise<RoleList> {
  const {rows: database} = await query<{database: string}>('SELECT current_database() AS database')
  const {rows: roles} = await query<LoginRoleRow>(loginRolesSql)
  const {rows: access} = await query<SchemaTableAccess & {role: string}>(tableAccessSql)
  const {rows: defaults} = await query<DefaultTableGrant & {role: string}>(defaultTableGrantsSql)
  return {
    database: database[0]!.database,
    roles: roles.map((row) => {
      const verdict = classifyRole({
        bypassRls: row.bypass_rls,
        createDb: row.create_db,
        createIn: row.create_in,
        createRole: row.create_role,
        defaults: defaults.filter((grant) => grant.role === row.oid),
        ownedObjects: row.owned_objects,
        ownsDatabase: row.owns_database,
        rdsSuperuser: row.rds_superuser,
        replication: row.replication,
        superuser: row.superuser,
        tables: access.filter((item) => item.role === row.oid),
      })
      const secret = options.secrets.find((item) => item.role === row.name)
      return {
        connectionLimit: row.connection_limit < 0 ? null : row.connection_limit,
        connections: row.connections,
        detail: verdict.detail,
        master: row.name === options.masterUsername,
        memberOf: row.member_of,
        name: row.name,
        privileges: verdict.privileges,
        schemas: verdict.schemas,
        secret: secret ? {arn: secret.arn, name: secret.name} : null,
      }
    }),
  }
}
