import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../lib/base-command.js'
import {tlsFlags, viaFlag} from '../lib/flags.js'

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
Arguments after -- go to psql.`
static override examples = [
    '<%= config.bin %> psql',
    '<%= config.bin %> psql --reader -- -c "select count(*) from games"',
    '<%= config.bin %> psql --via 127.0.0.1:15432 --ca-bundle global-bundle.pem',
  ]
static override flags = {
    ...tlsFlags,
    database: Flags.string({description: 'Database to connect to (default: the secret\'s dbname)'}),
    reader: Flags.boolean({description: 'Connect to the reader endpoint'}),
    via: viaFlag,
  }
static override strict = false

  async run(): Promise<PsqlOutput> {
    const userArgs = this.argv.includes('--') ? this.argv.slice(this.argv.indexOf('--') + 1) : []
    const [{resolveClusterConnection}, {buildPsqlInvocation, runPsql}] = await Promise.all([import('../lib/cluster-connection.js'), import('../lib/psql.js')])
    const connection = await resolveClusterConnection(await this.target(), await this.aws(), {
      database: this.flags.database,
      reader: this.flags.reader,
      tls: await this.clusterTls(),
    })
    const {address} = connection
    const invocation = await buildPsqlInvocation({address, credentials: connection.credentials, database: connection.database, tls: connection.tls, userArgs})
    const exitCode = await runPsql(invocation)
    process.exitCode = exitCode
    return {exitCode, host: address.servername, route: address.route, sslmode: invocation.env.PGSSLMODE!}
  }
}
