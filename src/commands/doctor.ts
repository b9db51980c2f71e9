import * as Flags from '@oclif/core/flags'

import type {DoctorReport} from '../lib/doctor/run.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {parseDuration} from '../lib/cli/duration.js'
import {badInput, ExitCode} from '../lib/cli/errors.js'
import {tlsFlags, viaFlag} from '../lib/cli/flags.js'
import {parseIpv4Cidr} from '../lib/cli/validation.js'
import {requireCluster} from '../lib/target/target.js'

function idList(value: string | undefined, flag: string, known: string[]): string[] | undefined {
  if (value === undefined) return undefined
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean)
  const unknown = ids.filter((id) => !known.includes(id))
  if (ids.length === 0 || unknown.length > 0)
    throw badInput(`${flag} names unknown check(s) ${unknown.join(', ') || '(none given)'}; checks: ${known.join(', ')}.`)
  return ids
}

/**
 * The check ids --only and --skip accept, for --help (a command's help must not load every check).
 * A unit test keeps this list equal to src/lib/doctor's checkIds.
 */
export const helpCheckIds = [
  'aws.credentials',
  'cluster.status',
  'cluster.instances',
  'cluster.scaling',
  'cluster.backups',
  'cluster.performance-insights',
  'cluster.maintenance',
  'network.subnets',
  'network.security-group',
  'network.dns',
  'network.tcp',
  'network.tls',
  'secret.matches-cluster',
  'db.auth',
  'db.connections',
  'db.long-queries',
  'db.idle-in-transaction',
  'db.blocking',
  'db.wraparound',
  'db.hit-rate',
  'db.sequences',
  'db.autovacuum',
  'db.bloat',
  'db.unused-indexes',
  'db.duplicate-indexes',
  'db.unlogged-tables',
  'db.schemas',
  'capacity.ceiling',
]

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override description = `Diagnose why the database cannot be reached or is struggling: graded checks (ok, warn, fail, skip) across
AWS credentials, the cluster, the network path (subnets, security group, DNS, TCP, TLS), the credentials, the database
itself and its capacity, each with the measured value and the next step. Checks run concurrently, each with a timeout.
Exit 0 when nothing failed, 4 when a check failed. Replaces the troubleshooting runbook:
\`aws ec2 describe-security-groups\`, \`aws rds describe-db-clusters\`, \`telnet endpoint 5432\` and more.

Check ids for --only and --skip:
${helpCheckIds.join(', ')}`
  static override examples = [
    '<%= config.bin %> doctor --from-sg sg-0123456789abcdef0',
    '<%= config.bin %> doctor --via 127.0.0.1:15432 --ca-bundle global-bundle.pem',
    '<%= config.bin %> doctor --only network.tcp,network.tls,db.auth --json',
  ]
  static override flags = {
    ...tlsFlags,
    'from-cidr': Flags.string({
      description: 'Check that the security group admits this IPv4 address or CIDR on 5432',
      exclusive: ['from-sg'],
    }),
    'from-sg': Flags.string({description: "Check that the security group admits this security group on 5432 (your app's)"}),
    only: Flags.string({description: 'Run only these checks (comma-separated ids, listed above)'}),
    'query-age': Flags.string({default: '1m', description: 'Sessions older than this count as long-running or long idle in a transaction'}),
    skip: Flags.string({description: 'Skip these checks (comma-separated ids, listed above)'}),
    'tcp-timeout': Flags.string({default: '3s', description: 'TCP and TLS connect timeout (e.g. 3s)'}),
    via: viaFlag,
  }
  static override summary = 'Diagnose why the database cannot be reached or is struggling'

  async run(): Promise<DoctorReport> {
    const {flags} = this
    const {allChecks, checkIds, DoctorFacts, runChecks} = await import('../lib/doctor/index.js')
    const only = idList(flags.only, '--only', checkIds)
    const skipped = idList(flags.skip, '--skip', checkIds) ?? []
    const tcpTimeoutMs = parseDuration(flags['tcp-timeout'], '--tcp-timeout', {maxMs: 60_000, minMs: 100})
    const queryAgeSeconds = parseDuration(flags['query-age'], '--query-age', {minMs: 1000}) / 1000
    if (flags['from-sg'] && !/^sg-[0-9a-f]{8}([0-9a-f]{9})?$/.test(flags['from-sg']))
      throw badInput(`--from-sg "${flags['from-sg']}" is not a security group id (sg-0123456789abcdef0).`)
    const fromCidr = flags['from-cidr'] === undefined ? undefined : parseIpv4Cidr(flags['from-cidr'], '--from-cidr')

    const target = await this.target()
    const clusterId = requireCluster(target)
    const aws = await this.aws()
    const {loadEndpointMap} = await import('../lib/target/endpoint-map.js')
    const {resolveSecretId} = await import('../lib/secret.js')
    let secretId: string | undefined
    try {
      secretId = (await resolveSecretId(target, () => aws.rds())).secretId
    } catch {
      // Not fatal here: the checks that need the secret say it is missing.
    }

    const facts = new DoctorFacts(
      {
        cloudWatch: () => aws.cloudWatch(),
        ec2: () => aws.ec2(),
        rds: () => aws.rds(),
        secretsManager: () => aws.secretsManager(),
        sts: () => aws.sts(),
      },
      {
        clusterId,
        endpointMap: target.endpointMap ? await loadEndpointMap(target.endpointMap) : undefined,
        environment: target.environment,
        fromCidr,
        fromSecurityGroup: flags['from-sg'],
        queryAgeSeconds,
        secretId,
        tcpTimeoutMs,
        tls: await this.clusterTls(),
        via: target.via,
      },
    )
    const checks = allChecks.filter((check) => (only ? only.includes(check.id) : true) && !skipped.includes(check.id))
    const progress = await this.progress()
    progress.start(`Running ${checks.length} checks on ${clusterId}`)
    let report: DoctorReport
    try {
      report = await runChecks(checks, facts)
    } finally {
      await facts.close()
    }

    // A summary never shows ✓ when a check inside failed.
    if (report.summary.fail > 0) progress.fail(`${checks.length} checks done, ${report.summary.fail} failed`)
    else progress.succeed(`${checks.length} checks done`)
    if (!this.jsonEnabled()) {
      const {renderDoctorReport} = await import('../lib/cli/render/doctor.js')
      this.log(renderDoctorReport(report, this.colour))
    }

    if (report.summary.fail > 0) process.exitCode = ExitCode.checkFailed
    return report
  }
}
