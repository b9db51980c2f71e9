import * as Flags from '@oclif/core/flags'

import type {ClusterEvent, EventCategory, EventSourceKind, EventSources, EventWindow} from '../lib/events.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {parseDuration, parseIsoTime} from '../lib/cli/duration.js'
import {AuroraError, toRenderedError} from '../lib/cli/errors.js'
import {requireCluster} from '../lib/target/target.js'

export interface EventsOutput {
  categories: EventCategory[] | null
  cluster: string
  events: ClusterEvent[]
  sources: {cluster: boolean; instances: string[]; snapshots: null | string[]}
  window: {end: string; start: string}
}

const retentionMs = 14 * 86_400_000

export default class Events extends BaseCommand<typeof Events> {
  static override description = `The RDS events of the cluster and its instances (and with --source snapshots, its cluster snapshots), oldest
first, times in UTC: failovers, failures, maintenance, restarts, scaling, snapshots, creation and deletion. One
DescribeEvents per source (paginated), concurrently. RDS keeps events 14 days. --follow polls for new events until
Ctrl-C; with --json it prints one JSON object per event and line (NDJSON), the one exception to one JSON document.
Replaces \`aws rds describe-events --source-type db-cluster --source-identifier ... --duration 1440\`, once per instance.`
  static override examples = [
    '<%= config.bin %> events',
    '<%= config.bin %> events --since 2h --category failover,failure',
    '<%= config.bin %> events --start 2026-11-28T02:00:00Z --end 2026-11-28T04:00:00Z --source all',
    '<%= config.bin %> events --follow --category failover',
    '<%= config.bin %> events --since 7d --category configuration-change --json',
  ]
  static override flags = {
    category: Flags.string({
      description:
        'Only these categories (repeatable, or a comma list): availability, backup, configuration change (or configuration-change), creation, deletion, failover, failure, maintenance, notification, recovery, restoration, ...',
      multiple: true,
    }),
    end: Flags.string({
      dependsOn: ['start'],
      description: 'End of the window: an ISO time with a zone (default now)',
      exclusive: ['follow'],
    }),
    follow: Flags.boolean({description: 'Keep polling and print new events as they come, until Ctrl-C'}),
    interval: Flags.string({default: '10s', description: 'With --follow: time between polls (e.g. 5s, 1m; 1s to 5m)'}),
    since: Flags.string({default: '24h', description: 'Window ending now (e.g. 30m, 24h, 7d; at most 14d)', exclusive: ['start']}),
    source: Flags.string({
      default: ['cluster', 'instances'],
      description: 'Whose events (repeatable): the cluster, its instances, its cluster snapshots, or all',
      multiple: true,
      options: ['cluster', 'instances', 'snapshots', 'all'],
    }),
    start: Flags.string({
      description: 'Start of the window: an ISO time with a zone, e.g. 2026-11-28T02:00:00Z (within the last 14 days)',
    }),
  }
  static override summary = "The cluster's and its instances' RDS events, oldest first"

