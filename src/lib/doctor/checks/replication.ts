import type {Check, CheckStatus} from '../types.js'

import {type DoctorFacts} from '../facts.js'
import {gradeReplicationSlot, type ReplicationSlot, thresholds} from '../grading.js'
import {formatThreshold} from '../thresholds.js'

/**
 * Every replication slot with the WAL it holds back. A reader (in recovery) has no current WAL position
 * of its own, so it reports none rather than failing the query.
 */
export const replicationSlotsSql = `
  SELECT slot_name AS name, slot_type AS type, database, active, wal_status,
         CASE WHEN pg_is_in_recovery() OR restart_lsn IS NULL THEN NULL
              ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint END AS retained_bytes
  FROM pg_replication_slots
  ORDER BY slot_name`

interface SlotRow {
  active: boolean
  database: null | string
  name: string
  retained_bytes: null | string
  type: string
  wal_status: null | string
}

interface GradedSlot extends ReplicationSlot {
  database: null | string
  name: string
  status: CheckStatus
  type: string
}

const size = (bytes: number) => formatThreshold('bytes', bytes)

function describeSlot(slot: GradedSlot): string {
  const parts = [
    slot.database ? `${slot.type} on ${slot.database}` : slot.type,
    slot.active ? 'active' : 'inactive',
    slot.retainedBytes === null ? 'reserves no WAL' : `holds back ${size(slot.retainedBytes)} of WAL`,
  ]
  if (slot.walStatus === 'lost' || slot.walStatus === 'unreserved') parts.push(`wal_status ${slot.walStatus}`)
  return `${slot.name} (${parts.join(', ')})`
}

function summarise(flagged: GradedSlot[], total: number, limit: number): string {
  const count = (test: (slot: GradedSlot) => boolean) => flagged.filter((slot) => test(slot)).length
  const reasons = [
    [count((slot) => slot.walStatus === 'lost'), 'lost the WAL it needs'],
    [count((slot) => slot.walStatus === 'unreserved'), 'about to lose the WAL it needs'],
    [count((slot) => !slot.active), 'inactive'],
    [count((slot) => (slot.retainedBytes ?? 0) > limit), `holding back over ${size(limit)} of WAL`],
  ] as const
  const said = reasons.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`)
  return `${flagged.length} of ${total} replication slot(s) need attention: ${said.join(', ')}`
}

export const dbReplicationSlots: Check<DoctorFacts> = {
  dependsOn: ['db.auth'],
  id: 'db.replication-slots',
  layer: 'db',
  async run(facts) {
    const limit = facts.threshold(dbReplicationSlots)
    const {rows} = await facts.query<SlotRow>(replicationSlotsSql)
    const slots: GradedSlot[] = rows.map((row) => {
      const slot = {
        active: row.active,
        retainedBytes: row.retained_bytes === null ? null : Number(row.retained_bytes),
        walStatus: row.wal_status,
      }
      return {...slot, database: row.database, name: row.name, status: gradeReplicationSlot(slot, limit), type: row.type}
    })
    const value = Math.max(0, ...slots.map((slot) => slot.retainedBytes ?? 0))
    if (slots.length === 0) return {detail: 'no replication slots', status: 'ok', value}
    const flagged = slots.filter((slot) => slot.status !== 'ok')
    if (flagged.length === 0) {
      return {detail: `${slots.length} replication slot(s), all active, the most WAL held back ${size(value)}`, status: 'ok', value}
    }

    return {
      detail: summarise(flagged, slots.length, limit),
      hint:
        'A slot keeps WAL until its consumer reads it: an inactive or lagging one grows storage without limit, and on Aurora ' +
        'Serverless a logical slot keeps the cluster from scaling down. Restart its consumer, or drop a slot no longer used: ' +
        `SELECT pg_drop_replication_slot('${flagged[0]!.name}'). A lost slot cannot resume: drop it and re-sync its consumer.`,
      items: flagged.map((slot) => describeSlot(slot)),
      status: flagged.some((slot) => slot.status === 'fail') ? 'fail' : 'warn',
      value,
    }
  },
  threshold: {
    default: thresholds.replicationSlotRetainedBytes,
    description: 'warn when a replication slot holds back more WAL than this; fail when an inactive one does',
    kind: 'bytes',
  },
  timeoutMs: 10_000,
}
