import type {Check, CheckOutcome} from '../types.js'

import {oneLine} from '../../cli/terminal.js'
import {classifyConnectError, connectFailureHint} from '../../pg/errors.js'
import {type DoctorFacts} from '../facts.js'
import {gradeConnections, gradeHitRate, gradeSequence, gradeWraparound, thresholds} from '../grading.js'
import {formatThreshold} from '../thresholds.js'
import {fail, ok, warn} from '../types.js'

/** The SQL each check runs, named and kept beside the code that reads its columns. */
export const doctorSql = {
  auth: `SELECT 1 AS one, current_setting('server_version_num')::int AS version_num, current_user AS user`,
  blocking: `
    SELECT blocked.pid AS blocked_pid, left(blocked.query, 60) AS blocked_query,
           coalesce(blocked.application_name, '') AS blocked_app, coalesce(blocked.datname, '') AS database,
           blocking.pid AS blocking_pid, left(blocking.query, 60) AS blocking_query,
           coalesce(blocking.application_name, '') AS blocking_app
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
  // Any state: a transaction left open between statements holds its locks and its snapshot as surely as a long query.
  longTransactions: `
    SELECT pid, usename AS user, coalesce(application_name, '') AS app, coalesce(state, '') AS state,
           round(extract(epoch FROM now() - xact_start))::int AS seconds, left(query, 80) AS query
    FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
      AND now() - xact_start > make_interval(secs => $1)
    ORDER BY xact_start`,
  sequences: `
    SELECT schemaname || '.' || sequencename AS name, last_value::numeric AS last, min_value::numeric AS min, max_value::numeric AS max
    FROM pg_sequences
    WHERE last_value IS NOT NULL AND increment_by > 0`,
  wraparound: `SELECT datname AS database, age(datfrozenxid)::bigint AS age FROM pg_database ORDER BY age(datfrozenxid) DESC LIMIT 1`,
} as const

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
    return {...(status === 'ok' ? ok(detail) : {detail, hint, status}), value: used / max}
  },
  timeoutMs: 10_000,
  valueKind: 'share',
}

type Session = {pid: number; query: string; seconds: number; user: string}

function sessionsOutcome(rows: Session[], what: string, hint: string): CheckOutcome {
  if (rows.length === 0) return {...ok(`none ${what}`), value: 0}
  return {
    ...warn(
      `${rows.length} session(s) ${what}`,
      hint,
      rows.map((row) => `pid ${row.pid} (${row.user}, ${row.seconds}s): ${oneLine(row.query)}`),
    ),
    value: rows.length,
  }
}

const asDuration = (seconds: number) => formatThreshold('duration', seconds)

export const dbLongQueries: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.long-queries',
  layer: 'db',
  async run(facts) {
    const limit = facts.threshold(dbLongQueries)
    const {rows} = await facts.query<Session>(doctorSql.longQueries, [limit])
    return sessionsOutcome(
      rows,
      `active for over ${asDuration(limit)}`,
      `See them with \`auroractl ps --min-duration ${asDuration(limit)}\` (EXPLAIN the query); end one with \`auroractl kill PID\`.`,
    )
  },
  threshold: {default: thresholds.longRunningSeconds, description: 'warn when a query has been running longer than this', kind: 'duration'},
  timeoutMs: 10_000,
  // How many sessions are past the threshold: it moves only when the situation does.
  valueKind: 'count',
}

export const dbLongTransactions: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.long-transactions',
  layer: 'db',
  async run(facts) {
    const limit = facts.threshold(dbLongTransactions)
    const {rows} = await facts.query<Session & {app: string; state: string}>(doctorSql.longTransactions, [limit])
    if (rows.length === 0) return {...ok(`no transaction open for over ${asDuration(limit)}`), value: 0}
    return {
      ...warn(
        `${rows.length} transaction(s) open for over ${asDuration(limit)}, the oldest for ${asDuration(rows[0]!.seconds)}`,
        `They hold their locks and keep vacuum from removing dead rows: see them with \`auroractl ps --min-duration ${asDuration(limit)}\`, end one with \`auroractl kill PID\`, and fix the code that leaves them open.`,
        rows.map(
          (row) =>
            `pid ${row.pid} (${row.user}, app "${row.app}", ${row.state || 'unknown state'}, open ${asDuration(row.seconds)}): ${oneLine(row.query)}`,
        ),
      ),
      value: rows.length,
    }
  },
  threshold: {
    default: thresholds.longRunningSeconds,
    description: 'warn when a transaction has been open longer than this (any state)',
    kind: 'duration',
  },
  timeoutMs: 10_000,
  // How many sessions are past the threshold: it moves only when the situation does.
  valueKind: 'count',
}

