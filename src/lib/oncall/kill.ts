import type {Client} from 'pg'

import type {LockForest, LockRoot} from './locks.js'

import {backendStartSql, isClientBackend, type Session, type SessionFilter, sessionFilterSql} from './sessions.js'

/** Why a session is not ended unless the user opts in (or, for auroractl's own, ever). */
export type Refusal = 'background' | 'own' | 'rdsadmin' | 'replication' | 'superuser'

export const refusalText: Record<Refusal, string> = {
  background: 'a background process of the server',
  own: "auroractl's own session",
  rdsadmin: 'an rdsadmin session (Amazon RDS manages the instance through it)',
  replication: 'a replication connection',
  superuser: 'a superuser session',
}

/** The flag that lets a command end privileged sessions (superuser, rdsadmin, replication, background). */
export const includePrivilegedFlag = '--include-privileged'

/**
 * Whether a session may be ended. Never auroractl's own. Without `includePrivileged`: not a superuser's
 * (on Aurora the only true superuser is rdsadmin; the master user is rds_superuser, not a superuser, and is often
 * the application's own login, so its sessions are ended like any application's), not rdsadmin's, not a
 * replication connection, not a background process (autovacuum, parallel workers, the server's own). Pure.
 */
export function refusalFor(session: Session, options: {includePrivileged: boolean; ownPid: number}): Refusal | undefined {
  if (session.pid === options.ownPid) return 'own'
  if (options.includePrivileged) return undefined
  if (session.backendType === 'walsender') return 'replication'
  if (!isClientBackend(session)) return 'background'
  if (session.user === 'rdsadmin') return 'rdsadmin'
  if (session.superuser) return 'superuser'
  return undefined
}

export interface RefusedSession {
  pid: number
  reason: Refusal
  /** One line: "pid 42 is a superuser session (postgres)". */
  text: string
}

const refused = (session: Pick<Session, 'pid' | 'user'>, reason: Refusal): RefusedSession => ({
  pid: session.pid,
  reason,
  text: `pid ${session.pid} is ${refusalText[reason]}${session.user ? ` (${session.user})` : ''}`,
})

export interface KillPlan {
  /** Pids named that no session has. */
  missing: number[]
  refused: RefusedSession[]
  targets: Session[]
}

/** Named pids: which exist, which are refused and why. Pure; acting on a plan with `missing` or `refused` is the caller's choice. */
export function planKill(sessions: Session[], pids: number[], options: {includePrivileged: boolean; ownPid: number}): KillPlan {
  const plan: KillPlan = {missing: [], refused: [], targets: []}
  for (const pid of new Set(pids)) {
    if (pid === options.ownPid) {
      plan.refused.push(refused({pid, user: null}, 'own'))
      continue
    }

    // A session outside the command's scope (--database) counts as missing: the user named a pid they cannot see here.
    const session = sessions.find((item) => item.pid === pid && item.matches)
    if (!session) {
      plan.missing.push(pid)
      continue
    }

    const reason = refusalFor(session, options)
    if (reason) plan.refused.push(refused(session, reason))
    else plan.targets.push(session)
  }

  return plan
}

/** The sessions a filter selected, split into those to end and those refused (auroractl's own among them, if it matches). Pure. */
export function planKillAll(
  list: {own?: Session; ownPid: number; sessions: Session[]},
  options: {includePrivileged: boolean},
): {refused: RefusedSession[]; targets: Session[]} {
  const matching = [...(list.own?.matches ? [list.own] : []), ...list.sessions].filter((session) => session.matches)
  const refusedSessions = matching.flatMap((session) => {
    const reason = refusalFor(session, {...options, ownPid: list.ownPid})
    return reason ? [refused(session, reason)] : []
  })
  const refusedPids = new Set(refusedSessions.map((item) => item.pid))
  return {refused: refusedSessions, targets: matching.filter((session) => !refusedPids.has(session.pid))}
}

/** The root of the longest blocking chain among roots whose session passes the filter, or undefined. Pure. */
export function chooseRootBlocker(forest: LockForest): LockRoot | undefined {
  return forest.roots.find((root) => root.session.matches)
}

export type KillMode = 'cancel' | 'terminate'

/**
 * What happened to one pid. `already-gone`: the session ended, or its pid now belongs to another session.
 * `no-longer-matches`: it changed (committed, became active, stopped blocking) and was left alone.
 * `still-running`: terminated, but it had not exited after the wait. `not-permitted`: the server refused.
 */
export type KillOutcome = 'already-gone' | 'cancelled' | 'no-longer-matches' | 'not-permitted' | 'still-running' | 'terminated'

export interface KillResult {
  /** The server's words for not-permitted and still-running. */
  detail?: string
  outcome: KillOutcome
  pid: number
}

