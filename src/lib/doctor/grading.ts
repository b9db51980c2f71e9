import type {CheckStatus} from './types.js'

/** Pure thresholds, one per graded measurement, so each can be unit-tested at its edges. */
export const thresholds = {
  automatedSnapshotMaxAgeHours: 26,
  backupRetentionDays: 7,
  certificateWarnDays: 30,
  connectionsFail: 0.9,
  connectionsWarn: 0.75,
  hitRateMinimumReads: 10_000,
  hitRateWarn: 0.99,
  longRunningSeconds: 60,
  replicationSlotRetainedBytes: 1024 ** 3,
  sequenceWarn: 0.75,
  wraparoundFail: 1_000_000_000,
  wraparoundWarn: 200_000_000,
} as const

export function gradeConnections(used: number, max: number): CheckStatus {
  const share = used / max
  if (share >= thresholds.connectionsFail) return 'fail'
  if (share >= thresholds.connectionsWarn) return 'warn'
  return 'ok'
}

export function gradeBackupRetention(days: number): CheckStatus {
  return days < thresholds.backupRetentionDays ? 'warn' : 'ok'
}

/** Transaction id age: autovacuum forces freezing at 200 million; past a billion, wraparound is near. */
export function gradeWraparound(age: number): CheckStatus {
  if (age >= thresholds.wraparoundFail) return 'fail'
  if (age >= thresholds.wraparoundWarn) return 'warn'
  return 'ok'
}

/** Buffer cache hit rate; too few reads say nothing, so they pass. */
export function gradeHitRate(hits: number, reads: number, minimum: number = thresholds.hitRateWarn): CheckStatus {
  const total = hits + reads
  if (total < thresholds.hitRateMinimumReads) return 'ok'
  return hits / total < minimum ? 'warn' : 'ok'
}

export function gradeSequence(used: number, limit: number = thresholds.sequenceWarn): CheckStatus {
  return used > limit ? 'warn' : 'ok'
}

export interface ReplicationSlot {
  active: boolean
  /** WAL the slot keeps from being removed (pg_current_wal_lsn() - restart_lsn), null when it reserves none. */
  retainedBytes: null | number
  /** pg_replication_slots.wal_status: reserved, extended, unreserved, lost (null when it reserves no WAL). */
  walStatus: null | string
}

/**
 * A slot pins WAL until its consumer reads it. Lost or about to be (wal_status unreserved) fails: the consumer
 * must be re-synced. Inactive warns, and fails once it holds back more than the limit (it only grows);
 * an active consumer lagging past the limit warns.
 */
export function gradeReplicationSlot(slot: ReplicationSlot, maxRetainedBytes: number): CheckStatus {
  const overLimit = (slot.retainedBytes ?? 0) > maxRetainedBytes
  if (slot.walStatus === 'lost' || slot.walStatus === 'unreserved') return 'fail'
  if (!slot.active) return overLimit ? 'fail' : 'warn'
  return overLimit ? 'warn' : 'ok'
}

export function gradeCertificate(daysLeft: number): CheckStatus {
  if (daysLeft < 0) return 'fail'
  return daysLeft < thresholds.certificateWarnDays ? 'warn' : 'ok'
}

/** Share of datapoints at (or within 1% of) the configured maximum ACU. */
export function gradeCeiling(values: number[], maxAcu: number): {share: number; status: CheckStatus} {
  if (values.length === 0) return {share: 0, status: 'ok'}
  const atMax = values.filter((value) => value >= maxAcu * 0.99).length
  return {share: atMax / values.length, status: atMax > 0 ? 'warn' : 'ok'}
}

/** Private (RFC 1918, loopback, link-local, CGNAT, ULA) or public. */
export function isPrivateAddress(address: string): boolean {
  if (address.includes(':')) return address === '::1' || /^f[cd]/i.test(address) || /^fe80/i.test(address)
  const [a = 0, b = 0] = address.split('.').map(Number)
  return (
    a === 10 ||
    a === 127 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  )
}
