import type {Check, CheckOutcome} from '../types.js'

import {classifyConnectError, connectFailureHint} from '../../pg/errors.js'
import {type DoctorFacts} from '../facts.js'
import {gradeConnections, gradeHitRate, gradeSequence, gradeWraparound, thresholds} from '../grading.js'
import {fail, ok, warn} from '../types.js'

/** The SQL each check runs, named and kept beside the code that reads its columns. */
export const doctorSql = {
  auth: `SELECT 1 AS one, current_setting('server_version_num')::int AS version_num, current_user AS user`,
  blocking: `
    SELECT blocked.pid AS blocked_pid, left(blocked.query, 60) AS blocked_query,
           blocking.pid AS blocking_pid, left(blocking.query, 60) AS blocking_query
    FROM pg_stat_activity blocked
    JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS holder(pid) ON true
    JOIN pg_stat_activity blocking ON blocking.pid = holder.pid
    ORDER BY blocked.pid`,
  connections: `
    SELECT count(*) FILTER (WHERE backend_type = 'client backend')::int AS used,
           current_setting('max_connections')::int AS max
    FROM pg_stat_activity`,
  hitRate: `SELECT blks_hit::bigint AS hits, blks_read::bigint AS reads FROM pg_stat_database WHERE datname = current_database()`,
  idleInTransaction: `
    SELECT pid, usename AS user, round(extract(epoch FROM now() - state_change))::int AS seconds, left(query, 80) AS query
    FROM pg_stat_activity
    WHERE state IN ('idle in transaction', 'idle in transaction (aborted)') AND pid <> pg_backend_pid()
      AND now() - state_change > make_interval(secs => $1)
    ORDER BY state_change`,
  longQueries: `
    SELECT pid, usename AS user, round(extract(epoch FROM now() - query_start))::int AS seconds, left(query, 80) AS query
    FROM pg_stat_activity
    WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
      AND now() - query_start > make_interval(secs => $1)
    ORDER BY query_start`,
  sequences: `
    SELECT schemaname || '.' || sequencename AS name, last_value::numeric AS last, min_value::numeric AS min, max_value::numeric AS max
    FROM pg_sequences
    WHERE last_value IS NOT NULL AND increment_by > 0`,
  wraparound: `SELECT datname AS database, age(datfrozenxid)::bigint AS age FROM pg_database ORDER BY age(datfrozenxid) DESC LIMIT 1`,
} as const

const oneLine = (text: string) => text.replaceAll(/\s+/g, ' ').trim()

export const dbAuth: Check<DoctorFacts> = {
  dependsOn: ['network.tcp'],
  id: 'db.auth',
  layer: 'db',
  async run(facts) {
    const started = performance.now()
    try {
      await facts.db()
    } catch (error) {
      // Blame what failed: a refused certificate has its own next step (the CA, the endpoint, --via), a network
      // failure the path; only a refused password or user points at the secret (pg/errors.ts decides which).
      const {code, hint} = error as {code?: string; hint?: string}
      const failure = classifyConnectError(error)
      return fail((error as Error).message, code === 'TLS_UNVERIFIED' && hint ? hint : connectFailureHint(failure))
    }

    const connectMs = Math.round(performance.now() - started)
    const roundTrip = performance.now()
    const {rows} = await facts.query<{user: string; version_num: number}>(doctorSql.auth)
    const ms = Math.round(performance.now() - roundTrip)
    const serverMajor = Math.floor(rows[0]!.version_num / 10_000)
    const engineVersion = (await facts.cluster()).EngineVersion ?? ''
    const detail = `logged in as ${rows[0]!.user} in ${connectMs} ms, SELECT 1 in ${ms} ms, server ${serverMajor}.${rows[0]!.version_num % 10_000}`
    if (String(serverMajor) !== engineVersion.split('.')[0]) {
      return warn(`${detail}, but the cluster reports ${engineVersion}`, 'Is this the right database? Check --via and the endpoint map.')
    }

    return ok(`${detail} (cluster ${engineVersion})`)
  },
  timeoutMs: 15_000,
}

export const dbConnections: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.connections',
  layer: 'db',
  async run(facts) {
    const {rows} = await facts.query<{max: number; used: number}>(doctorSql.connections)
    const {max, used} = rows[0]!
    const detail = `${used} of ${max} connections (${Math.round((used / max) * 100)}%)`
    const status = gradeConnections(used, max)
    const hint = 'Pool connections in the application; max_connections grows with max ACU (auroractl scale --max).'
    return status === 'ok' ? ok(detail) : {detail, hint, status}
  },
  timeoutMs: 10_000,
}

type Session = {pid: number; query: string; seconds: number; user: string}

