import type {DBCluster} from '@aws-sdk/client-rds'
import type {SecretsManagerClient, Tag} from '@aws-sdk/client-secrets-manager'
import type {Client} from 'pg'

import type {Progress} from '../cli/progress.js'
import type {ClusterConnection} from '../target/cluster-connection.js'

import {secretsManagerSdk} from '../aws/sdk.js'
import {AuroraError, badInput, type ErrorCode, toRenderedError} from '../cli/errors.js'
import {firstAndMore} from '../cli/render/text.js'
import {proveLogin, refusedPassword} from './login.js'
import {generatePassword} from './password.js'
import {createdByValue, roleSecretTags, type RoleSecretValue} from './role-secrets.js'
import {
  actAsRoleSql,
  createRoleSql,
  dropRoleStatements,
  grantStatements,
  newRoleNameProblem,
  notFromExtension,
  type RoleGrantPlan,
  type RoleMode,
  userNamespace,
} from './role-sql.js'

/** What `role create` was asked for, as typed. */
export interface RoleCreateRequest {
  /** Undefined: no limit. */
  connectionLimit?: number
  mode: RoleMode
  name: string
  /** Revoke PUBLIC's CREATE on the schemas where PUBLIC still has it (PostgreSQL before 15, or granted back). */
  revokePublicCreate: boolean
  /** Undefined: defaultRoleSchemas. */
  schemas?: string[]
  /** Undefined: defaultRoleSecretName. */
  secretName?: string
}

/**
 * Without --schema a role gets the `public` schema only: the least it can usefully have. Every other schema is
 * named on purpose (--schema app --schema reporting), so a schema added later never widens a role by surprise.
 */
const defaultRoleSchemas = ['public']

/** `<cluster>/roles/<role>`: one IAM policy line (`secret:nba-tracker-prod/roles/*`) covers a cluster's role secrets. */
export const defaultRoleSecretName = (clusterId: string, role: string) => `${clusterId}/roles/${role}`

/** Secrets Manager's own rules for a name, and its advice: no trailing "-" and six characters, which reads as an ARN's suffix. */
export function secretNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 512) return 'a secret name has 1 to 512 characters'
  if (!/^[\w/+=.@-]+$/.test(name)) return `"${name}" has a character Secrets Manager does not allow: use letters, digits and / _ + = . @ -`
  if (/-[A-Za-z\d]{6}$/.test(name))
    return `"${name}" ends with a hyphen and six characters, which Secrets Manager confuses with the random suffix of an ARN`
  return undefined
}

/** The request's own checks, before anything is called: exit 2 naming the flag. */
export function checkRoleCreateRequest(request: RoleCreateRequest): void {
  const nameProblem = newRoleNameProblem(request.name)
  if (nameProblem) throw badInput(`NAME: ${nameProblem}.`, 'Pick another name; `auroractl role list` shows the roles that exist.')
  for (const schema of request.schemas ?? []) {
    if (schema.trim() === '' || Buffer.byteLength(schema) > 63)
      throw badInput(`--schema "${schema}" is not a schema name (1 to 63 characters).`, 'Name an existing schema, e.g. --schema public.')
  }

  if (request.secretName !== undefined) {
    const problem = secretNameProblem(request.secretName)
    if (problem) throw badInput(`--secret-name: ${problem}.`, 'Leave --secret-name out for <cluster>/roles/<role>.')
  }
}

/** What the master user's session sees, everything the plan is checked against. */
export interface RoleCreateFacts {
  canGrantConnect: boolean
  database: string
  /** The session's user: the master user, normally. */
  me: string
  /** Roles owning objects (or the schemas) in the chosen schemas, and the master user; whether the session can act for each. */
  owners: Array<{actsAs: boolean; name: string}>
  roleExists: boolean
  /** Every schema of the database that is not PostgreSQL's own. */
  schemas: SchemaFacts[]
  /** Tables, views and sequences in the chosen schemas the session could not grant on (not the owner's, no grant option). */
  ungrantable: Array<{kind: string; name: string; owner: string; schema: string}>
}

export interface SchemaFacts {
  actsAsOwner: boolean
  canGrantUsage: boolean
  name: string
  owner: string
  publicCanCreate: boolean
}

const grantableKinds = `c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')`

const sessionFactsSql = `
  SELECT current_user AS me,
         current_database() AS database,
         EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS role_exists,
         has_database_privilege(current_database(), 'CONNECT WITH GRANT OPTION') AS can_grant_connect`

