import type {ClusterStatus} from '../lib/cluster-status.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {requireCluster} from '../lib/target/target.js'

export default class Status extends BaseCommand<typeof Status> {
  static override description = `Show the cluster at a glance: status, engine, endpoints, Serverless v2 capacity, instances, backups and the latest snapshot.
Replaces \`aws rds describe-db-clusters\` + \`describe-db-instances\` + \`describe-db-cluster-snapshots\`.`
  static override examples = [
    '<%= config.bin %> status --cluster nba-tracker-prod',
    '<%= config.bin %> status --env prod --json',
    '<%= config.bin %> status --tf-dir infra/environments/dev',
  ]
  static override summary = 'Show the cluster at a glance'

  async run(): Promise<ClusterStatus> {
    const clusterId = requireCluster(await this.target())
    const rds = await (await this.aws()).rds()
    const {getClusterStatus} = await import('../lib/cluster-status.js')
    const status = await getClusterStatus(rds, clusterId)
    if (!this.jsonEnabled()) {
      const {renderClusterStatus} = await import('../lib/cli/render/status.js')
      this.log(renderClusterStatus(status, this.colour))
    }

    return status
  }
}
