import type {Client} from 'pg'

/**
 * pg_stat_activity's states as people type them on the command line (`--state idle-in-transaction`),
 * and the server's own spelling.
 */
export const sessionStates = {
  active: 'active',
  disabled: 'disabled',
  'fastpath-function-call': 'fastpath function call',
  idle: 'idle',
  'idle-in-transaction': 'idle in transaction',
  'idle-in-transaction-aborted': 'idle in transaction (aborted)',
} as const

export type SessionStateName = keyof typeof sessionStates

const idleInTransactionStates = [sessionStates['idle-in-transaction'], sessionStates['idle-in-transaction-aborted']]

/**
 * Which sessions a command is about. Every condition must hold; an absent one does not filter. The same
 * filter is evaluated by the server, once when listing and again in the statement that ends a session,
 * so a session that changed in between (became active, committed) is not ended.
 */
export interface SessionFilter {
  /** application_name, exact, or a pattern where `*` stands for any run of characters. */
  apps?: string[]
  /** Only sessions connected to this database. */
  database?: string
  /** Idle in a transaction (or an aborted one) for at least this long. */
  idleInTransactionMs?: number
  /** Its open transaction (or, outside one, its running query) started at least this long ago. */
  minDurationMs?: number
  states?: SessionStateName[]
  users?: string[]
}

/** `*` in an application name pattern matches anything; everything else is literal (LIKE's own `%`, `_` and `\` included). */
export function likePattern(pattern: string): string {
  return pattern.replaceAll(/[\\%_]/g, (character) => `\\${character}`).replaceAll('*', '%')
}

/**
 * The filter as one SQL condition on pg_stat_activity `a`, with its parameters numbered from `firstParam`.
 * One implementation for listing and for the guard in the statement that ends a session.
 */
export function sessionFilterSql(filter: SessionFilter, firstParam: number): {params: unknown[]; sql: string} {
  const conditions: string[] = []
  const params: unknown[] = []
  const param = (value: unknown) => {
    params.push(value)
    return `$${firstParam + params.length - 1}`
  }

  if (filter.users?.length) conditions.push(`a.usename = ANY(${param(filter.users)}::text[])`)
  if (filter.apps?.length) conditions.push(`a.application_name LIKE ANY(${param(filter.apps.map((app) => likePattern(app)))}::text[])`)
  if (filter.database !== undefined) conditions.push(`a.datname = ${param(filter.database)}`)
  if (filter.states?.length) conditions.push(`a.state = ANY(${param(filter.states.map((state) => sessionStates[state]))}::text[])`)
  if (filter.idleInTransactionMs !== undefined) {
    conditions.push(
      `a.state = ANY(${param(idleInTransactionStates)}::text[]) AND a.state_change <= now() - ${param(filter.idleInTransactionMs)} * interval '1 millisecond'`,
    )
  }

  if (filter.minDurationMs !== undefined) {
    conditions.push(
      `coalesce(a.xact_start, CASE WHEN a.state = 'active' THEN a.query_start END) <= now() - ${param(filter.minDurationMs)} * interval '1 millisecond'`,
    )
  }

  return {params, sql: conditions.length > 0 ? conditions.map((condition) => `(${condition})`).join(' AND ') : 'true'}
}

