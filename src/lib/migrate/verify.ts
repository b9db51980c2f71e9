import type {Client} from 'pg'

import {type ObjectCounts, objectCounts, qualified, type TableRef} from './inventory.js'

export type VerifyMode = 'checksum' | 'count' | 'none'

/**
 * Settings pinned on both sides before hashing row text, so the same row renders the same way
 * whatever each server's defaults are.
 */
export const pinnedSettings = [
  `SET TimeZone = 'UTC'`,
  `SET DateStyle = 'ISO, YMD'`,
  `SET IntervalStyle = 'postgres'`,
  // Any positive value gives the shortest exact float text on PostgreSQL 12 and later.
  `SET extra_float_digits = 1`,
  `SET bytea_output = 'hex'`,
]

/**
 * Per-table row count, and with checksum an order-independent hash: the sum of each row's 64-bit
 * hash (as numeric, so it cannot overflow). It streams through the table in constant memory (never string_agg, which runs out
 * past 1 GB), and ONLY keeps partitions from being counted twice through their parents.
 */
export function tableSql(table: TableRef, mode: VerifyMode, sameMajor: boolean): string {
  if (mode !== 'checksum') return `SELECT count(*)::bigint AS rows, NULL::text AS hash FROM ONLY ${qualified(table)}`
  // Across major versions a row's text can differ (float and interval output); jsonb text is stable.
  const rowText = sameMajor ? 't::text' : 'to_jsonb(t)::text'
  // hashtextextended (PostgreSQL 11+) is a 64-bit hash several times cheaper than md5 per row.
  return `SELECT count(*)::bigint AS rows, coalesce(sum(hashtextextended(${rowText}, 0)), 0)::text AS hash FROM ONLY ${qualified(table)} AS t`
}

export interface TableComparison {
  match: boolean
  source: {hash: null | string; rows: number}
  table: string
  target: {hash: null | string; rows: number}
}

export interface SequenceComparison {
  match: boolean
  note?: string
  sequence: string
  source: {isCalled: boolean; lastValue: string}
  target: null | {isCalled: boolean; lastValue: string}
}

export interface VerifyReport {
  match: boolean
  mode: VerifyMode
  objects: {match: boolean; source: ObjectCounts; target: ObjectCounts}
  sequences: SequenceComparison[]
  tables: TableComparison[]
}

/** Connections for one side: the source's are all inside the exported snapshot. */
export interface VerifySide {
  clients: Client[]
}

/** Runs `work` over `items` with one worker per client, each client used by one query at a time. */
async function inParallel<T, R>(clients: Client[], items: T[], work: (client: Client, item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = Array.from({length: items.length})
  let next = 0
  await Promise.all(
    clients.map(async (client) => {
      while (next < items.length) {
        const index = next++
        // eslint-disable-next-line no-await-in-loop
        results[index] = await work(client, items[index]!)
      }
    }),
  )
  return results
}

export async function verifyMigration(
  source: VerifySide,
  target: VerifySide,
  options: {mode: VerifyMode; onTable?: (done: number, total: number) => void; sameMajor: boolean; schemas: string[]; sequences: Array<{name: string; schema: string}>; tables: TableRef[];},
): Promise<VerifyReport> {
  for (const client of [...source.clients, ...target.clients]) {
    // eslint-disable-next-line no-await-in-loop
    for (const statement of pinnedSettings) await client.query(statement)
  }

  let done = 0
  const count = async (client: Client, table: TableRef) => {
    const {rows} = await client.query<{hash: null | string; rows: string}>(tableSql(table, options.mode, options.sameMajor))
    return {hash: rows[0]!.hash, rows: Number(rows[0]!.rows)}
  }

  // Tables are spread over the connections; each table is counted on both sides at once.
  const pairs = source.clients.map((client, index) => ({source: client, target: target.clients[index % target.clients.length]!}))
  const tables = await inParallel(
    pairs.map((pair) => pair.source),
    options.tables,
    async (sourceClient, table) => {
      const pair = pairs.find((item) => item.source === sourceClient)!
      // A table missing on the target counts as -1 rows there: a mismatch, not a crash.
      const [sourceResult, targetResult] = await Promise.all([count(pair.source, table), count(pair.target, table).catch(() => ({hash: null, rows: -1}))])
      options.onTable?.(++done, options.tables.length)
      return {
        match: sourceResult.rows === targetResult.rows && sourceResult.hash === targetResult.hash,
        source: sourceResult,
        table: qualified(table),
        target: targetResult,
      }
    },
  )

  // Few and cheap: one at a time, on the first connection of each side (one query per connection at a time).
  const sequences: SequenceComparison[] = []
  for (const sequence of options.sequences) {
    const sql = `SELECT last_value::text AS last_value, is_called FROM ${qualified(sequence)}`
    // eslint-disable-next-line no-await-in-loop
    const sourceRow = (await source.clients[0]!.query<{is_called: boolean; last_value: string}>(sql)).rows[0]!
    // eslint-disable-next-line no-await-in-loop
    const targetRow = await target.clients[0]!.query<{is_called: boolean; last_value: string}>(sql).then(
      (result) => result.rows[0]!,
      () => null,
    )
    // Sequences are not transactional: the snapshot does not hold them still, and pg_dump copies the value it read
    // at dump time. A source sequence that moved on since is a live source, not a lost value; a target ahead of the
    // source, or a missing one, is a real difference.
    const exact = targetRow !== null && targetRow.last_value === sourceRow.last_value && targetRow.is_called === sourceRow.is_called
    const advanced = targetRow !== null && BigInt(sourceRow.last_value) > BigInt(targetRow.last_value)
    sequences.push({
      match: exact || advanced,
      note: advanced ? 'the source sequence advanced during the migration (sequences are not transactional)' : undefined,
      sequence: qualified(sequence),
      source: {isCalled: sourceRow.is_called, lastValue: sourceRow.last_value},
      target: targetRow && {isCalled: targetRow.is_called, lastValue: targetRow.last_value},
    })
  }

  const [sourceCounts, targetCounts] = await Promise.all([objectCounts(source.clients[0]!, options.schemas), objectCounts(target.clients[0]!, options.schemas)])
  const objectsMatch = JSON.stringify(sourceCounts) === JSON.stringify(targetCounts)
  return {
    match: objectsMatch && tables.every((table) => table.match) && sequences.every((sequence) => sequence.match),
    mode: options.mode,
    objects: {match: objectsMatch, source: sourceCounts, target: targetCounts},
    sequences,
    tables,
  }
}
