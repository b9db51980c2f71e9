import type {ClusterStatus} from '../lib/cluster-status.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {requireCluster} from '../lib/target/target.js'

export default class Status extends BaseCommand<typeof Status> {
  static override description = `Show the cluster at a glance: status, engine, endpoints, Serverless v2 capacity, instances, backups and the latest snapshot.
With a minimum of 0 ACUs it also shows the auto-pause delay and whether the writer is paused now (its latest
ServerlessDatabaseCapacity datapoint in CloudWatch: RDS keeps a paused instance "available").
Replaces \`aws rds describe-db-clusters\` + \`describe-db-instances\` + \`describe-db-cluster-snapshots\`.`
  static override examples = [
    '<%= config.bin %> status --cluster nba-tracker-prod',
    '<%= config.bin %> status --env prod --json',
    '<%= config.bin %> status --tf-dir infra/environments/dev',
  ]
  static override summary = 'Show the cluster at a glance'

  async run(): Promise<ClusterStatus> {
    const clusterId = requireCluster(await this.target())
    const aws = await this.aws()
    const {getClusterStatus, writerOf} = await import('../lib/cluster-status.js')
    // The human renderer (and cli-table3) loads while AWS answers, rather than after.
    const [status, renderer] = await Promise.all([
      getClusterStatus(await aws.rds(), clusterId),
      this.jsonEnabled() ? undefined : import('../lib/cli/render/status.js'),
    ])
    // Only a cluster that can pause needs CloudWatch: the client and the call are made for it alone.
    if (status.capacity?.minAcu === 0) {
      const [{readWriterPauseState}, cloudWatch] = await Promise.all([import('../lib/auto-pause.js'), aws.cloudWatch()])
      status.pause = await readWriterPauseState(cloudWatch, writerOf(status))
    }

    if (renderer) this.log(renderer.renderClusterStatus(status, this.colour))

    return status
  }
}
