import type {Event, RDSClient, SourceType} from '@aws-sdk/client-rds'

import {setTimeout as delay} from 'node:timers/promises'

import {isTransientAwsError} from './aws/errors.js'
import {describeCluster, listClusterSnapshots} from './aws/rds.js'
import {rdsSdk} from './aws/sdk.js'
import {formatDuration} from './cli/duration.js'
import {AuroraError, badInput} from './cli/errors.js'

/** How long RDS keeps events: older ones are gone, so a longer window only pretends to look further back. */
export const eventRetentionMs = 14 * 86_400_000

/**
 * RDS's event categories for clusters, their instances and cluster snapshots, as the API names them
 * (DescribeEventCategories; the Aurora event tables in the RDS docs list the events in each).
 */
export const eventCategories = [
  'availability',
  'backtrack',
  'backup',
  'configuration change',
  'creation',
  'deletion',
  'failover',
  'failure',
  'global-failover',
  'low storage',
  'maintenance',
  'migration',
  'notification',
  'read replica',
  'recovery',
  'restoration',
  'security',
  'security patching',
  'serverless',
] as const

export type EventCategory = (typeof eventCategories)[number]

/** "Configuration-Change", "configuration_change" and "configuration change" are one category. */
const categoryKey = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replaceAll(/[\s_-]+/g, ' ')

/**
 * The categories `--category` names (each value may be a comma list), as the API spells them, or
 * undefined for every category. An unknown name is refused with the list (exit 2).
 */
export function parseCategories(values: string[] | undefined): EventCategory[] | undefined {
  const names = (values ?? []).flatMap((value) => value.split(',')).filter((name) => name.trim() !== '')
  if (names.length === 0) return undefined
  const byKey = new Map(eventCategories.map((category) => [categoryKey(category), category]))
  const parsed = names.map((name) => {
    const category = byKey.get(categoryKey(name))
    if (!category) {
      throw badInput(
        `--category "${name.trim()}" is not an RDS event category: use ${eventCategories.join(', ')} (a hyphen may stand for a space: configuration-change).`,
      )
    }

    return category
  })
  return [...new Set(parsed)]
}

export interface EventWindow {
  end: Date
  start: Date
}

/**
 * The window to read: `--since` back from now, or `--start` to `--end` (default now). RDS keeps events 14 days,
 * so a window reaching further back is refused rather than quietly cut short.
 */
export function planEventWindow(input: {endMs?: number; sinceMs?: number; startMs?: number}, now: Date): EventWindow {
  const end = new Date(input.endMs ?? now.getTime())
  const start = new Date(input.startMs ?? end.getTime() - (input.sinceMs ?? 86_400_000))
  if (start.getTime() < now.getTime() - eventRetentionMs) {
    throw badInput(
      `--start ${start.toISOString()} is more than 14 days ago: RDS keeps events for 14 days. Start within the last 14 days (e.g. --since 14d).`,
    )
  }

  if (end.getTime() <= start.getTime()) {
    throw badInput(`--end ${end.toISOString()} is not after --start ${start.toISOString()}.`)
  }

  return {end, start}
}

/** One RDS event, as `--json` gives it. */
export interface ClusterEvent {
  categories: string[]
  message: string
  sourceArn: null | string
  sourceId: string
  /** db-cluster, db-instance or db-cluster-snapshot */
  sourceType: string
  /** ISO 8601, UTC */
  time: string
}

export type EventSourceKind = 'cluster' | 'instances' | 'snapshots'

/** Whose events to read: the cluster, its instances, its snapshots (null: not asked for). */
export interface EventSources {
  /** False when the cluster is gone (deleted, or another region): only its own events can be read. */
  clusterFound: boolean
  clusterId: string
  includeCluster: boolean
  instanceIds: string[]
  snapshotIds: null | string[]
}

