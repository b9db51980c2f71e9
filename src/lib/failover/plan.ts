import type {DBCluster, DBInstance} from '@aws-sdk/client-rds'

import type {FailoverCall, FailoverInstance, FailoverPlan} from './types.js'

import {badInput} from '../cli/errors.js'

/**
 * Preflight, from DescribeDBClusters and DescribeDBInstances only: is there a writer to fail over from and a
 * reader to promote, which reader that is, and what is worth a warning first. Nothing here calls AWS.
 */

/** The instances of the cluster, as the cluster's member list and the instances' own records tell them. */
export function clusterInstances(cluster: DBCluster, instances: DBInstance[]): FailoverInstance[] {
  const byId = new Map(instances.map((instance) => [instance.DBInstanceIdentifier, instance]))
  return (cluster.DBClusterMembers ?? []).map((member) => {
    const instance = byId.get(member.DBInstanceIdentifier)
    return {
      id: member.DBInstanceIdentifier!,
      instanceClass: instance?.DBInstanceClass ?? null,
      promotionTier: member.PromotionTier ?? instance?.PromotionTier ?? null,
      status: instance?.DBInstanceStatus ?? null,
      writer: member.IsClusterWriter === true,
    }
  })
}

/** AWS promotes the reader in the lowest tier; an instance without one is in AWS's default tier, 1. */
const tierOf = (instance: FailoverInstance) => instance.promotionTier ?? 1

/** Tiers 0 and 1 scale with the writer (Serverless v2); a reader in a higher tier scales on its own load, and may be small. */
const scalesWithWriter = (instance: FailoverInstance) => tierOf(instance) <= 1

export function failoverCall(clusterId: string, targetId?: string): FailoverCall {
  return {
    api: 'FailoverDBCluster',
    input: targetId ? {DBClusterIdentifier: clusterId, TargetDBInstanceIdentifier: targetId} : {DBClusterIdentifier: clusterId},
  }
}

export interface PlanOptions {
  allowNoReader: boolean
  /** --to: the reader to promote. */
  to?: string
}

/**
 * Which reader the failover promotes, and the call that asks for it. Refuses (exit 2, nothing changed) a
 * cluster that is not available, a writer-less cluster, a --to that is not an available reader, and a
 * cluster without readers unless --allow-no-reader.
 */
export function planFailover(cluster: DBCluster, instances: DBInstance[], options: PlanOptions): FailoverPlan {
  const clusterId = cluster.DBClusterIdentifier!
  const status = cluster.Status ?? 'unknown'
  if (status !== 'available') {
    throw badInput(
      `Cluster ${clusterId} is ${status}, not available: a failover now would measure something else; nothing was changed.`,
      'Wait until it is available (`auroractl status`), then run the failover again.',
    )
  }

  const members = clusterInstances(cluster, instances)
  const writer = members.find((member) => member.writer)
  if (!writer) throw badInput(`Cluster ${clusterId} has no writer instance: there is nothing to fail over; nothing was changed.`)
  const readers = members.filter((member) => !member.writer)
  if (readers.length === 0) return noReaderPlan({clusterId, members, status, writer}, options)
  const target = options.to ? namedTarget(clusterId, members, options.to) : tierTarget(readers)
  const warnings = tierWarnings(readers, target.instance, target.chosenBy)
  return {
    call: failoverCall(clusterId, options.to),
    clusterId,
    clusterStatus: status,
    instances: members,
    target: {
      chosenBy: target.chosenBy,
      id: target.instance.id,
      promotionTier: target.instance.promotionTier,
      tiedWith: target.tiedWith,
    },
    warnings,
    writer: writer.id,
  }
}

function noReaderPlan(
  {clusterId, members, status, writer}: {clusterId: string; members: FailoverInstance[]; status: string; writer: FailoverInstance},
  options: PlanOptions,
): FailoverPlan {
  const why = `Cluster ${clusterId} has no reader: a failover would leave AWS to replace the writer ${writer.id} itself, which takes minutes, not seconds.`
  if (options.to) throw badInput(`--to ${options.to}: ${why}`)
  if (!options.allowNoReader) {
    throw badInput(
      `${why} Nothing was changed.`,
      'Add a reader in promotion tier 0 or 1 to rehearse a real failover, or pass --allow-no-reader to measure that outage.',
    )
  }

  return {
    call: failoverCall(clusterId),
    clusterId,
    clusterStatus: status,
    instances: members,
    target: null,
    warnings: [why],
    writer: writer.id,
  }
}

function namedTarget(
  clusterId: string,
  members: FailoverInstance[],
  to: string,
): {chosenBy: '--to'; instance: FailoverInstance; tiedWith: string[]} {
  const instance = members.find((member) => member.id === to)
  const readers = members.filter((member) => !member.writer).map((member) => member.id)
  if (!instance) throw badInput(`--to ${to} is not an instance of ${clusterId}; its readers: ${readers.join(', ')}.`)
  if (instance.writer)
    throw badInput(`--to ${to} is the writer already: name a reader to promote (${readers.join(', ')}), or leave --to out.`)
  if (instance.status !== 'available')
    throw badInput(`--to ${to} is ${instance.status ?? 'in an unknown state'}, not available: AWS cannot promote it now.`)
  return {chosenBy: '--to', instance, tiedWith: []}
}

/** The available reader in the lowest tier; the others in that tier are named, as AWS decides between them. */
function tierTarget(readers: FailoverInstance[]): {chosenBy: 'promotion tier'; instance: FailoverInstance; tiedWith: string[]} {
  const available = readers.filter((reader) => reader.status === 'available')
  if (available.length === 0) {
    throw badInput(
      `No reader is available to promote (${readers.map((reader) => `${reader.id} ${reader.status ?? 'unknown'}`).join(', ')}); nothing was changed.`,
      'Wait until a reader is available (`auroractl status`).',
    )
  }

  const [first, ...rest] = [...available].sort((a, b) => tierOf(a) - tierOf(b))
  const tiedWith = rest.filter((reader) => tierOf(reader) === tierOf(first!)).map((reader) => reader.id)
  return {chosenBy: 'promotion tier', instance: first!, tiedWith}
}

function tierWarnings(readers: FailoverInstance[], target: FailoverInstance, chosenBy: '--to' | 'promotion tier'): string[] {
  const warnings: string[] = []
  if (!readers.some((reader) => scalesWithWriter(reader))) {
    warnings.push(
      `No reader is in promotion tier 0 or 1: a Serverless v2 reader in a higher tier scales on its own load, may be scaled down, and is slow to take over as writer. Set one reader's tier to 0 or 1.`,
    )
  } else if (chosenBy === '--to' && !scalesWithWriter(target)) {
    warnings.push(
      `--to ${target.id} is in promotion tier ${tierOf(target)}: it may be scaled down and slow to take over; in a real outage AWS would promote a reader in a lower tier.`,
    )
  }

  return warnings
}
