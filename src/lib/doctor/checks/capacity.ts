import type {Check} from '../types.js'

import {cloudWatchSdk} from '../../aws/sdk.js'
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
