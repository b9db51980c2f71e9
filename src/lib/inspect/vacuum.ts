import {type Query, type Scope, userSchemas} from './scope.js'

/**
 * Vacuum and analyze state per table: dead rows, when (auto)vacuum and (auto)analyze last ran, the point at which
 * autovacuum starts on each table (its own reloptions, else the server's settings), and its transaction id age.
 * Counters come from the statistics system, which PostgreSQL 15 flushes about once a second; they are per instance.
 */
export const vacuumSql = `
  SELECT n.nspname AS schema, c.relname AS table, pg_total_relation_size(c.oid) AS bytes,
         s.n_live_tup::bigint AS live_rows, s.n_dead_tup::bigint AS dead_rows, s.n_mod_since_analyze::bigint AS modified_since_analyze,
         s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
         greatest(c.reltuples, 0)::float8 AS reltuples,
         current_setting('autovacuum')::bool AND coalesce(o.enabled::bool, true) AS autovacuum_enabled,
         coalesce(o.vacuum_threshold, current_setting('autovacuum_vacuum_threshold'))::float8 AS vacuum_threshold,
         coalesce(o.vacuum_scale_factor, current_setting('autovacuum_vacuum_scale_factor'))::float8 AS vacuum_scale_factor,
         coalesce(o.analyze_threshold, current_setting('autovacuum_analyze_threshold'))::float8 AS analyze_threshold,
         coalesce(o.analyze_scale_factor, current_setting('autovacuum_analyze_scale_factor'))::float8 AS analyze_scale_factor,
         age(c.relfrozenxid)::bigint AS xid_age,
         coalesce(o.freeze_max_age, current_setting('autovacuum_freeze_max_age'))::bigint AS freeze_max_age
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_stat_all_tables s ON s.relid = c.oid
  LEFT JOIN LATERAL (
    SELECT max(option_value) FILTER (WHERE option_name = 'autovacuum_enabled') AS enabled,
           max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_threshold') AS vacuum_threshold,
           max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_scale_factor') AS vacuum_scale_factor,
           max(option_value) FILTER (WHERE option_name = 'autovacuum_analyze_threshold') AS analyze_threshold,
           max(option_value) FILTER (WHERE option_name = 'autovacuum_analyze_scale_factor') AS analyze_scale_factor,
           max(option_value) FILTER (WHERE option_name = 'autovacuum_freeze_max_age') AS freeze_max_age
    FROM pg_options_to_table(c.reloptions)
  ) o ON true
  WHERE c.relkind IN ('r', 'm') AND ${userSchemas('n', 1)}`

/** Fewer dead rows than this are not worth a warning, whatever autovacuum does (doctor's db.autovacuum default). */
export const defaultMinDeadRows = 10_000

export interface VacuumRow {
  /** Rows changed since the last analyze past the point autovacuum analyzes. */
  analyzeDue: boolean
  /** Autovacuum on for this table: the server's `autovacuum` and the table's `autovacuum_enabled`. */
  autovacuumEnabled: boolean
  /** Autovacuum is not keeping up with this table (see autovacuumBehind). */
  behind: boolean
  bytes: number
  deadRows: number
  /** Dead rows as a share of live and dead, 0..1. */
  deadShare: number
  /** Past autovacuum_freeze_max_age: an anti-wraparound vacuum is due (it runs even with autovacuum off). */
  freezeDue: boolean
  freezeMaxAge: number
  lastAnalyze: null | string
  lastAutoanalyze: null | string
  lastAutovacuum: null | string
  lastVacuum: null | string
  liveRows: number
  modifiedSinceAnalyze: number
  schema: string
  table: string
  /** Dead rows are past that point. */
  vacuumDue: boolean
  /** Dead rows at which autovacuum starts on it: threshold + scale factor x rows. */
  vacuumTrigger: number
  /** Transactions since the table was last frozen, age(relfrozenxid). */
  xidAge: number
}

