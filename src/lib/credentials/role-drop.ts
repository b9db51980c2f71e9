import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import type {Client} from 'pg'

import {setTimeout as sleep} from 'node:timers/promises'

import type {Progress} from '../cli/progress.js'
import type {Shield} from './role-create.js'
import type {RoleSecret} from './role-secrets.js'

import {secretsManagerSdk} from '../aws/sdk.js'
import {formatDuration} from '../cli/duration.js'
import {AuroraError, badInput, type ErrorCode, toRenderedError} from '../cli/errors.js'
import {firstAndMore} from '../cli/render/text.js'
import {endSessions, type KillResult} from '../oncall/kill.js'
import {listSessions} from '../oncall/sessions.js'
import {isLockTimeout} from '../pg/query.js'
import {quoteIdentifier} from '../pg/sql.js'
import {actAsRoleSql, dropRoleStatements, reservedRoleProblem} from './role-sql.js'

/** How `role drop` deals with the role's live sessions. */
export type SessionHandling = {mode: 'refuse'} | {mode: 'terminate'} | {mode: 'wait'; ms: number}

export interface RoleDropRequest {
  /** Drop a role auroractl did not create (no secret of its own). */
  includeUnmanaged: boolean
  name: string
  reassignTo?: string
  /** Secrets Manager's recovery window for the role's secret, 7 to 30 days. */
  recoveryWindowDays: number
  sessions: SessionHandling
}

/** Something the role owns in the database, by kind: "table public.games", "schema app", "database reports". */
export interface OwnedObject {
  kind: string
  name: string
}

/** One session of the role, as pg_stat_activity shows it. */
export interface RoleSession {
  application: string
  /** With the pid, what identifies the session (a pid is reused): ending one checks both. */
  backendStart: null | string
  client: null | string
  database: null | string
  pid: number
  state: null | string
}

/** What dropping the role involves, read before anything changes. */
export interface RoleDropFacts {
  /** The session's user already has the role's privileges (a member of it): no GRANT needed to act on its objects. */
  actsAs: boolean
  /** rolcanlogin: only a role that can log in is made NOLOGIN first (and given LOGIN back on a failure). */
  canLogin: boolean
  database: string
  isMe: boolean
  me: string
  oid: string
  /** Objects or privileges in other databases (pg_shdepend): DROP ROLE refuses while they remain. */
  otherDatabases: Array<{database: string; objects: number}>
  owned: OwnedObject[]
  rdsSuperuser: boolean
  /** --reassign-to, when given: whether it exists and the session may hand objects to it (a member of it, or it). */
  reassignTarget?: {exists: boolean; usable: boolean}
  sessions: RoleSession[]
  superuser: boolean
}

const roleFactsSql = `
  SELECT r.oid::int8 AS oid, r.rolsuper AS superuser, r.rolcanlogin AS can_login, pg_has_role(r.oid, 'USAGE') AS acts_as,
         r.rolname = current_user AS is_me, current_user AS me, current_database() AS database,
         coalesce((SELECT pg_has_role(r.oid, s.oid, 'MEMBER') FROM pg_roles s WHERE s.rolname = 'rds_superuser'), false) AS rds_superuser
  FROM pg_roles r WHERE r.rolname = $1`

const reassignTargetSql = `SELECT r.rolname = current_user OR pg_has_role(r.oid, 'MEMBER') AS usable FROM pg_roles r WHERE r.rolname = $1`

/**
 * What the role owns here, named: relations, schemas, functions, types, databases; then anything else recorded as
 * its in pg_shdepend (operators, publications, event triggers ...) counted by catalog. Indexes and TOAST tables
 * belong to their table. $1 the role's oid.
 */
const ownedObjectsSql = `
  SELECT kind, name FROM (
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' ELSE 'table' END AS kind,
           format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relowner = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    UNION ALL
    SELECT 'schema', format('%I', n.nspname) FROM pg_namespace n WHERE n.nspowner = $1
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
           format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proowner = $1
    UNION ALL
    SELECT 'type', format('%I.%I', n.nspname, t.typname)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typowner = $1 AND t.typtype IN ('e', 'd', 'r')
    UNION ALL
    SELECT 'database', format('%I', d.datname) FROM pg_database d WHERE d.datdba = $1
    UNION ALL
    SELECT 'other (' || s.classid::regclass::text || ')', count(*)::text
    FROM pg_shdepend s
    WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1 AND s.deptype = 'o'
      AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND s.classid NOT IN ('pg_class'::regclass, 'pg_namespace'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,
                            'pg_default_acl'::regclass)
    GROUP BY s.classid
  ) owned
  ORDER BY kind, name`

