import {
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeEventsCommand,
  type DescribeEventsCommandInput,
  type Event,
  RDSClient,
} from '@aws-sdk/client-rds'
import {Ansis} from 'ansis'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import {AuroraError} from '../../src/lib/cli/errors.js'
import {describeSources, eventColumns, formatEventTime, renderEventLine} from '../../src/lib/cli/render/events.js'
import {
  type ClusterEvent,
  eventRetentionMs,
  fetchEvents,
  followEvents,
  mergeEvents,
  parseCategories,
  planEventWindow,
  resolveEventSources,
} from '../../src/lib/events.js'

const rdsMock = mockClient(RDSClient)
const rds = new RDSClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'})
const t0 = Date.parse('2026-11-30T17:00:00Z')
const at = (seconds: number) => new Date(t0 + seconds * 1000)

function rdsEvent([sourceType, sourceId]: [string, string], seconds: number, message: string, categories: string[]): Event {
  return {Date: at(seconds), EventCategories: categories, Message: message, SourceIdentifier: sourceId, SourceType: sourceType as never}
}

/**
 * DescribeEvents as RDS answers it: the source, the window and the categories filtered, oldest first, in pages
 * of MaxRecords (default 100) with a Marker. `log` records every request.
 */
function serveEvents(events: () => Event[], log: DescribeEventsCommandInput[] = []) {
  rdsMock.on(DescribeEventsCommand).callsFake((input: DescribeEventsCommandInput) => {
    log.push({...input}) // a copy: the paginator reuses its input object for the next page
    const matching = events().filter(
      (event) =>
        (!input.SourceType || event.SourceType === input.SourceType) &&
        (!input.SourceIdentifier || event.SourceIdentifier === input.SourceIdentifier) &&
        (!input.StartTime || event.Date! >= input.StartTime) &&
        (!input.EndTime || event.Date! <= input.EndTime) &&
        (!input.EventCategories || event.EventCategories!.some((category) => input.EventCategories!.includes(category))),
    )
    const offset = Number(input.Marker ?? 0)
    const size = input.MaxRecords ?? 100
    const next = offset + size
    return {Events: matching.slice(offset, next), Marker: next < matching.length ? String(next) : undefined}
  })
}

const sources = {
  clusterFound: true,
  clusterId: 'nba-tracker-dev',
  includeCluster: true,
  instanceIds: ['nba-tracker-dev-writer', 'nba-tracker-dev-reader'],
  snapshotIds: null,
}
const window = {end: at(3600), start: at(0)}

beforeEach(() => {
  rdsMock.reset()
})

describe('event categories', () => {
  it('takes repeated flags and comma lists, in any case, with hyphens for spaces, each category once', () => {
    expect(parseCategories(['failover,Failure', 'configuration-change', 'configuration change', ' backup '])).toEqual([
      'failover',
      'failure',
      'configuration change',
      'backup',
    ])
    expect(parseCategories(['global failover', 'low-storage', 'read_replica'])).toEqual(['global-failover', 'low storage', 'read replica'])
    expect(parseCategories(undefined)).toBeUndefined()
    expect(parseCategories([''])).toBeUndefined()
  })

  it('refuses a name RDS does not have, naming the flag and the valid ones (exit 2)', () => {
    let refusal: unknown
    try {
      parseCategories(['failover', 'failovr'])
    } catch (error) {
      refusal = error
    }

    expect(refusal).toBeInstanceOf(AuroraError)
    expect((refusal as AuroraError).exitCode).toBe(2)
    expect((refusal as AuroraError).message).toMatch(
      /^--category "failovr" is not an RDS event category: use availability, .*maintenance, /,
    )
  })
})

describe('the window', () => {
  const now = at(0)

  it('reaches back --since from now, or spans --start to --end', () => {
    expect(planEventWindow({sinceMs: 86_400_000}, now)).toEqual({end: now, start: new Date(t0 - 86_400_000)})
    expect(planEventWindow({startMs: t0 - 7_200_000}, now)).toEqual({end: now, start: new Date(t0 - 7_200_000)})
    expect(planEventWindow({endMs: t0 - 3_600_000, startMs: t0 - 7_200_000}, now)).toEqual({
      end: new Date(t0 - 3_600_000),
      start: new Date(t0 - 7_200_000),
    })
  })

  it('refuses a start more than 14 days back (RDS keeps 14 days) and an end not after the start', () => {
    expect(() => planEventWindow({startMs: t0 - eventRetentionMs - 60_000}, now)).toThrow(
      /more than 14 days ago: RDS keeps events for 14 days/,
    )
    expect(planEventWindow({sinceMs: eventRetentionMs}, now).start).toEqual(new Date(t0 - eventRetentionMs))
    expect(() => planEventWindow({endMs: t0 - 7_200_000, startMs: t0 - 3_600_000}, now)).toThrow(/--end .* is not after --start/)
  })
})