const schemasSql = `
  SELECT n.nspname AS name,
         pg_get_userbyid(n.nspowner) AS owner,
         has_schema_privilege(n.oid, 'USAGE WITH GRANT OPTION') AS can_grant_usage,
         has_schema_privilege('public', n.oid, 'CREATE') AS public_can_create,
         pg_has_role(n.nspowner, 'USAGE') AS acts_as_owner
  FROM pg_namespace n
  WHERE ${userNamespace}
  ORDER BY n.nspname`

/** $1 the schemas, $2 true for read-write (sequences, and INSERT/UPDATE/DELETE too). */
const ungrantableSql = `
  SELECT n.nspname AS schema, c.relname AS name, pg_get_userbyid(c.relowner) AS owner,
         CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                        WHEN 'f' THEN 'foreign table' ELSE 'table' END AS kind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1::text[]) AND ${grantableKinds} AND (c.relkind <> 'S' OR $2) AND ${notFromExtension}
    AND NOT CASE WHEN c.relkind = 'S'
          THEN has_sequence_privilege(c.oid, 'USAGE WITH GRANT OPTION') AND has_sequence_privilege(c.oid, 'SELECT WITH GRANT OPTION')
          ELSE has_table_privilege(c.oid, 'SELECT WITH GRANT OPTION')
               AND (NOT $2 OR (has_table_privilege(c.oid, 'INSERT WITH GRANT OPTION')
                               AND has_table_privilege(c.oid, 'UPDATE WITH GRANT OPTION')
                               AND has_table_privilege(c.oid, 'DELETE WITH GRANT OPTION')))
        END
  ORDER BY 1, 2`

/** Who creates tables in the schemas: the master user, the schemas' owners and the owners of what is there. */
const ownersSql = `
  SELECT r.rolname AS name, pg_has_role(r.oid, 'USAGE') AS acts_as
  FROM pg_roles r
  WHERE r.rolname !~ '^pg_'
    AND (r.rolname = current_user
         OR r.oid IN (SELECT n.nspowner FROM pg_namespace n WHERE n.nspname = ANY($1::text[]))
         OR r.oid IN (SELECT c.relowner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = ANY($1::text[]) AND ${grantableKinds} AND ${notFromExtension}))
  ORDER BY r.rolname <> current_user, r.rolname`

/** Reads what the plan is checked against, in the database the role is for. Read-only. */
export async function readRoleCreateFacts(client: Client, request: RoleCreateRequest): Promise<RoleCreateFacts> {
  const schemas = request.schemas ?? defaultRoleSchemas
  const readwrite = request.mode === 'readwrite'
  const session = await client.query<{can_grant_connect: boolean; database: string; me: string; role_exists: boolean}>(sessionFactsSql, [
    request.name,
  ])
  const schemaRows = await client.query<{
    acts_as_owner: boolean
    can_grant_usage: boolean
    name: string
    owner: string
    public_can_create: boolean
  }>(schemasSql)
  const ungrantable = await client.query<{kind: string; name: string; owner: string; schema: string}>(ungrantableSql, [schemas, readwrite])
  const owners = await client.query<{acts_as: boolean; name: string}>(ownersSql, [schemas])
  const row = session.rows[0]!
  return {
    canGrantConnect: row.can_grant_connect,
    database: row.database,
    me: row.me,
    owners: owners.rows.map((owner) => ({actsAs: owner.acts_as, name: owner.name})),
    roleExists: row.role_exists,
    schemas: schemaRows.rows.map((schema) => ({
      actsAsOwner: schema.acts_as_owner,
      canGrantUsage: schema.can_grant_usage,
      name: schema.name,
      owner: schema.owner,
      publicCanCreate: schema.public_can_create,
    })),
    ungrantable: ungrantable.rows,
  }
}

export interface RoleCreateCheck extends RoleGrantPlan {
  /** Roles whose future tables the new role will not get: the master user cannot set their default privileges. */
  uncoveredOwners: string[]
}

/**
 * The grant plan, or the reason there is none (exit 2, nothing changed): the name is the master user's or taken,
 * a schema does not exist, the master user cannot grant what the role would get, or PUBLIC may create in a schema.
 */
