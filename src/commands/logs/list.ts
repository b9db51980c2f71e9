import * as Flags from '@oclif/core/flags'

import type {LogFile} from '../../lib/logs/files.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {requireCluster} from '../../lib/target/target.js'

export interface LogsListOutput {
  files: LogFile[]
  instanceId: string
}

export default class LogsList extends BaseCommand<typeof LogsList> {
  static override description = `The PostgreSQL log files of an instance (the writer unless --instance), oldest first: when each was last
written and its size. The newest is the one being written. Read one with \`logs get FILE\`, the newest lines with \`logs tail\`.
Replaces \`aws rds describe-db-log-files --db-instance-identifier ...\`.`
  static override examples = ['<%= config.bin %> logs list', '<%= config.bin %> logs list --instance nba-tracker-dev-reader-1 --json']
  static override flags = {
    instance: Flags.string({description: 'Instance whose logs to list (default: the writer)'}),
  }
  static override summary = "List the instance's PostgreSQL log files"

  async run(): Promise<LogsListOutput> {
    const clusterId = requireCluster(await this.target())
    const [{listLogFiles, resolveLogInstance}, rds] = await Promise.all([
      import('../../lib/logs/files.js'),
      this.aws().then((aws) => aws.rds()),
    ])
    const {instanceId} = await resolveLogInstance(rds, clusterId, this.flags.instance)
    const files = await listLogFiles(rds, instanceId)
    if (!this.jsonEnabled()) {
      if (files.length === 0) {
        this.log(`${instanceId} has no log files.`)
      } else {
        const {renderLogFiles} = await import('../../lib/cli/render/logs.js')
        this.log(renderLogFiles(files, {instanceId, now: new Date()}))
      }
    }

    return {files, instanceId}
  }
}
