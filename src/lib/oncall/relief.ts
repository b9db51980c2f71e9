import type {Client} from 'pg'

import {setTimeout as sleep} from 'node:timers/promises'

import type {LockNode} from './locks.js'

import {waiterPids} from './locks.js'
import {listSessions, type Session, type SessionFilter} from './sessions.js'

/** How long after ending a root blocker its waiters get to take their locks before they are looked at again. */
export const reliefDelayMs = 1000

/** Whether ending a root blocker let the sessions behind it through: the question the on-call engineer asks next. */
export interface Relief {
  /** How long after the blocker ended the sessions were listed again. */
  afterMs: number
  /** Of the sessions that waited, how many no longer wait for a lock (they got it, or they are gone). */
  released: number
  /** The pids that still wait for a lock (behind another blocker, or the next in line). */
  stillWaiting: number[]
  /** How many sessions waited behind the blocker, directly or through others. */
  waited: number
}

/** Which of the sessions that waited still do, in a fresh list: a pid gone from it waits no more. Pure. */
export function reliefOf(waited: number[], sessions: Session[], afterMs: number): Relief {
  const waiting = new Set(sessions.filter((session) => session.blockedBy.length > 0).map((session) => session.pid))
  const stillWaiting = waited.filter((pid) => waiting.has(pid))
  return {afterMs, released: waited.length - stillWaiting.length, stillWaiting, waited: waited.length}
}

/**
 * After a root blocker was ended: waits a moment for its waiters to take their locks, lists the sessions once more
 * and says how many of those that waited no longer do.
 */
export async function measureRelief(
  client: Client,
  root: LockNode,
  options: {delayMs?: number; filter?: SessionFilter; signal?: AbortSignal} = {},
): Promise<Relief> {
  const delayMs = options.delayMs ?? reliefDelayMs
  await sleep(delayMs, undefined, {signal: options.signal})
  const {sessions} = await listSessions(client, options.filter)
  return reliefOf(waiterPids([root]), sessions, delayMs)
}