export function planRoleCreate(request: RoleCreateRequest, facts: RoleCreateFacts, masterUsername: string): RoleCreateCheck {
  const schemas = request.schemas ?? defaultRoleSchemas
  if (request.name === masterUsername)
    throw badInput(`NAME: "${request.name}" is the cluster's master user.`, 'Pick another name for the new role.')
  if (facts.roleExists)
    throw badInput(
      `NAME: role "${request.name}" already exists on the cluster (roles are cluster-wide); nothing was created.`,
      'Pick another name; `auroractl role list` shows the roles of a database.',
    )
  const known = new Map(facts.schemas.map((schema) => [schema.name, schema]))
  const unknown = schemas.filter((schema) => !known.has(schema))
  if (unknown.length > 0)
    throw badInput(
      `--schema: no schema ${unknown.map((schema) => `"${schema}"`).join(', ')} in database ${facts.database}.`,
      `Its schemas: ${firstAndMore([...known.keys()], 20) || 'none'}.`,
    )
  if (!facts.canGrantConnect)
    throw badInput(
      `${facts.me} cannot grant CONNECT on database ${facts.database} (not its owner).`,
      'Connect as the master user (--secret).',
    )
  checkSchemaGrants(
    schemas.map((schema) => known.get(schema)!),
    facts,
    request.revokePublicCreate,
  )
  const uncoveredOwners = facts.owners.filter((owner) => !owner.actsAs).map((owner) => owner.name)
  return {
    connectionLimit: request.connectionLimit ?? -1,
    database: facts.database,
    defaultPrivilegesFor: facts.owners.filter((owner) => owner.actsAs).map((owner) => owner.name),
    mode: request.mode,
    name: request.name,
    revokePublicCreate: request.revokePublicCreate ? schemas.filter((schema) => known.get(schema)!.publicCanCreate) : [],
    schemas,
    uncoveredOwners,
  }
}

function checkSchemaGrants(schemas: SchemaFacts[], facts: RoleCreateFacts, revokePublicCreate: boolean): void {
  const noUsage = schemas.filter((schema) => !schema.canGrantUsage)
  if (noUsage.length > 0)
    throw badInput(
      `${facts.me} cannot grant USAGE on schema ${noUsage.map((schema) => `${schema.name} (owner ${schema.owner})`).join(', ')}.`,
      `Have the owner grant it to ${facts.me} WITH GRANT OPTION, or leave the schema out.`,
    )
  if (facts.ungrantable.length > 0) {
    const names = facts.ungrantable.map((item) => `${item.kind} ${item.schema}.${item.name} (owner ${item.owner})`)
    throw badInput(
      `${facts.me} cannot grant on ${facts.ungrantable.length} object${facts.ungrantable.length === 1 ? '' : 's'} in the schemas: ${firstAndMore(names, 5)}; nothing was created.`,
      `Grant their owners to ${facts.me} (GRANT owner TO ${facts.me}), or leave those schemas out with --schema.`,
    )
  }

  const publicCreate = schemas.filter((schema) => schema.publicCanCreate)
  if (publicCreate.length > 0 && !revokePublicCreate)
    throw badInput(
      `PUBLIC may CREATE in schema ${publicCreate.map((schema) => schema.name).join(', ')}, so every role, this one too, could create tables there; nothing was created.`,
      'Pass --revoke-public-create to revoke it (PostgreSQL 15 does so by default; roles that create tables there through PUBLIC lose that), or name other schemas with --schema.',
    )
  const cannotRevoke = publicCreate.filter((schema) => !schema.actsAsOwner)
  if (revokePublicCreate && cannotRevoke.length > 0)
    throw badInput(
      `${facts.me} cannot revoke PUBLIC's CREATE on schema ${cannotRevoke.map((schema) => `${schema.name} (owner ${schema.owner})`).join(', ')}.`,
      'Have the schema owner run REVOKE CREATE ON SCHEMA ... FROM PUBLIC, or leave the schema out.',
    )
}

/** Refuses a secret name that is taken, also by a secret scheduled for deletion (which keeps its name until it is gone). */
export async function checkSecretNameFree(secretsManager: SecretsManagerClient, name: string): Promise<void> {
  const {DescribeSecretCommand} = secretsManagerSdk()
  let described
  try {
    described = await secretsManager.send(new DescribeSecretCommand({SecretId: name}))
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return
    throw error
  }

  const scheduled = described.DeletedDate ? ` and is scheduled for deletion on ${described.DeletedDate.toISOString()}` : ''
  throw badInput(
    `--secret-name: secret "${name}" already exists${scheduled} (${described.ARN}); nothing was created.`,
    scheduled
      ? `Restore it (aws secretsmanager restore-secret --secret-id ${described.ARN}) or pass another --secret-name.`
      : 'Pass another --secret-name.',
  )
}