/** A backend's identity: a pid is reused by the next session, the pid and its start time are not. */
export const backendStartSql = `to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/**
 * Every backend, with whom it waits for. pg_blocking_pids takes the lock manager's locks, so it is asked only
 * for sessions waiting on a lock; it names the holders of conflicting locks and the waiters queued ahead.
 */
export const sessionsSql = (filterSql: string) => `
  SELECT a.pid,
         a.usename AS user,
         a.datname AS database,
         a.application_name AS application,
         host(a.client_addr) AS client_addr,
         a.client_port,
         a.backend_type,
         a.state,
         a.wait_event_type,
         a.wait_event,
         ${backendStartSql} AS backend_start,
         round(extract(epoch FROM now() - a.xact_start) * 1000)::bigint AS transaction_ms,
         CASE WHEN a.state = 'active' THEN round(extract(epoch FROM now() - a.query_start) * 1000)::bigint END AS query_ms,
         round(extract(epoch FROM now() - a.state_change) * 1000)::bigint AS state_ms,
         CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) ELSE '{}'::int[] END AS blocked_by,
         coalesce(r.rolsuper, false) AS superuser,
         a.query,
         (${filterSql}) AS matches
  FROM pg_stat_activity a
  LEFT JOIN pg_roles r ON r.oid = a.usesysid
  ORDER BY a.pid`

export const serverFactsSql = `SELECT pg_backend_pid() AS own_pid, current_setting('server_version_num')::int AS version, now() AS at`

/** One backend as pg_stat_activity shows it, with the blocking relations both ways. Durations in milliseconds. */
export interface Session {
  application: string
  /** When the backend started (UTC, to the microsecond): with the pid, what identifies this session. */
  backendStart: null | string
  /** Background processes (autovacuum, replication, parallel workers) are not "client backend". */
  backendType: null | string
  /** Sessions this one waits for (pg_blocking_pids). */
  blockedBy: number[]
  /** Sessions waiting directly for this one. */
  blocking: number[]
  /** "10.0.1.5:53122", "local" for a Unix socket, null for background processes. */
  client: null | string
  database: null | string
  /** Whether it passes the command's filter (every session is listed, so the blocking relations are complete). */
  matches: boolean
  pid: number
  /** The running query (state active) or the last one; "<insufficient privilege>" for other users' without pg_read_all_stats. */
  query: null | string
  /** How long the running query has run (state active only). */
  queryMs: null | number
  state: null | string
  /** How long it has been in its state: idle for, idle in transaction for. */
  stateMs: null | number
  superuser: boolean
  /** How long its open transaction has run. */
  transactionMs: null | number
  user: null | string
  waitEvent: null | string
  waitEventType: null | string
}

export interface SessionList {
  /** The server's time of the listing. */
  at: string
  /** auroractl's own backend: never listed, never ended (killall names it when it matches). */
  own: Session | undefined
  ownPid: number
  serverVersion: number
  /** Every backend but auroractl's own, in pid order. */
  sessions: Session[]
}

interface SessionRow {
  application: null | string
  backend_start: null | string
  backend_type: null | string
  blocked_by: null | number[]
  client_addr: null | string
  client_port: null | number
  database: null | string
  matches: boolean
  pid: number
  query: null | string
  query_ms: null | string
  state: null | string
  state_ms: null | string
  superuser: boolean
  transaction_ms: null | string
  user: null | string
  wait_event: null | string
  wait_event_type: null | string
}

const toMs = (value: null | string) => (value === null ? null : Number(value))

function clientOf(row: SessionRow): null | string {
  if (row.client_addr) return `${row.client_addr}:${row.client_port}`
  return row.client_port === -1 ? 'local' : null
}

/** Rows to sessions, with `blocking` as the reverse of every `blockedBy`. Pure. */
export function toSessions(rows: SessionRow[]): Session[] {
  const sessions: Session[] = rows.map((row) => ({
    application: row.application ?? '',
    backendStart: row.backend_start,
    backendType: row.backend_type,
    blockedBy: row.blocked_by ?? [],
    blocking: [],
    client: clientOf(row),
    database: row.database,
    matches: row.matches,
    pid: row.pid,
    query: row.query,
    queryMs: toMs(row.query_ms),
    state: row.state,
    stateMs: toMs(row.state_ms),
    superuser: row.superuser,
    transactionMs: toMs(row.transaction_ms),
    user: row.user,
    waitEvent: row.wait_event,
    waitEventType: row.wait_event_type,
  }))
  const byPid = new Map(sessions.map((session) => [session.pid, session]))
  for (const session of sessions) for (const holder of session.blockedBy) byPid.get(holder)?.blocking.push(session.pid)
  return sessions
}

/** Every backend of the instance (one round trip for the facts, one for the sessions), each marked with the filter's verdict. */
export async function listSessions(client: Client, filter: SessionFilter = {}): Promise<SessionList> {
  const {rows: facts} = await client.query<{at: Date; own_pid: number; version: number}>(serverFactsSql)
  const {at, own_pid: ownPid, version} = facts[0]!
  const {params, sql} = sessionFilterSql(filter, 1)
  const {rows} = await client.query<SessionRow>(sessionsSql(sql), params)
  const sessions = toSessions(rows)
  return {
    at: at.toISOString(),
    own: sessions.find((session) => session.pid === ownPid),
    ownPid,
    serverVersion: version,
    sessions: sessions.filter((session) => session.pid !== ownPid),
  }
}

/** Whether a session is an application's connection, as opposed to a background process of the server. */
export const isClientBackend = (session: Session) => session.backendType === 'client backend'

/** Whether a session blocks someone or waits for someone. */
export const inBlocking = (session: Session) => session.blocking.length > 0 || session.blockedBy.length > 0

/**
 * What `ps` shows of the sessions passing the filter: not idle ones (unless `showIdle`) nor background processes,
 * unless `all`; a session in a blocking relation always, as it is why someone runs ps at 3 a.m. Pure.
 */
export function sessionsToShow(
  sessions: Session[],
  options: {all: boolean; showIdle: boolean},
): {hidden: {background: number; idle: number}; shown: Session[]} {
  const hidden = {background: 0, idle: 0}
  const shown = sessions.filter((session) => {
    if (!session.matches) return false
    if (options.all || inBlocking(session)) return true
    if (!isClientBackend(session)) hidden.background++
    else if (session.state === 'idle' && !options.showIdle) hidden.idle++
    else return true
    return false
  })
  return {hidden, shown}
}
