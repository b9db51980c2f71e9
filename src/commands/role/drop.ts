import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {OwnedObject, RoleSession, SessionHandling} from '../../lib/credentials/role-drop.js'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {confirmFlag, databaseFlag, integerFlag, refusedYesFlag, tlsFlags, viaFlag} from '../../lib/cli/flags.js'
import {requireCluster} from '../../lib/target/target.js'

export interface RoleDropOutput {
  database: string
  dryRun: boolean
  /** What --reassign-to handed over. */
  owned: OwnedObject[]
  reassignedTo: null | string
  role: string
  /** The role's secret, scheduled for deletion (null: it had none, or --dry-run). */
  secret: null | {
    arn: string
    deletionDate: null | string
    name: string
    recoveryWindowDays: number
    /** Within the recovery window, this brings the secret back. */
    restoreCommand: string
  }
  /** Its sessions as listed before anything changed. */
  sessions: RoleSession[]
  /** Pids ended with pg_terminate_backend (--terminate-sessions). */
  sessionsEnded: number[]
  /** What it does (--dry-run: would do), in order. */
  steps: string[]
}

export default class RoleDrop extends BaseCommand<typeof RoleDrop> {
  static override args = {
    name: Args.string({description: 'The role to drop', required: true}),
  }
  static override description = `Drop a login role and schedule its secret for deletion, confirmed by the role's name (--confirm NAME).
Refuses (exit 2, nothing changed) while the role owns objects in the database, naming them, unless --reassign-to ROLE
hands them over (REASSIGN OWNED); while it has objects or privileges in other databases; while it has sessions,
unless --terminate-sessions ends them or --wait DURATION waits for them; for the master user, superusers, and roles
auroractl did not create (no secret tagged for them) unless --include-unmanaged.
First NOLOGIN (when it can log in), so no new session starts; then in one transaction REASSIGN OWNED, DROP OWNED (its privileges and
default privileges), DROP ROLE and the secret's DeleteSecret with a recovery window (--recovery-window-days, 7-30),
then COMMIT. A failure or Ctrl-C before COMMIT changes nothing: LOGIN is given back and the secret is untouched.
A lock waited for over 5 s (another session's open transaction on what it owns) gives up the same way, with exit 5.
Its sessions are read and ended on the writer (the instance auroractl connects to).
The database is --database, else the role's secret's dbname, else the credentials secret's.`
  static override examples = [
    '<%= config.bin %> role drop reporting',
    '<%= config.bin %> role drop ingest --reassign-to nbatracker --terminate-sessions --confirm ingest',
    '<%= config.bin %> role drop metabase --wait 10m --dry-run',
  ]
  static override flags = {
    confirm: confirmFlag('the role'),
    database: databaseFlag("The database it is dropped from (default: its secret's dbname, else the credentials secret's)"),
    'dry-run': Flags.boolean({description: 'Check everything and print what it would do; change nothing'}),
    'include-unmanaged': Flags.boolean({description: 'Also drop a role auroractl did not create (it has no secret to delete)'}),
    'reassign-to': Flags.string({description: 'Hand what the role owns in the database to this role (REASSIGN OWNED) instead of refusing'}),
    'recovery-window-days': integerFlag({
      default: 30,
      description: 'Days Secrets Manager keeps the deleted secret restorable (7-30; no immediate deletion)',
      max: 30,
      min: 7,
    }),
    'terminate-sessions': Flags.boolean({
      description: "End the role's sessions (pg_terminate_backend) instead of refusing",
      exclusive: ['wait'],
    }),
    wait: Flags.string({
      description: "Wait this long (e.g. 5m, up to 24h) for the role's sessions to close instead of refusing; exit 5 past it",
    }),
    yes: refusedYesFlag,
    ...tlsFlags,
    via: viaFlag,
  }
  static override summary = 'Drop a role and schedule its secret for deletion'

