import * as Flags from '@oclif/core/flags'

import type {DoctorComparison} from '../lib/doctor/compare.js'
import type {DoctorFacts as Facts} from '../lib/doctor/facts.js'
import type {DoctorReport} from '../lib/doctor/run.js'
import type {SavedDoctorReport} from '../lib/doctor/saved-report.js'
import type {Check} from '../lib/doctor/types.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {parseDuration} from '../lib/cli/duration.js'
import {badInput, ExitCode} from '../lib/cli/errors.js'
import {tlsFlags, viaFlag} from '../lib/cli/flags.js'
import {checkOutputFile} from '../lib/cli/output-path.js'
import {parseIpv4Cidr} from '../lib/cli/validation.js'
import {describeTunableChecks, parseThresholds, type TunableCheck} from '../lib/doctor/thresholds.js'
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
  'secret.rotation',
  'db.auth',
  'db.connections',
  'db.long-queries',
  'db.long-transactions',
  'db.idle-in-transaction',
  'db.blocking',
  'db.replication-slots',
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
  'capacity.pause-blockers',
  'capacity.range',
]

/**
 * The checks --threshold tunes, with what they declare, for --help (which must not load every check).
 * A unit test keeps this list equal to the checks' own declarations (src/lib/doctor's tunableChecks).
 */
export const helpTunableChecks: TunableCheck[] = [
  {
    default: 90 * 86_400,
    description: "warn when the secret's current version is older than this (rotate it)",
    id: 'secret.rotation',
    kind: 'duration',
  },
  {default: 60, description: 'warn when a query has been running longer than this', id: 'db.long-queries', kind: 'duration'},
  {
    default: 60,
    description: 'warn when a transaction has been open longer than this (any state)',
    id: 'db.long-transactions',
    kind: 'duration',
  },
  {
    default: 60,
    description: 'warn when a session has been idle in a transaction longer than this',
    id: 'db.idle-in-transaction',
    kind: 'duration',
  },
  {
    default: 1024 ** 3,
    description: 'warn when a replication slot holds back more WAL than this; fail when an inactive one does',
    id: 'db.replication-slots',
    kind: 'bytes',
  },
  {default: 0.99, description: 'warn when the buffer cache hit rate is below this', id: 'db.hit-rate', kind: 'share'},
  {default: 0.75, description: "warn when a sequence has used more than this share of its type's range", id: 'db.sequences', kind: 'share'},
  {
    default: 10_000,
    description: 'warn when a table autovacuum is behind on (off for it, or twice past its trigger) has at least this many dead rows',
    id: 'db.autovacuum',
    kind: 'count',
  },
  {
    default: 100 * 1024 ** 2,
    description: 'warn when a table or index wastes at least this much by the estimate (and at least half its size)',
    id: 'db.bloat',
    kind: 'bytes',
  },
  {
    default: 1024 ** 2,
    description: 'warn about an index never scanned once it is this large (on a table read at least 1000 times)',
    id: 'db.unused-indexes',
    kind: 'bytes',
  },
  {
    default: 50,
    description: 'warn when the database has more schemas than this (besides the system ones)',
    id: 'db.schemas',
    kind: 'count',
  },
]

/** The --json document (and, without `comparison`, what --save writes). */
export type DoctorResult = SavedDoctorReport & {comparison?: DoctorComparison}

type FailOn = 'fail' | 'warn'

/** Whether the run exits 4: a failed check, or with --fail-on warn also a warning. */
export function failsOn(summary: DoctorReport['summary'], failOn: FailOn): boolean {
  return summary.fail > 0 || (failOn === 'warn' && summary.warn > 0)
}

/**
 * --query-age is the older spelling of --threshold for db.long-queries and db.idle-in-transaction together;
 * a --threshold naming one of them is more specific, so it wins for that check.
 */
