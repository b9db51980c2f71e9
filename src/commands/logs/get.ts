import {Args} from '@oclif/core'
import * as Flags from '@oclif/core/flags'

import type {Downloaded} from '../../lib/logs/download.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {AuroraError, badInput} from '../../lib/cli/errors.js'
import {checkNewOutputFile} from '../../lib/cli/output-path.js'
import {silentProgress} from '../../lib/cli/progress.js'
import {requireCluster} from '../../lib/target/target.js'

export interface LogsGetOutput extends Downloaded {
  file: string
  instanceId: string
  /** Where the file was written; null when it went to stdout. */
  output: null | string
}

export default class LogsGet extends BaseCommand<typeof LogsGet> {
  static override args = {
    file: Args.string({description: 'The log file, as `logs list` names it (the "error/" folder may be left out)', required: true}),
  }
  static override description = `The complete log file, to stdout or --output PATH. AWS hands a log file out in portions of at most 1 MB;
this reads every portion until AWS says none is pending (asking again for fewer lines when AWS cut a portion), then
checks the bytes against the size DescribeDBLogFiles listed: fewer is an error (exit 4). With --output the file is
written whole or not at all (a temporary file beside it, renamed at the end; removed on any failure or Ctrl-C), and
an existing file is replaced only with --force. The file being written grows while it downloads: more bytes than
listed is fine. --json needs --output (the file's content is not JSON) and gives what was written.
Replaces \`aws rds download-db-log-file-portion --starting-token 0 --output text > file\`, which can stop short.`
  static override examples = [
    '<%= config.bin %> logs get error/postgresql.log.2026-11-30-1700 --output postgresql.log',
    '<%= config.bin %> logs get postgresql.log.2026-11-30-1700 | grep ERROR',
    '<%= config.bin %> logs get error/postgresql.log.2026-11-30-1700 --output pg.log --force --json',
  ]
  static override flags = {
    force: Flags.boolean({description: 'Replace --output when it exists'}),
    instance: Flags.string({description: 'Instance whose log it is (default: the writer)'}),
    output: Flags.string({char: 'o', description: 'Write the file here (whole or not at all) instead of stdout'}),
  }
  static override summary = 'Download a complete log file'

  async run(): Promise<LogsGetOutput> {
    const {flags} = this
    if (this.jsonEnabled() && flags.output === undefined) {
      throw badInput('--json needs --output PATH: the log itself is not JSON; with --output, --json says what was written.')
    }

    if (flags.force && flags.output === undefined) throw badInput('--force applies to --output PATH only.')
    if (flags.output !== undefined) await checkNewOutputFile(flags.output, '--output', flags.force)
    const clusterId = requireCluster(await this.target())
    const [{listLogFiles, pickLogFile, resolveLogInstance}, rds] = await Promise.all([
      import('../../lib/logs/files.js'),
      this.aws().then((aws) => aws.rds()),
    ])
    const {instanceId} = await resolveLogInstance(rds, clusterId, flags.instance)
    const file = pickLogFile(await listLogFiles(rds, instanceId), this.args.file, instanceId)
    const downloaded = await this.download(rds, instanceId, file)
    if (!this.jsonEnabled() && flags.output !== undefined) {
      this.log(
        `Wrote ${file.name} to ${flags.output}: ${downloaded.bytes} bytes in ${downloaded.portions} portion${downloaded.portions === 1 ? '' : 's'}${downloaded.grew ? ` (listed ${downloaded.listedSize}: it was being written)` : ''}.`,
      )
    }

    return {...downloaded, file: file.name, instanceId, output: flags.output ?? null}
  }

  private async download(
    rds: import('@aws-sdk/client-rds').RDSClient,
    instanceId: string,
    file: import('../../lib/logs/files.js').LogFile,
  ): Promise<Downloaded> {
    const [{downloadLogFile, streamSink}, {writeFileWholeOrNothing}, {formatBytes}] = await Promise.all([
      import('../../lib/logs/download.js'),
      import('../../lib/cli/output-path.js'),
      import('../../lib/cli/render/text.js'),
    ])
    // A spinner drawn over the log itself on the same terminal would garble both: progress only when they part.
    const progress = this.flags.output === undefined && process.stdout.isTTY ? silentProgress : await this.progress()
    progress.start(`Downloading ${file.name} from ${instanceId} (${formatBytes(file.size)} listed)`)
    let shown = 0
    const onPortion = (bytes: number) => {
      // At most once a second: a plain-lines progress prints every change.
      if (performance.now() - shown < 1000) return
      shown = performance.now()
      progress.update(`Downloading ${file.name}: ${formatBytes(bytes)} of ${formatBytes(file.size)}`)
    }

    const {output} = this.flags
    try {
      const downloaded = await this.interruptibly(async (signal) => {
        try {
          return await (output === undefined
            ? downloadLogFile(rds, {file, instanceId, onPortion, signal, sink: streamSink(process.stdout)})
            : writeFileWholeOrNothing(output, (write) => downloadLogFile(rds, {file, instanceId, onPortion, signal, sink: {write}})))
        } catch (error) {
          if (!signal.aborted) throw error
          throw new AuroraError(
            'INTERRUPTED',
            `Interrupted: the download of ${file.name} stopped${output === undefined ? '' : `; ${output} was not written`}.`,
          )
        }
      })
      progress.succeed(`Downloaded ${file.name}: ${formatBytes(downloaded.bytes)}`)
      return downloaded
    } catch (error) {
      progress.fail(`Download of ${file.name} stopped${output === undefined ? '' : `; ${output} was not written`}`)
      throw error
    }
  }
}
