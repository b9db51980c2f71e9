import type {Query} from '../../pg/query.js'
import type {Check} from '../types.js'

import {formatAge, formatBytes, formatCount, formatPercent} from '../../cli/render/text.js'
import {bloatName, inspectBloat, isBloated} from '../../inspect/bloat.js'
import {
  defaultUnusedIndexMinBytes,
  findDuplicateIndexes,
  indexName,
  indexUsage,
  isUnused,
  minTableScansForUnused,
} from '../../inspect/indexes.js'
import {qualifiedName} from '../../inspect/scope.js'
import {schemaSizes, unloggedTables} from '../../inspect/sizes.js'
import {autovacuumBehind, defaultMinDeadRows, inspectVacuum, type VacuumRow} from '../../inspect/vacuum.js'
import {type DoctorFacts} from '../facts.js'
import {ok, warn} from '../types.js'

/**
 * The checks Heroku's pg:diagnose has and `auroractl inspect` reports in full: they grade the same facts with the same
 * SQL (src/lib/inspect), on doctor's shared connection, and each hint names the inspect command that shows the rest.
 * Each threshold keeps noise out: a tiny table's bloat, an index on a table nobody has read yet.
 */
const sql = (facts: DoctorFacts): Query => facts.query.bind(facts)
const mib = 1024 * 1024

export const dbBloat: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.bloat',
  layer: 'db',
  async run(facts) {
    const minWaste = facts.threshold(dbBloat)
    const report = await inspectBloat(sql(facts), '', {})
    // The graded number: the largest waste among relations at least half waste (smaller shares are the estimate's noise).
    const value = Math.max(0, ...report.rows.filter((row) => isBloated(row, 0)).map((row) => row.wasteBytes))
    const bloated = report.rows.filter((row) => isBloated(row, minWaste))
    const unestimated =
      report.withoutStatistics.length > 0
        ? `; ${report.withoutStatistics.length} table(s) without visible statistics not estimated (ANALYZE them)`
        : ''
    if (bloated.length === 0) {
      return {
        ...ok(
          `estimated waste ${formatBytes(report.totalWasteBytes)} in all; no table or index wastes ${formatBytes(minWaste)} and half its size${unestimated}`,
        ),
        value,
      }
    }

    return {
      ...warn(
        `${bloated.length} table(s) or index(es) waste ${formatBytes(minWaste)} or more, over half their size (a statistics-based estimate)${unestimated}`,
        'See `auroractl inspect bloat`, then `auroractl inspect vacuum` for why; rebuild a table with pg_repack (or VACUUM FULL, which locks it), an index with REINDEX INDEX CONCURRENTLY.',
        bloated.map(
          (row) =>
            `${bloatName(row)}: ${formatBytes(row.wasteBytes)} of ${formatBytes(row.bytes)} (${formatPercent(row.wasteShare)}) is waste`,
        ),
      ),
      value,
    }
  },
  threshold: {
    default: 100 * mib,
    description: 'warn when a table or index wastes at least this much by the estimate (and at least half its size)',
    kind: 'bytes',
  },
  timeoutMs: 20_000,
}

export const dbUnusedIndexes: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.unused-indexes',
  layer: 'db',
  async run(facts) {
    const minBytes = facts.threshold(dbUnusedIndexes)
    const unused = (await indexUsage(sql(facts))).filter((index) => isUnused(index))
    // Only tables read often enough to tell count: an index on a table created minutes ago is not unused yet.
    const judged = unused.filter((index) => index.tableScans >= minTableScansForUnused)
    const flagged = judged.filter((index) => index.bytes >= minBytes)
    const value = Math.max(0, ...judged.map((index) => index.bytes))
    if (flagged.length === 0) {
      const rest = unused.length > 0 ? ` (${unused.length} smaller, or on tables read under ${minTableScansForUnused} times)` : ''
      return {...ok(`no index of ${formatBytes(minBytes)} or more went unscanned${rest}`), value}
    }

    const total = flagged.reduce((sum, index) => sum + index.bytes, 0)
    return {
      ...warn(
        `${flagged.length} index(es) never scanned since statistics were reset, ${formatBytes(total)} in all`,
        'Counters are per instance: make sure no reader (and no monthly job) uses them, then DROP INDEX CONCURRENTLY; see `auroractl inspect indexes`.',
        flagged.map(
          (index) =>
            `${indexName(index)} on ${index.table}: ${formatBytes(index.bytes)}, 0 scans while the table was read ${formatCount(index.tableScans)} times`,
        ),
      ),
      value,
    }
  },
  threshold: {
    default: defaultUnusedIndexMinBytes,
    description: `warn about an index never scanned once it is this large (on a table read at least ${minTableScansForUnused} times)`,
    kind: 'bytes',
  },
  timeoutMs: 20_000,
}