/** The KMS key of the cluster's credentials secret: a role's secret is encrypted as the master's is (undefined: the account's default key). */
export async function masterSecretKmsKey(secretsManager: SecretsManagerClient, masterSecretId: string): Promise<string | undefined> {
  const {DescribeSecretCommand} = secretsManagerSdk()
  const described = await secretsManager.send(new DescribeSecretCommand({SecretId: masterSecretId}))
  return described.KmsKeyId || undefined
}

/** Secrets Manager allows 50 tags; aws: keys are AWS's own and cannot be set. */
const maxSecretTags = 50

/** auroractl's tags (what `role list` and `role drop` find the secret by), then the cluster's own (owner, cost centre ...). */
export function roleSecretTagList(cluster: Pick<DBCluster, 'DBClusterIdentifier' | 'TagList'>, role: string): Tag[] {
  const ours: Tag[] = [
    {Key: roleSecretTags.createdBy, Value: createdByValue},
    {Key: roleSecretTags.cluster, Value: cluster.DBClusterIdentifier!},
    {Key: roleSecretTags.role, Value: role},
  ]
  const taken = new Set(ours.map((tag) => tag.Key))
  const inherited = (cluster.TagList ?? []).filter(
    (tag) => tag.Key && !tag.Key.toLowerCase().startsWith('aws:') && !taken.has(tag.Key) && tag.Value !== undefined,
  )
  return [...ours, ...inherited.map((tag) => ({Key: tag.Key, Value: tag.Value}))].slice(0, maxSecretTags)
}

export interface RoleCreatePlan extends RoleCreateCheck {
  clusterId: string
  /** The cluster's writer endpoint and port: what the secret says, whatever route auroractl itself took. */
  host: string
  kmsKeyId?: string
  port: number
  secretName: string
  tags: Tag[]
}

export interface RoleCreated {
  /** Whether a fresh login with the secret's password was accepted (false only when the network kept it from answering). */
  loginProven: boolean
  secretArn: string
}

type CreateDeps = {client: Client; connection: ClusterConnection; secretsManager: SecretsManagerClient}

/** Runs clean-up so that a second Ctrl-C cannot cut it short (the command's shielded()). */
export type Shield = <R>(work: () => Promise<R>) => Promise<R>

const unshielded: Shield = (work) => work()

/**
 * Creates the role and its secret so that either both exist or neither does. One transaction creates the role and
 * grants; the secret is created while it is still open; then COMMIT. A failure before COMMIT rolls the transaction
 * back and force-deletes the secret if it was made (it never held a working password). After COMMIT, a fresh login
 * with the secret's password proves the two agree; were it refused, both are removed again.
 */
export async function createRoleWithSecret(
  deps: CreateDeps,
  plan: RoleCreatePlan,
  options: {progress: Progress; shield?: Shield; signal: AbortSignal},
): Promise<RoleCreated> {
  const {client, secretsManager} = deps
  const {progress, shield = unshielded, signal} = options
  progress.start('Generating a password (GetRandomPassword)')
  const password = await generatePassword(secretsManager)
  let secretArn: string | undefined
  try {
    progress.update(`Creating role ${plan.name} and its grants (one transaction)`)
    await client.query('BEGIN')
    await client.query(createRoleSql(plan, password))
    // In order, inside the transaction.
    // eslint-disable-next-line no-await-in-loop
    for (const statement of grantStatements(plan)) await client.query(statement)
    stopIfInterrupted(signal)
    progress.update(`Creating secret ${plan.secretName}`)
    secretArn = await createRoleSecret(secretsManager, plan, password)
    stopIfInterrupted(signal)
  } catch (error) {
    progress.fail(`Creating role ${plan.name} failed`)
    throw await shield(async () => {
      // Before COMMIT the role cannot exist: ROLLBACK, or the server's own on a lost connection.
      await client.query('ROLLBACK').catch(() => {})
      return creationFailed(deps, plan, {error, roleGone: true, secretArn})
    })
  }

  progress.update(`Committing, then logging in as ${plan.name} with the secret's password`)
  const committed = await client.query('COMMIT').then(
    () => {},
    (error: unknown) => error,
  )
  const proof = await proveLogin(deps.connection, {password, username: plan.name}, {deadline: Date.now() + 30_000, signal})
  if (refusedPassword(proof)) {
    progress.fail(committed ? 'COMMIT failed' : "The new role's password was refused")
    throw await shield(async () => {
      // A failed COMMIT whose login is refused did not commit; a COMMIT that worked with a refused login is undone.
      const roleGone = committed ? true : await dropCreatedRole(client, plan.name)
      const error = committed ?? new Error(`the server refused the new password${proof.accepted ? '' : `: ${proof.reason}`}`)
      return creationFailed(deps, plan, {error, roleGone, secretArn})
    })
  }

  if (committed && !proof.accepted) {
    progress.fail('COMMIT failed')
    throw await shield(() => creationFailed(deps, plan, {error: committed, keepSecret: true, roleGone: false, secretArn}))
  }

  progress.succeed(`Role ${plan.name} created; its credentials are in ${plan.secretName}`)
  return {loginProven: proof.accepted, secretArn}
}

