import type {RoleList} from '../../lib/credentials/role-list.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {databaseFlag, tlsFlags, viaFlag} from '../../lib/cli/flags.js'
import {requireCluster} from '../../lib/target/target.js'

export default class RoleListCommand extends BaseCommand<typeof RoleListCommand> {
  static override description = `The database's login roles, the master user among them, with what each may do in words:
read-only (SELECT on every table it can reach in its schemas, and on future ones), read-write (SELECT, INSERT,
UPDATE, DELETE), owner (owns the database or objects in it), superuser-like (superuser, or a member of
rds_superuser), custom (anything else: partial grants, CREATE on a schema, CREATEROLE ...; the detail says what), or
login only. Then its connection limit, its sessions now (pg_stat_activity, every database) and the secret auroractl
made for it (role create; none for every role, with a warning, when secretsmanager:ListSecrets is denied). PostgreSQL's and Amazon RDS's own roles (pg_*, rds*) are left out.
Read from catalogs any user may read: it needs no superuser.`
  static override examples = ['<%= config.bin %> role list', '<%= config.bin %> role list --database reports --json']
  static override flags = {
    database: databaseFlag("The database whose privileges are shown (default: the credentials secret's dbname)"),
    ...tlsFlags,
    via: viaFlag,
  }
  static override summary = "The database's login roles and their privileges"

  async run(): Promise<RoleList> {
    const {flags} = this
    const target = await this.target()
    const clusterId = requireCluster(target)
    const aws = await this.aws()
    const [{withClusterSession}, {listRoles}, {listRoleSecretsIfAllowed}] = await Promise.all([
      import('../../lib/target/cluster-session.js'),
      import('../../lib/credentials/role-list.js'),
      import('../../lib/credentials/role-secrets.js'),
    ])
    const secrets = listRoleSecretsIfAllowed(await aws.secretsManager(), clusterId)
    // Listed whatever happens to the database session: an unhandled rejection would end the process.
    secrets.catch(() => {})
    const list = await withClusterSession(target, aws, await this.sessionOptions(flags), async ({connection, query}) => {
      const found = await secrets
      // On stderr under --json too: a null secret then means "not known", not "none".
      if (!found)
        process.stderr.write(
          `${this.colour.yellow('Warning:')} Secrets Manager refused ListSecrets (AccessDenied): every role's secret is shown as none. Allow secretsmanager:ListSecrets to see them.\n`,
        )
      return listRoles(query, {masterUsername: connection.cluster.MasterUsername, secrets: found ?? []})
    })
    if (!this.jsonEnabled()) this.log((await import('../../lib/cli/render/roles.js')).renderRoleTable(list, this.colour))
    return list
  }
}
