import type {ClusterEvent, EventSources} from '../../events.js'
import type {Palette} from './colour.js'

/** The short name of each source type on an event line. */
const sourceLabels: Record<string, string> = {
  'db-cluster': 'cluster',
  'db-cluster-snapshot': 'snapshot',
  'db-instance': 'instance',
}

export interface EventColumns {
  category: number
  sourceId: number
}

/** "2026-11-30T17:03:12.345Z" -> "2026-11-30 17:03:12Z": UTC, so lines from a laptop and a bastion agree. */
export function formatEventTime(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')}Z`
}

/** "configuration change": the widest common category, the category column's width when the events are not known yet. */
export const followCategoryWidth = 20

/**
 * Column widths that fit the events and the sources known now; lines printed later by --follow use the
 * same widths (a longer id pushes its own line only).
 */
export function eventColumns(events: ClusterEvent[], sources?: EventSources, minCategory = 8): EventColumns {
  const ids = [...events.map((event) => event.sourceId), ...(sources ? [sources.clusterId, ...sources.instanceIds] : [])]
  const categories = events.map((event) => event.categories.join(', '))
  return {
    category: Math.min(24, Math.max(minCategory, ...categories.map((text) => text.length))),
    sourceId: Math.min(48, Math.max(...ids.map((id) => id.length), 2)),
  }
}

/** One line an event: time (UTC), source, category, message. */
export function renderEventLine(event: ClusterEvent, columns: EventColumns, colour: Palette): string {
  const label = (sourceLabels[event.sourceType] ?? event.sourceType).padEnd(8)
  const categories = event.categories.join(', ').padEnd(columns.category)
  const tinted = event.categories.includes('failure')
    ? colour.red(categories)
    : event.categories.some((category) => ['availability', 'failover', 'recovery'].includes(category))
      ? colour.yellow(categories)
      : categories
  return [colour.dim(formatEventTime(event.time)), label, event.sourceId.padEnd(columns.sourceId), tinted, event.message].join('  ')
}

export function renderEventLines(events: ClusterEvent[], columns: EventColumns, colour: Palette): string {
  return events.map((event) => renderEventLine(event, columns, colour)).join('\n')
}

/** "nba-tracker-dev and its 2 instances", "nba-tracker-dev, its 2 instances and 14 snapshots". */
export function describeSources(sources: EventSources): string {
  const parts = [
    ...(sources.includeCluster ? [sources.clusterId] : []),
    ...(sources.instanceIds.length > 0 ? [plural(sources.instanceIds.length, 'instance')] : []),
    ...(sources.snapshotIds ? [plural(sources.snapshotIds.length, 'snapshot')] : []),
  ]
  if (!sources.includeCluster && parts.length > 0) parts[0] = `${sources.clusterId}'s ${parts[0]}`
  else if (parts.length > 1) parts[1] = `its ${parts[1]}`
  if (parts.length === 0) return `${sources.clusterId} (no instances)`
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`
