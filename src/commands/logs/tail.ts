import * as Flags from '@oclif/core/flags'

import type {LogFile} from '../../lib/logs/files.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {parseDuration} from '../../lib/cli/duration.js'
import {AuroraError, badInput} from '../../lib/cli/errors.js'
import {integerFlag} from '../../lib/cli/flags.js'
import {requireCluster} from '../../lib/target/target.js'

export default class LogsTail extends BaseCommand<typeof LogsTail> {
  static override description = `The newest lines of the instance's newest PostgreSQL log file (the writer unless --instance), as they are.
--follow keeps printing lines as they are written, polling every --interval, and carries on into the next file when
the log rotates (the rest of the old file first); Ctrl-C or SIGTERM ends it (exit 0). --grep REGEX prints only the
lines that match (a JavaScript regular expression, case-sensitive unless it starts with (?i)); the --lines read from
the end are counted before the filter, as in \`tail -n N | grep\`. A statement logged over several lines is several lines.
No --json: the lines are printed as PostgreSQL wrote them (\`logs get --output FILE --json\` for a file's metadata).
Replaces a loop over \`aws rds download-db-log-file-portion\` with markers.`
  static override examples = [
    '<%= config.bin %> logs tail',
    '<%= config.bin %> logs tail --lines 200 --grep "ERROR|FATAL"',
    '<%= config.bin %> logs tail --follow --grep deadlock',
  ]
  static override flags = {
    follow: Flags.boolean({char: 'f', description: 'Keep printing new lines, across log rotation, until Ctrl-C'}),
    grep: Flags.string({description: 'Print only lines matching this regular expression'}),
    instance: Flags.string({description: 'Instance whose log to read (default: the writer)'}),
    interval: Flags.string({default: '5s', description: 'With --follow: how often to look for new lines (1s-5m)'}),
    lines: integerFlag({
      char: 'n',
      default: 50,
      description: 'Lines to read from the end of the file first (0-10000)',
      max: 10_000,
      min: 0,
    }),
  }
  static override summary = 'Print the newest log lines, and follow them'

  async run(): Promise<void> {
    const {flags} = this
    if (this.jsonEnabled()) {
      throw badInput(
        'logs tail does not take --json: it prints log lines as PostgreSQL wrote them.',
        'For JSON about a file, use `logs list --json` or `logs get FILE --output PATH --json`.',
      )
    }

    const intervalMs = parseDuration(flags.interval, '--interval', {maxMs: 300_000, minMs: 1000})
    const {grepPattern} = await import('../../lib/logs/grep.js')
    const pattern = flags.grep === undefined ? undefined : grepPattern(flags.grep)
    const clusterId = requireCluster(await this.target())
    const [{listLogFiles, newestLogFile, resolveLogInstance}, {followLog, lastLines}, rds] = await Promise.all([
      import('../../lib/logs/files.js'),
      import('../../lib/logs/tail.js'),
      this.aws().then((aws) => aws.rds()),
    ])
    const {instanceId} = await resolveLogInstance(rds, clusterId, flags.instance)
    const file = newestLogFile(await listLogFiles(rds, instanceId))
    if (!file)
      throw new AuroraError('NOT_FOUND', `${instanceId} has no log files.`, {hint: 'Check --instance; `auroractl logs list` lists them.'})

    const print = (line: string) => {
      if (!pattern || pattern.test(line)) process.stdout.write(`${line}\n`)
    }

    process.stderr.write(`${this.colour.dim(`${instanceId} ${file.name}`)}\n`)
    const tail = await lastLines(rds, {file: file.name, instanceId, lines: Math.max(flags.lines, 1)})
    for (const line of flags.lines === 0 ? [] : tail.lines) print(line)
    if (!flags.follow) return
    await this.follow({
      file,
      followLog,
      instanceId,
      intervalMs,
      listFiles: () => listLogFiles(rds, instanceId),
      marker: tail.marker,
      print,
      rds,
    })
  }

  private async follow(options: {
    file: LogFile
    followLog: typeof import('../../lib/logs/tail.js').followLog
    instanceId: string
    intervalMs: number
    listFiles: () => Promise<LogFile[]>
    marker: string
    print: (line: string) => void
    rds: import('@aws-sdk/client-rds').RDSClient
  }): Promise<void> {
    const {followLog, print, rds, ...rest} = options
    await this.interruptibly((signal) =>
      followLog(rds, {
        ...rest,
        onLine: print,
        onRotation: (from, to) => process.stderr.write(`${this.colour.dim(`${from} ended; now ${to}`)}\n`),
        signal,
      }),
    )
  }
}
