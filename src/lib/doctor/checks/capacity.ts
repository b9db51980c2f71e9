import type {Check} from '../types.js'

import {cloudWatchSdk} from '../../aws/sdk.js'
import {serverlessInstances} from '../../cost/fetch.js'
import {recommendRange} from '../../cost/recommend.js'
import {costWindow, fetchHourlyUsage, summarizeUsage} from '../../cost/usage.js'
import {type DoctorFacts} from '../facts.js'
import {gradeCeiling} from '../grading.js'
import {ok, skip, warn} from '../types.js'

export const capacityCeiling: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'capacity.ceiling',
  layer: 'capacity',
  async run(facts) {
    const cluster = await facts.cluster()
    const maxAcu = cluster.ServerlessV2ScalingConfiguration?.MaxCapacity
    if (maxAcu === undefined) return skip('no Serverless v2 scaling configuration to compare with')
    const {GetMetricDataCommand} = cloudWatchSdk()
    const end = facts.now
    const {MetricDataResults: [series] = []} = await (
      await facts.clients.cloudWatch()
    ).send(
      new GetMetricDataCommand({
        EndTime: end,
        MetricDataQueries: [
          {
            Id: 'capacity',
            MetricStat: {
              Metric: {
                Dimensions: [{Name: 'DBClusterIdentifier', Value: cluster.DBClusterIdentifier}],
                MetricName: 'ServerlessDatabaseCapacity',
                Namespace: 'AWS/RDS',
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
        StartTime: new Date(end.getTime() - 3_600_000),
      }),
    )
    const values = series?.Values ?? []
    if (values.length === 0) return {...ok('no capacity datapoints in the last hour (a new or paused cluster has none)'), value: 0}
    const {share, status} = gradeCeiling(values, maxAcu)
    const detail = `last hour: peak ${Math.max(...values)} ACU of max ${maxAcu}; at the ceiling ${Math.round(share * 100)}% of ${values.length} minutes`
    const outcome =
      status === 'ok'
        ? ok(detail)
        : warn(
            detail,
            `The cluster is throttled by its max ACU: raise it with \`auroractl scale --max ${Math.min(256, maxAcu * 2)}\` (and max_capacity in the module).`,
          )
    // The share of the last hour's minutes spent at the ceiling.
    return {...outcome, value: share}
  },
  timeoutMs: 10_000,
  valueKind: 'share',
}

const days = 14
const percent = (share: number) => `${Math.round(share * 100)}%`

/**
 * The configured range against the last 14 days, graded by `metrics cost`'s own rules (src/lib/cost/recommend.ts): a
 * max the peak never came within 75% of (max may be too high), half the hours or more at the min (min may be too high),
 * whole hours pinned at the max (throttled). One GetMetricData request: each instance's hourly average and maximum.
 */
export const capacityRange: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'capacity.range',
  layer: 'capacity',
  async run(facts) {
    const cluster = await facts.cluster()
    const scaling = cluster.ServerlessV2ScalingConfiguration
    if (scaling?.MaxCapacity === undefined || scaling.MinCapacity === undefined)
      return skip('no Serverless v2 scaling configuration to compare with')
    const {serverless} = serverlessInstances(cluster, await facts.instances())
    if (serverless.length === 0) return skip('no Serverless v2 (db.serverless) instances')
    const range = {maxAcu: scaling.MaxCapacity, minAcu: scaling.MinCapacity}
    const usage = await fetchHourlyUsage(await facts.clients.cloudWatch(), {
      clusterId: cluster.DBClusterIdentifier!,
      connections: false,
      instances: serverless,
      volume: false,
      window: costWindow({sinceMs: days * 86_400_000}, facts.now),
    })
    const summary = summarizeUsage(usage, range)
    if (!summary.peak) return {...ok(`no capacity datapoints in the last ${days} days (a new or paused cluster has none)`), value: 0}
    const detail =
      `last ${days} days: ${range.minAcu}-${range.maxAcu} ACU, peak ${summary.peak.acu} ACU (${percent(summary.peak.acu / range.maxAcu)} of max); ` +
      `at the min all hour in ${percent(summary.shares.atMin)} of ${summary.hoursWithData} hours, whole hours at the max ${percent(summary.shares.pinnedAtMax)}`
    const advice = recommendRange(summary, range, {highestMax: 256, span: `${days}-day`})
    // The peak as a share of the max: how much of the range the load used.
    const value = summary.peak.acu / range.maxAcu
    if (!advice.changed) return {...ok(detail), value}
    const changes = [advice.max, advice.min].filter((change) => change.to !== change.from).map((change) => change.reason)
    return {
      ...warn(
        detail,
        `Review with \`auroractl metrics cost\`, then \`auroractl scale --min ${advice.min.to} --max ${advice.max.to}\` (and min_capacity/max_capacity in the module; a raise only as far as the engine version allows).`,
        changes,
      ),
      value,
    }
  },
  timeoutMs: 10_000,
  valueKind: 'share',
}