export interface VacuumReport {
  /** The server's `autovacuum` setting. */
  autovacuum: boolean
  database: string
  /** Tables autovacuum is behind on first, then those due, then by dead rows. */
  rows: VacuumRow[]
}

/**
 * Autovacuum is behind on a table when enough dead rows (`minDeadRows`) sit past its trigger and either autovacuum is
 * off for it, or they are twice the trigger: autovacuum starts within a naptime (a minute) of the trigger, so twice
 * means it cannot keep up (too few workers, a cost limit too low) or a long transaction keeps it from removing them.
 */
export function autovacuumBehind(
  row: Pick<VacuumRow, 'autovacuumEnabled' | 'deadRows' | 'vacuumTrigger'>,
  minDeadRows: number = defaultMinDeadRows,
): boolean {
  if (row.deadRows < minDeadRows || row.deadRows <= row.vacuumTrigger) return false
  return !row.autovacuumEnabled || row.deadRows >= 2 * row.vacuumTrigger
}

type Timestamp = Date | null
type Row = {
  analyze_scale_factor: number
  analyze_threshold: number
  autovacuum_enabled: boolean
  bytes: string
  dead_rows: string
  freeze_max_age: string
  last_analyze: Timestamp
  last_autoanalyze: Timestamp
  last_autovacuum: Timestamp
  last_vacuum: Timestamp
  live_rows: string
  modified_since_analyze: string
  reltuples: number
  schema: string
  table: string
  vacuum_scale_factor: number
  vacuum_threshold: number
  xid_age: string
}

const iso = (time: Timestamp) => time?.toISOString() ?? null

export function vacuumRow(row: Row, minDeadRows: number = defaultMinDeadRows): VacuumRow {
  const [live, dead, modified] = [Number(row.live_rows), Number(row.dead_rows), Number(row.modified_since_analyze)]
  const vacuumTrigger = Math.round(row.vacuum_threshold + row.vacuum_scale_factor * row.reltuples)
  const analyzeTrigger = row.analyze_threshold + row.analyze_scale_factor * row.reltuples
  const fields = {autovacuumEnabled: row.autovacuum_enabled, deadRows: dead, vacuumTrigger}
  return {
    ...fields,
    analyzeDue: modified > analyzeTrigger,
    behind: autovacuumBehind(fields, minDeadRows),
    bytes: Number(row.bytes),
    deadShare: live + dead > 0 ? Math.round((dead / (live + dead)) * 1000) / 1000 : 0,
    freezeDue: Number(row.xid_age) > Number(row.freeze_max_age),
    freezeMaxAge: Number(row.freeze_max_age),
    lastAnalyze: iso(row.last_analyze),
    lastAutoanalyze: iso(row.last_autoanalyze),
    lastAutovacuum: iso(row.last_autovacuum),
    lastVacuum: iso(row.last_vacuum),
    liveRows: live,
    modifiedSinceAnalyze: modified,
    schema: row.schema,
    table: row.table,
    vacuumDue: dead > vacuumTrigger,
    xidAge: Number(row.xid_age),
  }
}

/** `inspect vacuum`, and doctor's db.autovacuum (with its threshold as `minDeadRows`). */
export async function inspectVacuum(query: Query, database: string, scope: Scope & {minDeadRows?: number}): Promise<VacuumReport> {
  const {rows} = await query<Row>(vacuumSql, [scope.schema ?? null])
  const {rows: setting} = await query<{on: boolean}>(`SELECT current_setting('autovacuum')::bool AS on`)
  const tables = rows
    .map((row) => vacuumRow(row, scope.minDeadRows))
    .sort(
      (a, b) =>
        Number(b.behind) - Number(a.behind) ||
        Number(b.vacuumDue) - Number(a.vacuumDue) ||
        b.deadRows - a.deadRows ||
        b.xidAge - a.xidAge ||
        a.table.localeCompare(b.table),
    )
  return {autovacuum: setting[0]!.on, database, rows: scope.limit === undefined ? tables : tables.slice(0, scope.limit)}
}
