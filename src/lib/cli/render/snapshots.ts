import Table from 'cli-table3'

import type {SnapshotSummary} from '../../snapshots.js'
import type {Palette} from './colour.js'

import {formatAge} from './text.js'

export function renderSnapshotTable(snapshots: SnapshotSummary[], colour: Palette): string {
  const table = new Table({head: ['Snapshot', 'Type', 'Status', 'Created', 'Size', 'Created by', 'Reason'], style: {border: [], head: []}})
  for (const snapshot of snapshots) {
    const status =
      snapshot.status === 'available'
        ? colour.green(snapshot.status)
        : colour.yellow(`${snapshot.status ?? '?'} ${snapshot.percentProgress ?? 0}%`)
    table.push([
      snapshot.id,
      snapshot.type,
      status,
      snapshot.ageHours === null ? '-' : formatAge(snapshot.ageHours),
      snapshot.sizeGiB === null ? '-' : `${snapshot.sizeGiB} GiB`,
      snapshot.createdBy ?? '-',
      snapshot.reason ?? '',
    ])
  }

  return table.toString()
}
