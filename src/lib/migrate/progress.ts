import type {Client} from 'pg'

import {formatDuration} from '../cli/duration.js'
import {formatBytes} from './format.js'

/** What COPY is doing on the target right now (PostgreSQL 14+), per table. */
export const copyProgressSql = `
  SELECT datname AS database, relid::int AS relid, tuples_processed::bigint AS rows, bytes_processed::bigint AS bytes
  FROM pg_stat_progress_copy WHERE datname = $1 OR datname LIKE $2`

/**
 * Samples pg_stat_progress_copy on the target while the copy runs and reports per-table rows and
 * bytes, an overall share and an ETA. The total is the source's heap size, so the share is an
 * estimate (COPY text is not the on-disk size); it is labelled as one.
 */
export function watchCopyProgress(
  client: Client,
  options: {
    database: string
    intervalMs?: number
    nameOf: (database: string, relid: number) => Promise<string>
    onUpdate: (line: string) => void
    totalBytes: number
  },
): () => void {
  const started = performance.now()
  const finished = new Map<string, number>()
  const current = new Map<string, number>()
  let stopped = false
  let busy = false
  const timer = setInterval(async () => {
    if (stopped || busy) return
    busy = true
    try {
      // The parallel path restores into a scratch copy named after the target.
      const {rows: raw} = await client.query<{bytes: string; database: string; relid: number; rows: string}>(copyProgressSql, [
        options.database,
        `${options.database.slice(0, 40)}\\_\\_auroractl\\_%`,
      ])
      // Table oids mean something only inside their database: ask there for the names.
      // Inside the one-transaction restore a new table is not visible to other sessions yet: its oid is all there is.
      const rows = await Promise.all(
        raw.map(async (row) => {
          const name = await options.nameOf(row.database, row.relid).catch(() => '')
          return {...row, table: /^\d*$/.test(name) ? 'a new table' : name}
        }),
      )
      // A table that left the view has finished copying.
      for (const [table, bytes] of current) if (!rows.some((row) => row.table === table)) finished.set(table, bytes)
      current.clear()
      for (const row of rows) current.set(row.table, Number(row.bytes))
      const done = [...finished.values(), ...current.values()].reduce((sum, bytes) => sum + bytes, 0)
      const share = options.totalBytes > 0 ? Math.min(0.99, done / options.totalBytes) : 0
      const elapsedMs = performance.now() - started
      const eta = share > 0.02 ? ` ETA ~${formatDuration((elapsedMs / share) * (1 - share))}` : ''
      const tables = rows.map((row) => `${row.table} ${Number(row.rows).toLocaleString('en-US')} rows`).join(', ')
      const idle = done === 0 ? 'dumping the source' : 'no COPY running (indexes, constraints)'
      options.onUpdate(
        `Copying: ${tables || idle}; ${formatBytes(done)} of ~${formatBytes(options.totalBytes)} (~${Math.round(share * 100)}%)${eta}`,
      )
    } catch {
      // Progress is a courtesy: a failed sample must not fail the migration.
    } finally {
      busy = false
    }
  }, options.intervalMs ?? 1000)
  return () => {
    stopped = true
    clearInterval(timer)
  }
}