const instanceEvent = (seconds: number, sourceId: string, message: string): ClusterEvent => ({
  categories: ['notification'],
  message,
  sourceArn: null,
  sourceId,
  sourceType: 'db-instance',
  time: at(seconds).toISOString(),
})

describe('merging sources', () => {
  it('puts the oldest first, keeps each event once, and keeps a source order within the same millisecond', () => {
    const writer = [
      instanceEvent(5, 'w', 'DB instance restarted'),
      instanceEvent(9, 'w', 'second at nine'),
      instanceEvent(9, 'w', 'first at nine'),
    ]
    const reader = [instanceEvent(1, 'r', 'DB instance created'), instanceEvent(5, 'w', 'DB instance restarted')]
    expect(mergeEvents([writer, reader]).map((item) => `${item.sourceId}:${item.message}`)).toEqual([
      'r:DB instance created',
      'w:DB instance restarted',
      'w:second at nine',
      'w:first at nine',
    ])
  })
})

describe('fetching events', () => {
  it('asks once per source for the window, follows the Marker across pages, and merges the answers oldest first', async () => {
    const log: DescribeEventsCommandInput[] = []
    const scaling = Array.from({length: 130}, (_, index) =>
      rdsEvent(['db-cluster', 'nba-tracker-dev'], 10 + index, `change ${index}`, ['configuration change']),
    )
    serveEvents(
      () => [
        rdsEvent(['db-cluster', 'nba-tracker-dev'], 1, 'DB cluster created', ['creation']),
        ...scaling,
        rdsEvent(['db-instance', 'nba-tracker-dev-writer'], 2, 'DB instance created', ['creation']),
        rdsEvent(['db-instance', 'nba-tracker-dev-reader'], 300, 'DB instance restarted', ['availability']),
        rdsEvent(['db-instance', 'someone-else'], 3, 'DB instance created', ['creation']),
        rdsEvent(['db-cluster', 'nba-tracker-dev'], 7200, 'after the window', ['notification']),
      ],
      log,
    )
    const events = await fetchEvents(rds, sources, {window})
    expect(events).toHaveLength(133)
    expect(events.slice(0, 3).map((event) => event.message)).toEqual(['DB cluster created', 'DB instance created', 'change 0'])
    expect(events.at(-1)).toEqual({
      categories: ['availability'],
      message: 'DB instance restarted',
      sourceArn: null,
      sourceId: 'nba-tracker-dev-reader',
      sourceType: 'db-instance',
      time: at(300).toISOString(),
    })
    const clusterCalls = log.filter((input) => input.SourceType === 'db-cluster')
    expect(clusterCalls.map((input) => input.Marker)).toEqual([undefined, '100'])
    expect(clusterCalls[0]).toMatchObject({
      EndTime: window.end,
      MaxRecords: 100,
      SourceIdentifier: 'nba-tracker-dev',
      StartTime: window.start,
    })
    expect(
      log
        .filter((input) => input.SourceType === 'db-instance')
        .map((input) => input.SourceIdentifier)
        .sort(),
    ).toEqual(['nba-tracker-dev-reader', 'nba-tracker-dev-writer'])
  })

  it('asks RDS for the categories and filters its answer again; snapshot events are kept only for the cluster’s snapshots', async () => {
    const log: DescribeEventsCommandInput[] = []
    serveEvents(
      () => [
        rdsEvent(['db-cluster-snapshot', 'nba-tracker-dev-snap'], 5, 'Creating manual cluster snapshot', ['backup']),
        rdsEvent(['db-cluster-snapshot', 'other-cluster-snap'], 6, 'Creating manual cluster snapshot', ['backup']),
        rdsEvent(['db-cluster', 'nba-tracker-dev'], 7, 'Started cross AZ failover to DB instance: r', ['failover']),
      ],
      log,
    )
    const withSnapshots = {...sources, instanceIds: [], snapshotIds: ['nba-tracker-dev-snap']}
    const backups = await fetchEvents(rds, withSnapshots, {categories: ['backup'], window})
    expect(backups.map((event) => event.sourceId)).toEqual(['nba-tracker-dev-snap'])
    expect(log.map((input) => input.EventCategories)).toEqual([['backup'], ['backup']])
    expect(log.find((input) => input.SourceType === 'db-cluster-snapshot')?.SourceIdentifier).toBeUndefined()

    // A server that ignores EventCategories (plain moto does) cannot widen the answer.
    rdsMock.reset()
    rdsMock.on(DescribeEventsCommand).resolves({
      Events: [
        rdsEvent(['db-cluster', 'nba-tracker-dev'], 7, 'failover', ['failover']),
        rdsEvent(['db-cluster', 'nba-tracker-dev'], 8, 'created', ['creation']),
      ],
    })
    const failovers = await fetchEvents(rds, {...sources, instanceIds: []}, {categories: ['failover'], window})
    expect(failovers.map((event) => event.message)).toEqual(['failover'])
  })
})

