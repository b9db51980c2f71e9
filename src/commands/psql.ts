import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../lib/base-command.js'
import {viaFlag} from '../lib/flags.js'

export interface PsqlOutput {
  exitCode: number
  host: string
  route: string
  sslmode: string
}

export default class Psql extends BaseCommand<typeof Psql> {
  static override description = `Open psql on the cluster with the credentials from Secrets Manager: no password to copy.
The password reaches psql through its environment, never its command line. TLS is required, and verified (verify-full)
when a CA bundle is given (--ca-bundle or PGSSLROOTCERT). Arguments after -- go to psql.`
static override examples = [
    '<%= config.bin %> psql',
    '<%= config.bin %> psql --reader -- -c "select count(*) from games"',
    '<%= config.bin %> psql --via 127.0.0.1:15432 --ca-bundle global-bundle.pem',
  ]
static override flags = {
    'ca-bundle': Flags.string({description: 'PEM file of CAs to verify the server with (the RDS CA bundle) [env: PGSSLROOTCERT]'}),
    database: Flags.string({description: 'Database to connect to (default: the secret\'s dbname)'}),
    reader: Flags.boolean({description: 'Connect to the reader endpoint'}),
    via: viaFlag,
  }
static override strict = false

  async run(): Promise<PsqlOutput> {
    const userArgs = this.argv.includes('--') ? this.argv.slice(this.argv.indexOf('--') + 1) : []
    const [{resolveClusterConnection}, {buildPsqlInvocation, runPsql}] = await Promise.all([import('../lib/cluster-connection.js'), import('../lib/psql.js')])
    const connection = await resolveClusterConnection(await this.target(), await this.aws(), {
      caFile: this.flags['ca-bundle'],
      database: this.flags.database,
      reader: this.flags.reader,
    })
    const {address} = connection
    const invocation = await buildPsqlInvocation({address, caFile: connection.caFile, credentials: connection.credentials, database: connection.database, userArgs})
    if (invocation.tlsWarning) this.warn(invocation.tlsWarning)
    const exitCode = await runPsql(invocation)
    process.exitCode = exitCode
    return {exitCode, host: address.servername, route: address.route, sslmode: invocation.env.PGSSLMODE!}
  }
}
