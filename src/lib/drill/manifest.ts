import type {Client} from 'pg'

import {readFile, writeFile} from 'node:fs/promises'

import {AuroraError, badInput} from '../cli/errors.js'
import {
  listSequences,
  listTables,
  type ObjectCounts,
  objectCounts,
  qualified,
  readSequence,
  type TableRef,
} from '../pg/verification/inventory.js'
import {measureTables} from '../pg/verification/verify.js'

/**
 * What a snapshot should hold, written by `snapshot create --manifest`: exact per-table row counts
 * (and checksums), sequences, object counts and the server version, read in one transaction. A drill
 * checks its restored copy against it, so it proves the snapshot's data, not today's.
 */
export interface SnapshotManifest {
  cluster: string
  database: string
  /**
   * A cluster snapshot cannot be tied to a PostgreSQL transaction snapshot. The manifest is read in
   * one REPEATABLE READ transaction just before the snapshot is requested; it is exact when no
   * transaction id was handed out between that transaction's start and the snapshot request's
   * return, and no writing transaction was in flight at its start (one that commits later is in the
   * snapshot but not in the manifest): the transaction snapshot's xip list and next-xid tell both.
   */
  exactness: {detail: string; exact: boolean; inProgressAtStart: number; nextXidAfter: string; nextXidBefore: string}
  format: 'auroractl-snapshot-manifest/1'
  mode: 'checksum' | 'count'
  objects: ObjectCounts
  postgresVersion: string
  sequences: Array<{isCalled: boolean; lastValue: string; name: string; schema: string; sequence: string}>
  snapshotId: string
  tables: Array<{columns: TableRef['columns']; hash: null | string; name: string; rows: number; schema: string; table: string}>
  takenAt: string
}

export type ManifestDraft = Omit<SnapshotManifest, 'exactness' | 'snapshotId'> & {inProgressAtStart: number; nextXidBefore: string}

const nextXidSql = `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid`

/** Reads the counts in one read-only transaction. Call `completeManifest` once the snapshot request returned. */
export async function readManifest(client: Client, options: {cluster: string; mode: 'checksum' | 'count'}): Promise<ManifestDraft> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  try {
    const {rows} = await client.query<{database: string; in_progress: number; next_xid: string; now: Date; version: string}>(
      `SELECT current_database() AS database, current_setting('server_version') AS version, now() AS now,
              pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid, (SELECT count(*) FROM pg_snapshot_xip(pg_current_snapshot()))::int AS in_progress`,
    )
    const tables = await listTables(client)
    // Each table and sequence is read in a savepoint: one the user cannot read is reported with its error, and the others are still read.
    const measured = await measureTables({clients: [client], inTransaction: true}, tables, {mode: options.mode, sameMajor: true})
    const sequences = await listSequences(client)
    const sequenceReads: Array<Awaited<ReturnType<typeof readSequence>>> = []
    for (const sequence of sequences) {
      // eslint-disable-next-line no-await-in-loop
      sequenceReads.push(await readSequence(client, sequence, {inTransaction: true}))
    }

    // A table or sequence recorded as unreadable would fail every drill against the manifest: refuse, naming each with its error.
    const unreadable = [
      ...tables.flatMap((table, index) =>
        measured[index]!.error === undefined ? [] : [`${qualified(table)} (${measured[index]!.error})`],
      ),
      ...sequences.flatMap((sequence, index) =>
        sequenceReads[index]!.error === undefined ? [] : [`sequence ${qualified(sequence)} (${sequenceReads[index]!.error})`],
      ),
    ]
    if (unreadable.length > 0) {
      throw new AuroraError(
        'UNEXPECTED',
        `Cannot read ${unreadable.length} object(s) as the secret's user: ${unreadable.join(', ')}; no manifest was written and no snapshot taken.`,
        {
          hint: 'Grant SELECT on them to that user, or take the snapshot without --manifest.',
        },
      )
    }

    const sequenceValues = sequences.map((sequence, index) => ({
      ...sequenceReads[index]!.value!,
      name: sequence.name,
      schema: sequence.schema,
      sequence: qualified(sequence),
    }))
    const objects = await objectCounts(client)
    return {
      cluster: options.cluster,
      database: rows[0]!.database,
      format: 'auroractl-snapshot-manifest/1',
      inProgressAtStart: rows[0]!.in_progress,
      mode: options.mode,
      nextXidBefore: rows[0]!.next_xid,
      objects,
      postgresVersion: rows[0]!.version,
      sequences: sequenceValues,
      tables: tables.map((table, index) => ({
        columns: table.columns,
        hash: measured[index]!.hash,
        name: table.name,
        rows: measured[index]!.rows,
        schema: table.schema,
        table: qualified(table),
      })),
      takenAt: rows[0]!.now.toISOString(),
    }
  } finally {
    await client.query('COMMIT')
  }
}

/** After the snapshot request returned: did anything write since the manifest's transaction began? */
export async function completeManifest(client: Client, draft: ManifestDraft, snapshotId: string): Promise<SnapshotManifest> {
  const {rows} = await client.query<{next_xid: string}>(nextXidSql)
  const after = rows[0]!.next_xid
  const handedOut = BigInt(after) - BigInt(draft.nextXidBefore)
  const {inProgressAtStart, nextXidBefore, ...manifest} = draft
  const exact = handedOut === 0n && inProgressAtStart === 0
  const reasons = [
    ...(handedOut > 0n ? [`${handedOut} transaction id(s) were handed out between the manifest and the snapshot request`] : []),
    ...(inProgressAtStart > 0 ? [`${inProgressAtStart} writing transaction(s) were in flight when the manifest began`] : []),
  ]
  return {
    ...manifest,
    exactness: {
      detail: exact
        ? 'exact: no transaction wrote between the manifest and the snapshot request'
        : `approximate: ${reasons.join(', and ')}; what they wrote may be in the snapshot but not in the manifest`,
      exact,
      inProgressAtStart,
      nextXidAfter: after,
      nextXidBefore,
    },
    snapshotId,
  }
}

export async function writeManifest(file: string, manifest: SnapshotManifest): Promise<void> {
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`)
}

export async function loadManifest(file: string, flag = '--manifest'): Promise<SnapshotManifest> {
  let parsed: SnapshotManifest
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as SnapshotManifest
  } catch (error) {
    throw badInput(`${flag} ${file} cannot be read as JSON: ${(error as Error).message.split('\n')[0]}`)
  }

  if (parsed?.format !== 'auroractl-snapshot-manifest/1' || !Array.isArray(parsed.tables)) {
    throw badInput(`${flag} ${file} is not a snapshot manifest (written by \`auroractl snapshot create --manifest\`).`)
  }

  return parsed
}
