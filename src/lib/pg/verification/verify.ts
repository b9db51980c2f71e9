import type {Client} from 'pg'

import {quoteIdentifier} from '../sql.js'
import {noFilter, type TableFilter} from './filter.js'
import {guarded, type ObjectCounts, objectCounts, qualified, readSequence, type TableRef} from './inventory.js'

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
 * Built-in types whose values are equal only when their text under the pinned settings is equal, with
 * the type's own 64-bit hash function. Hashing these skips building the row's text, which is most of
 * the cost (on pgbench_accounts, 2.6 s for text hashes against 0.4-0.7 s typed, one core). Anything not listed (numeric,
 * floats, jsonb, arrays, enums, domains, dates, bytea...) is hashed through its text, which keeps
 * differences that equality would hide: 1.0 against 1.00, -0 against 0, an enum's label not its OID.
 */
const typedHashes: Record<string, (column: string, seed: number) => string> = {
  'pg_catalog.bool': (column, seed) => `hashint4extended(${column}::int, ${seed})`,
  'pg_catalog.bpchar': (column, seed) => `hashbpcharextended(${column} COLLATE "C", ${seed})`,
  'pg_catalog.int2': (column, seed) => `hashint2extended(${column}, ${seed})`,
  'pg_catalog.int4': (column, seed) => `hashint4extended(${column}, ${seed})`,
  'pg_catalog.int8': (column, seed) => `hashint8extended(${column}, ${seed})`,
  'pg_catalog.name': (column, seed) => `hashnameextended(${column}, ${seed})`,
  'pg_catalog.oid': (column, seed) => `hashoidextended(${column}, ${seed})`,
  // COLLATE "C" hashes the bytes: a nondeterministic collation would hash 'A' and 'a' alike.
  'pg_catalog.text': (column, seed) => `hashtextextended(${column} COLLATE "C", ${seed})`,
  'pg_catalog.time': (column, seed) => `time_hash_extended(${column}, ${seed})`,
  'pg_catalog.timestamp': (column, seed) => `timestamp_hash_extended(${column}, ${seed})`,
  'pg_catalog.timestamptz': (column, seed) => `timestamp_hash_extended(${column} AT TIME ZONE 'UTC', ${seed})`,
  'pg_catalog.uuid': (column, seed) => `uuid_hash_extended(${column}, ${seed})`,
  'pg_catalog.varchar': (column, seed) => `hashtextextended(${column} COLLATE "C", ${seed})`,
}

/**
 * One 64-bit hash of a row: each column hashed with a seed of its own position (so values swapped
 * between columns do not cancel), NULL given a constant of its own, the columns combined with XOR.
 */
export function rowHashSql(table: TableRef): string {
  if (table.columns.length === 0) return '0::bigint'
  return table.columns
    .map((column, index) => {
      const reference = `t.${quoteIdentifier(column.name)}`
      const seed = index + 1
      const typed = typedHashes[column.type]
      return `coalesce(${typed ? typed(reference, seed) : `hashtextextended(${reference}::text COLLATE "C", ${seed})`}, ${-seed})`
    })
    .join(' # ')
}

/**
 * Per-table row count, and with checksum an order-independent hash: the sum of each row's 64-bit
 * hash (as numeric, so it cannot overflow). It streams through the table in constant memory (never
 * string_agg, which runs out past 1 GB), and ONLY keeps partitions from being counted twice through
 * their parents. The expression is built from the source's columns and run on both sides.
 */
export function tableSql(table: TableRef, mode: VerifyMode, sameMajor: boolean): string {
  if (mode !== 'checksum') return `SELECT count(*)::bigint AS rows, NULL::text AS hash FROM ONLY ${qualified(table)}`
  // Across major versions a type's hash function or text output may change; jsonb text is stable.
  const rowHash = sameMajor ? rowHashSql(table) : 'hashtextextended(to_jsonb(t)::text, 0)'
  return `SELECT count(*)::bigint AS rows, coalesce(sum(${rowHash}), 0)::text AS hash FROM ONLY ${qualified(table)} AS t`
}

export interface TableComparison {
  match: boolean
  source: TableMeasure
  table: string
  target: TableMeasure
}

export interface SequenceComparison {
  match: boolean
  note?: string
  sequence: string
  /** null when the sequence could not be read on the source: `sourceError` says why. */
  source: null | {isCalled: boolean; lastValue: string}
  sourceError?: string
  target: null | {isCalled: boolean; lastValue: string}
  targetError?: string
}

export interface VerifyReport {
  match: boolean
  mode: VerifyMode
  /** Counts of what pg_dump copies under the filter; a null field is not compared (see ObjectCounts). */
  objects: {match: boolean; source: ObjectCounts; target: ObjectCounts}
  sequences: SequenceComparison[]
  tables: TableComparison[]
}

/** Connections for one side. */
export interface VerifySide {
  clients: Client[]
  /**
   * The connections are inside a transaction (the source's always are: REPEATABLE READ in the dump's
   * snapshot): each table is read in a savepoint, so one that fails does not abort the transaction.
   */
  inTransaction?: boolean
}

