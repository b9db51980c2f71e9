import * as Flags from '@oclif/core/flags'
import {constants} from 'node:fs'
import {access, stat} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import type {ConnectionInfo, SslMode} from '../lib/migrate/connection.js'
import type {MigrateReport} from '../lib/migrate/migrate.js'
import type {VerifyMode} from '../lib/pg/verification/verify.js'

import {BaseCommand} from '../lib/cli/base-command.js'
import {badInput, ExitCode} from '../lib/cli/errors.js'
import {confirmFlag, integerFlag, tlsFlags, viaFlag} from '../lib/cli/flags.js'

export default class Migrate extends BaseCommand<typeof Migrate> {
  static override description = `Move a PostgreSQL database into the cluster and prove nothing was lost.
Preflight (read-only on both sides), then pg_dump | psql in one transaction (--jobs 1) or N streamed COPY pipes,
then pg_restore -j N for indexes (--jobs N), into a scratch database; the dump and the source-side verification share one exported snapshot, so exact
per-table counts (or checksums), sequences and object counts hold while the source keeps writing. Only a verified copy
is renamed to the target's name: on any failure the target database is left as it was. Exit 4 when the verification
finds a difference. Passwords never go in a URL: PGPASSWORD or ~/.pgpass for --from, AURORACTL_TO_PASSWORD or
~/.pgpass for --to. Replaces \`pg_dump > backup.sql\`, \`psql < backup.sql\`, and eyeballing n_live_tup.`
  static override examples = [
    '<%= config.bin %> migrate --from "postgresql://app@old-host:5432/nbatracker" --dry-run',
    'PGPASSWORD=... <%= config.bin %> migrate --from postgresql://app@old-host/nbatracker --verify checksum',
    '<%= config.bin %> migrate --from-secret old-db-credentials --jobs 4 --json',
    `<%= config.bin %> migrate --from postgresql://app@old-host/nbatracker --exclude-table 'audit.*' --exclude-table 'tmp_*'`,
  ]
  static override flags = {
    confirm: confirmFlag('the target database (needed when --drop-existing replaces one)'),
    'drop-existing': Flags.boolean({description: 'Replace a non-empty target database with the verified copy (asks you to type its name)'}),
    'dry-run': Flags.boolean({description: 'Run the preflight only'}),
    'exclude-table': Flags.string({
      description: "Leave out the tables (views, sequences) matching this pg_dump pattern, e.g. 'audit.*' (repeatable)",
      multiple: true,
    }),
    from: Flags.string({
      description: 'Source: postgresql://USER@HOST:PORT/DATABASE[?sslmode=...&sslrootcert=...] (password from PGPASSWORD or ~/.pgpass)',
      exactlyOne: ['from', 'from-secret'],
    }),
    'from-ca-bundle': Flags.string({description: "PEM file of CAs to verify the source's certificate (libpq sslrootcert)"}),
    'from-secret': Flags.string({description: 'Source credentials from a Secrets Manager secret in the RDS format'}),
    'from-sslmode': Flags.string({
      description: "TLS to the source, as libpq's sslmode (default: the URL's, else prefer: TLS when the server offers it)",
      options: ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'],
    }),
    jobs: integerFlag({
      description:
        'Parallel jobs: 1 streams pg_dump | psql in one transaction; more runs that many COPY pipes at once, splitting large tables, then pg_restore -j for indexes (default: from the size and cores)',
      max: 16,
      min: 1,
    }),
    'keep-old': Flags.boolean({
      description: 'With --drop-existing: keep the replaced database as <name>__auroractl_old_<time> instead of dropping it',
    }),
    schema: Flags.string({
      description: "Copy only the schemas matching this pg_dump pattern, e.g. 'sales' or 'tenant_*' (repeatable)",
      multiple: true,
    }),
    'split-tables-larger-than': Flags.string({
      description:
        'With --jobs 2 or more: a table whose heap (not TOAST, not indexes) is larger than this (and than its share of the jobs) is copied in CTID ranges by every job at once, without FREEZE; smaller tables load whole and frozen (16MB to 16TB, default 1GB)',
    }),
    table: Flags.string({
      description:
        "Copy only the tables (views, sequences) matching this pg_dump pattern, e.g. 'public.orders*' (repeatable; overrides --schema, as in pg_dump)",
      multiple: true,
    }),
    to: Flags.string({
      description: "Target URL instead of the cluster's writer and secret (password from AURORACTL_TO_PASSWORD or ~/.pgpass)",
    }),
    'to-database': Flags.string({description: "Target database (default: the dbname in the cluster's secret, or the --to URL's)"}),
    verify: Flags.string({default: 'count', description: 'How to prove the copy', options: ['count', 'checksum', 'none']}),
    via: viaFlag,
    'work-dir': Flags.string({
      description:
        'Folder for the private (0700) work files: the schema file and pipe, or the schema archive and the COPY status files, removed on every exit (default: the system temp folder)',
    }),
    // TLS to the cluster (the target unless --to); the --from/--to URLs keep their own sslmode.
    ...tlsFlags,
  }
  static override summary = 'Move a PostgreSQL database into the cluster, verified'