/** Ownership and privileges recorded in other databases: DROP OWNED works in one database, the one it runs in. */
const otherDatabasesSql = `
  SELECT coalesce(d.datname, s.dbid::text) AS database, count(*)::int AS objects
  FROM pg_shdepend s LEFT JOIN pg_database d ON d.oid = s.dbid
  WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1
    AND s.dbid NOT IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
  GROUP BY 1 ORDER BY 1`

/** Reads what dropping `request.name` involves; undefined when there is no such role. Read-only. */
export async function readRoleDropFacts(client: Client, request: RoleDropRequest): Promise<RoleDropFacts | undefined> {
  const {rows} = await client.query<{
    acts_as: boolean
    can_login: boolean
    database: string
    is_me: boolean
    me: string
    oid: string
    rds_superuser: boolean
    superuser: boolean
  }>(roleFactsSql, [request.name])
  const role = rows[0]
  if (!role) return undefined
  const owned = await client.query<OwnedObject>(ownedObjectsSql, [role.oid])
  const otherDatabases = await client.query<{database: string; objects: number}>(otherDatabasesSql, [role.oid])
  let reassignTarget: RoleDropFacts['reassignTarget']
  if (request.reassignTo !== undefined) {
    const target = await client.query<{usable: boolean}>(reassignTargetSql, [request.reassignTo])
    reassignTarget = {exists: target.rows.length > 0, usable: target.rows[0]?.usable === true}
  }

  return {
    actsAs: role.acts_as,
    canLogin: role.can_login,
    database: role.database,
    isMe: role.is_me,
    me: role.me,
    oid: role.oid,
    otherDatabases: otherDatabases.rows,
    owned: owned.rows,
    rdsSuperuser: role.rds_superuser,
    reassignTarget,
    sessions: (await readRoleSessions(client, request.name)).sessions,
    superuser: role.superuser,
  }
}

/** The role's sessions (but auroractl's own), through the on-call listing: what ending them guards on is the same. */
async function readRoleSessions(client: Client, name: string): Promise<{serverVersion: number; sessions: RoleSession[]}> {
  const list = await listSessions(client, {users: [name]})
  const sessions = list.sessions
    .filter((session) => session.matches)
    .map((session) => ({
      application: session.application,
      backendStart: session.backendStart,
      client: session.client,
      database: session.database,
      pid: session.pid,
      state: session.state,
    }))
  return {serverVersion: list.serverVersion, sessions}
}

export interface RoleDropPlan {
  actsAs: boolean
  /** The role can log in: NOLOGIN first, LOGIN back on a failure (a NOLOGIN role is left as it is). */
  canLogin: boolean
  database: string
  name: string
  oid: string
  /** What --reassign-to hands over (empty without it: then there is nothing to hand over). */
  owned: OwnedObject[]
  reassignTo?: string
  recoveryWindowDays: number
  secret: null | RoleSecret
  sessionHandling: SessionHandling
  sessions: RoleSession[]
  /** The drop transaction's statements. */
  statements: string[]
  /** Every change, in order, in words (--dry-run prints these). */
  steps: string[]
}

const describeObjects = (owned: OwnedObject[]) =>
  firstAndMore(
    owned.map((item) => (item.kind.startsWith('other') ? `${item.name} ${item.kind}` : `${item.kind} ${item.name}`)),
    8,
  )

const describeSessions = (sessions: RoleSession[]) =>
  sessions
    .map(
      (session) =>
        `pid ${session.pid} (${session.application || 'no application name'}, ${session.client ?? 'no client'}, ${session.database ?? '-'})`,
    )
    .join(', ')

/** The name's own check, before any call: PostgreSQL's and Amazon RDS's roles are never dropped (exit 2). */
export function checkRoleDropName(name: string): void {
  const reserved = reservedRoleProblem(name)
  if (reserved) throw badInput(`NAME: ${reserved}; auroractl does not drop it.`)
}