  async run(): Promise<EventsOutput | undefined> {
    const {flags} = this
    const {describeWindow, parseCategories, planEventWindow, resolveEventSources} = await import('../lib/events.js')
    const categories = parseCategories(flags.category)
    const startMs = flags.start === undefined ? undefined : parseIsoTime(flags.start, '--start').getTime()
    const endMs = flags.end === undefined ? undefined : parseIsoTime(flags.end, '--end').getTime()
    const sinceMs = startMs === undefined ? parseDuration(flags.since, '--since', {maxMs: retentionMs, minMs: 60_000}) : undefined
    const intervalMs = parseDuration(flags.interval, '--interval', {maxMs: 300_000, minMs: 1000})
    const window = planEventWindow({endMs, sinceMs, startMs}, new Date())
    const kinds: EventSourceKind[] = flags.source.includes('all')
      ? ['cluster', 'instances', 'snapshots']
      : (flags.source as EventSourceKind[])
    const clusterId = requireCluster(await this.target())
    const rds = await (await this.aws()).rds()
    const sources = await resolveEventSources(rds, clusterId, kinds)
    if (flags.follow) {
      // New events will not come for a cluster that is gone: the cluster's own error, naming the ones that exist.
      if (!sources.clusterFound) await this.clusterNotFound(clusterId)
      await this.follow(sources, {categories, intervalMs, kinds, window})
      return undefined
    }

    const {fetchEvents} = await import('../lib/events.js')
    const events = await fetchEvents(rds, sources, {categories, window})
    if (!sources.clusterFound) {
      if (events.length === 0) await this.clusterNotFound(clusterId)
      process.stderr.write(
        `${this.colour.yellow('Note:')} cluster ${clusterId} no longer exists (or is in another region): these are the events recorded under its name.\n`,
      )
    }

    if (!this.jsonEnabled()) {
      const hint = sinceMs === retentionMs ? '' : ' RDS keeps events 14 days: try --since 14d.'
      await this.render(events, sources, `No events for %s in ${describeWindow(window, sinceMs)}.${hint}`)
    }

    return {
      categories: categories ?? null,
      cluster: clusterId,
      events,
      sources: {cluster: sources.includeCluster, instances: sources.instanceIds, snapshots: sources.snapshotIds},
      window: {end: window.end.toISOString(), start: window.start.toISOString()},
    }
  }

  /** Throws describeCluster's not-found error (exit 3), whose hint lists the clusters that do exist. */
  private async clusterNotFound(clusterId: string): Promise<never> {
    const {describeCluster} = await import('../lib/aws/rds.js')
    await describeCluster(await (await this.aws()).rds(), clusterId)
    throw new AuroraError('CLUSTER_NOT_FOUND', `Cluster "${clusterId}" was not found.`)
  }

  private async follow(
    initial: EventSources,
    options: {categories?: EventCategory[]; intervalMs: number; kinds: EventSourceKind[]; window: EventWindow},
  ): Promise<void> {
    const [{followEvents, resolveEventSources}, render] = await Promise.all([
      import('../lib/events.js'),
      import('../lib/cli/render/events.js'),
    ])
    const rds = await (await this.aws()).rds()
    const columns = render.eventColumns([], initial, render.followCategoryWidth)
    if (!this.jsonEnabled()) {
      process.stderr.write(
        `${this.colour.dim(`Events of ${render.describeSources(initial)} since ${render.formatEventTime(options.window.start.toISOString())}, then new ones every ${options.intervalMs / 1000}s, times in UTC (Ctrl-C to stop):`)}\n`,
      )
    }

    let sources = initial
    let first = true
    await this.interruptibly((signal) =>
      followEvents(
        rds,
        async () => {
          // The first poll uses the sources just read; later ones read them again (an instance added meanwhile).
          if (!first) sources = await resolveEventSources(rds, initial.clusterId, options.kinds)
          first = false
          return sources
        },
        {
          categories: options.categories,
          intervalMs: options.intervalMs,
          onEvents: (events) => {
            for (const event of events) {
              process.stdout.write(`${this.jsonEnabled() ? JSON.stringify(event) : render.renderEventLine(event, columns, this.colour)}\n`)
            }
          },
          onPollFailed: (error) => {
            process.stderr.write(`${this.colour.yellow('Warning:')} a poll failed, trying again: ${toRenderedError(error).message}\n`)
          },
          signal,
          start: options.window.start,
        },
      ),
    )
  }

  /** `none` is what to say when there are no events; %s stands for the sources. */
  private async render(events: ClusterEvent[], sources: EventSources, none: string): Promise<void> {
    const render = await import('../lib/cli/render/events.js')
    if (events.length === 0) {
      this.log(none.replace('%s', render.describeSources(sources)))
      return
    }

    process.stderr.write(`${this.colour.dim(`Events of ${render.describeSources(sources)}, times in UTC:`)}\n`)
    this.log(render.renderEventLines(events, render.eventColumns(events, sources), this.colour))
  }
}
