import type {Client} from 'pg'

import type {Session} from './sessions.js'

/**
 * The locks of the sessions in a blocking relation. A relation is named only in the database auroractl is
 * connected to (regclass resolves there); elsewhere it is "relation <oid> in <database>". pg_locks.waitstart,
 * when a wait began, is PostgreSQL 14+; before that the wait is measured from the session's last state change.
 */
export const locksSql = (serverVersion: number) => `
  SELECT l.pid, l.locktype, l.mode, l.granted,
         CASE WHEN l.relation IS NULL THEN NULL
              WHEN l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) THEN l.relation::regclass::text
              ELSE 'relation ' || l.relation || coalesce(' in ' || d.datname, '') END AS relation,
         concat_ws(':', l.locktype, l.database, l.relation, l.page, l.tuple, l.virtualxid, l.transactionid, l.classid, l.objid, l.objsubid) AS object,
         l.transactionid::text AS transaction_id,
         ${
           serverVersion >= 140_000
             ? `round(extract(epoch FROM now() - l.waitstart) * 1000)::bigint`
             : `CASE WHEN NOT l.granted THEN round(extract(epoch FROM now() - a.state_change) * 1000)::bigint END`
         } AS waiting_ms
  FROM pg_locks l
  LEFT JOIN pg_database d ON d.oid = l.database
  LEFT JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.pid = ANY($1::int[])`

export interface LockRow {
  granted: boolean
  locktype: string
  mode: string
  /** The locked object's identity, to match a waiter's lock with its holder's. */
  object: string
  pid: number
  relation: null | string
  transaction_id: null | string
  waiting_ms: null | number | string
}

/** The lock a session waits for, and how its blocker stands on the same object. */
export interface LockWait {
  /** The blocker's modes on that object: granted ("AccessShareLock"), or "waiting for X" when it is only queued ahead. */
  blockerModes: string[]
  /** "relation", "transactionid" (a row another transaction changed), "tuple", "advisory", ... */
  locktype: string
  mode: string
  /** The relation, when the lock (or, for a row lock, the waiter's tuple lock) names one. */
  relation: null | string
  /** For a row lock: the transaction waited for. */
  transactionId: null | string
  waitingMs: null | number
}

export interface LockNode {
  pid: number
  repeated?: boolean
  session: Session
  /** Sessions waiting for this one, each once under every blocker; `repeated` marks one already shown in full elsewhere. */
  waiters: LockNode[]
  /** Absent on a root: what it waits for from its parent. */
  waitsFor?: LockWait
}

export interface LockRoot extends LockNode {
  /** Sessions waiting on it, directly or through others. */
  blockedCount: number
  /** Part of a wait cycle (a deadlock the server has not broken yet): there is no true root. */
  cycle: boolean
  /** The longest chain below it: 1 when its waiters wait only for it. */
  depth: number
  /** The longest any session below it has waited. */
  longestWaitMs: null | number
}

export interface LockForest {
  /** Sessions waiting for a lock. */
  blockedSessions: number
  /** Root blockers, the one whose chain is longest first (then the most waiters, then the longest wait). */
  roots: LockRoot[]
}

function describeWait(waiter: number, blocker: number, locks: LockRow[]): LockWait | undefined {
  const wanted = locks.find((lock) => lock.pid === waiter && !lock.granted)
  if (!wanted) return undefined
  const blockerModes = locks
    .filter((lock) => lock.pid === blocker && lock.object === wanted.object)
    .map((lock) => (lock.granted ? lock.mode : `waiting for ${lock.mode}`))
  // A row lock waits on the other transaction's id; the waiter's tuple lock names the table.
  const tuple = locks.find((lock) => lock.pid === waiter && lock.locktype === 'tuple' && lock.relation)
  return {
    blockerModes,
    locktype: wanted.locktype,
    mode: wanted.mode,
    relation: wanted.relation ?? tuple?.relation ?? null,
    transactionId: wanted.transaction_id,
    waitingMs: wanted.waiting_ms === null ? null : Number(wanted.waiting_ms),
  }
}

interface Walk {
  locks: LockRow[]
  sessions: Map<number, Session>
  /** Nodes expanded so far: a session waiting for two blockers is expanded once. */
  shown: Set<number>
}

function grow(pid: number, walk: Walk, parent?: number): LockNode {
  const session = walk.sessions.get(pid)!
  const waitsFor = parent === undefined ? undefined : describeWait(pid, parent, walk.locks)
  if (walk.shown.has(pid)) return {pid, repeated: true, session, waiters: [], ...(waitsFor && {waitsFor})}
  walk.shown.add(pid)
  const waiters = session.blocking.filter((waiter) => walk.sessions.has(waiter)).map((waiter) => grow(waiter, walk, pid))
  return {pid, session, waiters, ...(waitsFor && {waitsFor})}
}