/** The refusals, in the order a person would fix them, then the plan (the name is checkRoleDropName's). Pure. */
export function planRoleDrop(
  request: RoleDropRequest,
  facts: RoleDropFacts | undefined,
  context: {masterUsername?: string; secret: null | RoleSecret},
): RoleDropPlan {
  const {name, reassignTo} = request
  if (!facts)
    throw new AuroraError('NOT_FOUND', `There is no role "${name}" on the cluster; nothing was dropped.`, {
      hint: context.secret
        ? `Its secret ${context.secret.name} is left over: aws secretsmanager delete-secret --secret-id ${context.secret.arn} --recovery-window-in-days 7`
        : 'See the roles with `auroractl role list`.',
    })
  if (name === context.masterUsername || facts.isMe)
    throw badInput(`"${name}" is the cluster's master user (the one auroractl connects as); it is never dropped.`)
  if (facts.superuser || facts.rdsSuperuser)
    throw badInput(`"${name}" is ${facts.superuser ? 'a superuser' : 'a member of rds_superuser'}; auroractl does not drop it.`)
  if (!context.secret && !request.includeUnmanaged)
    throw badInput(
      `Role "${name}" was not created by auroractl (no secret of it is tagged ${'auroractl:role'} for this cluster); nothing was dropped.`,
      "If it is yours to drop (not Terraform's, not an IAM-auth role another tool manages), pass --include-unmanaged.",
    )
  checkReassign(request, facts)
  if (facts.otherDatabases.length > 0) {
    const where = facts.otherDatabases.map((item) => `${item.database} (${item.objects})`).join(', ')
    throw badInput(
      `Role "${name}" owns objects or holds privileges in other databases too: ${where}; nothing was dropped.`,
      `In each of them run \`auroractl psql --database DB -- -c 'REASSIGN OWNED BY ${quoteIdentifier(name)} TO <role>; DROP OWNED BY ${quoteIdentifier(name)}'\``,
    )
  }

  if (facts.owned.length > 0 && !reassignTo)
    throw badInput(
      `Role "${name}" owns ${facts.owned.length} object${facts.owned.length === 1 ? '' : 's'} in database ${facts.database}: ${describeObjects(facts.owned)}; nothing was dropped.`,
      'Hand them to another role with --reassign-to ROLE (REASSIGN OWNED), or drop them first.',
    )
  if (facts.sessions.length > 0 && request.sessions.mode === 'refuse')
    throw badInput(
      `Role "${name}" has ${facts.sessions.length} open session${facts.sessions.length === 1 ? '' : 's'}: ${describeSessions(facts.sessions)}; nothing was dropped.`,
      'End them with --terminate-sessions, or wait for them to close with --wait 5m.',
    )
  return buildDropPlan(request, facts, context.secret)
}

function checkReassign(request: RoleDropRequest, facts: RoleDropFacts): void {
  const {name, reassignTo} = request
  if (reassignTo === undefined) return
  if (reassignTo === name) throw badInput(`--reassign-to names the role being dropped ("${name}"): name the role to receive its objects.`)
  if (!facts.reassignTarget?.exists) throw badInput(`--reassign-to: there is no role "${reassignTo}"; nothing was dropped.`)
  if (!facts.reassignTarget.usable)
    throw badInput(
      `--reassign-to: ${facts.me} may not hand objects to "${reassignTo}" (REASSIGN OWNED needs it to be a member of that role).`,
      `Reassign to ${facts.me} (the master user), or GRANT ${quoteIdentifier(reassignTo)} TO ${facts.me} first.`,
    )
}

function buildDropPlan(request: RoleDropRequest, facts: RoleDropFacts, secret: null | RoleSecret): RoleDropPlan {
  const {name, reassignTo, sessions: sessionHandling} = request
  const statements = dropRoleStatements(name, reassignTo)
  const steps = [
    ...(facts.actsAs ? [] : [`GRANT ${quoteIdentifier(name)} TO ${facts.me} (what REASSIGN/DROP OWNED and ending its sessions need)`]),
    ...(facts.canLogin
      ? [`ALTER ROLE ${quoteIdentifier(name)} NOLOGIN (no new sessions while it is dropped; undone if anything fails)`]
      : []),
    ...(facts.sessions.length > 0 && sessionHandling.mode === 'terminate'
      ? [`end its ${facts.sessions.length} session(s) with pg_terminate_backend: ${describeSessions(facts.sessions)}`]
      : []),
    ...(sessionHandling.mode === 'wait' ? [`wait up to ${formatDuration(sessionHandling.ms)} for its sessions to close`] : []),
    `in one transaction: ${statements.join('; ')}${secret ? `; schedule secret ${secret.name} for deletion in ${request.recoveryWindowDays} days (DeleteSecret)` : ''}; COMMIT`,
  ]
  return {
    actsAs: facts.actsAs,
    canLogin: facts.canLogin,
    database: facts.database,
    name,
    oid: facts.oid,
    owned: reassignTo ? facts.owned : [],
    reassignTo,
    recoveryWindowDays: request.recoveryWindowDays,
    secret,
    sessionHandling,
    sessions: facts.sessions,
    statements,
    steps,
  }
}