export const dbIdleInTransaction: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.idle-in-transaction',
  layer: 'db',
  async run(facts) {
    const limit = facts.threshold(dbIdleInTransaction)
    const {rows} = await facts.query<Session>(doctorSql.idleInTransaction, [limit])
    return sessionsOutcome(
      rows,
      `idle in a transaction for over ${asDuration(limit)}`,
      `They hold locks and block vacuum: end them with \`auroractl killall --idle-in-transaction ${asDuration(limit)}\` (one: \`auroractl kill PID\`), and fix the application or set idle_in_transaction_session_timeout.`,
    )
  },
  threshold: {
    default: thresholds.longRunningSeconds,
    description: 'warn when a session has been idle in a transaction longer than this',
    kind: 'duration',
  },
  timeoutMs: 10_000,
  // How many sessions are past the threshold: it moves only when the situation does.
  valueKind: 'count',
}

export const dbBlocking: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.blocking',
  layer: 'db',
  async run(facts) {
    const {rows} = await facts.query<{
      blocked_app: string
      blocked_pid: number
      blocked_query: string
      blocking_app: string
      blocking_pid: number
      blocking_query: string
      database: string
    }>(doctorSql.blocking)
    if (rows.length === 0) return {...ok('no session waits for a lock'), value: 0}
    const waiting = new Set(rows.map((row) => row.blocked_pid)).size
    return {
      ...warn(
        `${waiting} session(s) wait for locks`,
        'See the chain with `auroractl locks`; if the session at its root is stuck, end it with `auroractl kill --root-blocker` (or `auroractl kill PID`).',
        // The database and the applications say whose sessions these are: the server's locks span every database.
        rows.map(
          (row) =>
            `pid ${row.blocked_pid} (${oneLine(row.blocked_query)}) waits for pid ${row.blocking_pid} (${oneLine(row.blocking_query)}) ` +
            `in database "${row.database}", apps "${row.blocked_app}" and "${row.blocking_app}"`,
        ),
      ),
      value: waiting,
    }
  },
  timeoutMs: 10_000,
  valueKind: 'count',
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
    const outcome: CheckOutcome =
      status === 'ok'
        ? ok(detail)
        : {
            detail,
            hint: 'Autovacuum is behind: VACUUM (FREEZE) the oldest tables, and look for long transactions holding it back (db.long-transactions).',
            status,
          }
    return {...outcome, value: age}
  },
  timeoutMs: 10_000,
  valueKind: 'count',
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
    const minimum = facts.threshold(dbHitRate)
    const detail = `cache hit rate ${((hits / total) * 100).toFixed(2)}% over ${total.toLocaleString('en-US')} block reads`
    const outcome =
      gradeHitRate(hits, reads, minimum) === 'ok'
        ? ok(detail)
        : warn(
            `${detail}, below ${formatThreshold('share', minimum)}`,
            'The working set outgrows memory: raise min ACU (auroractl scale --min), or add indexes to cut reads.',
          )
    return {...outcome, value: hits / total}
  },
  threshold: {default: thresholds.hitRateWarn, description: 'warn when the buffer cache hit rate is below this', kind: 'share'},
  timeoutMs: 10_000,
}

export const dbSequences: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.sequences',
  layer: 'db',
  async run(facts) {
    const {rows} = await facts.query<{last: string; max: string; min: string; name: string}>(doctorSql.sequences)
    const used = rows.map((row) => ({name: row.name, share: (Number(row.last) - Number(row.min)) / (Number(row.max) - Number(row.min))}))
    const limit = facts.threshold(dbSequences)
    const value = Math.max(0, ...used.map((sequence) => sequence.share))
    const nearEnd = used.filter((sequence) => gradeSequence(sequence.share, limit) === 'warn')
    if (nearEnd.length === 0) return {...ok(`${rows.length} sequence(s), none past ${formatThreshold('share', limit)} of its range`), value}
    return {
      ...warn(
        `${nearEnd.length} sequence(s) past ${formatThreshold('share', limit)} of their range`,
        'Move the column to bigint (ALTER TABLE ... ALTER COLUMN ... TYPE bigint) before inserts start failing.',
        nearEnd.map((sequence) => `${sequence.name}: ${(sequence.share * 100).toFixed(1)}% used`),
      ),
      value,
    }
  },
  threshold: {
    default: thresholds.sequenceWarn,
    description: "warn when a sequence has used more than this share of its type's range",
    kind: 'share',
  },
  timeoutMs: 10_000,
}