  async run(): Promise<MigrateReport> {
    const {flags} = this
    const [{parseConnectionUrl, withTlsOverrides}, {migrate}, {confirmByTypedName}] = await Promise.all([
      import('../lib/migrate/connection.js'),
      import('../lib/migrate/migrate.js'),
      import('../lib/cli/confirm.js'),
    ])
    // Everything the user typed is checked before the first connection.
    const workDir = await checkWorkDir(flags['work-dir'])
    if (flags['keep-old'] && !flags['drop-existing'])
      throw badInput('--keep-old keeps the database --drop-existing replaces: pass both, or neither.')
    const {parseFilter} = await import('../lib/pg/verification/filter.js')
    const filter = {excludeTables: flags['exclude-table'] ?? [], schemas: flags.schema ?? [], tables: flags.table ?? []}
    // Empty or malformed patterns: exit 2 before anything connects.
    parseFilter(filter)
    const splitBytes =
      flags['split-tables-larger-than'] === undefined
        ? undefined
        : (await import('../lib/cli/size.js')).parseSize(flags['split-tables-larger-than'], '--split-tables-larger-than', {
            max: 16 * 1024 ** 4,
            min: 16 * 1024 ** 2,
          })
    const sourceTls = {caBundle: flags['from-ca-bundle'], sslmode: flags['from-sslmode'] as SslMode | undefined}
    if (sourceTls.caBundle) await checkReadableFile(sourceTls.caBundle, '--from-ca-bundle')
    // Each side gets its own password only: PGPASSWORD is the source's, AURORACTL_TO_PASSWORD the --to URL's.
    let source: ConnectionInfo = flags.from ? parseConnectionUrl(flags.from, '--from') : await this.sourceFromSecret(flags['from-secret']!)
    source = withTlsOverrides(source, sourceTls)
    if ((source.sslmode === 'verify-ca' || source.sslmode === 'verify-full') && !source.sslrootcert) {
      // No CA named for the source: trust what the cluster is trusted with by default (the RDS CAs and the system store), for the driver and pg_dump alike.
      const {resolveClusterTls, rootCertificateFile} = await import('../lib/pg/tls.js')
      source = {...source, sslrootcert: await rootCertificateFile(resolveClusterTls({}, {}))}
    }

    if (source.password === undefined && process.env.PGPASSWORD) source = {...source, password: process.env.PGPASSWORD}
    const toDatabase = (target: ConnectionInfo) => (flags['to-database'] ? {...target, database: flags['to-database']} : target)
    // The cluster's endpoint and secret are looked up while migrate connects to the source.
    const target = flags.to
      ? toDatabase({...parseConnectionUrl(flags.to, '--to'), password: process.env.AURORACTL_TO_PASSWORD || undefined})
      : this.clusterTarget().then(toDatabase)
    // Until migrate awaits it, a failed lookup must not be an unhandled rejection.
    if (target instanceof Promise) target.catch(() => {})

    const progress = await this.progress()
    const report = await this.interruptibly((signal) =>
      migrate({
        confirmReplace: (database) =>
          confirmByTypedName({
            action: `replace database ${database} on the target with the verified copy`,
            confirmFlag: flags.confirm,
            expected: database,
            interactive: this.interactive(),
          }),
        dropExisting: flags['drop-existing'],
        dryRun: flags['dry-run'],
        filter,
        jobs: flags.jobs,
        keepOld: flags['keep-old'],
        progress,
        signal,
        source,
        splitBytes,
        target,
        verify: flags.verify as VerifyMode,
        workDir,
      }),
    )
    if (!this.jsonEnabled()) {
      const {renderMigrateReport} = await import('../lib/cli/render/migrate.js')
      this.log(renderMigrateReport(report, this.colour))
    }

    if (report.verification && !report.verification.match) process.exitCode = ExitCode.checkFailed
    return report
  }

  private async clusterTarget(): Promise<ConnectionInfo> {
    const [{resolveClusterConnection}, {connectionFromCredentials}, {libpqTls}] = await Promise.all([
      import('../lib/target/cluster-connection.js'),
      import('../lib/migrate/connection.js'),
      import('../lib/pg/tls.js'),
    ])
    const connection = await resolveClusterConnection(await this.target(), await this.aws(), {tls: await this.clusterTls()})
    return connectionFromCredentials(connection.credentials, connection.address, connection.database, await libpqTls(connection.tls))
  }

  private async sourceFromSecret(secretId: string): Promise<ConnectionInfo> {
    const {getDatabaseCredentials} = await import('../lib/aws/secrets.js')
    const credentials = await getDatabaseCredentials(await (await this.aws()).secretsManager(), secretId)
    if (!credentials.host || !credentials.dbname)
      throw badInput(`--from-secret ${secretId} has no "host" or "dbname" field; use --from URL.`)
    return {
      database: credentials.dbname,
      host: credentials.host,
      password: credentials.password,
      port: credentials.port ?? 5432,
      sslmode: 'prefer',
      user: credentials.username,
    }
  }
}

/** --work-dir must be an existing folder this user can write to; the default is the system temp folder. */
async function checkWorkDir(value: string | undefined): Promise<string> {
  if (value === undefined) return os.tmpdir()
  const dir = path.resolve(value)
  const isDirectory = await stat(dir).then(
    (info) => info.isDirectory(),
    () => false,
  )
  const writable =
    isDirectory &&
    (await access(dir, constants.W_OK).then(
      () => true,
      () => false,
    ))
  if (!writable) throw badInput(`--work-dir ${value} is not a folder you can write to: give an existing, writable folder.`)
  return dir
}

async function checkReadableFile(file: string, flag: string): Promise<void> {
  if (
    !(await access(file).then(
      () => true,
      () => false,
    ))
  )
    throw badInput(`${flag} ${file} cannot be read: give a PEM file of CA certificates.`)
}
