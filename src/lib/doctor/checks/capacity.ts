import type {Check} from '../types.js'

import {type AwakeSessions, findPauseFeatures, listAwakeSessions} from '../../auto-pause.js'
import {cloudWatchSdk} from '../../aws/sdk.js'
import {formatDuration} from '../../cli/duration.js'
import {formatPercent} from '../../cli/render/text.js'
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
    const detail = `last hour: peak ${Math.max(...values)} ACU of max ${maxAcu}; at the ceiling ${formatPercent(share)} of ${values.length} minutes`
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

function describeSessions(group: AwakeSessions): string {
  const who = `${group.user || '?'}, application "${group.application}", from ${group.client || 'unknown'}`
  const state = group.active > 0 ? `${group.active} active` : 'all idle'
  return `${group.sessions} session(s) of ${who} (${state}, the oldest connected ${formatDuration(group.oldestSeconds * 1000)})`
}

/**
 * With a minimum of 0 ACUs: who keeps the cluster awake. The sessions on the writer by user, application and client
 * address (any connection a user opened keeps it from pausing; doctor's own is left out), and the features with which
 * AWS never pauses it. A feature that could not be checked is listed, not passed.
 */
export const capacityPauseBlockers: Check<DoctorFacts> = {
  dependsOn: ['cluster.status', 'db.auth'],
  id: 'capacity.pause-blockers',
  layer: 'capacity',
  async run(facts) {
    const cluster = await facts.cluster()
    const minAcu = cluster.ServerlessV2ScalingConfiguration?.MinCapacity
    if (minAcu !== 0) return skip(`minimum ${minAcu ?? 'not set'} ACU: the cluster never pauses (auto-pause needs a minimum of 0)`)
    const [features, sessions] = await Promise.all([
      findPauseFeatures(await facts.clients.rds(), cluster),
      listAwakeSessions((sql, parameters) => facts.query(sql, parameters)),
    ])
    const sessionCount = sessions.reduce((sum, group) => sum + group.sessions, 0)
    const blocking = features.filter((feature) => feature.blocks)
    const unchecked = features.filter((feature) => feature.blocks === null)
    const items = [
      ...sessions.map((group) => describeSessions(group)),
      ...blocking.map((feature) => `${feature.name}: ${feature.detail}`),
      ...unchecked.map((feature) => `${feature.name}: ${feature.detail}`),
    ]
    const after = cluster.ServerlessV2ScalingConfiguration?.SecondsUntilAutoPause
    const notChecked = unchecked.length > 0 ? `; not checked: ${unchecked.map((feature) => feature.name).join(', ')}` : ''
    if (sessionCount === 0 && blocking.length === 0) {
      return {
        ...ok(`nothing keeps it awake: no session but doctor's own, no feature that prevents pausing${notChecked}`, items),
        value: 0,
      }
    }

    const detail = [
      sessionCount > 0 ? `${sessionCount} session(s) keep the writer awake` : '',
      blocking.length > 0
        ? `${blocking.map((feature) => feature.name).join(', ')} keep${blocking.length === 1 ? 's' : ''} it from ever pausing`
        : '',
    ]
      .filter(Boolean)
      .join('; ')
    const hint =
      blocking.length > 0
        ? 'AWS never pauses an instance while such a feature is on: turn it off, or raise the minimum to 0.5 ACU (auroractl scale --min 0.5), as 0 saves nothing then.'
        : `The cluster pauses after ${after ? formatDuration(after * 1000) : "AWS's default 5m"} without a connection: close idle pooled connections (a pool's idle timeout, or idle_session_timeout for the role), and find them with \`auroractl ps --all\`.`
    // The sessions keeping it awake: the number that moves when an application releases its pool.
    return {...warn(`${detail}${notChecked}`, hint, items), value: sessionCount}
  },
  timeoutMs: 15_000,
  valueKind: 'count',
}

const days = 14

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
      `last ${days} days: ${range.minAcu}-${range.maxAcu} ACU, busiest instance's peak ${summary.peak.acu} ACU (${formatPercent(summary.peak.acu / range.maxAcu)} of max); ` +
      `at the min all hour in ${formatPercent(summary.shares.atMin)} of ${summary.hoursWithData} hours, whole hours at the max ${formatPercent(summary.shares.pinnedAtMax)}`
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