describe('the sources', () => {
  it('reads the instances from the cluster and the snapshots when asked', async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'c1',
          DBClusterMembers: [
            {DBInstanceIdentifier: 'c1-w', IsClusterWriter: true},
            {DBInstanceIdentifier: 'c1-a', IsClusterWriter: false},
          ],
        },
      ],
    })
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({DBClusterSnapshots: [{DBClusterSnapshotIdentifier: 's1'}]})
    expect(await resolveEventSources(rds, 'c1', ['cluster', 'instances'])).toEqual({
      clusterFound: true,
      clusterId: 'c1',
      includeCluster: true,
      instanceIds: ['c1-a', 'c1-w'],
      snapshotIds: null,
    })
    expect(await resolveEventSources(rds, 'c1', ['snapshots'])).toMatchObject({includeCluster: false, instanceIds: [], snapshotIds: ['s1']})
  })

  it('reads only the cluster’s own events when the cluster is gone (its deletion is among them)', async () => {
    rdsMock.on(DescribeDBClustersCommand).rejects(Object.assign(new Error('not found'), {name: 'DBClusterNotFoundFault'}))
    expect(await resolveEventSources(rds, 'gone', ['cluster', 'instances', 'snapshots'])).toEqual({
      clusterFound: false,
      clusterId: 'gone',
      includeCluster: true,
      instanceIds: [],
      snapshotIds: null,
    })
  })
})