export function thresholdsWithQueryAge(thresholds: Record<string, number>, queryAgeSeconds: number | undefined): Record<string, number> {
  if (queryAgeSeconds === undefined) return thresholds
  return {'db.idle-in-transaction': queryAgeSeconds, 'db.long-queries': queryAgeSeconds, ...thresholds}
}

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override description = `Diagnose why the database cannot be reached or is struggling: graded checks (ok, warn, fail, skip) across AWS credentials, the cluster, the network path (subnets, security group, DNS, TCP, TLS), the credentials, the database itself and its capacity, each with the measured value and the next step. Checks run concurrently, each with a timeout. Exit 0 when nothing failed, 4 when a check failed (with --fail-on warn, also when one warned). Replaces the troubleshooting runbook: \`aws ec2 describe-security-groups\`, \`aws rds describe-db-clusters\`, \`telnet endpoint 5432\` and more.

--save FILE writes the report (the --json document: the cluster, the time and the auroractl version with every check); a later --compare FILE shows what changed since: new failures and warnings, recovered checks, values that moved, checks new or gone.

Check ids for --only and --skip:
${helpCheckIds.join(', ')}

Checks --threshold ID=VALUE tunes (durations like 30s or 5m, sizes like 500MB or 1GB, shares like 80% or 0.8):
${describeTunableChecks(helpTunableChecks)}`
  static override examples = [
    '<%= config.bin %> doctor --from-sg sg-0123456789abcdef0',
    '<%= config.bin %> doctor --via 127.0.0.1:15432 --ca-bundle global-bundle.pem',
    '<%= config.bin %> doctor --only network.tcp,network.tls,db.auth --json',
    '<%= config.bin %> doctor --threshold db.long-transactions=5m --threshold db.replication-slots=500MB',
    '<%= config.bin %> doctor --fail-on warn --compare doctor-last.json --save doctor-last.json',
  ]
  static override flags = {
    ...tlsFlags,
    compare: Flags.string({
      description: 'Show what changed since a report saved with --save (or doctor --json): new problems, recovered checks, moved values',
      helpValue: 'FILE',
    }),
    'fail-on': Flags.string({
      default: 'fail',
      description: 'Exit 4 when a check is at this level or worse: fail (default), or warn for CI gates',
      options: ['fail', 'warn'],
    }),
    'from-cidr': Flags.string({
      description: 'Check that the security group admits this IPv4 address or CIDR on 5432',
      exclusive: ['from-sg'],
    }),
    'from-sg': Flags.string({description: "Check that the security group admits this security group on 5432 (your app's)"}),
    only: Flags.string({description: 'Run only these checks (comma-separated ids, listed above)'}),
    'query-age': Flags.string({
      description:
        'Sessions older than this count as long-running or long idle in a transaction (default 1m): sets the threshold of db.long-queries and db.idle-in-transaction; a --threshold for either wins',
    }),
    save: Flags.string({
      description: 'Write the report (JSON, with cluster, time and version) to FILE, for a later --compare',
      helpValue: 'FILE',
    }),
    skip: Flags.string({description: 'Skip these checks (comma-separated ids, listed above)'}),
    'tcp-timeout': Flags.string({default: '3s', description: 'TCP and TLS connect timeout (e.g. 3s)'}),
    threshold: Flags.string({
      description: 'Tune a check: ID=VALUE, repeatable (tunable checks, their forms and defaults are listed above)',
      helpValue: 'ID=VALUE',
      multiple: true,
    }),
    via: viaFlag,
  }
  static override summary = 'Diagnose why the database cannot be reached or is struggling'

  async run(): Promise<DoctorResult> {
    const {flags} = this
    const doctor = await import('../lib/doctor/index.js')
    const only = idList(flags.only, '--only', doctor.checkIds)
    const skipped = idList(flags.skip, '--skip', doctor.checkIds) ?? []
    const tcpTimeoutMs = parseDuration(flags['tcp-timeout'], '--tcp-timeout', {maxMs: 60_000, minMs: 100})
    const queryAgeSeconds =
      flags['query-age'] === undefined ? undefined : parseDuration(flags['query-age'], '--query-age', {minMs: 1000}) / 1000
    const thresholds = thresholdsWithQueryAge(parseThresholds(flags.threshold ?? [], doctor.tunableChecks), queryAgeSeconds)
    if (flags['from-sg'] && !/^sg-[0-9a-f]{8}([0-9a-f]{9})?$/.test(flags['from-sg']))
      throw badInput(`--from-sg "${flags['from-sg']}" is not a security group id (sg-0123456789abcdef0).`)
    const fromCidr = flags['from-cidr'] === undefined ? undefined : parseIpv4Cidr(flags['from-cidr'], '--from-cidr')
    // Both files are checked before any check runs: finding a bad path after a minute of checks is too late.
    if (flags.save !== undefined) await checkOutputFile(flags.save, '--save')
    const saved =
      flags.compare === undefined ? undefined : await (await import('../lib/doctor/saved-report.js')).readSavedReport(flags.compare)

    const target = await this.target()
    const clusterId = requireCluster(target)
    const facts = await this.facts(clusterId, {fromCidr, tcpTimeoutMs, thresholds})
    const checks = doctor.allChecks.filter((check) => (only ? only.includes(check.id) : true) && !skipped.includes(check.id))
    const failOn = flags['fail-on'] as FailOn
    const report = await this.runAndReport(checks, facts, failOn)
    const result: DoctorResult = {auroractlVersion: this.config.version, checkedAt: facts.now.toISOString(), clusterId, ...report}
    if (flags.save !== undefined) await (await import('../lib/doctor/saved-report.js')).writeSavedReport(flags.save, result)
    if (saved) {
      const {compareReports} = await import('../lib/doctor/compare.js')
      if (saved.clusterId && saved.clusterId !== clusterId)
        process.stderr.write(
          `${this.colour.yellow('Note:')} ${flags.compare} was saved for cluster ${saved.clusterId}, not ${clusterId}.\n`,
        )
      result.comparison = compareReports(saved, result, {file: flags.compare!, valueKinds: doctor.valueKinds})
      if (!this.jsonEnabled()) {
        const {renderComparison} = await import('../lib/cli/render/doctor.js')
        this.log(`\n${renderComparison(result.comparison, this.colour)}`)
      }
    }

    if (failsOn(report.summary, failOn)) process.exitCode = ExitCode.checkFailed
    return result
  }

  /** What the checks look up, for this cluster: its AWS clients, the secret, the route to it and the thresholds. */
  private async facts(
    clusterId: string,
    options: {fromCidr?: string; tcpTimeoutMs: number; thresholds: Record<string, number>},
  ): Promise<Facts> {
    const target = await this.target()
    const aws = await this.aws()
    const [{loadEndpointMap}, {resolveSecretId}, {DoctorFacts}] = await Promise.all([
      import('../lib/target/endpoint-map.js'),
      import('../lib/secret.js'),
      import('../lib/doctor/facts.js'),
    ])
    let secretId: string | undefined
    try {
      secretId = (await resolveSecretId(target, () => aws.rds())).secretId
    } catch {
      // Not fatal here: the checks that need the secret say it is missing.
    }

    return new DoctorFacts(
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
        fromCidr: options.fromCidr,
        fromSecurityGroup: this.flags['from-sg'],
        secretId,
        tcpTimeoutMs: options.tcpTimeoutMs,
        thresholds: options.thresholds,
        tls: await this.clusterTls(),
        via: target.via,
      },
    )
  }

  /** Runs the checks with progress on stderr, and prints the report unless --json. */
  private async runAndReport(checks: Array<Check<Facts>>, facts: Facts, failOn: FailOn): Promise<DoctorReport> {
    const {runChecks} = await import('../lib/doctor/run.js')
    const progress = await this.progress()
    progress.start(`Running ${checks.length} checks on ${facts.options.clusterId}`)
    let report: DoctorReport
    try {
      report = await runChecks(checks, facts)
    } finally {
      await facts.close()
    }

    // A summary never shows ✓ when a check inside failed, nor when warnings fail the run (--fail-on warn).
    if (report.summary.fail > 0) progress.fail(`${checks.length} checks done, ${report.summary.fail} failed`)
    else if (failsOn(report.summary, failOn)) progress.fail(`${checks.length} checks done, ${report.summary.warn} warned (--fail-on warn)`)
    else progress.succeed(`${checks.length} checks done`)
    if (!this.jsonEnabled()) {
      const {renderDoctorReport} = await import('../lib/cli/render/doctor.js')
      this.log(renderDoctorReport(report, this.colour, {failOn}))
    }

    return report
  }
}