function sessionsOutcome(rows: Session[], what: string, hint: string): CheckOutcome {
  if (rows.length === 0) return ok(`none ${what}`)
  return warn(
    `${rows.length} session(s) ${what}`,
    hint,
    rows.map((row) => `pid ${row.pid} (${row.user}, ${row.seconds}s): ${oneLine(row.query)}`),
  )
}

export const dbLongQueries: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.long-queries',
  layer: 'db',
  async run(facts) {
    const {rows} = await facts.query<Session>(doctorSql.longQueries, [facts.options.queryAgeSeconds ?? thresholds.longRunningSeconds])
    return sessionsOutcome(
      rows,
      `active for over ${facts.options.queryAgeSeconds ?? thresholds.longRunningSeconds}s`,
      'Look at them with EXPLAIN; stop one with SELECT pg_cancel_backend(pid).',
    )
  },
  timeoutMs: 10_000,
}

export const dbIdleInTransaction: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.idle-in-transaction',
  layer: 'db',
  async run(facts) {
    const {rows} = await facts.query<Session>(doctorSql.idleInTransaction, [facts.options.queryAgeSeconds ?? thresholds.longRunningSeconds])
    return sessionsOutcome(
      rows,
      `idle in a transaction for over ${facts.options.queryAgeSeconds ?? thresholds.longRunningSeconds}s`,
      'They hold locks and block vacuum: fix the application, set idle_in_transaction_session_timeout, or SELECT pg_terminate_backend(pid).',
    )
  },
  timeoutMs: 10_000,
}

export const dbBlocking: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.blocking',
  layer: 'db',
  async run(facts) {
    const {rows} = await facts.query<{blocked_pid: number; blocked_query: string; blocking_pid: number; blocking_query: string}>(
      doctorSql.blocking,
    )
    if (rows.length === 0) return ok('no session waits for a lock')
    return warn(
      `${rows.length} session(s) wait for locks`,
      'End the blocker if it is stuck: SELECT pg_terminate_backend(<blocking pid>).',
      rows.map(
        (row) =>
          `pid ${row.blocked_pid} (${oneLine(row.blocked_query)}) waits for pid ${row.blocking_pid} (${oneLine(row.blocking_query)})`,
      ),
    )
  },
  timeoutMs: 10_000,
}

export const dbWraparound: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.wraparound',
  layer: 'db',
  async run(facts) {
    const {rows} = await facts.query<{age: string; database: string}>(doctorSql.wraparound)
    const age = Number(rows[0]!.age)
    const detail = `oldest transaction id age ${age.toLocaleString('en-US')} (${rows[0]!.database}); wraparound at 2.1 billion`
    const status = gradeWraparound(age)
    return status === 'ok'
      ? ok(detail)
      : {detail, hint: 'Autovacuum is behind: VACUUM (FREEZE) the oldest tables, and look for long transactions holding it back.', status}
  },
  timeoutMs: 10_000,
}

export const dbHitRate: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.hit-rate',
  layer: 'db',
  async run(facts) {
    const {rows} = await facts.query<{hits: string; reads: string}>(doctorSql.hitRate)
    const [hits, reads] = [Number(rows[0]?.hits ?? 0), Number(rows[0]?.reads ?? 0)]
    const total = hits + reads
    if (total < thresholds.hitRateMinimumReads) return ok(`${total} block reads so far: too few to grade the cache hit rate`)
    const detail = `cache hit rate ${((hits / total) * 100).toFixed(2)}% over ${total.toLocaleString('en-US')} block reads`
    return gradeHitRate(hits, reads) === 'ok'
      ? ok(detail)
      : warn(detail, 'The working set outgrows memory: raise min ACU (auroractl scale --min), or add indexes to cut reads.')
  },
  timeoutMs: 10_000,
}

export const dbSequences: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.sequences',
  layer: 'db',
  async run(facts) {
    const {rows} = await facts.query<{last: string; max: string; min: string; name: string}>(doctorSql.sequences)
    const used = rows.map((row) => ({name: row.name, share: (Number(row.last) - Number(row.min)) / (Number(row.max) - Number(row.min))}))
    const nearEnd = used.filter((sequence) => gradeSequence(sequence.share) === 'warn')
    if (nearEnd.length === 0) return ok(`${rows.length} sequence(s), none past ${thresholds.sequenceWarn * 100}% of its range`)
    return warn(
      `${nearEnd.length} sequence(s) past ${thresholds.sequenceWarn * 100}% of their range`,
      'Move the column to bigint (ALTER TABLE ... ALTER COLUMN ... TYPE bigint) before inserts start failing.',
      nearEnd.map((sequence) => `${sequence.name}: ${(sequence.share * 100).toFixed(1)}% used`),
    )
  },
  timeoutMs: 10_000,
}