export interface TableMeasure {
  /** Why the table could not be read on this side (missing, no privilege...): the server's error text. */
  error?: string
  hash: null | string
  /** -1 when the table could not be read. */
  rows: number
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

/** Pins the settings that shape row text, on every connection of one side. */
export async function pinSettings(clients: Client[]): Promise<void> {
  await Promise.all(clients.map((client) => client.query(pinnedSettings.join('; '))))
}

/**
 * Counts (and with checksum hashes) every table on one side, spread over its connections. A table
 * that cannot be read there (missing on the target, no privilege) measures -1 rows with the server's
 * error: a mismatch, not a crash, and every other table is still measured.
 */
export async function measureTables(
  side: VerifySide,
  tables: TableRef[],
  options: {mode: VerifyMode; onTable?: () => void; sameMajor: boolean},
): Promise<TableMeasure[]> {
  await pinSettings(side.clients)
  return inParallel(side.clients, tables, async (client, table) => {
    const read = await guarded(client, side.inTransaction ?? false, async () => {
      const {rows} = await client.query<{hash: null | string; rows: string}>(tableSql(table, options.mode, options.sameMajor))
      return {hash: rows[0]!.hash, rows: Number(rows[0]!.rows)}
    })
    options.onTable?.()
    return read.error === undefined ? read.value : {error: read.error, hash: null, rows: -1}
  })
}

/**
 * Compares both sides. A side's `measured` may have started earlier (the source's during the copy, inside the
 * snapshot: it does not depend on the copy, so its half of the work is off the clock), or come from the copy
 * itself (migrate's parallel path: the rows each COPY sent and stored); a side without it is measured here.
 */
export async function verifyMigration(
  source: VerifySide & {measured?: Promise<TableMeasure[]>},
  target: VerifySide & {measured?: Promise<TableMeasure[]>},
  options: {
    filter?: TableFilter
    mode: VerifyMode
    onTable?: (done: number, total: number) => void
    sameMajor: boolean
    sequences: Array<{name: string; schema: string}>
    tables: TableRef[]
  },
): Promise<VerifyReport> {
  let done = 0
  const onTable = () => options.onTable?.(++done, options.tables.length)
  const [sourceTables, targetTables] = await Promise.all([
    source.measured ?? measureTables(source, options.tables, {mode: options.mode, sameMajor: options.sameMajor}),
    target.measured ?? measureTables(target, options.tables, {mode: options.mode, onTable, sameMajor: options.sameMajor}),
  ])
  const tables: TableComparison[] = options.tables.map((table, index) => {
    const sourceResult = sourceTables[index]!
    const targetResult = targetTables[index]!
    return {
      match:
        sourceResult.error === undefined &&
        targetResult.error === undefined &&
        sourceResult.rows === targetResult.rows &&
        sourceResult.hash === targetResult.hash,
      source: sourceResult,
      table: qualified(table),
      target: targetResult,
    }
  })

  // Few and cheap: one at a time, on the first connection of each side (one query per connection at a time).
  const sequences: SequenceComparison[] = []
  for (const sequence of options.sequences) {
    // eslint-disable-next-line no-await-in-loop
    const sourceRead = await readSequence(source.clients[0]!, sequence, {inTransaction: source.inTransaction})
    // eslint-disable-next-line no-await-in-loop
    const targetRead = await readSequence(target.clients[0]!, sequence, {inTransaction: target.inTransaction})
    const sourceRow = sourceRead.value
    const targetRow = targetRead.value
    // Sequences are not transactional: the snapshot does not hold them still, and pg_dump copies the value it read
    // at dump time. A source sequence that moved on since is a live source, not a lost value; a target ahead of the
    // source, or a missing one, is a real difference.
    const exact =
      sourceRow !== null && targetRow !== null && targetRow.lastValue === sourceRow.lastValue && targetRow.isCalled === sourceRow.isCalled
    const advanced = sourceRow !== null && targetRow !== null && BigInt(sourceRow.lastValue) > BigInt(targetRow.lastValue)
    sequences.push({
      match: exact || advanced,
      note: advanced ? 'the source sequence advanced during the migration (sequences are not transactional)' : undefined,
      sequence: qualified(sequence),
      source: sourceRow,
      sourceError: sourceRead.error,
      target: targetRow,
      targetError: targetRead.error,
    })
  }

  const filter = options.filter ?? noFilter
  const [sourceCounts, targetCounts] = await Promise.all([
    objectCounts(source.clients[0]!, filter),
    objectCounts(target.clients[0]!, filter),
  ])
  const objectsMatch = JSON.stringify(sourceCounts) === JSON.stringify(targetCounts)
  return {
    match: objectsMatch && tables.every((table) => table.match) && sequences.every((sequence) => sequence.match),
    mode: options.mode,
    objects: {match: objectsMatch, source: sourceCounts, target: targetCounts},
    sequences,
    tables,
  }
}