/**
 * The cluster's instances and (if asked) snapshots, read now. A cluster that no longer exists still has
 * its events (its deletion among them): then only those are read; none either, and it is not found (exit 3).
 */
export async function resolveEventSources(rds: RDSClient, clusterId: string, kinds: EventSourceKind[]): Promise<EventSources> {
  const includeCluster = kinds.includes('cluster')
  let members: string[] = []
  try {
    const cluster = await describeCluster(rds, clusterId)
    members = (cluster.DBClusterMembers ?? []).map((member) => member.DBInstanceIdentifier!).filter(Boolean)
  } catch (error) {
    if (!(error instanceof AuroraError && error.code === 'CLUSTER_NOT_FOUND')) throw error
    return {clusterFound: false, clusterId, includeCluster: true, instanceIds: [], snapshotIds: null}
  }

  const snapshots = kinds.includes('snapshots') ? await listClusterSnapshots(rds, clusterId) : undefined
  return {
    clusterFound: true,
    clusterId,
    includeCluster,
    instanceIds: kinds.includes('instances') ? members.sort() : [],
    snapshotIds: snapshots ? snapshots.map((snapshot) => snapshot.DBClusterSnapshotIdentifier!).filter(Boolean) : null,
  }
}

export interface FetchOptions {
  categories?: EventCategory[]
  signal?: AbortSignal
  window: EventWindow
}

/** DescribeEvents takes one source identifier: requests beyond this many run one after another. */
const parallelRequests = 6

/**
 * The sources' events in the window, oldest first, without duplicates: one paginated DescribeEvents per
 * cluster and instance, and one for cluster snapshots (kept when they are the cluster's), run concurrently.
 * Categories are filtered by RDS and again here, so a server that ignores the filter cannot widen the answer.
 */
export async function fetchEvents(rds: RDSClient, sources: EventSources, options: FetchOptions): Promise<ClusterEvent[]> {
  const requests: Array<{snapshotsOf?: Set<string>; sourceId?: string; sourceType: SourceType}> = [
    ...(sources.includeCluster ? [{sourceId: sources.clusterId, sourceType: 'db-cluster' as const}] : []),
    ...sources.instanceIds.map((sourceId) => ({sourceId, sourceType: 'db-instance' as const})),
    // Snapshots number dozens (a month of automated ones): one call for all cluster snapshots, kept when ours.
    ...(sources.snapshotIds && sources.snapshotIds.length > 0
      ? [{snapshotsOf: new Set(sources.snapshotIds), sourceType: 'db-cluster-snapshot' as const}]
      : []),
  ]
  const lists = await mapConcurrently(requests, parallelRequests, async (request) => {
    const events = await describeEvents(rds, {...options, sourceId: request.sourceId, sourceType: request.sourceType})
    return request.snapshotsOf ? events.filter((event) => request.snapshotsOf!.has(event.sourceId)) : events
  })
  const wanted = options.categories ? new Set<string>(options.categories) : undefined
  return mergeEvents(lists).filter((event) => !wanted || event.categories.some((category) => wanted.has(category)))
}

async function describeEvents(
  rds: RDSClient,
  options: FetchOptions & {sourceId?: string; sourceType: SourceType},
): Promise<ClusterEvent[]> {
  const pages = rdsSdk().paginateDescribeEvents(
    {client: rds, pageSize: 100},
    {
      EndTime: options.window.end,
      EventCategories: options.categories,
      SourceIdentifier: options.sourceId,
      SourceType: options.sourceType,
      StartTime: options.window.start,
    },
    {abortSignal: options.signal},
  )
  const events: ClusterEvent[] = []
  for await (const page of pages) events.push(...(page.Events ?? []).map((event) => toClusterEvent(event, options.sourceType)))
  return events
}