/**
 * The condition checked again, in the statement that ends the session, besides its identity (pid and start time):
 * the command's filter (killall), or that it still blocks someone (kill --root-blocker).
 */
export type KillGuard = {filter: SessionFilter; kind: 'filter'} | {kind: 'blocking'} | {kind: 'identity'}

function guardSql(guard: KillGuard, firstParam: number): {params: unknown[]; sql: string} {
  if (guard.kind === 'filter') return sessionFilterSql(guard.filter, firstParam)
  if (guard.kind === 'blocking') {
    return {
      params: [],
      sql: `EXISTS (SELECT 1 FROM pg_stat_activity w WHERE w.wait_event_type = 'Lock' AND a.pid = ANY(pg_blocking_pids(w.pid)))`,
    }
  }

  return {params: [], sql: 'true'}
}

/** Whether pg_terminate_backend takes a wait (PostgreSQL 14+): then it returns once the backend has exited. */
const terminateWaits = (mode: KillMode, serverVersion: number) => mode === 'terminate' && serverVersion >= 140_000

/**
 * Ends one session in one statement: only if its pid still has the same start time and it still passes the
 * guard, so a pid reused between listing and acting, or a session that changed, is never ended by mistake.
 * $1 is the pid, $2 its start time, $3 (PostgreSQL 14+, terminate) how long to wait for it to exit, in ms.
 */
export const endSessionSql = (mode: KillMode, guard: string, serverVersion: number) => {
  const signal =
    mode === 'cancel'
      ? 'pg_cancel_backend(a.pid)'
      : terminateWaits(mode, serverVersion)
        ? 'pg_terminate_backend(a.pid, $3::bigint)'
        : 'pg_terminate_backend(a.pid)'
  return `
  SELECT ${backendStartSql} = $2 AS same_session,
         (${guard}) AS matches,
         CASE WHEN ${backendStartSql} = $2 AND (${guard}) THEN ${signal} END AS signalled
  FROM pg_stat_activity a
  WHERE a.pid = $1`
}

interface EndOptions {
  guard: KillGuard
  mode: KillMode
  serverVersion: number
  waitMs: number
}

async function stillRunning(client: Client, target: Pick<Session, 'backendStart' | 'pid'>): Promise<boolean> {
  const {rows} = await client.query(`SELECT 1 FROM pg_stat_activity a WHERE a.pid = $1 AND ${backendStartSql} = $2`, [
    target.pid,
    target.backendStart,
  ])
  return rows.length > 0
}

async function endOne(client: Client, target: Pick<Session, 'backendStart' | 'pid'>, options: EndOptions): Promise<KillResult> {
  const {pid} = target
  const params: unknown[] = [pid, target.backendStart]
  if (terminateWaits(options.mode, options.serverVersion)) params.push(options.waitMs)
  const guard = guardSql(options.guard, params.length + 1)
  let rows: Array<{matches: boolean; same_session: boolean; signalled: boolean | null}>
  try {
    ;({rows} = await client.query(endSessionSql(options.mode, guard.sql, options.serverVersion), [...params, ...guard.params]))
  } catch (error) {
    // 42501: a superuser's session, or another role's without pg_signal_backend.
    if ((error as {code?: string}).code === '42501') return {detail: (error as Error).message, outcome: 'not-permitted', pid}
    throw error
  }

  const row = rows[0]
  if (!row || !row.same_session) return {outcome: 'already-gone', pid}
  if (!row.matches) return {outcome: 'no-longer-matches', pid}
  if (options.mode === 'cancel') return {outcome: row.signalled ? 'cancelled' : 'already-gone', pid}
  // false: it vanished as it was signalled, or it had not exited when the wait ended.
  if (row.signalled || !(await stillRunning(client, target))) return {outcome: 'terminated', pid}
  return {detail: `still running ${options.waitMs / 1000}s after pg_terminate_backend`, outcome: 'still-running', pid}
}

/** Ends each session in turn (one statement each, so a refusal on one does not stop the rest). */
export async function endSessions(
  client: Client,
  targets: Array<Pick<Session, 'backendStart' | 'pid'>>,
  options: {guard: KillGuard; mode: KillMode; serverVersion: number; waitMs?: number},
): Promise<KillResult[]> {
  const results: KillResult[] = []
  for (const target of targets) {
    // In order, one at a time: the results say exactly what happened to each pid.
    // eslint-disable-next-line no-await-in-loop
    results.push(await endOne(client, target, {...options, waitMs: options.waitMs ?? 5000}))
  }

  return results
}

/** Outcomes that leave a session the user wanted gone still running: the command exits 1. */
export const failedOutcomes: ReadonlySet<KillOutcome> = new Set(['not-permitted', 'still-running'])
