import * as Flags from '@oclif/core/flags'

import type {ConnectionInfo} from '../lib/migrate/connection.js'
import type {MigrateReport} from '../lib/migrate/migrate.js'
import type {VerifyMode} from '../lib/migrate/verify.js'

import {BaseCommand} from '../lib/base-command.js'
import {badInput, ExitCode} from '../lib/errors.js'
import {tlsFlags, viaFlag} from '../lib/flags.js'

export default class Migrate extends BaseCommand<typeof Migrate> {
  static override description = `Move a PostgreSQL database into the cluster and prove nothing was lost.
Preflight (read-only on both sides), then pg_dump | psql in one transaction (--jobs 1) or pg_dump/pg_restore in parallel
into a copy that is swapped in only when complete (--jobs N); the dump and the source-side verification share one
exported snapshot, so exact per-table counts (or checksums), sequences and object counts hold while the source keeps
writing. Exit 4 when the verification finds a difference. Replaces \`pg_dump > backup.sql\`, \`psql < backup.sql\`, and
eyeballing n_live_tup.`
static override examples = [
    '<%= config.bin %> migrate --from "postgresql://app@old-host:5432/nbatracker" --dry-run',
    'PGPASSWORD=... <%= config.bin %> migrate --from postgresql://app@old-host/nbatracker --verify checksum',
    '<%= config.bin %> migrate --from-secret old-db-credentials --jobs 4 --json',
  ]
static override flags = {
    confirm: Flags.string({description: 'The target database name, to let --drop-existing drop it without a prompt'}),
    'drop-existing': Flags.boolean({description: 'Drop and recreate a non-empty target database (asks you to type its name)'}),
    'dry-run': Flags.boolean({description: 'Run the preflight only'}),
    'exclude-table': Flags.string({description: 'Leave this table out (repeatable; pg_dump pattern)', multiple: true}),
    from: Flags.string({description: 'Source: postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE (a password can also come from PGPASSWORD)', exactlyOne: ['from', 'from-secret']}),
    'from-secret': Flags.string({description: 'Source credentials from a Secrets Manager secret in the RDS format'}),
    jobs: Flags.integer({description: 'Parallel jobs: 1 streams in one transaction; more uses pg_dump -Fd / pg_restore -j (default: from the size)', max: 16, min: 1}),
    schema: Flags.string({description: 'Copy only this schema (repeatable)', multiple: true}),
    to: Flags.string({description: 'Target URL instead of the cluster\'s writer and secret'}),
    'to-database': Flags.string({description: 'Target database (default: the dbname in the cluster\'s secret, or the --to URL\'s)'}),
    verify: Flags.string({default: 'count', description: 'How to prove the copy', options: ['count', 'checksum', 'none']}),
    via: viaFlag,
    // TLS to the cluster (the target unless --to); the --from/--to URLs keep their own sslmode.
    ...tlsFlags,
  }

  async run(): Promise<MigrateReport> {
    const {flags} = this
    const [{parseConnectionUrl}, {migrate}, {confirmByTypedName}] = await Promise.all([
      import('../lib/migrate/connection.js'),
      import('../lib/migrate/migrate.js'),
      import('../lib/confirm.js'),
    ])
    let source: ConnectionInfo = flags.from ? parseConnectionUrl(flags.from, '--from') : await this.sourceFromSecret(flags['from-secret']!)
    if (source.password === undefined && process.env.PGPASSWORD) source = {...source, password: process.env.PGPASSWORD}
    let target = flags.to ? parseConnectionUrl(flags.to, '--to') : await this.clusterTarget()
    if (flags['to-database']) target = {...target, database: flags['to-database']}
    if (flags.schema?.some((schema) => !schema.trim())) throw badInput('--schema must name a schema.')

    const progress = await this.progress()
    const report = await this.interruptibly((signal) =>
      migrate({
        confirmDrop: (database) =>
          confirmByTypedName({action: `drop and recreate database ${database} on the target`, confirmFlag: flags.confirm, expected: database, interactive: this.interactive()}),
        dropExisting: flags['drop-existing'],
        dryRun: flags['dry-run'],
        filter: {excludeTables: flags['exclude-table'] ?? [], schemas: flags.schema ?? []},
        jobs: flags.jobs,
        progress,
        signal,
        source,
        target,
        verify: flags.verify as VerifyMode,
      }),
    )
    if (!this.jsonEnabled()) {
      const {renderMigrateReport} = await import('../lib/render/migrate.js')
      this.log(renderMigrateReport(report, this.colour))
    }

    if (report.verification && !report.verification.match) process.exitCode = ExitCode.checkFailed
    return report
  }

  private async clusterTarget(): Promise<ConnectionInfo> {
    const [{resolveClusterConnection}, {connectionFromCredentials}, {libpqTlsEnvironment}] = await Promise.all([
      import('../lib/cluster-connection.js'),
      import('../lib/migrate/connection.js'),
      import('../lib/pg/tls.js'),
    ])
    const connection = await resolveClusterConnection(await this.target(), await this.aws(), {tls: await this.clusterTls()})
    const {PGSSLMODE, PGSSLROOTCERT} = await libpqTlsEnvironment(connection.tls)
    return connectionFromCredentials(connection.credentials, connection.address, connection.database, {sslmode: PGSSLMODE, sslrootcert: PGSSLROOTCERT})
  }

  private async sourceFromSecret(secretId: string): Promise<ConnectionInfo> {
    const {getDatabaseCredentials} = await import('../lib/aws/secrets.js')
    const credentials = await getDatabaseCredentials(await (await this.aws()).secretsManager(), secretId)
    if (!credentials.host || !credentials.dbname) throw badInput(`--from-secret ${secretId} has no "host" or "dbname" field; use --from URL.`)
    return {database: credentials.dbname, host: credentials.host, password: credentials.password, port: credentials.port ?? 5432, sslmode: 'prefer', user: credentials.username}
  }
}