export interface RoleDropOutcome {
  /** The secret's scheduled deletion, when it had one. */
  secretDeletion: null | {arn: string; deletionDate: null | string; name: string; recoveryWindowDays: number}
  /** Sessions ended with pg_terminate_backend. */
  sessionsEnded: number[]
}

/** Ended on any failure, in reverse: what was changed before the drop transaction. */
type Undo = Array<{sql: string}>

/**
 * How long a statement of `role drop` waits for a lock (REASSIGN OWNED and DROP OWNED lock every object they touch,
 * DROP ROLE the role): behind an open transaction it would otherwise wait without end, with every reader of those
 * tables queued behind it. It gives up, rolls back and says where to look.
 */
const roleDropLockTimeoutMs = 5000

/** Makes the session give up on any lock it waits for longer than roleDropLockTimeoutMs (SQLSTATE 55P03). */
export async function limitRoleDropLockWaits(client: Pick<Client, 'query'>): Promise<void> {
  await client.query(`SET lock_timeout = ${roleDropLockTimeoutMs}`)
}

const unshielded: Shield = (work) => work()

export interface RoleDropOptions {
  progress: Progress
  /** Runs the undo and the span from DeleteSecret to COMMIT so that a second Ctrl-C cannot cut them short. */
  shield?: Shield
  signal: AbortSignal
}

/**
 * Drops the role. First what can be undone: membership for the session's user, NOLOGIN, the sessions ended or
 * waited for. Then one transaction: REASSIGN OWNED (when asked), DROP OWNED, DROP ROLE and, still inside it, the
 * secret's DeleteSecret with its recovery window, then COMMIT: the role and its secret go together or not at all.
 * The session should have limitRoleDropLockWaits's lock_timeout: a lock waited for past it undoes everything (exit 5).
 */
export async function dropRole(
  deps: {client: Client; secretsManager: SecretsManagerClient},
  plan: RoleDropPlan,
  options: RoleDropOptions,
): Promise<RoleDropOutcome> {
  const {client} = deps
  const shield = options.shield ?? unshielded
  const undo: Undo = []
  let sessionsEnded: number[]
  try {
    if (!plan.actsAs) {
      await client.query(actAsRoleSql(plan.name))
      undo.unshift({sql: `REVOKE ${quoteIdentifier(plan.name)} FROM CURRENT_USER`})
    }

    // A role that cannot log in stays so: giving it LOGIN back on a failure would widen it.
    if (plan.canLogin) {
      await client.query(`ALTER ROLE ${quoteIdentifier(plan.name)} NOLOGIN`)
      undo.unshift({sql: `ALTER ROLE ${quoteIdentifier(plan.name)} LOGIN`})
    }

    sessionsEnded = await settleSessions(client, plan, options)
    await dropUntilDeletion(client, plan, options)
  } catch (error) {
    throw await shield(() => dropFailed(client, plan, undo, error))
  }

  // From the secret's deletion to COMMIT, a second Ctrl-C would leave them disagreeing: it is not cut short.
  return shield(async () => {
    let secretDeletion: RoleDropOutcome['secretDeletion'] = null
    try {
      if (plan.secret) secretDeletion = await scheduleSecretDeletion(deps.secretsManager, plan.secret, plan.recoveryWindowDays)
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      options.progress.fail(`Dropping role ${plan.name} failed`)
      throw await dropFailed(client, plan, undo, error)
    }

    await commitDrop(deps, plan, secretDeletion, options.progress)
    return {secretDeletion, sessionsEnded}
  })
}