async function createRoleSecret(secretsManager: SecretsManagerClient, plan: RoleCreatePlan, password: string): Promise<string> {
  const {CreateSecretCommand} = secretsManagerSdk()
  const value: RoleSecretValue = {
    dbClusterIdentifier: plan.clusterId,
    dbname: plan.database,
    engine: 'postgres',
    host: plan.host,
    password,
    port: plan.port,
    username: plan.name,
  }
  const created = await secretsManager.send(
    new CreateSecretCommand({
      Description: `Login role ${plan.name} (${plan.mode === 'readonly' ? 'read-only' : 'read-write'}) of Aurora cluster ${plan.clusterId}, database ${plan.database}; made by auroractl role create`,
      KmsKeyId: plan.kmsKeyId,
      Name: plan.secretName,
      SecretString: JSON.stringify(value),
      Tags: plan.tags,
    }),
  )
  return created.ARN!
}

function stopIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new AuroraError('INTERRUPTED', 'Interrupted.')
}

/**
 * Deletes the secret when the role is gone, and returns the error to throw, saying what state everything is in.
 * `keepSecret`: whether the role exists is unknown (a COMMIT lost with the connection, and no login since), so the
 * secret that may hold its only password stays.
 */
async function creationFailed(
  deps: CreateDeps,
  plan: RoleCreatePlan,
  failure: {error: unknown; keepSecret?: boolean; roleGone: boolean; secretArn?: string},
): Promise<AuroraError> {
  const rendered = toRenderedError(failure.error)
  const state = [failure.roleGone ? `role ${plan.name} does not exist` : `role ${plan.name} may exist (see \`auroractl role list\`)`]
  if (!failure.secretArn) {
    state.push('no secret was created')
  } else if (failure.keepSecret) {
    state.push(`secret ${failure.secretArn} is kept: it holds the role's password if the role exists`)
  } else {
    const deleted = await forceDeleteSecret(deps.secretsManager, failure.secretArn)
    state.push(
      deleted
        ? `secret ${plan.secretName} was deleted`
        : `secret ${failure.secretArn} is left: delete it with aws secretsmanager delete-secret --force-delete-without-recovery --secret-id ${failure.secretArn}`,
    )
  }

  const message = rendered.message.replace(/\.$/, '')
  return new AuroraError(rendered.code as ErrorCode, `Creating role ${plan.name} failed: ${message}. Now: ${state.join('; ')}.`, {
    cause: failure.error,
    exitCode: rendered.exitCode as AuroraError['exitCode'],
    hint: rendered.hint,
  })
}

/** Drops a role this command just created (its grants with it); true when it is gone. */
async function dropCreatedRole(client: Client, name: string): Promise<boolean> {
  try {
    await client.query('BEGIN')
    // In order, inside the transaction.
    // eslint-disable-next-line no-await-in-loop
    for (const statement of [actAsRoleSql(name), ...dropRoleStatements(name)]) await client.query(statement)
    await client.query('COMMIT')
    return true
  } catch {
    await client.query('ROLLBACK').catch(() => {})
    return false
  }
}

async function forceDeleteSecret(secretsManager: SecretsManagerClient, secretArn: string): Promise<boolean> {
  const {DeleteSecretCommand} = secretsManagerSdk()
  return secretsManager.send(new DeleteSecretCommand({ForceDeleteWithoutRecovery: true, SecretId: secretArn})).then(
    () => true,
    () => false,
  )
}