export const dbDuplicateIndexes: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.duplicate-indexes',
  layer: 'db',
  async run(facts) {
    // Any duplicate warns, whatever its size: it is never useful, every write pays for it, and dropping it is safe.
    const duplicates = findDuplicateIndexes(await indexUsage(sql(facts)))
    const value = duplicates.reduce((sum, group) => sum + group.redundantBytes, 0)
    if (duplicates.length === 0) return {...ok('no two indexes on the same columns'), value}
    return {
      ...warn(
        `${duplicates.length} index(es) duplicated, ${formatBytes(value)} redundant`,
        'Drop the copies: DROP INDEX CONCURRENTLY name (one that backs a constraint goes with ALTER TABLE ... DROP CONSTRAINT); see `auroractl inspect indexes`.',
        duplicates.map(
          (group) =>
            `${qualifiedName(group.schema, group.table)}: ${group.redundant.map((index) => `${index.index} (${formatBytes(index.bytes)})`).join(', ')} duplicate(s) ${group.keep}`,
        ),
      ),
      value,
    }
  },
  timeoutMs: 20_000,
  valueKind: 'bytes',
}

export const dbUnloggedTables: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.unlogged-tables',
  layer: 'db',
  async run(facts) {
    const tables = await unloggedTables(sql(facts))
    if (tables.length === 0) return {...ok('no unlogged tables'), value: 0}
    return {
      ...warn(
        `${tables.length} unlogged table(s)`,
        'On Aurora an unlogged table is readable only on the writer (readers get "cannot access temporary or unlogged relations during recovery"), is left out of logical replication, and saves little: ALTER TABLE ... SET LOGGED (rewrites it under an exclusive lock) unless it holds scratch data. See `auroractl inspect sizes`.',
        tables.map((table) => `${table.name} (${formatBytes(table.bytes)})`),
      ),
      value: tables.length,
    }
  },
  timeoutMs: 10_000,
  valueKind: 'count',
}

export const dbSchemas: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.schemas',
  layer: 'db',
  async run(facts) {
    const limit = facts.threshold(dbSchemas)
    const schemas = await schemaSizes(sql(facts))
    const tables = schemas.reduce((sum, schema) => sum + schema.tables, 0)
    const detail = `${schemas.length} schema(s), ${formatCount(tables)} table(s)`
    if (schemas.length <= limit) return {...ok(detail), value: schemas.length}
    return {
      ...warn(
        `${detail}: more than ${limit}`,
        'A schema per tenant multiplies the catalog: every connection caches it, and pg_dump, migrate and snapshot manifests slow down with it. See `auroractl inspect sizes` for each schema.',
      ),
      value: schemas.length,
    }
  },
  threshold: {default: 50, description: 'warn when the database has more schemas than this (besides the system ones)', kind: 'count'},
  timeoutMs: 10_000,
}

function lastAutovacuum(row: VacuumRow, now: Date): string {
  if (!row.autovacuumEnabled) return 'autovacuum off for it'
  if (!row.lastAutovacuum) return 'never autovacuumed'
  return `last autovacuum ${formatAge((now.getTime() - Date.parse(row.lastAutovacuum)) / 3_600_000)}`
}

export const dbAutovacuum: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.autovacuum',
  layer: 'db',
  async run(facts) {
    const minDeadRows = facts.threshold(dbAutovacuum)
    const report = await inspectVacuum(sql(facts), '', {minDeadRows})
    const behind = report.rows.filter((row) => autovacuumBehind(row, 0))
    const flagged = behind.filter((row) => row.deadRows >= minDeadRows)
    const value = Math.max(0, ...behind.map((row) => row.deadRows))
    const off = report.rows.filter((row) => !row.autovacuumEnabled).length
    const hint =
      'See `auroractl inspect vacuum`. Where it is off, turn it back on (ALTER TABLE ... RESET (autovacuum_enabled)) and VACUUM; where it is on, look for long transactions holding it back (doctor db.long-queries, db.idle-in-transaction), then raise autovacuum_vacuum_cost_limit.'
    if (!report.autovacuum) return {...warn('autovacuum is off on the server', hint), value}
    if (flagged.length === 0) {
      const offNote = off > 0 ? `; off on ${off} table(s)` : ''
      return {...ok(`autovacuum keeps up: no table has ${formatCount(minDeadRows)}+ dead rows it should have removed${offNote}`), value}
    }

    return {
      ...warn(
        `autovacuum is behind on ${flagged.length} table(s)`,
        hint,
        flagged.map(
          (row) =>
            `${qualifiedName(row.schema, row.table)}: ${formatCount(row.deadRows)} dead rows (${formatPercent(row.deadShare)}; autovacuum starts at ${formatCount(row.vacuumTrigger)}), ${lastAutovacuum(row, facts.now)}`,
        ),
      ),
      value,
    }
  },
  threshold: {
    default: defaultMinDeadRows,
    description: 'warn when a table autovacuum is behind on (off for it, or twice past its trigger) has at least this many dead rows',
    kind: 'count',
  },
  timeoutMs: 10_000,
}