/** The role's sessions after NOLOGIN: refused (one started since the listing), ended, or waited for. */
async function settleSessions(client: Client, plan: RoleDropPlan, options: RoleDropOptions): Promise<number[]> {
  const {progress, signal} = options
  const handling = plan.sessionHandling
  let {serverVersion, sessions} = await readRoleSessions(client, plan.name)
  if (sessions.length === 0) return []
  if (handling.mode === 'refuse')
    throw badInput(
      `Role "${plan.name}" opened a session since the listing: ${describeSessions(sessions)}.`,
      'Pass --terminate-sessions or --wait.',
    )
  let ended: number[] = []
  if (handling.mode === 'terminate') {
    progress.start(`Ending ${sessions.length} session(s) of ${plan.name}`)
    // Each pid only while it is still the same session (its start time) of this role.
    const results = await endSessions(client, sessions, {
      guard: {filter: {users: [plan.name]}, kind: 'filter'},
      mode: 'terminate',
      serverVersion,
    })
    notPermitted(plan, results, progress)
    ended = results.filter((result) => result.outcome === 'terminated').map((result) => result.pid)
  } else {
    progress.start(`Waiting up to ${formatDuration(handling.ms)} for ${sessions.length} session(s) of ${plan.name} to close`)
  }

  // Ended sessions take a moment to go; waited-for ones as long as they take, within --wait.
  const waitMs = handling.mode === 'wait' ? handling.ms : 10_000
  const deadline = Date.now() + waitMs
  while (sessions.length > 0) {
    if (signal.aborted || Date.now() >= deadline) progress.fail(`${sessions.length} session(s) of ${plan.name} still open`)
    if (signal.aborted) throw new AuroraError('INTERRUPTED', `Interrupted while ${sessions.length} session(s) of ${plan.name} were open.`)
    if (Date.now() >= deadline)
      throw new AuroraError(
        'TIMED_OUT',
        `${sessions.length} session(s) of ${plan.name} still open after ${formatDuration(waitMs)}: ${describeSessions(sessions)}.`,
        {hint: 'Wait longer (--wait), or end them with --terminate-sessions.'},
      )
    // One look at a time, half a second apart.
    // eslint-disable-next-line no-await-in-loop
    await sleep(500, undefined, {signal}).catch(() => {})
    // eslint-disable-next-line no-await-in-loop
    ;({sessions} = await readRoleSessions(client, plan.name))
    if (sessions.length > 0) progress.update(`Waiting for ${sessions.length} session(s) of ${plan.name} to close`)
  }

  progress.succeed(handling.mode === 'terminate' ? `Ended ${ended.length} session(s)` : 'Its sessions closed')
  return ended
}

/** The server refused to end some sessions (42501): say which, rather than waiting for them to go. */
function notPermitted(plan: RoleDropPlan, results: KillResult[], progress: Progress): void {
  const refused = results.filter((result) => result.outcome === 'not-permitted')
  if (refused.length === 0) return
  progress.fail(`Could not end ${refused.length} session(s) of ${plan.name}`)
  throw new AuroraError(
    'UNEXPECTED',
    `The server did not let ${plan.name}'s session(s) be ended: ${refused.map((result) => `pid ${result.pid} (${result.detail ?? 'not permitted'})`).join(', ')}.`,
    {hint: 'End them as a user allowed to (pg_signal_backend), or wait for them with --wait.'},
  )
}

/** BEGIN and the statements; ROLLBACK on any failure. The secret's deletion and COMMIT follow, shielded, in dropRole. */
async function dropUntilDeletion(client: Client, plan: RoleDropPlan, options: RoleDropOptions): Promise<void> {
  const {progress, signal} = options
  progress.start(`Dropping role ${plan.name}`)
  await client.query('BEGIN')
  try {
    // Nothing may have become its since the listing unless it is handed over: DROP OWNED would drop it.
    if (!plan.reassignTo) {
      const {rows} = await client.query<OwnedObject>(ownedObjectsSql, [plan.oid])
      if (rows.length > 0) throw badInput(`Role "${plan.name}" now owns ${describeObjects(rows)}.`, 'Pass --reassign-to ROLE.')
    }

    // In order, inside the transaction.
    // eslint-disable-next-line no-await-in-loop
    for (const statement of plan.statements) await client.query(statement)
    // Ctrl-C up to here rolls back; once the secret's deletion is scheduled, COMMIT is what makes the two agree.
    if (signal.aborted) throw new AuroraError('INTERRUPTED', 'Interrupted.')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    progress.fail(`Dropping role ${plan.name} failed`)
    throw error
  }
}