  async run(): Promise<RoleDropOutput> {
    const {flags} = this
    const name = this.args.name as string
    const sessions = await this.sessionHandling()
    const lib = await import('../../lib/credentials/role-drop.js')
    lib.checkRoleDropName(name)
    const target = await this.target()
    const clusterId = requireCluster(target)
    const aws = await this.aws()
    const secretsManager = await aws.secretsManager()
    const [{findRoleSecret}, {connectToCluster, resolveClusterConnection}, render] = await Promise.all([
      import('../../lib/credentials/role-secrets.js'),
      import('../../lib/target/cluster-connection.js'),
      import('../../lib/cli/render/roles.js'),
    ])
    const secret = (await findRoleSecret(secretsManager, clusterId, name)) ?? null
    const database = flags.database ?? (secret ? await this.secretDatabase(secret.arn) : undefined)
    const connection = await resolveClusterConnection(target, aws, {database, tls: await this.clusterTls()})
    const client = await connectToCluster(connection, {applicationName: 'auroractl-role'})
    client.on('error', () => {})
    try {
      // Before anything else: no statement of the drop queues without end behind another session's lock.
      await lib.limitRoleDropLockWaits(client)
      const request = {
        includeUnmanaged: flags['include-unmanaged'],
        name,
        reassignTo: flags['reassign-to'],
        recoveryWindowDays: flags['recovery-window-days'],
        sessions,
      }
      const facts = await lib.readRoleDropFacts(client, request)
      const plan = lib.planRoleDrop(request, facts, {masterUsername: connection.cluster.MasterUsername, secret})
      this.log(render.renderRoleDropPlan(plan))
      const output: RoleDropOutput = {
        database: plan.database,
        dryRun: flags['dry-run'],
        owned: plan.owned,
        reassignedTo: plan.reassignTo ?? null,
        role: name,
        secret: null,
        sessions: plan.sessions,
        sessionsEnded: [],
        steps: plan.steps,
      }
      if (flags['dry-run']) {
        this.log('Nothing was changed (--dry-run).')
        return output
      }

      const {confirmByTypedName} = await import('../../lib/cli/confirm.js')
      await confirmByTypedName({
        action: `drop role ${name} from cluster ${clusterId}${plan.secret ? ` and delete its secret ${plan.secret.name}` : ''}`,
        confirmFlag: flags.confirm,
        expected: name,
        interactive: this.interactive(),
      })
      const progress = await this.progress()
      const shield = <R>(work: () => Promise<R>) =>
        this.shielded(`Putting role ${name} back as it was, or finishing its drop; this ends in a moment.`, work)
      const outcome = await this.interruptibly((signal) => lib.dropRole({client, secretsManager}, plan, {progress, shield, signal}))
      this.log(render.renderRoleDropped(plan, outcome))
      const deletion = outcome.secretDeletion
      return {
        ...output,
        secret: deletion && {...deletion, restoreCommand: `aws secretsmanager restore-secret --secret-id ${deletion.arn}`},
        sessionsEnded: outcome.sessionsEnded,
      }
    } finally {
      await client.end().catch(() => {})
    }
  }

  /** The role's own database, from its secret; a secret that cannot be read leaves the choice to the credentials secret. */
  private async secretDatabase(secretArn: string): Promise<string | undefined> {
    const {getDatabaseCredentials} = await import('../../lib/aws/secrets.js')
    const credentials = await getDatabaseCredentials(await (await this.aws()).secretsManager(), secretArn).catch(() => {})
    return credentials?.dbname
  }

  /** --terminate-sessions, --wait DURATION, or neither (refuse while it has sessions); the duration is checked before any call. */
  private async sessionHandling(): Promise<SessionHandling> {
    if (this.flags['terminate-sessions']) return {mode: 'terminate'}
    if (this.flags.wait === undefined) return {mode: 'refuse'}
    const {parseDuration} = await import('../../lib/cli/duration.js')
    return {mode: 'wait', ms: parseDuration(this.flags.wait, '--wait', {maxMs: 86_400_000, minMs: 1000})}
  }
}