function toClusterEvent(event: Event, sourceType: string): ClusterEvent {
  return {
    categories: event.EventCategories ?? [],
    message: event.Message ?? '',
    sourceArn: event.SourceArn ?? null,
    sourceId: event.SourceIdentifier ?? '',
    sourceType: event.SourceType ?? sourceType,
    time: (event.Date ?? new Date(0)).toISOString(),
  }
}

/** What makes two events the same one: the same time, source and message. */
export const eventKey = (event: ClusterEvent) => `${event.time}|${event.sourceType}|${event.sourceId}|${event.message}`

/**
 * Several sources' lists as one, oldest first ("newest last", as a log reads), each event once. The sort is
 * stable, so events of one source at the same millisecond keep the order RDS gave them.
 */
export function mergeEvents(lists: ClusterEvent[][]): ClusterEvent[] {
  const unique = new Map<string, ClusterEvent>()
  for (const event of lists.flat()) if (!unique.has(eventKey(event))) unique.set(eventKey(event), event)
  return [...unique.values()].sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
}

async function mapConcurrently<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = Array.from({length: items.length})
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      // Each worker takes the next item when its last is done: at most `limit` at once.
      // eslint-disable-next-line no-await-in-loop
      results[index] = await work(items[index]!)
    }
  }

  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return results
}

export interface FollowOptions {
  categories?: EventCategory[]
  intervalMs: number
  now?: () => Date
  /** Called with each poll's new events (the first call: the whole starting window's). */
  onEvents: (events: ClusterEvent[]) => void
  /** A poll that failed after the first: reported, and the next poll tries again. */
  onPollFailed: (error: unknown) => void
  signal: AbortSignal
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  /** Where the first poll starts (the --since window). */
  start: Date
}

/**
 * Events may show up in DescribeEvents a little after their time; each poll looks this far back again and
 * prints only what it has not printed before.
 */
export const followLookbackMs = 5 * 60_000

/**
 * Polls for new events until the signal aborts (Ctrl-C, SIGTERM), then returns. The sources are read again
 * on each poll, so an instance or snapshot added meanwhile is followed too. An event is printed once,
 * however many polls see it.
 */
export async function followEvents(rds: RDSClient, sources: () => Promise<EventSources>, options: FollowOptions): Promise<void> {
  const now = options.now ?? (() => new Date())
  const sleep = options.sleep ?? abortableSleep
  const printed = new Map<string, number>()
  let {start} = options
  const poll = async (first: boolean) => {
    const end = now()
    try {
      const events = await fetchEvents(rds, await sources(), {categories: options.categories, signal: options.signal, window: {end, start}})
      const fresh = events.filter((event) => !printed.has(eventKey(event)))
      for (const event of fresh) printed.set(eventKey(event), Date.parse(event.time))
      if (first || fresh.length > 0) options.onEvents(fresh)
      start = new Date(Math.max(options.start.getTime(), end.getTime() - followLookbackMs))
      // What falls before the next window cannot be seen again: forget it, so a week of following stays small.
      for (const [key, time] of printed) if (time < start.getTime()) printed.delete(key)
    } catch (error) {
      if (options.signal.aborted) return
      // The first poll's failure is the user's to see at once; later, only what can heal is worth another poll.
      if (first || !isTransientAwsError(error)) throw error
      options.onPollFailed(error)
    }
  }

  for (let index = 0; !options.signal.aborted; index++) {
    // One poll after another, by design: each starts where the last one's answer left off.
    // eslint-disable-next-line no-await-in-loop
    await poll(index === 0)
    // eslint-disable-next-line no-await-in-loop
    await sleep(options.intervalMs, options.signal)
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
export async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, {signal}).catch(() => {})
}

/** "the last 24h", "2026-11-28T02:00:00.000Z to 2026-11-28T03:00:00.000Z": for messages. */
export function describeWindow(window: EventWindow, sinceMs: number | undefined): string {
  return sinceMs === undefined ? `${window.start.toISOString()} to ${window.end.toISOString()}` : `the last ${formatDuration(sinceMs)}`
}