/** The longest chain of waiters below `pid`, counted in edges; a cycle is not followed round. */
function chainDepth(pid: number, sessions: Map<number, Session>, path = new Set<number>()): number {
  path.add(pid)
  let depth = 0
  for (const waiter of sessions.get(pid)?.blocking ?? []) {
    if (!path.has(waiter) && sessions.has(waiter)) depth = Math.max(depth, 1 + chainDepth(waiter, sessions, path))
  }

  path.delete(pid)
  return depth
}

function longestWait(node: LockNode): null | number {
  const waits = node.waiters.flatMap((waiter) => [waiter.waitsFor?.waitingMs ?? null, longestWait(waiter)])
  const known = waits.filter((ms): ms is number => ms !== null)
  return known.length > 0 ? Math.max(...known) : null
}

function toRoot(node: LockNode, sessions: Map<number, Session>, cycle: boolean): LockRoot {
  const below = new Set<number>()
  const queue = [...(sessions.get(node.pid)?.blocking ?? [])]
  while (queue.length > 0) {
    const pid = queue.shift()!
    if (pid === node.pid || below.has(pid) || !sessions.has(pid)) continue
    below.add(pid)
    queue.push(...sessions.get(pid)!.blocking)
  }

  return {...node, blockedCount: below.size, cycle, depth: chainDepth(node.pid, sessions), longestWaitMs: longestWait(node)}
}

/** A session on the wait cycle that `pid` waits into (following the first blocker each time). */
function cycleMember(pid: number, sessions: Map<number, Session>): number {
  const visited = new Set<number>()
  let current = pid
  while (!visited.has(current)) {
    visited.add(current)
    const next = sessions.get(current)?.blockedBy.find((holder) => sessions.has(holder))
    if (next === undefined) return current
    current = next
  }

  return current
}

/**
 * The blocking forest from every session's blockedBy: roots are sessions that block others and wait for nobody.
 * Sessions left over wait in a cycle (a deadlock not yet broken by deadlock_timeout): one member of each cycle is
 * shown as its root. Pure.
 */
export function buildLockForest(sessions: Session[], locks: LockRow[]): LockForest {
  const byPid = new Map(sessions.map((session) => [session.pid, session]))
  const walk: Walk = {locks, sessions: byPid, shown: new Set()}
  const waitsForSomeone = (session: Session) => session.blockedBy.some((pid) => byPid.has(pid))
  const roots = sessions
    .filter((session) => session.blocking.length > 0 && !waitsForSomeone(session))
    .map((session) => toRoot(grow(session.pid, walk), byPid, false))
  for (const session of sessions) {
    if (!waitsForSomeone(session) || walk.shown.has(session.pid)) continue
    roots.push(toRoot(grow(cycleMember(session.pid, byPid), walk), byPid, true))
  }

  roots.sort((a, b) => b.depth - a.depth || b.blockedCount - a.blockedCount || (b.longestWaitMs ?? 0) - (a.longestWaitMs ?? 0))
  return {blockedSessions: sessions.filter((session) => waitsForSomeone(session)).length, roots}
}

/** Every session waiting under these roots, directly or through others, once each (the roots left out). Pure. */
export function waiterPids(roots: LockNode[]): number[] {
  const pids = new Set<number>()
  const visit = (node: LockNode) => {
    for (const waiter of node.waiters) {
      pids.add(waiter.pid)
      visit(waiter)
    }
  }

  for (const root of roots) visit(root)
  for (const root of roots) pids.delete(root.pid)
  return [...pids]
}

/** How many distinct sessions wait under these roots (a session waiting for two blockers counts once). Pure. */
export const waitingUnder = (roots: LockNode[]): number => waiterPids(roots).length

/** The pids in a blocking relation, whose locks the tree describes. */
export function pidsInForest(sessions: Session[]): number[] {
  return sessions.filter((session) => session.blocking.length > 0 || session.blockedBy.length > 0).map((session) => session.pid)
}

/** The locks of the given sessions (one query), for buildLockForest. */
export async function readLocks(client: Client, pids: number[], serverVersion: number): Promise<LockRow[]> {
  if (pids.length === 0) return []
  const {rows} = await client.query<LockRow>(locksSql(serverVersion), [pids])
  return rows
}
