import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../lib/cli/base-command.js'
import {badInput} from '../lib/cli/errors.js'
import {tlsFlags, viaFlag} from '../lib/cli/flags.js'

export interface PsqlOutput {
  exitCode: number
  host: string
  route: string
  sslmode: string
}

export default class Psql extends BaseCommand<typeof Psql> {
  static override description = `Open psql on the cluster with the credentials from Secrets Manager: no password to copy.
The password reaches psql through its environment, never its command line. TLS is verify-full: against --ca-bundle,
else PGSSLROOTCERT, else the bundled Amazon RDS CAs and the system store (--tls require skips the check, with a warning).
Arguments after -- go to psql (\`-- -c "select 1"\`). Ctrl-C cancels psql's running query, as in psql. The exit code is
psql's own (0 ok, 1 fatal error, 2 connection lost, 3 script error with ON_ERROR_STOP); auroractl's own errors
(no cluster, no secret: 2, 3) come before psql starts. No --json: the output is psql's.`
  static override examples = [
    '<%= config.bin %> psql',
    '<%= config.bin %> psql --reader -- -c "select count(*) from games"',
    '<%= config.bin %> psql --via 127.0.0.1:15432 --ca-bundle global-bundle.pem',
  ]
  static override flags = {
    ...tlsFlags,
    database: Flags.string({description: "Database to connect to (default: the secret's dbname)"}),
    reader: Flags.boolean({description: 'Connect to the reader endpoint'}),
    via: viaFlag,
  }
  static override strict = false
  static override summary = 'Open psql on the cluster, credentials from Secrets Manager'

  /** `auroractl psql -c "..."`: oclif refuses the flag it does not know; say where psql's arguments go. */
  override async catch(error: Error & {exitCode?: number}): Promise<never> {
    const unknown = /^Nonexistent flags?: (.*)/.exec(error.message)
    if (!unknown) return super.catch(error)
    return super.catch(
      badInput(
        `${unknown[1]!.split('\n')[0]} is not an option of auroractl psql: psql's own arguments go after --.`,
        `Put them after --, e.g. \`${this.config.bin} psql -- -c "select 1"\` (auroractl's flags, like --reader, go before it).`,
      ),
    )
  }

  async run(): Promise<PsqlOutput> {
    if (this.jsonEnabled()) {
      throw badInput(
        "psql does not take --json: its output is psql's own and cannot be one JSON document.",
        `For JSON from a query, let psql make it: ${this.config.bin} psql -- -tA -c "select json_agg(t) from (select ...) t"`,
      )
    }

    const userArgs = this.argv.includes('--') ? this.argv.slice(this.argv.indexOf('--') + 1) : []
    // Anything oclif did not take as auroractl's flag, before the --, was meant for psql.
    const stray = this.extraArgv.slice(0, this.extraArgv.length - userArgs.length)
    if (stray.length > 0) {
      throw badInput(
        `"${stray.join(' ')}" is not an option of auroractl psql: psql's own arguments go after --.`,
        `Run: ${this.config.bin} psql -- ${stray.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ')}`,
      )
    }

    const [{resolveClusterConnection}, {buildPsqlInvocation, runPsql}] = await Promise.all([
      import('../lib/target/cluster-connection.js'),
      import('../lib/pg/psql.js'),
    ])
    const connection = await resolveClusterConnection(await this.target(), await this.aws(), {
      database: this.flags.database,
      reader: this.flags.reader,
      tls: await this.clusterTls(),
    })
    const {address} = connection
    const invocation = await buildPsqlInvocation({
      address,
      credentials: connection.credentials,
      database: connection.database,
      tls: connection.tls,
      userArgs,
    })
    const exitCode = await runPsql(invocation)
    process.exitCode = exitCode
    return {exitCode, host: address.servername, route: address.route, sslmode: invocation.env.PGSSLMODE!}
  }
}