/**
 * COMMIT. Should it fail (a lost connection), whether it happened is unknown: the secret is restored, so it stays
 * usable if the role does; a role gone with its secret restored is the harmless side of that.
 */
async function commitDrop(
  deps: {client: Client; secretsManager: SecretsManagerClient},
  plan: RoleDropPlan,
  deletion: RoleDropOutcome['secretDeletion'],
  progress: Progress,
): Promise<void> {
  try {
    await deps.client.query('COMMIT')
  } catch (error) {
    const restored = deletion ? await restoreSecret(deps.secretsManager, deletion.arn) : false
    progress.fail('COMMIT failed')
    const secretState = deletion
      ? restored
        ? `; its secret ${deletion.name} was restored`
        : `; its secret ${deletion.name} is scheduled for deletion (aws secretsmanager restore-secret --secret-id ${deletion.arn} undoes that)`
      : ''
    throw new AuroraError(
      'UNEXPECTED',
      `COMMIT of the drop failed (${toRenderedError(error).message}); whether role ${plan.name} still exists is unknown${secretState}.`,
      {cause: error, hint: 'Check with `auroractl role list`; run role drop again if the role is still there.'},
    )
  }

  progress.succeed(`Dropped role ${plan.name}${deletion ? `; secret ${deletion.name} scheduled for deletion` : ''}`)
}

async function scheduleSecretDeletion(
  secretsManager: SecretsManagerClient,
  secret: RoleSecret,
  recoveryWindowDays: number,
): Promise<NonNullable<RoleDropOutcome['secretDeletion']>> {
  const {DeleteSecretCommand} = secretsManagerSdk()
  const deleted = await secretsManager.send(new DeleteSecretCommand({RecoveryWindowInDays: recoveryWindowDays, SecretId: secret.arn}))
  return {arn: secret.arn, deletionDate: deleted.DeletionDate?.toISOString() ?? null, name: secret.name, recoveryWindowDays}
}

async function restoreSecret(secretsManager: SecretsManagerClient, arn: string): Promise<boolean> {
  const {RestoreSecretCommand} = secretsManagerSdk()
  return secretsManager.send(new RestoreSecretCommand({SecretId: arn})).then(
    () => true,
    () => false,
  )
}

/** A lock waited for past roleDropLockTimeoutMs, as what it is: a timeout (exit 5) with where to look. */
function lockTimedOut(plan: RoleDropPlan, error: unknown): unknown {
  if (!isLockTimeout(error)) return error
  return new AuroraError(
    'TIMED_OUT',
    `Dropping role ${plan.name} waited over ${formatDuration(roleDropLockTimeoutMs)} for a lock (another session holds one on an object it owns, or on the role)`,
    {
      cause: error,
      hint: 'Find the session holding it with `auroractl locks` (an open transaction that touched those objects), then run role drop again.',
    },
  )
}

/** Undoes what came before the drop transaction (LOGIN back, the membership revoked) and says what state things are in. */
async function dropFailed(client: Client, plan: RoleDropPlan, undo: Undo, error: unknown): Promise<AuroraError> {
  const failed: string[] = []
  for (const step of undo) {
    // In order: LOGIN first, then the membership.
    // eslint-disable-next-line no-await-in-loop
    const ok = await client.query(step.sql).then(
      () => true,
      () => false,
    )
    if (!ok) failed.push(`${step.sql} failed: run it yourself (auroractl psql -- -c '${step.sql}')`)
  }

  const rendered = toRenderedError(lockTimedOut(plan, error))
  const state =
    failed.length > 0
      ? `Role ${plan.name} was not dropped; ${failed.join('; ')}.`
      : `Nothing was dropped: role ${plan.name} is as before${plan.canLogin ? ' (LOGIN restored)' : ''}${plan.secret ? `, and its secret ${plan.secret.name} is untouched` : ''}.`
  return new AuroraError(rendered.code as ErrorCode, `${rendered.message.replace(/\.$/, '')}. ${state}`, {
    cause: error,
    exitCode: rendered.exitCode as AuroraError['exitCode'],
    hint: rendered.hint,
  })
}