describe('following', () => {
  it('prints the starting window, then only new events, each once, and stops when the signal aborts', async () => {
    let clock = 100
    const recorded: Event[] = [rdsEvent(['db-cluster', 'nba-tracker-dev'], 50, 'DB cluster created', ['creation'])]
    serveEvents(() => recorded)
    const printed: string[][] = []
    const stop = new AbortController()
    const polls: Array<() => void> = [
      () => recorded.push(rdsEvent(['db-cluster', 'nba-tracker-dev'], 110, 'Started cross AZ failover to DB instance: r', ['failover'])),
      () => {},
      () => recorded.push(rdsEvent(['db-cluster', 'nba-tracker-dev'], 121, 'Completed failover to DB instance: r', ['failover'])),
      () => stop.abort(),
    ]
    await followEvents(rds, async () => sources, {
      intervalMs: 10_000,
      now: () => at(clock),
      onEvents: (events) => printed.push(events.map((event) => event.message)),
      onPollFailed(error) {
        throw error
      },
      signal: stop.signal,
      async sleep(ms) {
        clock += ms / 1000
        polls.shift()?.()
      },
      start: at(0),
    })
    expect(printed).toEqual([
      ['DB cluster created'],
      ['Started cross AZ failover to DB instance: r'],
      ['Completed failover to DB instance: r'],
    ])
  })

  it('looks back a while on each poll, so an event that shows up late is still printed, once', async () => {
    let clock = 1000
    const recorded: Event[] = []
    const log: DescribeEventsCommandInput[] = []
    serveEvents(() => recorded, log)
    const printed: string[] = []
    const stop = new AbortController()
    const polls: Array<() => void> = [
      // Recorded at 990 s but visible only now, after the poll whose window ended at 1000 s.
      () => recorded.push(rdsEvent(['db-instance', 'nba-tracker-dev-writer'], 990, 'DB instance restarted', ['availability'])),
      () => {},
      () => stop.abort(),
    ]
    await followEvents(rds, async () => ({...sources, instanceIds: ['nba-tracker-dev-writer']}), {
      intervalMs: 5000,
      now: () => at(clock),
      onEvents: (events) => printed.push(...events.map((event) => event.message)),
      onPollFailed() {},
      signal: stop.signal,
      async sleep(ms) {
        clock += ms / 1000
        polls.shift()?.()
      },
      start: at(0),
    })
    expect(printed).toEqual(['DB instance restarted'])
    const later = log.filter((input) => input.SourceType === 'db-cluster').slice(1)
    expect(later[0]!.StartTime).toEqual(at(1000 - 300))
  })

  it('reports a failed poll and tries again; a failing first poll is the command’s error', async () => {
    rdsMock.on(DescribeEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), {name: 'Throttling'}))
    const start = {
      intervalMs: 1000,
      onEvents() {},
      onPollFailed() {},
      signal: new AbortController().signal,
      async sleep() {},
      start: at(0),
    }
    await expect(followEvents(rds, async () => sources, start)).rejects.toThrow('Rate exceeded')

    rdsMock.reset()
    let calls = 0
    rdsMock.on(DescribeEventsCommand).callsFake(() => {
      calls++
      if (calls > 3 && calls <= 6) throw Object.assign(new Error('Rate exceeded'), {name: 'Throttling'})
      return {Events: []}
    })
    const failures: string[] = []
    const stop = new AbortController()
    let sleeps = 0
    await followEvents(rds, async () => sources, {
      ...start,
      onPollFailed: (error) => failures.push((error as Error).message),
      signal: stop.signal,
      async sleep() {
        if (++sleeps === 3) stop.abort()
      },
    })
    expect(failures).toEqual(['Rate exceeded'])
    expect(calls).toBeGreaterThanOrEqual(7)
  })

  it('stops following, with the real error, on a later failure that cannot heal (access denied)', async () => {
    rdsMock.reset()
    let calls = 0
    rdsMock.on(DescribeEventsCommand).callsFake(() => {
      calls++
      if (calls > 3)
        throw Object.assign(new Error('not authorized to perform rds:DescribeEvents'), {
          $metadata: {httpStatusCode: 403},
          name: 'AccessDenied',
        })
      return {Events: []}
    })
    const failures: string[] = []
    let sleeps = 0
    const stop = new AbortController()
    const following = followEvents(rds, async () => sources, {
      intervalMs: 1000,
      now: () => at(100),
      onEvents() {},
      onPollFailed: (error) => failures.push((error as Error).message),
      signal: stop.signal,
      async sleep() {
        if (++sleeps > 5) stop.abort()
      },
      start: at(0),
    })
    await expect(following).rejects.toThrow('not authorized')
    expect(failures).toEqual([])
  })
})

describe('rendering', () => {
  const plain = new Ansis(0)
  const event: ClusterEvent = {
    categories: ['failover'],
    message: 'Started cross AZ failover to DB instance: nba-tracker-dev-reader',
    sourceArn: null,
    sourceId: 'nba-tracker-dev',
    sourceType: 'db-cluster',
    time: '2026-11-30T17:03:12.345Z',
  }

  it('prints one line an event: UTC time, source, category, message', () => {
    expect(formatEventTime(event.time)).toBe('2026-11-30 17:03:12Z')
    const columns = eventColumns([event], sources)
    expect(renderEventLine(event, columns, plain)).toBe(
      `2026-11-30 17:03:12Z  cluster   ${'nba-tracker-dev'.padEnd('nba-tracker-dev-writer'.length)}  failover  Started cross AZ failover to DB instance: nba-tracker-dev-reader`,
    )
  })

  it('names the sources read', () => {
    expect(describeSources(sources)).toBe('nba-tracker-dev and its 2 instances')
    expect(describeSources({...sources, snapshotIds: ['s']})).toBe('nba-tracker-dev, its 2 instances and 1 snapshot')
    expect(describeSources({...sources, includeCluster: false, snapshotIds: ['a', 'b']})).toBe(
      "nba-tracker-dev's 2 instances and 2 snapshots",
    )
    expect(describeSources({...sources, instanceIds: []})).toBe('nba-tracker-dev')
  })
})
